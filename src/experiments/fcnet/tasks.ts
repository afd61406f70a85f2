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
 Both run on an MlpSolver (engines/mlpSolver.ts) whose gradients and HVPs are fixed-order sums
 * over batch shards, computed on a team of pool workers or in this thread: the same bits for any
 * worker count.
 */
import type { Activation } from '../../engines/mlp.js';
import { buildShardKernels, LocalBatch, type Precision } from '../../engines/mlpBatch.js';
import { initialParameters } from '../../engines/mlpNetwork.js';
import { MlpSolver, type FlowStatus } from '../../engines/mlpSolver.js';
import { loadImages, type ImageRequest } from '../../data/images.js';

/** What fixes the network, its data and its initialisation. */
export interface FcnetProblem {
  activation: Activation;
  /** The images (every thread loads the same ones). */
  images: Required<ImageRequest>;
  /** Inputs per image (C·H·W) and classes: the network's first and last widths. */
  input: number;
  classes: number;
  hidden: readonly number[];
  seed: number;
  precision: Precision;
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

/** The layer sizes d₀ … d_L of the problem's network (C·H·W inputs, one output per class). */
export function networkSizes(problem: FcnetProblem): number[] {
  return [problem.input, ...problem.hidden, problem.classes];
}

export async function runGdChunk(solver: MlpSolver, task: GdChunkTask): Promise<GdChunkResult> {
  const started = performance.now();
  const P = solver.parameterCount;
  let theta = task.theta ?? initialParameters(networkSizes(task.problem), P, task.problem.seed);
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
    const gd = await solver.gradientDescent(theta, task.eta, stop - t, task.divergeAt);
    for (const l of gd.losses) losses.push(l);
    theta = gd.theta;
    diverged = gd.diverged;
    t = stop;
    if (!diverged && t < task.to) {
      const s = await solver.sharpness(theta, { tol: task.lanczosTol, start: warm });
      lanczosIterations += s.iterations;
      traceSteps.push(t);
      traceSharpness.push(s.value);
      warm = s.vector;
    }
  }
  let loss = Number.NaN;
  let sharpness = Number.NaN;
  let lanczosResidual = Number.NaN;
  let vector = new Float64Array(P).fill(Number.NaN);
  if (!diverged) {
    loss = await solver.loss(theta);
    diverged = !Number.isFinite(loss) || loss > task.divergeAt;
    if (diverged) losses.push(loss);
  }
  if (!diverged) {
    const s = await solver.sharpness(theta, { tol: task.lanczosTol, start: warm });
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

export async function runGfs(solver: MlpSolver, task: GfsTask): Promise<GfsTaskResult> {
  const started = performance.now();
  const flow = {
    alpha: task.rk4Alpha,
    maxSteps: task.flowSteps,
    sharpnessEvery: task.sharpnessEvery,
  };
  const g = await solver.gfsSharpness(task.theta, {
    ...flow,
    lossThreshold: task.lossThreshold,
    start: task.vector !== null && task.vector.every(Number.isFinite) ? task.vector : undefined,
  });
  let sensitivity: SensitivityResult | null = null;
  if (task.sensitivityThreshold !== null && g.status === 'converged') {
    // The same flow, continued from where it stopped (its last point is below lossThreshold).
    const c = await solver.gfsSharpness(g.theta, {
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

export function runFcnetTask(solver: MlpSolver, task: FcnetTask): Promise<FcnetTaskResult> {
  return task.kind === 'gd' ? runGdChunk(solver, task) : runGfs(solver, task);
}

let cached: { key: string; solver: MlpSolver } | undefined;

/**
 * This thread's solver for `problem` over the calling-thread batch (the same shards as a team's,
 * so the same bits); the last one is kept: building one reads the images.
 */
export function taskSolver(problem: FcnetProblem): MlpSolver {
  const key = JSON.stringify([problem.activation, problem.images, problem.hidden, problem.precision]);
  if (cached?.key !== key) {
    cached = undefined; // let the previous solver's memory go first
    const images = loadImages(problem.images);
    const shape = {
      input: images.inputDim,
      hidden: problem.hidden,
      output: images.classes,
      activation: problem.activation,
    };
    const data = { n: images.n, X: images.X, Y: images.Y };
    const kernels = buildShardKernels({ shape, data }, problem.precision);
    cached = { key, solver: new MlpSolver(new LocalBatch(kernels, problem.precision)) };
  }
  return cached.solver;
}

/** A task on this thread's solver: the `fcnet` task of the worker entry (pool/worker.ts). */
export function runFcnetTaskHere(task: FcnetTask): Promise<FcnetTaskResult> {
  return runFcnetTask(taskSolver(task.problem), task);
}

/** The large arrays of a result (θ, the top eigenvector, the chunk's losses), transferred back from a worker. */
export function fcnetTaskArrays(result: FcnetTaskResult): ArrayBufferView[] {
  return 'theta' in result
    ? [result.theta, result.vector, result.losses, result.traceSteps, result.traceSharpness]
    : [];
}
