/**
 * The two units of work of the network experiment (model.md §5), pure functions of their inputs so
 * that a worker, the main thread or a resumed run computes the same bits:
 * - a GD chunk: from θ_from (or θ₀ from the seed) take `to − from` GD steps with constant η,
 *   recording L(θ_t) at every step and S at every multiple of sEvery inside, then L and S at θ_to
 *   (Lanczos, each warm-started from the previous top eigenvector);
 * - a GFS evaluation: from a recorded θ_t, RK4 gradient flow with h = α/S to the loss threshold
 *   (or the step budget), then φ = λmax(∇²L) there (NetworkSolver.gfsSharpness); for the records
 *   of the threshold-sensitivity report the flow then continues from its end to a lower threshold
 *   (its own step budget) and φ is evaluated again there.
 * Both run on a NetworkSolver (engines/networkSolver.ts) over a fully connected network (an
 * MlpSolver) or a convolutional one (vgg11-bn, resnet20: engines/conv/architectures.ts), whose
 * gradients and HVPs are fixed-order sums over batch shards, computed on a team of pool workers or
 * in this thread: the same bits for any worker count.
 */
import type { Activation } from '../../engines/mlp.js';
import { buildShardKernels, LocalBatch, type Precision } from '../../engines/mlpBatch.js';
import { initialParameters } from '../../engines/mlpNetwork.js';
import { MlpSolver } from '../../engines/mlpSolver.js';
import { NetworkSolver, type FlowStatus, type GfsResult } from '../../engines/networkSolver.js';
import {
  initialArchitectureParameters,
  netArchitecture,
  type ArchitectureName,
  type NetArchitecture,
} from '../../engines/conv/architectures.js';
import { ConvBatch } from '../../engines/conv/batch.js';
import { loadImages, type ImageRequest } from '../../data/images.js';

/** The networks of `eoslab net`: the fully connected one and the two convolutional ones. */
export const NET_ARCHITECTURES = ['fc', 'vgg11-bn', 'resnet20'] as const;
export type NetArchitectureName = (typeof NET_ARCHITECTURES)[number];

/** What fixes the network, its data and its initialisation. */
export interface NetProblem {
  arch: NetArchitectureName;
  activation: Activation;
  /** The images (every thread loads the same ones). */
  images: Required<ImageRequest>;
  /** Channels, height and width of one image (after the reduction). */
  shape: readonly [number, number, number];
  /** Inputs per image (C·H·W) and classes: the network's first and last widths. */
  input: number;
  classes: number;
  /** Hidden widths of the fully connected network ([] for a conv net). */
  hidden: readonly number[];
  /** Channel multiplier of a conv net (1 for fc). */
  width: number;
  seed: number;
  precision: Precision;
}

/** The convolutional architecture of a conv problem (its layer list, laid out). */
export function architectureOf(problem: NetProblem): NetArchitecture {
  if (problem.arch === 'fc') throw new Error('architectureOf: a fully connected problem');
  const [channels, height, width] = problem.shape;
  return netArchitecture({
    architecture: problem.arch as ArchitectureName,
    input: { channels, height, width },
    classes: problem.classes,
    width: problem.width,
    activation: problem.activation,
  });
}

/** θ₀ of the problem: the seed's initialisation of its network (deterministic). */
export function initialTheta(problem: NetProblem, parameterCount: number): Float64Array {
  if (problem.arch === 'fc') return initialParameters(networkSizes(problem), parameterCount, problem.seed);
  return initialArchitectureParameters(architectureOf(problem), problem.seed);
}

export interface GdChunkTask {
  kind: 'gd';
  problem: NetProblem;
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
  problem: NetProblem;
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

/** What a flow to a threshold and the Lanczos at its end give. */
export interface FlowOutcome {
  /** φ: λmax at the flow's end. */
  gfsSharpness: number;
  status: FlowStatus;
  /** RK4 steps (of a continuation: beyond the first flow's). */
  flowSteps: number;
  flowTime: number;
  /** L at the flow's end. */
  flowLoss: number;
  /** HVPs of the step sizes and of the final Lanczos. */
  hvps: number;
  lanczosResidual: number;
}

/** φ where the continued flow of a sensitivity record ends (see GfsTask.sensitivityThreshold). */
export interface SensitivityResult extends FlowOutcome {
  threshold: number;
}

export interface GfsTaskResult extends FlowOutcome {
  lanczosIterations: number;
  /** The continued flow's φ (a sensitivity record whose first flow converged), else null. */
  sensitivity: SensitivityResult | null;
  seconds: number;
}

export type NetTask = GdChunkTask | GfsTask;
export type NetTaskResult = GdChunkResult | GfsTaskResult;

/** The layer sizes d₀ … d_L of a fully connected problem's network (C·H·W inputs, one output per class). */
export function networkSizes(problem: NetProblem): number[] {
  return [problem.input, ...problem.hidden, problem.classes];
}

export async function runGdChunk(solver: NetworkSolver, task: GdChunkTask): Promise<GdChunkResult> {
  const started = performance.now();
  const P = solver.parameterCount;
  let theta = task.theta ?? initialTheta(task.problem, P);
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

/** The record of one flow and its final Lanczos. */
function outcomeOf(g: GfsResult): FlowOutcome {
  return {
    gfsSharpness: g.gfsSharpness,
    status: g.status,
    flowSteps: g.steps,
    flowTime: g.time,
    flowLoss: g.loss,
    hvps: g.hvps + g.lanczos.iterations,
    lanczosResidual: g.lanczos.residual,
  };
}

export async function runGfs(solver: NetworkSolver, task: GfsTask): Promise<GfsTaskResult> {
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
    sensitivity = { threshold: task.sensitivityThreshold, ...outcomeOf(c) };
  }
  return {
    ...outcomeOf(g),
    lanczosIterations: g.lanczos.iterations,
    sensitivity,
    seconds: (performance.now() - started) / 1000,
  };
}

export function runNetTask(solver: NetworkSolver, task: NetTask): Promise<NetTaskResult> {
  return task.kind === 'gd' ? runGdChunk(solver, task) : runGfs(solver, task);
}

let cached: { key: string; solver: NetworkSolver } | undefined;

/**
 * This thread's solver for `problem` over the calling-thread batch (the same shards as a team's,
 * so the same bits); the last one is kept: building one reads the images.
 */
export function taskSolver(problem: NetProblem): NetworkSolver {
  const key = JSON.stringify([
    problem.arch,
    problem.activation,
    problem.images,
    problem.hidden,
    problem.width,
    problem.precision,
  ]);
  if (cached?.key !== key) {
    cached = undefined; // let the previous solver's memory go first
    const images = loadImages(problem.images);
    let solver: NetworkSolver;
    if (problem.arch === 'fc') {
      const shape = {
        input: images.inputDim,
        hidden: problem.hidden,
        output: images.classes,
        activation: problem.activation,
      };
      const data = { n: images.n, X: images.X, Y: images.Y };
      const kernels = buildShardKernels({ shape, data }, problem.precision);
      solver = new MlpSolver(new LocalBatch(kernels, problem.precision));
    } else {
      solver = new NetworkSolver(ConvBatch.ofImages(architectureOf(problem).spec, images));
    }
    cached = { key, solver };
  }
  return cached.solver;
}

/** A task on this thread's solver: the `net` task of the worker entry (pool/worker.ts). */
export function runNetTaskHere(task: NetTask): Promise<NetTaskResult> {
  return runNetTask(taskSolver(task.problem), task);
}

/** The large arrays of a result (θ, the top eigenvector, the chunk's losses), transferred back from a worker. */
export function netTaskArrays(result: NetTaskResult): ArrayBufferView[] {
  return 'theta' in result
    ? [result.theta, result.vector, result.losses, result.traceSteps, result.traceSharpness]
    : [];
}
