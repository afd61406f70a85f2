/**
 * The squared-regression experiment of the paper's Section 4.1 / Fig 5 (Kreisler et al. 2023,
 * App. B.3): for each data seed, draw X (entries 𝒩(μ, 1)) and y (entries 𝒩(0, 1)); compute the
 * flattest sharpness λ_flat (with its certified gap); start GD at the small initialisation
 * u₀ = α𝟏, v₀ = v0·𝟏; take the sharpness S₀ and the GFS sharpness φ₀ of the start; pick step sizes
 * with 2/η = λ_flat + f·(φ₀ − λ_flat) for each fraction f (so λ_flat < 2/η < φ₀), keeping only
 * those with S₀ < 2/η (the paper's runs start below the stability threshold); run GD to the loss
 * threshold recording loss, S and φ per step. A seed or fraction without a valid step size is a
 * run with status 'no-valid-eta' and a reason, not an error. Seeds fan out over a worker pool
 * (one task per seed, identical results for any worker count).
 */
import { checkHooks, conflict } from '../../base/errors.js';
import { runJobs } from '../../pool/pool.js';
import { OPTIONS } from '../../base/options.js';
import { CORES, defineOptions, resolveOptions } from '../../base/optionSet.js';
import { syntheticData } from './data.js';
import { checkProblem } from '../../engines/regressionProblem.js';
import { RegressionEngine, type RegressionRun } from '../../engines/regression.js';
import { flattestSharpness } from './flat.js';

/** The options of `regressionExperiment` and `eoslab regression`, with their defaults. */
export const REGRESSION_OPTIONS = defineOptions({
  seeds: { spec: OPTIONS.seeds, default: 8 },
  seed: { spec: OPTIONS.seed, default: 0, help: 'first data seed (seeds seed, seed+1, …)' },
  n: { spec: OPTIONS.samplesN, default: 10 },
  d: { spec: OPTIONS.features, default: 100 },
  // Inputs x ~ 𝒩(μ𝟏, I) as in the paper's App. B.3. With centred inputs (μ = 0) and a small
  // initialisation the start's sharpness S₀ ≈ max|Xᵀy|/N is already 55–75 % of φ₀ (a scalar
  // network has S₀ = φ₀/2 exactly), so every valid 2/η has ηS₀ > 1: S dips, then jumps over 2/η
  // within 3–5 steps while φ drifts by 3–10 %. With μ = 1.5, S₀ < λ_flat/3 and S rises to 2/η
  // over 17–49 steps while φ moves < 2 % (measured on seeds 0–7).
  xMean: { spec: OPTIONS.xMean, default: 1.5 },
  // Small initialisation (rich regime): u₀ = 0.05·𝟏, v₀ = 0.005·𝟏. At α = 1 (lazy regime) S₀ ≈ φ₀
  // lies above every admissible 2/η.
  alpha: { spec: OPTIONS.alpha, default: 0.05 },
  v0: { spec: OPTIONS.v0, default: 0.005 },
  // 2/η at 30 % and 50 % of the way from λ_flat to φ₀. On the default data every run converges
  // with φ ending within 0.6 % of 2/η and no catapult (max S/(2/η) ≤ 1.5); at f ≥ 0.7 some runs
  // reach the loss threshold before φ has come down to 2/η (ending up to 12 % above it).
  thresholds: { spec: OPTIONS.thresholds, default: [0.3, 0.5] },
  eta: {
    spec: OPTIONS.eta,
    help: 'a fixed step size for every seed instead of --thresholds (each run reports whether S₀ < 2/η)',
  },
  lossTol: { spec: OPTIONS.lossTol, default: 1e-6 },
  maxSteps: { spec: OPTIONS.maxSteps, default: 200_000 },
  /** Library only (the command line keeps the default). */
  divergeAt: { spec: OPTIONS.divergeAt, default: 1e6 },
  workers: { spec: OPTIONS.workers, default: CORES },
});

export interface RegressionExperimentOptions {
  /** Number of data seeds (default 8). */
  seeds?: number;
  /** First data seed (default 0): seeds seed, seed+1, … */
  seed?: number;
  n?: number;
  d?: number;
  /** Mean μ of the entries of X (default 1.5). */
  xMean?: number;
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
  xMean: number;
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
  const o = resolveOptions(REGRESSION_OPTIONS, options);
  if (o.n > o.d) throw conflict(`n = ${o.n} > d = ${o.d}: the model must be able to interpolate (N ≤ d)`, 'n');
  if (o.v0 === o.alpha) throw conflict('v0 must differ from alpha: k = |u₀² − v₀²| must be > 0', 'v0');
  return {
    seeds: o.seeds,
    seed: o.seed,
    n: o.n,
    d: o.d,
    xMean: o.xMean,
    alpha: o.alpha,
    v0: o.v0,
    thresholds: Array.from(o.thresholds),
    eta: o.eta ?? null,
    lossTol: o.lossTol,
    maxSteps: o.maxSteps,
    divergeAt: o.divergeAt,
    workers: o.workers,
  };
}

/** Status of one run: the GD run's own status, or 'no-valid-eta' when no GD run was made. */
export type ExperimentRunStatus = RegressionRun['status'] | 'no-valid-eta';

/** One GD run of the experiment (or the record of a step size that was not valid). */
export interface ExperimentRun {
  seed: number;
  /** f with 2/η = λ_flat + f·(φ₀ − λ_flat) (NaN when η was given). */
  fraction: number;
  /** The step size (NaN when no valid step size exists). */
  eta: number;
  /** The stability threshold 2/η. */
  stabilityThreshold: number;
  lambdaFlat: number;
  /** S₀: sharpness of the initialisation. */
  initialSharpness: number;
  /** φ₀: GFS sharpness of the initialisation. */
  initialGfsSharpness: number;
  /** S₀ < 2/η: the run starts below the stability threshold, as the paper's runs do. */
  startsBelowThreshold: boolean;
  status: ExperimentRunStatus;
  /** Why no GD run was made ('' when one was). */
  reason: string;
  /** First step t with S_t ≥ 2/η (NaN if S never reached 2/η or no run was made). */
  stepsToEdge: number;
  /** max |φ_t/φ₀ − 1| over t ≤ stepsToEdge (over the whole run if S never reached 2/η). */
  phiChangeBeforeEdge: number;
  /** φ at the last iterate (NaN when no run was made). */
  finalGfsSharpness: number;
  /** The GD run; null when no valid step size exists. */
  run: RegressionRun | null;
}

/** An ExperimentRun with its GD run. */
export type CompletedRun = ExperimentRun & { run: RegressionRun };

/** The runs that were made (those with a valid step size). */
export function completedRuns(runs: readonly ExperimentRun[]): CompletedRun[] {
  return runs.filter((r): r is CompletedRun => r.run !== null);
}

export interface SeedResult {
  seed: number;
  lambdaFlat: number;
  flatGap: number;
  flatLowerBound: number;
  /** 'ok' when λ_flat's certificate verified and reached the gap tolerance. */
  flatStatus: string;
  initialSharpness: number;
  initialGfsSharpness: number;
  runs: ExperimentRun[];
}

export interface SeedTask {
  options: ResolvedRegression;
  seed: number;
}

/** First step with S ≥ 2/η and the largest |φ_t/φ₀ − 1| up to it (the whole run if never). */
export function edgeOfStability(run: RegressionRun, threshold: number): { steps: number; phiChange: number } {
  let edge = Number.NaN;
  for (let t = 0; t <= run.steps; t++) {
    if ((run.sharpness[t] as number) >= threshold) {
      edge = t;
      break;
    }
  }
  const phi0 = run.gfsSharpness[0] as number;
  const last = Number.isNaN(edge) ? run.steps : edge;
  let change = 0;
  for (let t = 0; t <= last; t++) change = Math.max(change, Math.abs((run.gfsSharpness[t] as number) / phi0 - 1));
  return { steps: edge, phiChange: change };
}

const p4 = (x: number): string => x.toPrecision(4);

/**
 * Computes one seed: data, λ_flat, S₀, φ₀, and one GD run per threshold fraction (or one with the
 * fixed η). A fraction gives a valid step size when φ₀ > λ_flat and S₀ < 2/η; otherwise its run
 * is recorded with status 'no-valid-eta' and the reason. (φ₀ ≥ λ_flat holds in exact arithmetic:
 * β∞ interpolates and √(k² + 4β∞²) ≥ 2|β∞|; the check guards against a failed GFS and rounding.
 * S₀ ≥ 2/η is the case that occurs, e.g. for the lazy start α = 1.) With a fixed η every run is
 * made and `startsBelowThreshold` tells whether S₀ < 2/η holds.
 */
export function runSeed(task: SeedTask): SeedResult {
  const { options: o, seed } = task;
  const problem = checkProblem(syntheticData(o.n, o.d, seed, o.xMean), `data seed ${seed}`);
  const flat = flattestSharpness(problem);
  const engine = new RegressionEngine(problem);
  const u0 = new Float64Array(o.d).fill(o.alpha);
  const v0 = new Float64Array(o.d).fill(o.v0);
  const phi0 = engine.gfs(u0, v0).gfsSharpness;
  const s0 = engine.sharpness(u0, v0);
  const lambdaFlat = flat.value;
  const fractions = o.eta === null ? o.thresholds : [Number.NaN];
  const runs = fractions.map((fraction): ExperimentRun => {
    const base = { seed, fraction, lambdaFlat, initialSharpness: s0, initialGfsSharpness: phi0 };
    let reason = '';
    let eta = o.eta ?? Number.NaN;
    if (o.eta === null) {
      if (!Number.isFinite(phi0)) reason = 'the GFS of the initialisation was not found';
      else if (!(phi0 > lambdaFlat)) reason = `φ₀ = ${p4(phi0)} ≤ λ_flat = ${p4(lambdaFlat)}: no 2/η between them`;
      else {
        eta = 2 / (lambdaFlat + fraction * (phi0 - lambdaFlat));
        if (!(s0 < 2 / eta)) reason = `S₀ = ${p4(s0)} ≥ 2/η = ${p4(2 / eta)}`;
      }
    }
    const threshold = 2 / eta;
    const startsBelowThreshold = s0 < threshold;
    if (reason !== '') {
      return {
        ...base,
        eta: Number.NaN,
        stabilityThreshold: Number.NaN,
        startsBelowThreshold: false,
        status: 'no-valid-eta',
        reason,
        stepsToEdge: Number.NaN,
        phiChangeBeforeEdge: Number.NaN,
        finalGfsSharpness: Number.NaN,
        run: null,
      };
    }
    const run = engine.run(u0, v0, eta, { maxSteps: o.maxSteps, lossTol: o.lossTol, divergeAt: o.divergeAt });
    const edge = edgeOfStability(run, threshold);
    return {
      ...base,
      eta,
      stabilityThreshold: threshold,
      startsBelowThreshold,
      status: run.status,
      reason,
      stepsToEdge: edge.steps,
      phiChangeBeforeEdge: edge.phiChange,
      finalGfsSharpness: run.gfsSharpness[run.steps] as number,
      run,
    };
  });
  return {
    seed,
    lambdaFlat,
    flatGap: flat.gap,
    flatLowerBound: flat.lowerBound,
    flatStatus: flat.status,
    initialSharpness: s0,
    initialGfsSharpness: phi0,
    runs,
  };
}

/** The arrays of a seed's result (transferred back from a worker, not copied). */
export function seedArrays(result: SeedResult): ArrayBufferView[] {
  return completedRuns(result.runs).flatMap(({ run }) => [run.loss, run.sharpness, run.gfsSharpness, run.u, run.v]);
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
  /** The same counts restricted to the steps from the first S ≥ 2/η on (the edge of stability). */
  afterEdge: { transitions: number; negativeShare: number; maxNormalisedChange: number };
}

/** (φ_{t+1} − φ_t)/φ_t for t = 0 … steps − 1. */
export function normalisedChanges(phi: Float64Array, steps: number): Float64Array {
  const out = new Float64Array(Math.max(0, steps));
  for (let t = 0; t < steps; t++) out[t] = ((phi[t + 1] as number) - (phi[t] as number)) / (phi[t] as number);
  return out;
}

export function monotonicity(all: readonly ExperimentRun[]): GfsMonotonicity {
  const runs = completedRuns(all);
  let transitions = 0;
  let nonIncreasing = 0;
  let negative = 0;
  let maxChange = -Infinity;
  let minRatio = Infinity;
  let edgeTransitions = 0;
  let edgeNegative = 0;
  let edgeMax = -Infinity;
  for (const r of runs) {
    const changes = normalisedChanges(r.run.gfsSharpness, r.run.steps);
    changes.forEach((c, t) => {
      if (!Number.isFinite(c)) return;
      transitions++;
      if (c <= 0) nonIncreasing++;
      if (c < 0) negative++;
      if (c > maxChange) maxChange = c;
      if (t >= r.stepsToEdge) {
        edgeTransitions++;
        if (c < 0) edgeNegative++;
        if (c > edgeMax) edgeMax = c;
      }
    });
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
    afterEdge: {
      transitions: edgeTransitions,
      negativeShare: edgeTransitions ? edgeNegative / edgeTransitions : Number.NaN,
      maxNormalisedChange: edgeMax,
    },
  };
}

/** Smallest, median (lower middle for an even count) and largest value; NaN for none. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return {
    min: sorted[0] as number,
    median: sorted[(sorted.length - 1) >> 1] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** Whether the runs are in the paper's regime (start below 2/η, reach it, φ ends near 2/η). */
export interface RegimeSummary {
  /** Runs made (with a valid step size). */
  completed: number;
  /** Runs without a valid step size (status 'no-valid-eta'). */
  noValidEta: number;
  /** Runs made with S₀ < 2/η. */
  startsBelowThreshold: number;
  /** Runs made whose S reached 2/η. */
  reachedThreshold: number;
  /** final φ / (2/η) over the converged runs. */
  finalPhiOverThreshold: Spread;
  /** First step with S ≥ 2/η, over the runs that reached it. */
  stepsToEdge: Spread;
  /** max |φ_t/φ₀ − 1| until S first reaches 2/η, over the runs made. */
  phiChangeBeforeEdge: Spread;
}

export function regimeSummary(all: readonly ExperimentRun[]): RegimeSummary {
  const runs = completedRuns(all);
  const converged = runs.filter((r) => r.status === 'converged');
  return {
    completed: runs.length,
    noValidEta: all.length - runs.length,
    startsBelowThreshold: runs.filter((r) => r.startsBelowThreshold).length,
    reachedThreshold: runs.filter((r) => !Number.isNaN(r.stepsToEdge)).length,
    finalPhiOverThreshold: spread(converged.map((r) => r.finalGfsSharpness / r.stabilityThreshold)),
    stepsToEdge: spread(runs.map((r) => r.stepsToEdge)),
    phiChangeBeforeEdge: spread(runs.map((r) => r.phiChangeBeforeEdge)),
  };
}

export interface RegressionExperiment extends ResolvedRegression {
  results: SeedResult[];
  monotonicity: GfsMonotonicity;
  regime: RegimeSummary;
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
  await runJobs(Math.min(o.workers, seeds.length), {
    task: 'regression',
    jobs: seeds.map((seed): SeedTask => ({ options: o, seed })),
    local: runSeed,
    onResult: (r: SeedResult, _task, i) => finished(i, r),
    signal: options.signal,
    what: 'the regression experiment',
  });
  const runs = results.flatMap((r) => r.runs);
  return {
    ...o,
    results,
    monotonicity: monotonicity(runs),
    regime: regimeSummary(runs),
    wallSeconds: (performance.now() - started) / 1000,
  };
}
