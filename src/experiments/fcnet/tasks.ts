/**
 * The two units of work of the fully connected network experiment (model.md §5), pure functions of
 * their inputs so that a worker, the main thread or a resumed run computes the same bits:
 * - a GD chunk: from θ_from (or θ₀ from the seed) take `to − from` GD steps with constant η,
 *   recording L(θ_t) at every step and S at every multiple of sEvery inside, then L and S at θ_to
 *   (Lanczos, each warm-started from the previous top eigenvector);
 * - a GFS evaluation: from a recorded θ_t, RK4 gradient flow with h = α/S to the loss threshold
 *   (or the step budget), then φ = λmax(∇²L) there (MlpEngine.gfsSharpness); for the records of
 *   the threshold-sensitivity report the flow then continues from its end to a lower threshold
 *   (its own step budget) and φ is evaluated again there.
 * One MlpEngine (and one copy of the digits) per problem is cached per thread; in a pool these run
 * as the `fcnet` task of the worker entry (pool/worker.ts).
 */
import type { Activation } from '../../engines/mlp.js';
import { MlpEngine } from '../../engines/mlp.js';
import { loadDigits } from './data.js';
import type { FlowStatus } from '../../engines/mlp.js';

/** What fixes the network, its data and its initialisation. */
export interface FcnetProblem {
  activation: Activation;
  n: number;
  hidden: readonly number[];
  seed: number;
}

export interface GdChunkTask {
  kind: 'gd';
  problem: FcnetProblem;
  eta: number;
  from: number;
  to: number;
  /** θ_from; null: θ₀ = initialParameters(seed) (then from must be 0). */
  theta: Float64Array | null;
  /** Top eigenvector at θ_from (warm start), or null. */
  vector: Float64Array | null;
  divergeAt: number;
  lanczosTol: number;
  /** Also record S at the multiples of sEvery strictly between from and to. */
  sEvery: number;
}

export interface GdChunkResult {
  theta: Float64Array;
  vector: Float64Array;
  /** L(θ_t) for t = from … to − 1; for a diverged chunk, up to and including the bad loss. */
  losses: Float64Array;
  /** L(θ_to). */
  loss: number;
  /** S(θ_to). */
  sharpness: number;
  /** The steps strictly inside the chunk where S was also recorded, and S there. */
  traceSteps: Float64Array;
  traceSharpness: Float64Array;
  lanczosIterations: number;
  lanczosResidual: number;
  /** The loss left the finite range (or exceeded divergeAt) at some step ≤ to. */
  diverged: boolean;
  seconds: number;
}

export interface GfsTask {
  kind: 'gfs';
  problem: FcnetProblem;
  theta: Float64Array;
  vector: Float64Array | null;
  lossThreshold: number;
  flowSteps: number;
  rk4Alpha: number;
  sharpnessEvery: number;
  /**
   * Also continue the flow from its end (when it reached lossThreshold) to L < this lower
   * threshold, with a budget of flowSteps more RK4 steps, and evaluate φ there; null: no.
   */
  sensitivityThreshold: number | null;
}

/** φ where the continued flow of a sensitivity record ends (see GfsTask.sensitivityThreshold). */
export interface SensitivityResult {
  threshold: number;
  gfsSharpness: number;
  status: FlowStatus;
  /** RK4 steps of the continuation alone (beyond the first flow's). */
  flowSteps: number;
  flowTime: number;
  flowLoss: number;
  hvps: number;
  lanczosResidual: number;
}

export interface GfsTaskResult {
  gfsSharpness: number;
  status: FlowStatus;
  flowSteps: number;
  flowTime: number;
  /** L at the flow's end. */
  flowLoss: number;
  hvps: number;
  lanczosIterations: number;
  lanczosResidual: number;
  /** The continued flow's φ (a sensitivity record whose first flow converged), else null. */
  sensitivity: SensitivityResult | null;
  seconds: number;
}

export type FcnetTask = GdChunkTask | GfsTask;
export type FcnetTaskResult = GdChunkResult | GfsTaskResult;

let cached: { key: string; engine: MlpEngine } | undefined;

/** This thread's engine for `problem` (the last one is kept: building one parses the digits). */
export function engineFor(problem: FcnetProblem): MlpEngine {
  const key = JSON.stringify([problem.activation, problem.n, problem.hidden]);
  if (cached?.key !== key) {
    cached = undefined; // let the previous engine's memory go first
    const data = loadDigits(problem.n);
    const engine = new MlpEngine(
      { input: data.inputDim, hidden: problem.hidden, output: data.classes, activation: problem.activation },
      data,
    );
    cached = { key, engine };
  }
  return cached.engine;
}

export function runGdChunk(task: GdChunkTask): GdChunkResult {
  const started = performance.now();
  const engine = engineFor(task.problem);
  let theta = task.theta ?? engine.initialParameters(task.problem.seed);
  let warm = task.vector ?? undefined;
  const losses: number[] = [];
  const traceSteps: number[] = [];
  const traceSharpness: number[] = [];
  let lanczosIterations = 0;
  let diverged = false;
  // GD from `from` to `to`, pausing at the multiples of sEvery strictly inside for S.
  let t = task.from;
  while (t < task.to && !diverged) {
    const stop = Math.min(task.to, (Math.floor(t / task.sEvery) + 1) * task.sEvery);
    const gd = engine.gradientDescent(theta, task.eta, stop - t, task.divergeAt);
    for (const l of gd.losses) losses.push(l);
    theta = gd.theta;
    diverged = gd.diverged;
    t = stop;
    if (!diverged && t < task.to) {
      const s = engine.sharpness(theta, { tol: task.lanczosTol, start: warm });
      lanczosIterations += s.iterations;
      traceSteps.push(t);
      traceSharpness.push(s.value);
      warm = s.vector;
    }
  }
  let loss = Number.NaN;
  let sharpness = Number.NaN;
  let lanczosResidual = Number.NaN;
  let vector = new Float64Array(engine.parameterCount).fill(Number.NaN);
  if (!diverged) {
    loss = engine.loss(theta);
    diverged = !Number.isFinite(loss) || loss > task.divergeAt;
    if (diverged) losses.push(loss);
  }
  if (!diverged) {
    const s = engine.sharpness(theta, { tol: task.lanczosTol, start: warm });
    sharpness = s.value;
    lanczosIterations += s.iterations;
    lanczosResidual = s.residual;
    vector = Float64Array.from(s.vector);
  }
  return {
    theta,
    vector,
    losses: Float64Array.from(losses),
    loss,
    sharpness,
    traceSteps: Float64Array.from(traceSteps),
    traceSharpness: Float64Array.from(traceSharpness),
    lanczosIterations,
    lanczosResidual,
    diverged,
    seconds: (performance.now() - started) / 1000,
  };
}

export function runGfs(task: GfsTask): GfsTaskResult {
  const started = performance.now();
  const engine = engineFor(task.problem);
  const flow = {
    alpha: task.rk4Alpha,
    maxSteps: task.flowSteps,
    sharpnessEvery: task.sharpnessEvery,
  };
  const g = engine.gfsSharpness(task.theta, {
    ...flow,
    lossThreshold: task.lossThreshold,
    start: task.vector !== null && task.vector.every(Number.isFinite) ? task.vector : undefined,
  });
  let sensitivity: SensitivityResult | null = null;
  if (task.sensitivityThreshold !== null && g.status === 'converged') {
    // The same flow, continued from where it stopped (its last point is below lossThreshold).
    const c = engine.gfsSharpness(g.theta, {
      ...flow,
      lossThreshold: task.sensitivityThreshold,
      start: g.lanczos.vector.every(Number.isFinite) ? g.lanczos.vector : undefined,
    });
    sensitivity = {
      threshold: task.sensitivityThreshold,
      gfsSharpness: c.gfsSharpness,
      status: c.status,
      flowSteps: c.steps,
      flowTime: c.time,
      flowLoss: c.loss,
      hvps: c.hvps + c.lanczos.iterations,
      lanczosResidual: c.lanczos.residual,
    };
  }
  return {
    gfsSharpness: g.gfsSharpness,
    status: g.status,
    flowSteps: g.steps,
    flowTime: g.time,
    flowLoss: g.loss,
    hvps: g.hvps + g.lanczos.iterations,
    lanczosIterations: g.lanczos.iterations,
    lanczosResidual: g.lanczos.residual,
    sensitivity,
    seconds: (performance.now() - started) / 1000,
  };
}

export function runFcnetTask(task: FcnetTask): FcnetTaskResult {
  return task.kind === 'gd' ? runGdChunk(task) : runGfs(task);
}

/** The large arrays of a result (θ, the top eigenvector, the chunk's losses), transferred back from a worker. */
export function fcnetTaskArrays(result: FcnetTaskResult): ArrayBufferView[] {
  return 'theta' in result
    ? [result.theta, result.vector, result.losses, result.traceSteps, result.traceSharpness]
    : [];
}
