/**
 * The checks of `eoslab check` on one given point instead of random samples: every step check along
 * GD from a start (in 𝕊 or not), the Lemma 3.13/3.14 checks from one point, the Lemma 3.13
 * verifier on a given sequence of errors, and the certified membership test alone (Kreisler et al.
 * 2023). Used by the tests' planted violations and by the library.
 */
import { engine as defaultEngine, checkWeights } from '../../api.js';
import { invalidOption } from '../../base/errors.js';
import { ScalarEngine } from '../../engines/scalar.js';
import { OPTIONS } from '../../base/options.js';
import { runGpgdKernel, runKernel } from './kernels.js';
import { decodeGpgdPoint, decodeRun, type CheckRun, type GpgdPointCheck } from './record.js';
import { pick, resolveOptions } from '../../base/optionSet.js';
import { CHECK_METHOD, CHECK_OPTIONS } from './settings.js';

export interface CheckTrajectoryOptions {
  eta: number;
  steps?: number;
  tol?: number;
  divergeAt?: number;
  lemma312Constant?: number;
  /**
   * Step size of the membership tests (default η). A smaller value is a planted fault: 𝕊 of a
   * smaller step size is larger (Lemma I.1), so starts outside 𝕊 pass as members.
   */
  membershipEta?: number;
  engine?: ScalarEngine;
}

function checkEngine(engine: unknown): ScalarEngine {
  if (engine !== undefined && !(engine instanceof ScalarEngine)) {
    throw invalidOption('engine', engine, 'a ScalarEngine');
  }
  return engine ?? defaultEngine();
}

/**
 * Runs every step check on GD from one given start, whether or not it lies in 𝕊 (outside 𝕊 the
 * theorems do not apply, so this shows what the counters report when their premise fails).
 */
export function checkTrajectory(w0: ArrayLike<number>, options: CheckTrajectoryOptions): CheckRun {
  const e = checkEngine(options.engine);
  const w = checkWeights(w0, 'w0');
  const eta = OPTIONS.eta.check(options.eta, 'eta');
  const c = { eta, ...resolveOptions(pick(CHECK_OPTIONS, 'steps', 'tol', 'divergeAt', 'lemma312Constant'), options) };
  const membershipEta = OPTIONS.eta.check(options.membershipEta ?? eta, 'membershipEta');
  return decodeRun(runKernel(e, c, w.length, w, true, membershipEta), 0);
}

/** Lemma 3.13/3.14 checks from one point w (GPGD up to `steps` steps, default 4000, at most 8191). */
export function gpgdLemmaCheck(
  w: ArrayLike<number>,
  options: { eta: number; steps?: number; engine?: ScalarEngine },
): GpgdPointCheck {
  const e = checkEngine(options.engine);
  const weights = checkWeights(w, 'w');
  const eta = OPTIONS.eta.check(options.eta, 'eta');
  const steps = options.steps ?? CHECK_METHOD.gpgdSteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > 8191) {
    throw invalidOption('steps', steps, 'an integer in [1, 8191]');
  }
  return decodeGpgdPoint(runGpgdKernel(e, weights.length, weights, eta, steps), 0);
}

/** What gpgdOrbitVerify reports on a sequence of errors bₖ = πₖ − 1 (Lemma 3.13). */
export interface OrbitVerification {
  signViolations: number;
  decayViolations: number;
  maxRoomUsed: number;
  rateDeviation: number;
  rateViolation: boolean;
}

/**
 * The Lemma 3.13 verifier of the kernel applied to a given sequence of errors bₖ = πₖ − 1 of an
 * orbit with GFS sharpness φ (the counters' own code path, for planted sequences).
 */
export function verifyGpgdOrbit(
  errors: ArrayLike<number>,
  phi: number,
  eta: number,
  e: ScalarEngine = defaultEngine(),
): OrbitVerification {
  if (
    !(typeof errors === 'object' && errors !== null && typeof errors.length === 'number') ||
    errors.length < 1 ||
    errors.length > 8192 ||
    !Array.from(errors).every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw invalidOption('errors', errors, '1 to 8192 finite numbers');
  }
  if (typeof phi !== 'number' || !Number.isFinite(phi) || !(phi > 0)) {
    throw invalidOption('phi', phi, 'a finite number > 0');
  }
  const step = OPTIONS.eta.check(eta, 'eta');
  const k = e.kernels;
  const mark = e.arena.mark();
  try {
    const vp = e.arena.alloc(errors.length * 8);
    const op = e.arena.alloc(5 * 8);
    e.arena.f64(vp, errors.length).set(Array.from(errors));
    k.gpgdOrbitVerify(vp, errors.length, phi, step, op);
    const o = e.arena.f64(op, 5);
    return {
      signViolations: o[0] as number,
      decayViolations: o[1] as number,
      maxRoomUsed: o[2] as number,
      rateDeviation: o[3] as number,
      rateViolation: o[4] === 1,
    };
  } finally {
    e.arena.release(mark);
  }
}

/** Membership by the certified interval test alone (true: certified member; false: undecided). */
export function certifiedMember(w: ArrayLike<number>, eta: number, e: ScalarEngine = defaultEngine()): boolean {
  const weights = checkWeights(w);
  const k = e.kernels;
  const mark = e.arena.mark();
  try {
    const p = e.arena.alloc(weights.length * 8);
    e.arena.f64(p, weights.length).set(weights);
    return k.theoremCertifiedMember(p, weights.length, OPTIONS.eta.check(eta, 'eta')) === 1;
  } finally {
    e.arena.release(mark);
  }
}
