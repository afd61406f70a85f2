/**
 * `eoslab check`: numerical checks of the paper's theorems on random initialisations
 * (SPEC §1.7, §1.8). Kernels: assembly/checks/theorems.ts; runs fan out over a Piscina pool
 * (src/checkWorker.ts), and every sample is a pure function of (seed, index), so the counts are
 * identical for any number of workers.
 *
 * Distribution of the initialisations (the (φ₀, p₀) family of SPEC §2 with random directions):
 *   c ~ 𝒩(0, I_D) projected onto Σcᵢ = 0;  φ₀ ~ U(D, φ_hi] with φ_hi = max(1.25·2√2/η, D + 1)
 *   (so that some starts fail 𝕊's condition φ ≤ 2√2/η);  p₀ log-uniform on [0.05, 5] (fig3's
 *   range);  w⁽⁰⁾ = the point of product p₀ on the GF line of the minimum with sharpness φ₀ in
 *   direction c. All weights are positive (the dynamics depend only on |w| and sign π, SPEC §1.4).
 * Random numbers: sfc32 seeded per sample from (seed, index) through the MurmurHash3 finaliser.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { engine as defaultEngine, checkWeights } from './api.js';
import { ScalarEngine, type ScalarKernels } from './engine.js';
import { aborted, checkHooks, invalidOption } from './errors.js';
import { compiledWorker, runOnPool } from './workers.js';
import { writeOutputDirectory } from './io/atomic.js';
import { writeManifest } from './io/manifest.js';
import { writeNpy } from './io/npy.js';
import { Sfc32 } from './random.js';
import { OPTIONS } from './options.js';

type Ptr = number;

/** The kernels of assembly/checks/theorems.ts. */
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
    out: Ptr,
  ): void;
  theoremCertifiedMember(w: Ptr, D: number, eta: number): number;
  theoremMembershipCounts(out: Ptr): void;
}

/** Doubles per run written by theoremCheckRuns (column meanings: RUN_COLUMNS). */
export const RUN_STRIDE = 20;
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
] as const;

/**
 * Tolerances for rounding (mirrors of the constants in assembly/checks/theorems.ts):
 *  PHI_RTOL        φ increase counted only above φ·1e-10 (Theorem 3.2; also the slack of Lemma 3.12)
 *  BALANCE_RTOL    a balance gap may grow by 1e-12·max wᵢ² (Lemma 3.10)
 *  SIGN_RTOL       aᵢ < 1 + 1e-12 (Lemma 3.11)
 *  SHARPNESS_RTOL  final S ≤ (2/η)(1 + 1e-6): S − φ = O(√L) ≈ 1e-7 at L = 1e-14
 *  CERT_RTOL       margin of the certified membership test (a failed certificate goes to the
 *                  reference kernel, which alone can declare an iterate outside 𝕊)
 */
export const CHECK_TOLERANCES = {
  PHI_RTOL: 1e-10,
  BALANCE_RTOL: 1e-12,
  SIGN_RTOL: 1e-12,
  SHARPNESS_RTOL: 1e-6,
  CERT_RTOL: 1e-9,
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
  const phi0 = r.phiMax - (r.phiMax - D) * rng.uniform(); // (D, phiMax]
  const [lo, hi] = r.productRange;
  const p0 = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.uniform());
  return { direction: c, phi0, p0 };
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
  /** Memberships certified by interval bounds / decided by the reference kernel. */
  readonly certified: number;
  readonly reference: number;
}

function runKernel(
  e: ScalarEngine,
  c: Pick<ResolvedCheck, 'eta' | 'tol' | 'divergeAt' | 'steps' | 'lemma312Constant'>,
  D: number,
  initial: Float64Array,
  force: boolean,
): { runs: Float64Array; certified: number; reference: number } {
  const k = e.kernels as TheoremKernels;
  const a = e.arena;
  const n = initial.length / D;
  const mark = a.mark();
  try {
    const ip = a.alloc(initial.length * 8);
    const op = a.alloc(n * RUN_STRIDE * 8);
    const cp = a.alloc(16);
    a.f64(ip, initial.length).set(initial);
    k.theoremMembershipCounts(cp);
    k.theoremCheckRuns(D, n, ip, c.eta, c.tol, c.divergeAt, c.steps, c.lemma312Constant, force ? 1 : 0, op);
    k.theoremMembershipCounts(cp);
    const counts = a.f64(cp, 2);
    return { runs: a.f64(op, n * RUN_STRIDE).slice(), certified: counts[0] as number, reference: counts[1] as number };
  } finally {
    a.release(mark);
  }
}

/** Draws and runs samples [start, start + count) of a check. */
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
  const r = runKernel(e, check, D, initial, false);
  return { start, count, runs: r.runs, samples, certified: r.certified, reference: r.reference };
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
  firstViolationStep: number;
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
    firstViolationStep: v(14),
  };
}

/** Violation counts of one check: runs with ≥ 1 violating step, and the violating steps. */
export interface ViolationCount {
  runs: number;
  steps: number;
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
}

export interface CheckResult extends ResolvedCheck {
  summary: CheckSummary;
  /** samples × RUN_STRIDE (see RUN_COLUMNS). */
  runs: Float64Array;
  /** samples × 2: φ₀, p₀. */
  initial: Float64Array;
  wallSeconds: number;
  distribution: string;
  tolerances: typeof CHECK_TOLERANCES;
}

export const DISTRIBUTION =
  'c ~ N(0, I_D) projected onto Σc = 0; φ₀ ~ U(D, max(1.25·2√2/η, D + 1)]; p₀ log-uniform on [0.05, 5]; ' +
  'w⁽⁰⁾ = the (φ₀, p₀) family point of SPEC §2 in direction c (positive weights); sfc32 seeded per sample ' +
  'from (seed, index)';

export function summarize(
  r: Pick<ResolvedCheck, 'eta' | 'samples'>,
  runs: Float64Array,
  certified = 0,
  reference = 0,
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
    membershipCertified: certified,
    membershipReference: reference,
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
  const add = (c: ViolationCount, steps: number): void => {
    if (steps > 0) {
      c.runs++;
      c.steps += steps;
    }
  };
  const phiBound = (2 * Math.SQRT2) / r.eta;
  const n = runs.length / RUN_STRIDE;
  for (let i = 0; i < n; i++) {
    const run = decodeRun(runs, i);
    if (run.inSet) {
      inside.runs++;
      inside.stepsChecked += run.steps;
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
      }
      inside.lemma312MaxRatio = Math.max(inside.lemma312MaxRatio, run.lemma312MaxRatio);
      inside.maxA = Math.max(inside.maxA, run.maxA);
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
    }
  }
  return { inside, outside };
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
  let certified = 0;
  let reference = 0;
  const tasks: CheckTask[] = [];
  for (let start = 0; start < c.samples; start += TASK_SIZE) {
    tasks.push({ check: c, start, count: Math.min(TASK_SIZE, c.samples - start) });
  }
  let done = 0;
  const finished = (t: CheckTaskResult): void => {
    runs.set(t.runs, t.start * RUN_STRIDE);
    initial.set(t.samples, t.start * 2);
    certified += t.certified;
    reference += t.reference;
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
      compiledWorker('checkWorker'),
      c.workers,
      tasks,
      (r) => finished(r),
      hooks.signal,
      'the check',
    );
  }
  return {
    ...c,
    summary: summarize(c, runs, certified, reference),
    runs,
    initial,
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
  engine?: ScalarEngine;
}

/**
 * Runs every step check on GD from one given start, whether or not it lies in 𝕊 (outside 𝕊 the
 * theorems do not apply, so this shows what the counters report when their premise fails).
 */
/** The Lemma 3.12 constant C (SPEC §1.8 derives 2; the paper's is unknown). */
function checkLemmaConstant(value: unknown): number {
  const c = value ?? CHECK_DEFAULTS.lemma312Constant;
  if (typeof c !== 'number' || !(c >= 0) || !Number.isFinite(c)) {
    throw invalidOption('lemma312Constant', c, 'a finite number >= 0');
  }
  return c;
}

export function checkTrajectory(w0: ArrayLike<number>, options: CheckTrajectoryOptions): CheckRun {
  if (options.engine !== undefined && !(options.engine instanceof ScalarEngine)) {
    throw invalidOption('engine', options.engine, 'a ScalarEngine');
  }
  const w = checkWeights(w0, 'w0');
  const eta = OPTIONS.eta.check(options.eta, 'eta');
  const c = {
    eta,
    steps: OPTIONS.maxSteps.check(options.steps ?? CHECK_DEFAULTS.steps, 'steps'),
    tol: OPTIONS.tol.check(options.tol ?? CHECK_DEFAULTS.tol, 'tol'),
    divergeAt: OPTIONS.divergeAt.check(options.divergeAt ?? CHECK_DEFAULTS.divergeAt, 'divergeAt'),
    lemma312Constant: checkLemmaConstant(options.lemma312Constant),
  };
  return decodeRun(runKernel(options.engine ?? defaultEngine(), c, w.length, w, true).runs, 0);
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

/** The readable report. */
export function formatCheckTable(r: CheckResult): string {
  const s = r.summary;
  const i = s.inside;
  const o = s.outside;
  const T = CHECK_TOLERANCES;
  const rows: [string, string, string][] = [
    ['Theorem 3.2: φ(w⁺) ≤ φ(w)', String(i.theorem32Phi.runs), String(i.theorem32Phi.steps)],
    ['Theorem 3.2: w⁺ ∈ 𝕊', String(i.theorem32Set.runs), String(i.theorem32Set.steps)],
    ['Lemma 3.10: GD(w) ⪯_b w', String(i.lemma310.runs), String(i.lemma310.steps)],
    ['Lemma 3.11: all aᵢ < 1 (signs kept)', String(i.lemma311.runs), String(i.lemma311.steps)],
    [`Lemma 3.12: φ⁺ ≥ φ − ${r.lemma312Constant}η²max(1,π²)Lφ³`, String(i.lemma312.runs), String(i.lemma312.steps)],
    ['final S ≤ 2/η (converged runs)', String(i.sharpness.violations), '—'],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length)) + 2;
  const lines = [
    `eoslab check: D = ${r.depth}, η = ${r.eta} (2/η = ${2 / r.eta}), ${r.samples} samples, seed ${r.seed}, ≤ ${r.steps} GD steps, converged when L < ${r.tol}`,
    '',
    `in 𝕊 at t = 0: ${i.runs} runs (${pct(i.runs, r.samples)}), ${i.stepsChecked} GD steps checked`,
    `  converged ${i.converged}, not converged in ${r.steps} steps ${i.maxSteps}, diverged ${i.diverged}, π ≤ 0 reached ${i.noGfs}`,
    '',
    `${'violations (inside 𝕊)'.padEnd(w0)}${'runs'.padStart(8)}${'steps'.padStart(10)}`,
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}${b.padStart(8)}${c.padStart(10)}`),
    '',
    `Theorem 3.2 violated in ${i.theorem32Runs} of ${i.runs} runs`,
    `largest final S/(2/η) of a converged run: ${i.sharpness.maxFinalOverThreshold.toPrecision(8)} (${i.sharpness.checked} converged runs)`,
    `Lemma 3.12: largest used fraction of the bound (φ − φ⁺)/(C η² max(1,π²) L φ³) = ${i.lemma312MaxRatio.toPrecision(4)}`,
    `Lemma 3.11: largest aᵢ = ${i.maxA.toPrecision(6)}`,
    `membership of iterates: ${i.membershipCertified} certified by interval bounds, ${i.membershipReference} decided by the reference kernel`,
    '',
    `outside 𝕊 at t = 0: ${o.runs} runs; φ not monotone along GD in ${o.phiNotMonotone} (${pct(o.phiNotMonotone, o.runs)})`,
    `  φ monotone ${o.phiMonotone}; φ monotone until GD reached π ≤ 0 (φ undefined after) ${o.phiUndefined}; diverged ${o.diverged}, not converged ${o.maxSteps}`,
    `  φ₀ > 2√2/η: ${o.sharpnessCondition.runs} runs, φ not monotone in ${o.sharpnessCondition.phiNotMonotone}; 𝕊's product conditions fail: ${o.productCondition.runs} runs, φ not monotone in ${o.productCondition.phiNotMonotone}`,
    '',
    `tolerances: φ ${T.PHI_RTOL.toExponential()} rel, balances ${T.BALANCE_RTOL.toExponential()}·max w², aᵢ < 1 + ${T.SIGN_RTOL.toExponential()}, final S ≤ (2/η)(1 + ${T.SHARPNESS_RTOL.toExponential()})`,
    `samples: ${r.distribution}`,
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
    tolerances: r.tolerances,
    ...r.summary,
    wallSeconds: r.wallSeconds,
  };
}

/** Writes runs.npy (samples × 20), samples.npy (samples × 2: φ₀, p₀) and manifest.json. */
/** Writes the check's arrays, summary and manifest into `out` as one set (staged, then swapped in). */
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
      tolerances: r.tolerances,
      runsColumns: RUN_COLUMNS,
      samplesColumns: ['φ₀', 'p₀'],
    },
  });
  return [...files, 'manifest.json'];
}
