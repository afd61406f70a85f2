/**
 * The squared-regression experiment of the paper's Section 4.1 / Fig 5 (SPEC §4):
 * for each data seed, draw X, y; compute the flattest sharpness λ_flat (with its certified gap);
 * start GD at u₀ = α𝟏, v₀ = v0·𝟏; take the GFS sharpness φ₀ of the start; pick step sizes so that
 * 2/η = λ_flat + f·(φ₀ − λ_flat) for each fraction f (so φ₀ > 2/η > λ_flat); run GD to the loss
 * threshold recording loss, S and φ per step. Seeds fan out over a worker pool (one task per seed,
 * identical results for any worker count).
 */
import { availableParallelism } from 'node:os';
import { aborted, checkHooks, conflict } from '../errors.js';
import { compiledWorker, runOnPool } from '../workers.js';
import { OPTIONS } from '../options.js';
import { checkProblem, syntheticData } from './data.js';
import { RegressionEngine, type RegressionRun } from './engine.js';
import { flattestSharpness } from './flat.js';

export const REGRESSION_DEFAULTS = {
  seeds: 8,
  seed: 0,
  n: 10,
  d: 100,
  alpha: 1,
  v0: 0.1,
  // 2/η at 70 % and 90 % of the way from λ_flat to φ₀: the edge-of-stability regime. Below ~0.55
  // GD catapults (φ jumps by up to 18× and some runs diverge) — measured on the default data.
  thresholds: [0.7, 0.9] as readonly number[],
  lossTol: 1e-6,
  maxSteps: 200_000,
  divergeAt: 1e6,
} as const;

export interface RegressionExperimentOptions {
  /** Number of data seeds (default 8). */
  seeds?: number;
  /** First data seed (default 0): seeds seed, seed+1, … */
  seed?: number;
  n?: number;
  d?: number;
  alpha?: number;
  v0?: number;
  /** Fractions f with 2/η = λ_flat + f·(φ₀ − λ_flat); one run per fraction and seed. */
  thresholds?: ArrayLike<number>;
  /** A fixed step size for every seed instead of the thresholds (one run per seed). */
  eta?: number;
  lossTol?: number;
  maxSteps?: number;
  divergeAt?: number;
  /** Worker threads (default: cores; 0 = this thread). */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (seedsDone: number, seedsTotal: number) => void;
}

export interface ResolvedRegression {
  seeds: number;
  seed: number;
  n: number;
  d: number;
  alpha: number;
  v0: number;
  thresholds: number[];
  /** Fixed step size, or null: step sizes from the thresholds. */
  eta: number | null;
  lossTol: number;
  maxSteps: number;
  divergeAt: number;
  workers: number;
}

export function resolveRegressionOptions(options: RegressionExperimentOptions = {}): ResolvedRegression {
  const D = REGRESSION_DEFAULTS;
  const n = OPTIONS.samplesN.check(options.n ?? D.n, 'n');
  const d = OPTIONS.features.check(options.d ?? D.d, 'd');
  if (n > d) throw conflict(`n = ${n} > d = ${d}: the model must be able to interpolate (N ≤ d, SPEC §4)`, 'n');
  const alpha = OPTIONS.alpha.check(options.alpha ?? D.alpha, 'alpha');
  const v0 = OPTIONS.v0.check(options.v0 ?? D.v0, 'v0');
  if (v0 === alpha) throw conflict('v0 must differ from alpha: k = |u₀² − v₀²| must be > 0 (SPEC §4)', 'v0');
  return {
    seeds: OPTIONS.seeds.check(options.seeds ?? D.seeds, 'seeds'),
    seed: OPTIONS.seed.check(options.seed ?? D.seed, 'seed'),
    n,
    d,
    alpha,
    v0,
    thresholds: Array.from(
      OPTIONS.thresholds.check(
        options.thresholds !== undefined ? Array.from(options.thresholds) : [...D.thresholds],
        'thresholds',
      ),
    ),
    eta: options.eta !== undefined ? OPTIONS.eta.check(options.eta, 'eta') : null,
    lossTol: OPTIONS.lossTol.check(options.lossTol ?? D.lossTol, 'lossTol'),
    maxSteps: OPTIONS.maxSteps.check(options.maxSteps ?? D.maxSteps, 'maxSteps'),
    divergeAt: OPTIONS.divergeAt.check(options.divergeAt ?? D.divergeAt, 'divergeAt'),
    workers: options.workers !== undefined ? OPTIONS.workers.check(options.workers, 'workers') : availableParallelism(),
  };
}

/** One GD run of the experiment. */
export interface ExperimentRun {
  seed: number;
  /** f with 2/η = λ_flat + f·(φ₀ − λ_flat) (NaN when η was given). */
  fraction: number;
  eta: number;
  lambdaFlat: number;
  initialGfsSharpness: number;
  run: RegressionRun;
}

export interface SeedResult {
  seed: number;
  lambdaFlat: number;
  flatGap: number;
  flatLowerBound: number;
  /** 'ok' when λ_flat's certificate verified and reached the gap tolerance. */
  flatStatus: string;
  initialGfsSharpness: number;
  runs: ExperimentRun[];
}

export interface SeedTask {
  options: ResolvedRegression;
  seed: number;
}

/** Computes one seed: data, λ_flat, φ₀, and one GD run per threshold fraction. */
export function runSeed(task: SeedTask): SeedResult {
  const { options: o, seed } = task;
  const problem = checkProblem(syntheticData(o.n, o.d, seed), `data seed ${seed}`);
  const flat = flattestSharpness(problem);
  const engine = new RegressionEngine(problem);
  const u0 = new Float64Array(o.d).fill(o.alpha);
  const v0 = new Float64Array(o.d).fill(o.v0);
  const start = engine.gfs(u0, v0);
  const phi0 = start.gfsSharpness;
  if (o.eta === null && !(phi0 > flat.value)) {
    throw conflict(
      `seed ${seed}: the initial GFS sharpness ${phi0} is not above λ_flat = ${flat.value}; increase alpha`,
      'alpha',
    );
  }
  const fractions = o.eta === null ? o.thresholds : [Number.NaN];
  const runs = fractions.map((fraction) => {
    const eta = o.eta ?? 2 / (flat.value + fraction * (phi0 - flat.value));
    const run = engine.run(u0, v0, eta, { maxSteps: o.maxSteps, lossTol: o.lossTol, divergeAt: o.divergeAt });
    return { seed, fraction, eta, lambdaFlat: flat.value, initialGfsSharpness: phi0, run };
  });
  return {
    seed,
    lambdaFlat: flat.value,
    flatGap: flat.gap,
    flatLowerBound: flat.lowerBound,
    flatStatus: flat.status,
    initialGfsSharpness: phi0,
    runs,
  };
}

/** Statistics of φ along the runs (the paper's observation: φ decreases, rare tiny increases). */
export interface GfsMonotonicity {
  /** Σ over runs of the steps with a φ value on both sides. */
  transitions: number;
  /** Share of transitions with φ_{t+1} ≤ φ_t. */
  nonIncreasingShare: number;
  /** Share of strictly negative normalised changes (φ_{t+1} − φ_t)/φ_t. */
  negativeShare: number;
  /** Largest normalised change (φ_{t+1} − φ_t)/φ_t over all runs. */
  maxNormalisedChange: number;
  /** Largest relative increase (0 if φ never increased). */
  maxRelativeIncrease: number;
  /** Smallest φ reached over all runs divided by that run's λ_flat (≥ 1: λ_flat below every φ). */
  minPhiOverLambdaFlat: number;
}

/** (φ_{t+1} − φ_t)/φ_t for t = 0 … steps − 1. */
export function normalisedChanges(phi: Float64Array, steps: number): Float64Array {
  const out = new Float64Array(Math.max(0, steps));
  for (let t = 0; t < steps; t++) out[t] = ((phi[t + 1] as number) - (phi[t] as number)) / (phi[t] as number);
  return out;
}

export function monotonicity(runs: readonly ExperimentRun[]): GfsMonotonicity {
  let transitions = 0;
  let nonIncreasing = 0;
  let negative = 0;
  let maxChange = -Infinity;
  let minRatio = Infinity;
  for (const r of runs) {
    const changes = normalisedChanges(r.run.gfsSharpness, r.run.steps);
    for (const c of changes) {
      if (!Number.isFinite(c)) continue;
      transitions++;
      if (c <= 0) nonIncreasing++;
      if (c < 0) negative++;
      if (c > maxChange) maxChange = c;
    }
    for (let t = 0; t <= r.run.steps; t++) {
      const phi = r.run.gfsSharpness[t] as number;
      if (Number.isFinite(phi)) minRatio = Math.min(minRatio, phi / r.lambdaFlat);
    }
  }
  return {
    transitions,
    nonIncreasingShare: transitions ? nonIncreasing / transitions : Number.NaN,
    negativeShare: transitions ? negative / transitions : Number.NaN,
    maxNormalisedChange: maxChange,
    maxRelativeIncrease: Math.max(0, maxChange),
    minPhiOverLambdaFlat: minRatio,
  };
}

export interface RegressionExperiment extends ResolvedRegression {
  results: SeedResult[];
  monotonicity: GfsMonotonicity;
  wallSeconds: number;
}

export async function regressionExperiment(options: RegressionExperimentOptions = {}): Promise<RegressionExperiment> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  const o = resolveRegressionOptions(options);
  const started = performance.now();
  const seeds = Array.from({ length: o.seeds }, (_, i) => o.seed + i);
  const results: SeedResult[] = new Array(seeds.length);
  let done = 0;
  const finished = (index: number, r: SeedResult): void => {
    results[index] = r;
    done++;
    options.onProgress?.(done, seeds.length);
  };
  if (options.signal?.aborted) throw aborted('the regression experiment');
  if (o.workers === 0) {
    seeds.forEach((seed, i) => {
      if (options.signal?.aborted) throw aborted('the regression experiment');
      finished(i, runSeed({ options: o, seed }));
    });
  } else {
    await runOnPool<SeedTask, SeedResult>(
      compiledWorker('regression/worker'),
      Math.min(o.workers, seeds.length),
      seeds.map((seed) => ({ options: o, seed })),
      (r, i) => finished(i, r),
      options.signal,
      'the regression experiment',
    );
  }
  const runs = results.flatMap((r) => r.runs);
  return { ...o, results, monotonicity: monotonicity(runs), wallSeconds: (performance.now() - started) / 1000 };
}
