/**
 * Calls into the theorem kernels of assembly/scalar/checks/theorems.ts through a ScalarEngine's
 * arena: a batch of GD runs with every step check (rows of RUN_STRIDE doubles) and a batch of
 * Lemma 3.13/3.14 GPGD points (rows of GPGD_STRIDE doubles).
 */
import type { ScalarEngine } from '../../engines/scalar.js';
import { GPGD_STRIDE, RUN_STRIDE } from './record.js';
import type { ResolvedCheck } from './settings.js';

/** Runs GD with every step check from n starts (AoS, D weights each): n × RUN_STRIDE. */
export function runKernel(
  e: ScalarEngine,
  c: Pick<ResolvedCheck, 'eta' | 'tol' | 'divergeAt' | 'steps' | 'lemma312Constant'>,
  D: number,
  initial: Float64Array,
  force: boolean,
  membershipEta = c.eta,
): Float64Array {
  const k = e.kernels;
  const a = e.arena;
  const n = initial.length / D;
  const mark = a.mark();
  try {
    const ip = a.alloc(initial.length * 8);
    const op = a.alloc(n * RUN_STRIDE * 8);
    const cp = a.alloc(16);
    a.f64(ip, initial.length).set(initial);
    k.theoremMembershipCounts(cp); // resets the module's running counts (per-run counts: columns 13, 30)
    k.theoremCheckRuns(
      D,
      n,
      ip,
      c.eta,
      c.tol,
      c.divergeAt,
      c.steps,
      c.lemma312Constant,
      force ? 1 : 0,
      membershipEta,
      op,
    );
    return a.f64(op, n * RUN_STRIDE).slice();
  } finally {
    a.release(mark);
  }
}

/** Runs the Lemma 3.13/3.14 checks on n points (AoS, D weights each): n × GPGD_STRIDE. */
export function runGpgdKernel(
  e: ScalarEngine,
  D: number,
  points: Float64Array,
  eta: number,
  steps: number,
): Float64Array {
  const k = e.kernels;
  const a = e.arena;
  const n = points.length / D;
  const mark = a.mark();
  try {
    const pp = a.alloc(Math.max(points.length, 1) * 8);
    const op = a.alloc(Math.max(n * GPGD_STRIDE, 1) * 8);
    a.f64(pp, points.length).set(points);
    if (k.gpgdLemmaChecks(D, n, pp, eta, steps, op) !== 0) throw new Error('gpgdLemmaChecks: bad sizes');
    return a.f64(op, n * GPGD_STRIDE).slice();
  } finally {
    a.release(mark);
  }
}
