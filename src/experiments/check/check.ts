/**
 * `eoslab check`: numerical checks of the paper's theorems on random initialisations
 * (SPEC §1.7, §1.8). Kernels: assembly/scalar/checks/theorems.ts; runs fan out over a Piscina pool
 * (worker.ts beside it), and every sample is a pure function of (seed, index), so the counts are
 * identical for any number of workers.
 *
 * Distribution of the initialisations (the (φ₀, p₀) family of SPEC §2 with random directions):
 *   c ~ 𝒩(0, I_D) projected onto Σcᵢ = 0;  φ₀ ~ U(D, φ_hi] with φ_hi = max(1.25·2√2/η, D + 1)
 *   (so that some starts fail 𝕊's condition φ ≤ 2√2/η);  p₀ log-uniform on [0.05, 5] (fig3's
 *   range);  w⁽⁰⁾ = the point of product p₀ on the GF line of the minimum with sharpness φ₀ in
 *   direction c. All weights are positive (the dynamics depend only on |w| and sign π, SPEC §1.4).
 * Random numbers: sfc32 seeded per sample from (seed, index) through the MurmurHash3 finaliser.
 *
 * Besides Theorem 3.2 and Lemmas 3.10–3.12 along every run, the check reports (Kreisler et al.
 * 2023; the paper's constants are lost, so what is checked is stated with each counter):
 *  · Theorem 3.3 for runs in 𝕊 at t = 0 whose φ crosses 2/η: the crossing step t₀, L(t₀), the final
 *    gap 2/η − S∞, a two-step loss decay rate after t₀ and convergence; violations counted for the
 *    runs with L(t₀) ≤ THM33_SMALL_LOSS (see `summarize`);
 *  · the entry into 𝕊 of runs that start outside it and whether φ is monotone from there on;
 *  · Lemmas 3.13 and 3.14 on separate points (`drawGpgdPoint`): GPGD from 1/η < φ < 2/η near
 *    π = 1 (sign alternation and geometric decay of π − 1), and L(GD²(w)) against L(GPGD²(w)).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { engine as defaultEngine, checkWeights } from '../../api.js';
import { ScalarEngine, type ScalarKernels } from '../../engines/scalar.js';
import { aborted, checkHooks, invalidOption } from '../../base/errors.js';
import { compiledWorker, runOnPool } from '../../pool/pool.js';
import { writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import { Sfc32 } from '../../base/random.js';
import { OPTIONS } from '../../options.js';
import { writeThm33Figure, type Thm33Points } from './figure.js';

type Ptr = number;

/** The kernels of assembly/scalar/checks/theorems.ts. */
export interface TheoremKernels extends ScalarKernels {
  theoremCheckRuns(
    D: number,
    n: number,
    initial: Ptr,
    eta: number,
    tol: number,
    divergeAt: number,
    maxSteps: number,
    lemma312Constant: number,
    forceChecks: number,
    membershipEta: number,
    out: Ptr,
  ): void;
  theoremCertifiedMember(w: Ptr, D: number, eta: number): number;
  theoremMembershipCounts(out: Ptr): void;
  gpgdLemmaChecks(D: number, n: number, points: Ptr, eta: number, maxSteps: number, out: Ptr): number;
  gpgdOrbitVerify(values: Ptr, len: number, phi: number, eta: number, out: Ptr): void;
}

/** Doubles per run written by theoremCheckRuns (column meanings: RUN_COLUMNS). */
export const RUN_STRIDE = 31;
export const RUN_COLUMNS = [
  'in 𝕊 at t = 0',
  'status (0 converged, 1 diverged, 2 max steps, 3 π ≤ 0 reached)',
  'GD steps',
  'steps where φ increased',
  'iterates outside 𝕊',
  'Lemma 3.10 violations',
  'Lemma 3.11 violations',
  'Lemma 3.12 violations',
  'final S',
  'final φ',
  'initial φ',
  'initial π',
  'largest relative increase of φ',
  'membership tests decided by the reference kernel',
  'first violating step (−1 none)',
  'final loss',
  'converged with S > (2/η)(1 + SHARPNESS_RTOL)',
  'max (φ − φ⁺)/(C η² max(1, π²) L φ³)',
  'max aᵢ',
  'step checks ran',
  'crossing step t₀: first t ≥ 1 with φ(t − 1) > 2/η ≥ φ(t) (−1 none)',
  'L(t₀)',
  'L(t₀ − 1)',
  'φ(t₀)',
  'two-step loss decay rate after t₀: exp(2·slope) of a least-squares fit of log L(t) on the t ≥ t₀ with t − t₀ even',
  'steps t ≥ t₀ with L(t + 2) > L(t)(1 + LOSS_RTOL)',
  'max over t ≥ t₀ of L(t + 2)/L(t)',
  'last two-step loss ratio L(T)/L(T − 2)',
  'entry step into 𝕊 (0 in 𝕊 at t = 0, −1 none)',
  'φ increases from the entry step on',
  'membership tests certified by interval bounds',
] as const;

/** Doubles per point written by gpgdLemmaChecks (column meanings: GPGD_COLUMNS). */
export const GPGD_STRIDE = 12;
export const GPGD_COLUMNS = [
  'φ',
  'π₀ − 1',
  'status (0 |π − 1| ≤ B_STOP reached, 1 step budget reached, 2 GPGD undefined)',
  'GPGD steps',
  'Lemma 3.13 sign violations',
  'Lemma 3.13 decay violations (|π⁺ − 1| > ρ*|π − 1|, ρ* = (1 + |1 − ηφ|)/2)',
  'largest used fraction (r − |1 − ηφ|)/(1 − |1 − ηφ|) of the room between the local rate and 1',
  '|r − |1 − ηφ|| at the first |π − 1| ≤ B_RATE',
  'local rate violation (column 7 > RATE_ATOL)',
  'π(GD(GD(w))) − 1',
  'π(GPGD(GPGD(w))) − 1',
  'Lemma 3.14 violation (|π(GD²) − 1| > |π(GPGD²) − 1| + PRODUCT_ATOL, or GPGD² undefined)',
] as const;

/**
 * Tolerances for rounding (mirrors of the constants in assembly/scalar/checks/theorems.ts):
 *  PHI_RTOL        φ increase counted only above φ·1e-10 (Theorem 3.2; also the slack of Lemma 3.12)
 *  BALANCE_RTOL    a balance gap may grow by 1e-12·max wᵢ² (Lemma 3.10)
 *  SIGN_RTOL       aᵢ < 1 + 1e-12 (Lemma 3.11)
 *  SHARPNESS_RTOL  final S ≤ (2/η)(1 + 1e-6): S − φ = O(√L) ≈ 1e-7 at L = 1e-14
 *  CERT_RTOL       margin of the certified membership test (a failed certificate goes to the
 *                  reference kernel, which alone can declare an iterate outside 𝕊)
 *  LOSS_RTOL       a two-step loss increase after the crossing counts above L·1e-6 (L's rounding
 *                  is ≤ 5e-9 relative down to L = 1e-14) (Theorem 3.3)
 *  FINAL_RATE_ATOL |L(T)/L(T − 2) − (1 − ηS∞)⁴| ≤ 1e-5 at convergence (measured ≤ 1e-7)
 *  B_STOP, B_RATE  GPGD runs until |π − 1| ≤ 1e-9; its local rate is read at |π − 1| ≤ 1e-7
 *  RATE_ATOL       |r − |1 − ηφ|| ≤ 1e-5 there (Lemma 3.13; curvature and rounding ≪ 1e-5)
 *  PRODUCT_ATOL    64ε on |π − 1| in the Lemma 3.14 comparison
 */
export const CHECK_TOLERANCES = {
  PHI_RTOL: 1e-10,
  BALANCE_RTOL: 1e-12,
  SIGN_RTOL: 1e-12,
  SHARPNESS_RTOL: 1e-6,
  CERT_RTOL: 1e-9,
  LOSS_RTOL: 1e-6,
  FINAL_RATE_ATOL: 1e-5,
  B_STOP: 1e-9,
  B_RATE: 1e-7,
  RATE_ATOL: 1e-5,
  PRODUCT_ATOL: 64 * Number.EPSILON,
} as const;

export const CHECK_DEFAULTS = {
  depth: 4,
  eta: 0.1,
  samples: 1000,
  seed: 1,
  steps: 20000,
  tol: 1e-14,
  divergeAt: 1e6,
  /** The constant C of the derived Lemma 3.12 bound φ⁺ ≥ φ − C η² max(1, π²) L φ³ (SPEC §1.8). */
  lemma312Constant: 2,
  productRange: [0.05, 5] as readonly [number, number],
  /** φ₀'s upper end as a multiple of 𝕊's bound 2√2/η. */
  phiMaxFactor: 1.25,
  /**
   * Theorem 3.3's "small enough" loss at the crossing, chosen by measurement (README): the
   * counters of Theorem 3.3 apply to the runs with L(t₀) ≤ this.
   */
  thm33SmallLoss: 1e-2,
  /**
   * K of our empirical bound on the final gap, (2/η − S∞)/(2/η) ≤ K·√max(L(t₀ − 1), L(t₀)) (not
   * the paper's constant, which is lost; README gives the measured largest ratio).
   */
  thm33GapConstant: 1,
  /** Lemma 3.13 points: φ ∈ [(1 + μ)/η, (2 − μ)/η] (and φ ≥ D), μ = this. */
  gpgdMargin: 0.05,
  /** Lemma 3.13 points: |π₀ − 1| ≤ β · min(ηφ − 1, 2 − ηφ), β = this (log-uniform over 4 decades). */
  gpgdNeighbourhood: 0.25,
  /** GPGD step budget per Lemma 3.13 point (the kernel caps it at 8191). */
  gpgdSteps: 4000,
} as const;

/** Samples per task handed to a worker. */
const TASK_SIZE = 50;

export interface CheckOptions {
  depth?: number;
  eta?: number;
  samples?: number;
  seed?: number;
  /** GD step budget per run. */
  steps?: number;
  /** Convergence: loss < tol. */
  tol?: number;
  divergeAt?: number;
  /** Constant C of the Lemma 3.12 bound (default 2, SPEC's derivation). */
  lemma312Constant?: number;
  /** Theorem 3.3's "small enough" loss at the crossing (default CHECK_DEFAULTS.thm33SmallLoss). */
  thm33SmallLoss?: number;
  /** K of the final-gap bound (default CHECK_DEFAULTS.thm33GapConstant). */
  thm33GapConstant?: number;
  /** β of the Lemma 3.13 points' neighbourhood |π₀ − 1| ≤ β·min(ηφ − 1, 2 − ηφ) (default 0.25). */
  gpgdNeighbourhood?: number;
  /** Worker threads (default: available cores; 0: this thread). */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedCheck {
  depth: number;
  eta: number;
  samples: number;
  seed: number;
  steps: number;
  tol: number;
  divergeAt: number;
  lemma312Constant: number;
  workers: number;
  /** φ₀ ~ U(depth, phiMax]. */
  phiMax: number;
  productRange: readonly [number, number];
  thm33SmallLoss: number;
  thm33GapConstant: number;
  /** φ range of the Lemma 3.13/3.14 points; null when it is empty (2 − μ)/η ≤ max(D, (1 + μ)/η). */
  gpgdBand: readonly [number, number] | null;
  gpgdNeighbourhood: number;
  gpgdSteps: number;
}

/** A finite number > 0 (library-only options). */
function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw invalidOption(name, value, 'a finite number > 0');
  }
  return value;
}

/** The φ band of the Lemma 3.13 points for (D, η), or null when empty. */
export function gpgdBand(depth: number, eta: number): readonly [number, number] | null {
  const mu = CHECK_DEFAULTS.gpgdMargin;
  const lo = Math.max((1 + mu) / eta, depth);
  const hi = (2 - mu) / eta;
  return hi > lo ? [lo, hi] : null;
}

export function resolveCheckOptions(options: CheckOptions = {}): ResolvedCheck {
  const depth = OPTIONS.depth.check(options.depth ?? CHECK_DEFAULTS.depth, 'depth');
  const eta = OPTIONS.eta.check(options.eta ?? CHECK_DEFAULTS.eta, 'eta');
  const lemma312Constant = checkLemmaConstant(options.lemma312Constant);
  return {
    depth,
    eta,
    samples: OPTIONS.samples.check(options.samples ?? CHECK_DEFAULTS.samples, 'samples'),
    seed: OPTIONS.seed.check(options.seed ?? CHECK_DEFAULTS.seed, 'seed'),
    steps: OPTIONS.maxSteps.check(options.steps ?? CHECK_DEFAULTS.steps, 'steps'),
    tol: OPTIONS.tol.check(options.tol ?? CHECK_DEFAULTS.tol, 'tol'),
    divergeAt: OPTIONS.divergeAt.check(options.divergeAt ?? CHECK_DEFAULTS.divergeAt, 'divergeAt'),
    lemma312Constant,
    workers: options.workers !== undefined ? OPTIONS.workers.check(options.workers, 'workers') : availableParallelism(),
    phiMax: Math.max(CHECK_DEFAULTS.phiMaxFactor * ((2 * Math.SQRT2) / eta), depth + 1),
    productRange: CHECK_DEFAULTS.productRange,
    thm33SmallLoss: checkPositive('thm33SmallLoss', options.thm33SmallLoss ?? CHECK_DEFAULTS.thm33SmallLoss),
    thm33GapConstant: checkPositive('thm33GapConstant', options.thm33GapConstant ?? CHECK_DEFAULTS.thm33GapConstant),
    gpgdBand: gpgdBand(depth, eta),
    gpgdNeighbourhood: checkPositive(
      'gpgdNeighbourhood',
      options.gpgdNeighbourhood ?? CHECK_DEFAULTS.gpgdNeighbourhood,
    ),
    gpgdSteps: CHECK_DEFAULTS.gpgdSteps,
  };
}

// ---------------------------------------------------------------------------------------------
// Random initialisations
// ---------------------------------------------------------------------------------------------

export interface CheckSample {
  direction: Float64Array;
  phi0: number;
  p0: number;
}

/** The index-th random initialisation of a check (a pure function of its arguments). */
export function drawCheckSample(
  r: Pick<ResolvedCheck, 'seed' | 'depth' | 'phiMax' | 'productRange'>,
  index: number,
): CheckSample {
  const rng = new Sfc32(r.seed >>> 0, index >>> 0);
  const D = r.depth;
  const c = randomDirection(rng, D);
  const phi0 = r.phiMax - (r.phiMax - D) * rng.uniform(); // (D, phiMax]
  const [lo, hi] = r.productRange;
  const p0 = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.uniform());
  return { direction: c, phi0, p0 };
}

/** c ~ 𝒩(0, I_D) projected onto Σcᵢ = 0. */
function randomDirection(rng: Sfc32, D: number): Float64Array {
  const c = new Float64Array(D);
  let mean = 0;
  for (let i = 0; i < D; i++) {
    const u1 = 1 - rng.uniform(); // (0, 1]
    const u2 = rng.uniform();
    c[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    mean += c[i] as number;
  }
  mean /= D;
  for (let i = 0; i < D; i++) c[i] = (c[i] as number) - mean;
  return c;
}

/** Stream tweak of the Lemma 3.13/3.14 points' generator (independent of the GD samples'). */
const GPGD_STREAM = 0x6a09e667;

export interface GpgdSample {
  direction: Float64Array;
  /** φ of the point's balance class. */
  phi: number;
  /** π₀ − 1. */
  b0: number;
}

/**
 * The index-th Lemma 3.13/3.14 point (null when the band is empty): c as for the GD samples,
 * φ ~ U[band], |π₀ − 1| = β·min(ηφ − 1, 2 − ηφ)·10^(−4u) (u ~ U[0, 1)) with a random sign; the
 * point is the (φ, 1 + b₀) family point in direction c.
 */
export function drawGpgdPoint(
  r: Pick<ResolvedCheck, 'seed' | 'depth' | 'eta' | 'gpgdBand' | 'gpgdNeighbourhood'>,
  index: number,
): GpgdSample | null {
  if (r.gpgdBand === null) return null;
  const rng = new Sfc32((r.seed ^ GPGD_STREAM) >>> 0, index >>> 0);
  const direction = randomDirection(rng, r.depth);
  const [lo, hi] = r.gpgdBand;
  const phi = lo + (hi - lo) * rng.uniform();
  const room = Math.min(r.eta * phi - 1, 2 - r.eta * phi);
  const size = r.gpgdNeighbourhood * room * 10 ** (-4 * rng.uniform());
  const b0 = rng.uniform() < 0.5 ? -size : size;
  return { direction, phi, b0 };
}

// ---------------------------------------------------------------------------------------------
// Running tasks (in a worker or in this thread)
// ---------------------------------------------------------------------------------------------

export interface CheckTask {
  readonly check: ResolvedCheck;
  readonly start: number;
  readonly count: number;
}

export interface CheckTaskResult {
  readonly start: number;
  readonly count: number;
  /** count × RUN_STRIDE. */
  readonly runs: Float64Array;
  /** count × 2: φ₀, p₀. */
  readonly samples: Float64Array;
  /** count × GPGD_STRIDE (empty when the Lemma 3.13 band is empty). */
  readonly gpgd: Float64Array;
}

function runKernel(
  e: ScalarEngine,
  c: Pick<ResolvedCheck, 'eta' | 'tol' | 'divergeAt' | 'steps' | 'lemma312Constant'>,
  D: number,
  initial: Float64Array,
  force: boolean,
  membershipEta = c.eta,
): Float64Array {
  const k = e.kernels as TheoremKernels;
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
function runGpgdKernel(e: ScalarEngine, D: number, points: Float64Array, eta: number, steps: number): Float64Array {
  const k = e.kernels as TheoremKernels;
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

/** Draws and runs samples [start, start + count) of a check (and as many Lemma 3.13/3.14 points). */
export function runCheckTask(e: ScalarEngine, task: CheckTask): CheckTaskResult {
  const { check, start, count } = task;
  const D = check.depth;
  const initial = new Float64Array(count * D);
  const samples = new Float64Array(count * 2);
  for (let i = 0; i < count; i++) {
    const s = drawCheckSample(check, start + i);
    initial.set(e.initFromGfsSharpness(s.direction, s.phi0, s.p0), i * D);
    samples[2 * i] = s.phi0;
    samples[2 * i + 1] = s.p0;
  }
  const runs = runKernel(e, check, D, initial, false);
  let gpgd: Float64Array = new Float64Array(0);
  if (check.gpgdBand !== null) {
    const points = new Float64Array(count * D);
    for (let i = 0; i < count; i++) {
      const g = drawGpgdPoint(check, start + i) as GpgdSample;
      points.set(e.initFromGfsSharpness(g.direction, g.phi, 1 + g.b0), i * D);
    }
    gpgd = runGpgdKernel(e, D, points, check.eta, check.gpgdSteps);
  }
  return { start, count, runs, samples, gpgd };
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** One run, decoded. */
export interface CheckRun {
  inSet: boolean;
  checked: boolean;
  status: 'converged' | 'diverged' | 'max-steps' | 'no-gfs';
  steps: number;
  phiIncreases: number;
  outsideSet: number;
  lemma310: number;
  lemma311: number;
  lemma312: number;
  sharpnessViolation: boolean;
  finalSharpness: number;
  finalGfsSharpness: number;
  initialGfsSharpness: number;
  initialProduct: number;
  finalLoss: number;
  maxPhiIncrease: number;
  lemma312MaxRatio: number;
  maxA: number;
  referenceCalls: number;
  certifiedCalls: number;
  firstViolationStep: number;
  /** Theorem 3.3: first t ≥ 1 with φ(t − 1) > 2/η ≥ φ(t); −1 none. */
  crossingStep: number;
  lossAtCrossing: number;
  lossBeforeCrossing: number;
  gfsSharpnessAtCrossing: number;
  /** exp(2·slope) of the least-squares fit of log L(t) on t ≥ t₀, t − t₀ even (NaN: < 2 points). */
  decayRate: number;
  /** Steps t ≥ t₀ with L(t + 2) > L(t)(1 + LOSS_RTOL). */
  twoStepIncreases: number;
  maxTwoStepRatio: number;
  /** L(T)/L(T − 2) at the last step T (NaN: T < 2 or π ≤ 0 reached). */
  lastTwoStepRatio: number;
  /** First step whose iterate is in 𝕊 (0: in 𝕊 at t = 0; −1 none). */
  entryStep: number;
  phiIncreasesAfterEntry: number;
}

const STATUS_NAMES = ['converged', 'diverged', 'max-steps', 'no-gfs'] as const;

export function decodeRun(runs: Float64Array, index: number): CheckRun {
  const o = index * RUN_STRIDE;
  const v = (c: number): number => runs[o + c] as number;
  return {
    inSet: v(0) === 1,
    checked: v(19) === 1,
    status: STATUS_NAMES[v(1)] ?? 'max-steps',
    steps: v(2),
    phiIncreases: v(3),
    outsideSet: v(4),
    lemma310: v(5),
    lemma311: v(6),
    lemma312: v(7),
    sharpnessViolation: v(16) === 1,
    finalSharpness: v(8),
    finalGfsSharpness: v(9),
    initialGfsSharpness: v(10),
    initialProduct: v(11),
    finalLoss: v(15),
    maxPhiIncrease: v(12),
    lemma312MaxRatio: v(17),
    maxA: v(18),
    referenceCalls: v(13),
    certifiedCalls: v(30),
    firstViolationStep: v(14),
    crossingStep: v(20),
    lossAtCrossing: v(21),
    lossBeforeCrossing: v(22),
    gfsSharpnessAtCrossing: v(23),
    decayRate: v(24),
    twoStepIncreases: v(25),
    maxTwoStepRatio: v(26),
    lastTwoStepRatio: v(27),
    entryStep: v(28),
    phiIncreasesAfterEntry: v(29),
  };
}

/** One Lemma 3.13/3.14 point, decoded. */
export interface GpgdPointCheck {
  gfsSharpness: number;
  /** π₀ − 1. */
  initialError: number;
  status: 'reached' | 'max-steps' | 'undefined';
  steps: number;
  signViolations: number;
  decayViolations: number;
  /** Largest (r − |1 − ηφ|)/(1 − |1 − ηφ|) over the steps (the claim is ≤ ½). */
  maxRoomUsed: number;
  /** |r − |1 − ηφ|| at the first |π − 1| ≤ B_RATE (NaN: not reached). */
  rateDeviation: number;
  rateViolation: boolean;
  /** π(GD(GD(w))) − 1 and π(GPGD(GPGD(w))) − 1. */
  gdTwoStepError: number;
  gpgdTwoStepError: number;
  lemma314Violation: boolean;
}

const GPGD_STATUS_NAMES = ['reached', 'max-steps', 'undefined'] as const;

export function decodeGpgdPoint(gpgd: Float64Array, index: number): GpgdPointCheck {
  const o = index * GPGD_STRIDE;
  const v = (c: number): number => gpgd[o + c] as number;
  return {
    gfsSharpness: v(0),
    initialError: v(1),
    status: GPGD_STATUS_NAMES[v(2)] ?? 'undefined',
    steps: v(3),
    signViolations: v(4),
    decayViolations: v(5),
    maxRoomUsed: v(6),
    rateDeviation: v(7),
    rateViolation: v(8) === 1,
    gdTwoStepError: v(9),
    gpgdTwoStepError: v(10),
    lemma314Violation: v(11) === 1,
  };
}

/** Violation counts of one check: runs with ≥ 1 violating step, and the violating steps. */
export interface ViolationCount {
  runs: number;
  steps: number;
}

/** Order statistics of a sample (linear interpolation between order statistics; NaN when empty). */
export interface Quantiles {
  count: number;
  min: number;
  p01: number;
  p10: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
}

/** Quantiles of the finite values of `values`. */
export function quantiles(values: readonly number[]): Quantiles {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const at = (q: number): number => {
    if (v.length === 0) return Number.NaN;
    const h = (v.length - 1) * q;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, v.length - 1);
    return (v[lo] as number) + (h - lo) * ((v[hi] as number) - (v[lo] as number));
  };
  return {
    count: v.length,
    min: at(0),
    p01: at(0.01),
    p10: at(0.1),
    median: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
  };
}

/**
 * Theorem 3.3 statistics of a group of crossing runs (all in 𝕊 at t = 0). Lc = max(L(t₀ − 1), L(t₀))
 * is the loss at the crossing (both sides of the step that crosses 2/η).
 */
export interface Theorem33Group {
  runs: number;
  converged: number;
  /** Not converged within the step budget (not a violation while the loss decays, rate < 1). */
  maxSteps: number;
  /** Diverged or reached π ≤ 0 after the crossing. */
  failed: number;
  /** L(t + 2) > L(t)(1 + LOSS_RTOL) for some t ≥ t₀. */
  twoStepIncreases: ViolationCount;
  /** Fitted two-step rate ≥ 1, or not available for a run that did not converge. */
  rateNotBelowOne: number;
  /** Converged runs with (2/η − S∞)/(2/η) > gapConstant·√Lc. */
  gapAboveBound: number;
  /** Runs with any of: failed, a two-step increase, rate not below 1, gap above the bound. */
  violations: number;
  crossingStep: Quantiles;
  /** L(t₀). */
  lossAtCrossing: Quantiles;
  /** L(t₀ − 1). */
  lossBeforeCrossing: Quantiles;
  /** (2/η − S∞)/(2/η) of the converged runs. */
  finalGap: Quantiles;
  /** (2/η − φ(t₀))/(2/η): the gap already there at the crossing (made by the step before). */
  gapAtCrossing: Quantiles;
  /** (φ(t₀) − φ∞)/(2/η) of the converged runs: the part of the gap made after the crossing. */
  dropAfterCrossing: Quantiles;
  decayRate: Quantiles;
  maxTwoStepRatio: number;
  /** max over converged runs of finalGap/√Lc (the bound's constant is gapConstant). */
  maxGapOverSqrtLoss: number;
  /** max over converged runs of dropAfterCrossing/√L(t₀). */
  maxDropOverSqrtLoss: number;
  /** Least-squares slope of log dropAfterCrossing against log L(t₀) over the converged runs. */
  dropLogSlope: number;
}

function emptyGroup(): Theorem33Group {
  return {
    runs: 0,
    converged: 0,
    maxSteps: 0,
    failed: 0,
    twoStepIncreases: { runs: 0, steps: 0 },
    rateNotBelowOne: 0,
    gapAboveBound: 0,
    violations: 0,
    crossingStep: quantiles([]),
    lossAtCrossing: quantiles([]),
    lossBeforeCrossing: quantiles([]),
    finalGap: quantiles([]),
    gapAtCrossing: quantiles([]),
    dropAfterCrossing: quantiles([]),
    decayRate: quantiles([]),
    maxTwoStepRatio: 0,
    maxGapOverSqrtLoss: 0,
    maxDropOverSqrtLoss: 0,
    dropLogSlope: Number.NaN,
  };
}

/** Least-squares slope of y on x over the pairs with both finite. */
function slope(x: readonly number[], y: readonly number[]): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    n++;
    sx += a;
    sy += b;
    sxx += a * a;
    sxy += a * b;
  }
  const den = n * sxx - sx * sx;
  return n >= 2 && den > 0 ? (n * sxy - sx * sy) / den : Number.NaN;
}

/** max(L(t₀ − 1), L(t₀)): the loss on both sides of the step that crosses 2/η. */
export function crossingLoss(run: Pick<CheckRun, 'lossAtCrossing' | 'lossBeforeCrossing'>): number {
  return Math.max(run.lossAtCrossing, run.lossBeforeCrossing);
}

/** Theorem 3.3 statistics of crossing runs (see Theorem33Group). */
function theorem33Group(eta: number, gapConstant: number, runs: readonly CheckRun[]): Theorem33Group {
  const g = emptyGroup();
  const threshold = 2 / eta;
  const gaps: number[] = [];
  const logDrops: number[] = [];
  const logLosses: number[] = [];
  const drops: number[] = [];
  for (const run of runs) {
    g.runs++;
    const failed = run.status === 'diverged' || run.status === 'no-gfs';
    if (run.status === 'converged') g.converged++;
    else if (run.status === 'max-steps') g.maxSteps++;
    else g.failed++;
    if (run.twoStepIncreases > 0) {
      g.twoStepIncreases.runs++;
      g.twoStepIncreases.steps += run.twoStepIncreases;
    }
    const rateBad = Number.isFinite(run.decayRate) ? !(run.decayRate < 1) : run.status !== 'converged';
    if (rateBad) g.rateNotBelowOne++;
    let gapBad = false;
    g.maxTwoStepRatio = Math.max(g.maxTwoStepRatio, run.maxTwoStepRatio);
    if (run.status === 'converged') {
      const gap = (threshold - run.finalSharpness) / threshold;
      const drop = (run.gfsSharpnessAtCrossing - run.finalGfsSharpness) / threshold;
      const root = Math.sqrt(crossingLoss(run));
      gapBad = !(gap <= gapConstant * root);
      if (gapBad) g.gapAboveBound++;
      gaps.push(gap);
      drops.push(drop);
      logDrops.push(drop > 0 ? Math.log(drop) : Number.NaN);
      logLosses.push(Math.log(run.lossAtCrossing));
      if (root > 0) g.maxGapOverSqrtLoss = Math.max(g.maxGapOverSqrtLoss, gap / root);
      if (run.lossAtCrossing > 0) {
        g.maxDropOverSqrtLoss = Math.max(g.maxDropOverSqrtLoss, drop / Math.sqrt(run.lossAtCrossing));
      }
    }
    if (failed || run.twoStepIncreases > 0 || rateBad || gapBad) g.violations++;
  }
  g.crossingStep = quantiles(runs.map((r) => r.crossingStep));
  g.lossAtCrossing = quantiles(runs.map((r) => r.lossAtCrossing));
  g.lossBeforeCrossing = quantiles(runs.map((r) => r.lossBeforeCrossing));
  g.gapAtCrossing = quantiles(runs.map((r) => (threshold - r.gfsSharpnessAtCrossing) / threshold));
  g.decayRate = quantiles(runs.map((r) => r.decayRate));
  g.finalGap = quantiles(gaps);
  g.dropAfterCrossing = quantiles(drops);
  g.dropLogSlope = slope(logLosses, logDrops);
  return g;
}

export interface CheckSummary {
  inside: {
    runs: number;
    converged: number;
    maxSteps: number;
    diverged: number;
    noGfs: number;
    stepsChecked: number;
    /** Theorem 3.2: φ increased at some step. */
    theorem32Phi: ViolationCount;
    /** Theorem 3.2: an iterate left 𝕊. */
    theorem32Set: ViolationCount;
    /** Runs with either part of Theorem 3.2 violated. */
    theorem32Runs: number;
    lemma310: ViolationCount;
    lemma311: ViolationCount;
    lemma312: ViolationCount;
    /** Converged runs whose final S > (2/η)(1 + SHARPNESS_RTOL). */
    sharpness: { violations: number; checked: number; maxFinalOverThreshold: number };
    lemma312MaxRatio: number;
    maxA: number;
    membershipCertified: number;
    membershipReference: number;
  };
  outside: {
    runs: number;
    /** φ increased at some step while defined (the paper's point: 𝕊 is sufficient, not necessary). */
    phiNotMonotone: number;
    /** φ never increased and stayed defined (π > 0) along the whole run. */
    phiMonotone: number;
    /** φ never increased before GD reached π ≤ 0, where φ is undefined. */
    phiUndefined: number;
    diverged: number;
    maxSteps: number;
    /** Those with φ₀ > 2√2/η (𝕊's sharpness condition fails) and the rest (the product conditions). */
    sharpnessCondition: { runs: number; phiNotMonotone: number };
    productCondition: { runs: number; phiNotMonotone: number };
  };
  /** Theorem 3.3 on the runs in 𝕊 at t = 0. */
  theorem33: {
    /** Theorem 3.3's "small enough" loss at the crossing: the `small` group has max(L(t₀ − 1), L(t₀)) ≤ this. */
    smallLoss: number;
    /** The constant K of the final-gap bound (2/η − S∞)/(2/η) ≤ K·√max(L(t₀ − 1), L(t₀)) (ours). */
    gapConstant: number;
    /** Runs in 𝕊 at t = 0 with φ₀ > 2/η. */
    runs: number;
    crossed: number;
    /** φ still above 2/η at the last step. */
    notCrossed: number;
    /** Runs in 𝕊 at t = 0 with φ₀ ≤ 2/η (nothing to cross). */
    startedBelow: number;
    small: Theorem33Group;
    /** Loss at the crossing above the threshold: reported; the counters are not claimed (Fig 3/Fig 9). */
    large: Theorem33Group;
    /** Converged runs in 𝕊: |L(T)/L(T − 2) − (1 − ηS∞)⁴| > FINAL_RATE_ATOL. */
    finalRate: { checked: number; violations: number; maxDeviation: number };
  };
  /** Runs that start outside 𝕊 and do not diverge: when they enter 𝕊 and whether φ is monotone from then on. */
  entry: {
    runs: number;
    entered: number;
    neverEntered: number;
    /** Of those that never entered: runs that reached π ≤ 0 (φ undefined from there). */
    neverEnteredNoGfs: number;
    entryStep: Quantiles;
    /** φ increased at a step from the entry on (Theorem 3.2 says never). */
    phiNotMonotoneAfterEntry: ViolationCount;
    /** Runs whose φ increased before they entered 𝕊. */
    phiNotMonotoneBeforeEntry: number;
    membershipCertified: number;
    membershipReference: number;
  };
  /** Lemma 3.13 on the GPGD points (`ViolationCount.runs` counts points). */
  lemma313: {
    points: number;
    band: readonly [number, number] | null;
    margin: number;
    neighbourhood: number;
    reached: number;
    maxSteps: number;
    undefined: number;
    sign: ViolationCount;
    decay: ViolationCount;
    rate: { checked: number; violations: number; maxDeviation: number };
    maxRoomUsed: number;
    steps: Quantiles;
    /** Points with any violation (sign, decay, rate, GPGD undefined, budget exhausted). */
    violations: number;
  };
  /** Lemma 3.14 on the same points. */
  lemma314: {
    points: number;
    violations: number;
    /** Points with L(GD²(w)) ≤ L(GPGD²(w)). */
    gdNotLarger: number;
    /** L(GD²(w))/L(GPGD²(w)). */
    ratio: Quantiles;
    /** Largest |π(GD²(w)) − 1| − |π(GPGD²(w)) − 1| (the allowance is PRODUCT_ATOL). */
    maxExcess: number;
  };
}

export interface CheckResult extends ResolvedCheck {
  summary: CheckSummary;
  /** samples × RUN_STRIDE (see RUN_COLUMNS). */
  runs: Float64Array;
  /** samples × 2: φ₀, p₀. */
  initial: Float64Array;
  /** samples × GPGD_STRIDE (see GPGD_COLUMNS); empty when the Lemma 3.13 band is empty. */
  gpgd: Float64Array;
  wallSeconds: number;
  distribution: string;
  tolerances: typeof CHECK_TOLERANCES;
}

export const DISTRIBUTION =
  'c ~ N(0, I_D) projected onto Σc = 0; φ₀ ~ U(D, max(1.25·2√2/η, D + 1)]; p₀ log-uniform on [0.05, 5]; ' +
  'w⁽⁰⁾ = the (φ₀, p₀) family point of SPEC §2 in direction c (positive weights); sfc32 seeded per sample ' +
  'from (seed, index)';

export const GPGD_DISTRIBUTION =
  'c as above; φ ~ U[max(D, (1 + μ)/η), (2 − μ)/η], μ = 0.05; π₀ = 1 ± β·min(ηφ − 1, 2 − ηφ)·10^(−4u), ' +
  'u ~ U[0, 1), random sign; the (φ, π₀) family point in direction c; sfc32 seeded from (seed ^ 0x6a09e667, index)';

export function summarize(
  r: Pick<ResolvedCheck, 'eta' | 'samples'> &
    Partial<Pick<ResolvedCheck, 'thm33SmallLoss' | 'thm33GapConstant' | 'gpgdBand' | 'gpgdNeighbourhood'>>,
  runs: Float64Array,
  gpgd: Float64Array = new Float64Array(0),
): CheckSummary {
  const viol = (): ViolationCount => ({ runs: 0, steps: 0 });
  const inside: CheckSummary['inside'] = {
    runs: 0,
    converged: 0,
    maxSteps: 0,
    diverged: 0,
    noGfs: 0,
    stepsChecked: 0,
    theorem32Phi: viol(),
    theorem32Set: viol(),
    theorem32Runs: 0,
    lemma310: viol(),
    lemma311: viol(),
    lemma312: viol(),
    sharpness: { violations: 0, checked: 0, maxFinalOverThreshold: 0 },
    lemma312MaxRatio: 0,
    maxA: 0,
    membershipCertified: 0,
    membershipReference: 0,
  };
  const outside: CheckSummary['outside'] = {
    runs: 0,
    phiNotMonotone: 0,
    phiMonotone: 0,
    phiUndefined: 0,
    diverged: 0,
    maxSteps: 0,
    sharpnessCondition: { runs: 0, phiNotMonotone: 0 },
    productCondition: { runs: 0, phiNotMonotone: 0 },
  };
  const smallLoss = r.thm33SmallLoss ?? CHECK_DEFAULTS.thm33SmallLoss;
  const gapConstant = r.thm33GapConstant ?? CHECK_DEFAULTS.thm33GapConstant;
  const entry: CheckSummary['entry'] = {
    runs: 0,
    entered: 0,
    neverEntered: 0,
    neverEnteredNoGfs: 0,
    entryStep: quantiles([]),
    phiNotMonotoneAfterEntry: viol(),
    phiNotMonotoneBeforeEntry: 0,
    membershipCertified: 0,
    membershipReference: 0,
  };
  const add = (c: ViolationCount, steps: number): void => {
    if (steps > 0) {
      c.runs++;
      c.steps += steps;
    }
  };
  const threshold = 2 / r.eta;
  const phiBound = (2 * Math.SQRT2) / r.eta;
  const small: CheckRun[] = [];
  const large: CheckRun[] = [];
  let aboveThreshold = 0;
  let notCrossed = 0;
  let startedBelow = 0;
  const finalRate = { checked: 0, violations: 0, maxDeviation: 0 };
  const entrySteps: number[] = [];
  const n = runs.length / RUN_STRIDE;
  for (let i = 0; i < n; i++) {
    const run = decodeRun(runs, i);
    if (run.inSet) {
      inside.runs++;
      inside.stepsChecked += run.steps;
      inside.membershipCertified += run.certifiedCalls;
      inside.membershipReference += run.referenceCalls;
      if (run.status === 'converged') inside.converged++;
      else if (run.status === 'diverged') inside.diverged++;
      else if (run.status === 'no-gfs') inside.noGfs++;
      else inside.maxSteps++;
      add(inside.theorem32Phi, run.phiIncreases);
      add(inside.theorem32Set, run.outsideSet);
      if (run.phiIncreases > 0 || run.outsideSet > 0) inside.theorem32Runs++;
      add(inside.lemma310, run.lemma310);
      add(inside.lemma311, run.lemma311);
      add(inside.lemma312, run.lemma312);
      if (run.status === 'converged') {
        inside.sharpness.checked++;
        if (run.sharpnessViolation) inside.sharpness.violations++;
        inside.sharpness.maxFinalOverThreshold = Math.max(
          inside.sharpness.maxFinalOverThreshold,
          (run.finalSharpness * r.eta) / 2,
        );
        if (run.steps >= 2 && run.finalLoss > 0 && Number.isFinite(run.lastTwoStepRatio)) {
          const deviation = Math.abs(run.lastTwoStepRatio - (1 - r.eta * run.finalSharpness) ** 4);
          finalRate.checked++;
          finalRate.maxDeviation = Math.max(finalRate.maxDeviation, deviation);
          if (!(deviation <= CHECK_TOLERANCES.FINAL_RATE_ATOL)) finalRate.violations++;
        }
      }
      inside.lemma312MaxRatio = Math.max(inside.lemma312MaxRatio, run.lemma312MaxRatio);
      inside.maxA = Math.max(inside.maxA, run.maxA);
      if (run.initialGfsSharpness > threshold) {
        aboveThreshold++;
        if (run.crossingStep < 0) notCrossed++;
        else if (crossingLoss(run) <= smallLoss) small.push(run);
        else large.push(run);
      } else {
        startedBelow++;
      }
    } else {
      outside.runs++;
      const increased = run.phiIncreases > 0;
      if (increased) outside.phiNotMonotone++;
      else if (run.status === 'no-gfs') outside.phiUndefined++;
      else outside.phiMonotone++;
      if (run.status === 'diverged') outside.diverged++;
      else if (run.status === 'max-steps') outside.maxSteps++;
      const part = run.initialGfsSharpness > phiBound ? outside.sharpnessCondition : outside.productCondition;
      part.runs++;
      if (increased) part.phiNotMonotone++;
      entry.membershipCertified += run.certifiedCalls;
      entry.membershipReference += run.referenceCalls;
      if (run.status !== 'diverged') {
        entry.runs++;
        if (run.entryStep >= 0) {
          entry.entered++;
          entrySteps.push(run.entryStep);
          add(entry.phiNotMonotoneAfterEntry, run.phiIncreasesAfterEntry);
        } else {
          entry.neverEntered++;
          if (run.status === 'no-gfs') entry.neverEnteredNoGfs++;
        }
        if (run.phiIncreases - run.phiIncreasesAfterEntry > 0) entry.phiNotMonotoneBeforeEntry++;
      }
    }
  }
  entry.entryStep = quantiles(entrySteps);
  const theorem33: CheckSummary['theorem33'] = {
    smallLoss,
    gapConstant,
    runs: aboveThreshold,
    crossed: small.length + large.length,
    notCrossed,
    startedBelow,
    small: theorem33Group(r.eta, gapConstant, small),
    large: theorem33Group(r.eta, gapConstant, large),
    finalRate,
  };
  return { inside, outside, theorem33, entry, ...summarizeGpgd(r, gpgd) };
}

/** Lemma 3.13 and 3.14 summaries of the GPGD points. */
function summarizeGpgd(
  r: Pick<ResolvedCheck, 'eta'> & Partial<Pick<ResolvedCheck, 'gpgdBand' | 'gpgdNeighbourhood'>>,
  gpgd: Float64Array,
): Pick<CheckSummary, 'lemma313' | 'lemma314'> {
  const lemma313: CheckSummary['lemma313'] = {
    points: 0,
    band: r.gpgdBand ?? null,
    margin: CHECK_DEFAULTS.gpgdMargin,
    neighbourhood: r.gpgdNeighbourhood ?? CHECK_DEFAULTS.gpgdNeighbourhood,
    reached: 0,
    maxSteps: 0,
    undefined: 0,
    sign: { runs: 0, steps: 0 },
    decay: { runs: 0, steps: 0 },
    rate: { checked: 0, violations: 0, maxDeviation: 0 },
    maxRoomUsed: Number.NEGATIVE_INFINITY,
    steps: quantiles([]),
    violations: 0,
  };
  const lemma314: CheckSummary['lemma314'] = {
    points: 0,
    violations: 0,
    gdNotLarger: 0,
    ratio: quantiles([]),
    maxExcess: Number.NEGATIVE_INFINITY,
  };
  const steps: number[] = [];
  const ratios: number[] = [];
  const n = gpgd.length / GPGD_STRIDE;
  for (let i = 0; i < n; i++) {
    const p = decodeGpgdPoint(gpgd, i);
    lemma313.points++;
    if (p.status === 'reached') lemma313.reached++;
    else if (p.status === 'max-steps') lemma313.maxSteps++;
    else lemma313.undefined++;
    steps.push(p.steps);
    if (p.signViolations > 0) {
      lemma313.sign.runs++;
      lemma313.sign.steps += p.signViolations;
    }
    if (p.decayViolations > 0) {
      lemma313.decay.runs++;
      lemma313.decay.steps += p.decayViolations;
    }
    if (Number.isFinite(p.rateDeviation)) {
      lemma313.rate.checked++;
      lemma313.rate.maxDeviation = Math.max(lemma313.rate.maxDeviation, p.rateDeviation);
    }
    if (p.rateViolation) lemma313.rate.violations++;
    if (p.steps > 0) lemma313.maxRoomUsed = Math.max(lemma313.maxRoomUsed, p.maxRoomUsed);
    if (p.signViolations > 0 || p.decayViolations > 0 || p.rateViolation || p.status !== 'reached') {
      lemma313.violations++;
    }
    lemma314.points++;
    if (p.lemma314Violation) lemma314.violations++;
    const excess = Math.abs(p.gdTwoStepError) - Math.abs(p.gpgdTwoStepError);
    if (Number.isFinite(excess)) lemma314.maxExcess = Math.max(lemma314.maxExcess, excess);
    const ratio = (p.gdTwoStepError / p.gpgdTwoStepError) ** 2;
    if (Number.isFinite(ratio)) {
      ratios.push(ratio);
      if (ratio <= 1) lemma314.gdNotLarger++;
    }
  }
  lemma313.steps = quantiles(steps);
  lemma314.ratio = quantiles(ratios);
  return { lemma313, lemma314 };
}

/** Run the checks on `samples` random initialisations (see the module comment for the distribution). */
export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  return runCheck(resolveCheckOptions(options), options);
}

export async function runCheck(
  c: ResolvedCheck,
  hooks: Pick<CheckOptions, 'signal' | 'onProgress'> = {},
): Promise<CheckResult> {
  const started = performance.now();
  const runs = new Float64Array(c.samples * RUN_STRIDE);
  const initial = new Float64Array(c.samples * 2);
  const gpgd = new Float64Array(c.gpgdBand === null ? 0 : c.samples * GPGD_STRIDE);
  const tasks: CheckTask[] = [];
  for (let start = 0; start < c.samples; start += TASK_SIZE) {
    tasks.push({ check: c, start, count: Math.min(TASK_SIZE, c.samples - start) });
  }
  let done = 0;
  const finished = (t: CheckTaskResult): void => {
    runs.set(t.runs, t.start * RUN_STRIDE);
    initial.set(t.samples, t.start * 2);
    gpgd.set(t.gpgd, t.gpgd.length > 0 ? t.start * GPGD_STRIDE : 0);
    done += t.count;
    hooks.onProgress?.(done, c.samples);
  };
  if (hooks.signal?.aborted) throw aborted('the check');
  if (c.workers === 0) {
    const e = defaultEngine();
    for (const task of tasks) {
      finished(runCheckTask(e, task));
      await new Promise((resolve) => setImmediate(resolve));
      if (hooks.signal?.aborted) throw aborted('the check');
    }
  } else {
    await runOnPool<CheckTask, CheckTaskResult>(
      compiledWorker('experiments/check/worker'),
      c.workers,
      tasks,
      (r) => finished(r),
      hooks.signal,
      'the check',
    );
  }
  return {
    ...c,
    summary: summarize(c, runs, gpgd),
    runs,
    initial,
    gpgd,
    wallSeconds: (performance.now() - started) / 1000,
    distribution: DISTRIBUTION,
    tolerances: CHECK_TOLERANCES,
  };
}

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

/** The Lemma 3.12 constant C (SPEC §1.8 derives 2; the paper's is unknown). */
function checkLemmaConstant(value: unknown): number {
  const c = value ?? CHECK_DEFAULTS.lemma312Constant;
  if (typeof c !== 'number' || !(c >= 0) || !Number.isFinite(c)) {
    throw invalidOption('lemma312Constant', c, 'a finite number >= 0');
  }
  return c;
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
  const c = {
    eta,
    steps: OPTIONS.maxSteps.check(options.steps ?? CHECK_DEFAULTS.steps, 'steps'),
    tol: OPTIONS.tol.check(options.tol ?? CHECK_DEFAULTS.tol, 'tol'),
    divergeAt: OPTIONS.divergeAt.check(options.divergeAt ?? CHECK_DEFAULTS.divergeAt, 'divergeAt'),
    lemma312Constant: checkLemmaConstant(options.lemma312Constant),
  };
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
  const steps = options.steps ?? CHECK_DEFAULTS.gpgdSteps;
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
  const k = e.kernels as TheoremKernels;
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
  const k = e.kernels as TheoremKernels;
  const mark = e.arena.mark();
  try {
    const p = e.arena.alloc(weights.length * 8);
    e.arena.f64(p, weights.length).set(weights);
    return k.theoremCertifiedMember(p, weights.length, OPTIONS.eta.check(eta, 'eta')) === 1;
  } finally {
    e.arena.release(mark);
  }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const pct = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '—');

/** 3 significant digits, '—' for NaN. */
const g3 = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '—');
/** median [p10, p90], max. */
const spread = (q: Quantiles): string =>
  q.count === 0 ? '—' : `median ${g3(q.median)} [p10 ${g3(q.p10)}, p90 ${g3(q.p90)}], max ${g3(q.max)}`;

/** The readable report. */
export function formatCheckTable(r: CheckResult): string {
  const s = r.summary;
  const i = s.inside;
  const o = s.outside;
  const t = s.theorem33;
  const a = t.small;
  const b = t.large;
  const e = s.entry;
  const l3 = s.lemma313;
  const l4 = s.lemma314;
  const T = CHECK_TOLERANCES;
  const lc = `Lc ≤ ${g3(t.smallLoss)}`;
  const rows: [string, string, string][] = [
    ['Theorem 3.2: φ(w⁺) ≤ φ(w)', String(i.theorem32Phi.runs), String(i.theorem32Phi.steps)],
    ['Theorem 3.2: w⁺ ∈ 𝕊', String(i.theorem32Set.runs), String(i.theorem32Set.steps)],
    ['Lemma 3.10: GD(w) ⪯_b w', String(i.lemma310.runs), String(i.lemma310.steps)],
    ['Lemma 3.11: all aᵢ < 1 (signs kept)', String(i.lemma311.runs), String(i.lemma311.steps)],
    [`Lemma 3.12: φ⁺ ≥ φ − ${r.lemma312Constant}η²max(1,π²)Lφ³`, String(i.lemma312.runs), String(i.lemma312.steps)],
    ['final S ≤ 2/η (converged runs)', String(i.sharpness.violations), '—'],
    [
      `Theorem 3.3, ${lc}: L(t + 2) ≤ L(t) for t ≥ t₀`,
      String(a.twoStepIncreases.runs),
      String(a.twoStepIncreases.steps),
    ],
    [`Theorem 3.3, ${lc}: two-step decay rate < 1`, String(a.rateNotBelowOne), '—'],
    [`Theorem 3.3, ${lc}: no divergence, π stays > 0`, String(a.failed), '—'],
    [`Theorem 3.3, ${lc}: (2/η − S∞)/(2/η) ≤ ${t.gapConstant}·√Lc`, String(a.gapAboveBound), '—'],
    [`L(T)/L(T − 2) = (1 − ηS∞)⁴ ± ${T.FINAL_RATE_ATOL} (converged)`, String(t.finalRate.violations), '—'],
  ];
  const gpgdRows: [string, string, string][] = [
    ['Lemma 3.13: π − 1 changes sign every step', String(l3.sign.runs), String(l3.sign.steps)],
    ['Lemma 3.13: |π⁺ − 1| ≤ ρ*|π − 1|, ρ* = (1 + |1 − ηφ|)/2', String(l3.decay.runs), String(l3.decay.steps)],
    [`Lemma 3.13: local rate = |1 − ηφ| ± ${T.RATE_ATOL}`, String(l3.rate.violations), '—'],
    [`Lemma 3.13: reaches |π − 1| ≤ ${T.B_STOP} (GPGD defined)`, String(l3.maxSteps + l3.undefined), '—'],
    [`Lemma 3.14: |π(GD²) − 1| ≤ |π(GPGD²) − 1| + 64ε`, String(l4.violations), '—'],
  ];
  const entryRows: [string, string, string][] = [
    [
      'Theorem 3.2 after entry: φ(w⁺) ≤ φ(w)',
      String(e.phiNotMonotoneAfterEntry.runs),
      String(e.phiNotMonotoneAfterEntry.steps),
    ],
  ];
  const all = [...rows, ...gpgdRows, ...entryRows];
  const w0 = Math.max(...all.map((x) => x[0].length)) + 2;
  const row = ([x, y, z]: [string, string, string]): string => `${x.padEnd(w0)}${y.padStart(8)}${z.padStart(10)}`;
  const header = (title: string, unit: string): string =>
    `${title.padEnd(w0)}${unit.padStart(8)}${'steps'.padStart(10)}`;
  const band = l3.band;
  const lines = [
    `eoslab check: D = ${r.depth}, η = ${r.eta} (2/η = ${2 / r.eta}), ${r.samples} samples, seed ${r.seed}, ≤ ${r.steps} GD steps, converged when L < ${r.tol}`,
    '',
    `in 𝕊 at t = 0: ${i.runs} runs (${pct(i.runs, r.samples)}), ${i.stepsChecked} GD steps checked`,
    `  converged ${i.converged}, not converged in ${r.steps} steps ${i.maxSteps}, diverged ${i.diverged}, π ≤ 0 reached ${i.noGfs}`,
    '',
    header('violations (runs in 𝕊)', 'runs'),
    ...rows.map(row),
    header('violations (GPGD points)', 'points'),
    ...gpgdRows.map(row),
    header('violations (runs entering 𝕊)', 'runs'),
    ...entryRows.map(row),
    '',
    `Theorem 3.2 violated in ${i.theorem32Runs} of ${i.runs} runs`,
    `largest final S/(2/η) of a converged run: ${i.sharpness.maxFinalOverThreshold.toPrecision(8)} (${i.sharpness.checked} converged runs)`,
    `Lemma 3.12: largest used fraction of the bound (φ − φ⁺)/(C η² max(1,π²) L φ³) = ${i.lemma312MaxRatio.toPrecision(4)}`,
    `Lemma 3.11: largest aᵢ = ${i.maxA.toPrecision(6)}`,
    `membership of iterates: ${i.membershipCertified} certified by interval bounds, ${i.membershipReference} decided by the reference kernel`,
    '',
    `Theorem 3.3: ${t.runs} runs in 𝕊 start with φ₀ > 2/η; φ crossed 2/η in ${t.crossed}, not within ${r.steps} steps in ${t.notCrossed}; ${t.startedBelow} start at φ₀ ≤ 2/η`,
    `  Lc = max(L(t₀ − 1), L(t₀)) ≤ ${g3(t.smallLoss)}: ${a.runs} runs, converged ${a.converged}, not converged in ${r.steps} steps ${a.maxSteps}`,
    `    t₀ ${spread(a.crossingStep)}; L(t₀) ${spread(a.lossAtCrossing)}`,
    `    final gap (2/η − S∞)/(2/η) ${spread(a.finalGap)}`,
    `      = gap at t₀ ${spread(a.gapAtCrossing)}`,
    `      + drop of φ after t₀ ${spread(a.dropAfterCrossing)}`,
    `    two-step loss decay rate after t₀ ${spread(a.decayRate)}; largest L(t + 2)/L(t) ${g3(a.maxTwoStepRatio)}`,
    `    largest final gap/√Lc ${g3(a.maxGapOverSqrtLoss)} (bound ${t.gapConstant}); largest drop/√L(t₀) ${g3(a.maxDropOverSqrtLoss)}; log-log slope of the drop on L(t₀) ${g3(a.dropLogSlope)}`,
    `  Lc > ${g3(t.smallLoss)} (reported, not counted): ${b.runs} runs, converged ${b.converged}; final gap ${spread(b.finalGap)}`,
    `    violations of the counters above if they were applied: ${b.violations} runs; largest drop/√L(t₀) ${g3(b.maxDropOverSqrtLoss)}`,
    `  at convergence (${t.finalRate.checked} runs): largest |L(T)/L(T − 2) − (1 − ηS∞)⁴| = ${g3(t.finalRate.maxDeviation)}`,
    '',
    `outside 𝕊 at t = 0: ${o.runs} runs; φ not monotone along GD in ${o.phiNotMonotone} (${pct(o.phiNotMonotone, o.runs)})`,
    `  φ monotone ${o.phiMonotone}; φ monotone until GD reached π ≤ 0 (φ undefined after) ${o.phiUndefined}; diverged ${o.diverged}, not converged ${o.maxSteps}`,
    `  φ₀ > 2√2/η: ${o.sharpnessCondition.runs} runs, φ not monotone in ${o.sharpnessCondition.phiNotMonotone}; 𝕊's product conditions fail: ${o.productCondition.runs} runs, φ not monotone in ${o.productCondition.phiNotMonotone}`,
    `  entry into 𝕊 (${e.runs} runs that do not diverge): entered ${e.entered}, at step ${spread(e.entryStep)}; never ${e.neverEntered} (π ≤ 0 reached in ${e.neverEnteredNoGfs})`,
    `  φ increased before the entry in ${e.phiNotMonotoneBeforeEntry} runs, after it in ${e.phiNotMonotoneAfterEntry.runs}; membership tests ${e.membershipCertified} certified, ${e.membershipReference} by the reference kernel`,
    '',
    band === null
      ? `GPGD points (Lemmas 3.13, 3.14): none, the band (2 − ${l3.margin})/η ≤ max(D, (1 + ${l3.margin})/η) is empty`
      : `GPGD points (Lemmas 3.13, 3.14): ${l3.points}, φ ∈ [${g3(band[0])}, ${g3(band[1])}], |π₀ − 1| ≤ ${l3.neighbourhood}·min(ηφ − 1, 2 − ηφ)`,
    `  GPGD steps to |π − 1| ≤ ${T.B_STOP}: ${spread(l3.steps)}; largest used fraction of the room (r − |1 − ηφ|)/(1 − |1 − ηφ|) ${g3(l3.maxRoomUsed)} (claim ≤ 0.5); largest |r − |1 − ηφ|| ${g3(l3.rate.maxDeviation)}`,
    `  Lemma 3.14: L(GD²)/L(GPGD²) min ${g3(l4.ratio.min)}, p01 ${g3(l4.ratio.p01)}, median ${g3(l4.ratio.median)}, p99 ${g3(l4.ratio.p99)}, max ${l4.ratio.count > 0 ? l4.ratio.max.toPrecision(10) : '—'}; ≤ 1 in ${l4.gdNotLarger} of ${l4.points}; largest |π(GD²) − 1| − |π(GPGD²) − 1| = ${g3(l4.maxExcess)}`,
    '',
    `tolerances: φ ${T.PHI_RTOL.toExponential()} rel, balances ${T.BALANCE_RTOL.toExponential()}·max w², aᵢ < 1 + ${T.SIGN_RTOL.toExponential()}, final S ≤ (2/η)(1 + ${T.SHARPNESS_RTOL.toExponential()}), two-step loss ${T.LOSS_RTOL.toExponential()} rel`,
    `samples: ${r.distribution}`,
    `GPGD points: ${GPGD_DISTRIBUTION}`,
    `wall time ${r.wallSeconds.toFixed(2)} s, ${r.workers} worker${r.workers === 1 ? '' : 's'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The JSON report (no per-run arrays). */
export function checkReport(r: CheckResult): Record<string, unknown> {
  return {
    depth: r.depth,
    eta: r.eta,
    samples: r.samples,
    seed: r.seed,
    steps: r.steps,
    tol: r.tol,
    divergeAt: r.divergeAt,
    lemma312Constant: r.lemma312Constant,
    workers: r.workers,
    distribution: r.distribution,
    gpgdDistribution: GPGD_DISTRIBUTION,
    tolerances: r.tolerances,
    ...r.summary,
    wallSeconds: r.wallSeconds,
  };
}

/** The points of the Theorem 3.3 figure: the converged crossing runs in 𝕊. */
export function thm33Points(r: Pick<CheckResult, 'eta' | 'runs' | 'samples'>): Thm33Points {
  const threshold = 2 / r.eta;
  const p: Thm33Points = { lossAtCrossing: [], crossingLoss: [], finalGap: [], dropAfterCrossing: [] };
  for (let k = 0; k < r.samples; k++) {
    const run = decodeRun(r.runs, k);
    if (!run.inSet || run.crossingStep < 0 || run.status !== 'converged') continue;
    p.lossAtCrossing.push(run.lossAtCrossing);
    p.crossingLoss.push(crossingLoss(run));
    p.finalGap.push((threshold - run.finalSharpness) / threshold);
    p.dropAfterCrossing.push((run.gfsSharpnessAtCrossing - run.finalGfsSharpness) / threshold);
  }
  return p;
}

/**
 * Writes the check's arrays, figure, summary and manifest into `out` as one set (staged, then
 * swapped in): runs.npy (samples × RUN_STRIDE), samples.npy (samples × 2: φ₀, p₀), gpgd.npy
 * (samples × GPGD_STRIDE, when the Lemma 3.13 band is not empty), thm33-crossing.svg/.png and
 * manifest.json.
 */
export function writeCheck(out: string, r: CheckResult): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (staging) => {
    files = writeCheckFiles(staging, r);
  });
  return files;
}

function writeCheckFiles(dir: string, r: CheckResult): string[] {
  writeNpy(join(dir, 'runs.npy'), r.runs, [r.samples, RUN_STRIDE]);
  writeNpy(join(dir, 'samples.npy'), r.initial, [r.samples, 2]);
  const files = ['runs.npy', 'samples.npy'];
  if (r.gpgd.length > 0) {
    writeNpy(join(dir, 'gpgd.npy'), r.gpgd, [r.samples, GPGD_STRIDE]);
    files.push('gpgd.npy');
  }
  const t = r.summary.theorem33;
  files.push(
    ...writeThm33Figure(dir, thm33Points(r), {
      depth: r.depth,
      eta: r.eta,
      smallLoss: t.smallLoss,
      gapConstant: t.gapConstant,
      dropConstant: Math.max(t.small.maxDropOverSqrtLoss, t.large.maxDropOverSqrtLoss),
    }),
  );
  writeManifest(dir, {
    command: 'check',
    options: {
      depth: r.depth,
      eta: r.eta,
      samples: r.samples,
      steps: r.steps,
      tol: r.tol,
      divergeAt: r.divergeAt,
      lemma312Constant: r.lemma312Constant,
      thm33SmallLoss: r.thm33SmallLoss,
      thm33GapConstant: r.thm33GapConstant,
      gpgdBand: r.gpgdBand,
      gpgdNeighbourhood: r.gpgdNeighbourhood,
      gpgdSteps: r.gpgdSteps,
      workers: r.workers,
      phiMax: r.phiMax,
      productRange: r.productRange,
    },
    seeds: [r.seed],
    timings: { wallSeconds: r.wallSeconds },
    outputs: [...files, 'manifest.json'],
    summary: {
      ...r.summary,
      distribution: r.distribution,
      gpgdDistribution: GPGD_DISTRIBUTION,
      tolerances: r.tolerances,
      runsColumns: RUN_COLUMNS,
      samplesColumns: ['φ₀', 'p₀'],
      gpgdColumns: GPGD_COLUMNS,
    },
  });
  return [...files, 'manifest.json'];
}
