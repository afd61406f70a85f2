/**
 * The fcnet experiment's per-run state while its tasks come in (experiment.ts schedules them,
 * checkpoint.ts restores it from a checkpoint) and the result each run ends as.
 */
import type { Activation } from '../../engines/mlp.js';
import type { FlowStatus } from '../../engines/mlpSolver.js';
import type { ImageSet } from '../../data/images.js';
import type { GfsTaskResult, SensitivityResult } from './tasks.js';

export type RunStatus = 'completed' | 'diverged';

/** One GD run (one activation, one step size). */
export interface NetRun {
  activation: Activation;
  eta: number;
  /** GD steps taken (steps, or fewer when diverged). */
  steps: number;
  status: RunStatus;
  /** L(θ_t), t = 0 … steps. */
  loss: Float64Array;
  /** S at every sEvery-th step and at every record, in step order. */
  sharpnessTrace: { step: Float64Array; sharpness: Float64Array };
  records: {
    step: Float64Array;
    loss: Float64Array;
    sharpness: Float64Array;
    gfsSharpness: Float64Array;
    /** 'converged' (flow reached the threshold), 'max-steps', 'non-finite'. */
    gfsStatus: FlowStatus[];
    flowSteps: Float64Array;
    flowTime: Float64Array;
    flowLoss: Float64Array;
    /** Hessian-vector products of the GFS evaluation (flow step sizes + final Lanczos). */
    hvps: Float64Array;
    lanczosResidual: Float64Array;
    /** The threshold-sensitivity report's φ at SENSITIVITY_FACTOR · lossThreshold, or null. */
    sensitivity: (SensitivityResult | null)[];
    seconds: Float64Array;
  };
}

/** The loaded images: where from, their shape and their per-channel statistics (the standardisation). */
export interface NetDataStatistics {
  /** Short, for titles: "MNIST digits", "CIFAR-10 images". */
  title: string;
  /** The source, the images kept and what was done to them, in words (src/data/images.ts). */
  description: string;
  /** Channels, height and width of each image (after --input-size): C·H·W inputs of the network. */
  shape: [number, number, number];
  classes: number;
  classNames: string[];
  /** Per channel: the mean and population std of its raw values over the n images. */
  mean: number[];
  std: number[];
  /** Largest |x| of the standardised inputs. */
  maxAbsInput: number;
}

/** What a run records about its images (the statistics they were standardised with). */
export function dataStatistics(images: ImageSet): NetDataStatistics {
  let maxAbsInput = 0;
  for (let i = 0; i < images.X.length; i++) maxAbsInput = Math.max(maxAbsInput, Math.abs(images.X[i] as number));
  return {
    title: images.title,
    description: images.description,
    shape: [images.channels, images.height, images.width],
    classes: images.classes,
    classNames: [...images.classNames],
    mean: [...images.mean],
    std: [...images.std],
    maxAbsInput,
  };
}

/** A run while its GD chunks and GFS evaluations come in. */
export interface RunState {
  activation: Activation;
  eta: number;
  records: number[];
  /** Index into records of the last GD record reached. */
  reached: number;
  losses: number[];
  recordLoss: number[];
  sharpness: number[];
  traceSteps: number[];
  traceSharpness: number[];
  gfs: (GfsTaskResult | undefined)[];
  diverged: boolean;
  theta: Float64Array | null;
  vector: Float64Array | null;
}

export function newRunState(activation: Activation, eta: number, records: number[]): RunState {
  return {
    activation,
    eta,
    records,
    reached: -1,
    losses: [],
    recordLoss: [],
    sharpness: [],
    traceSteps: [],
    traceSharpness: [],
    gfs: [],
    diverged: false,
    theta: null,
    vector: null,
  };
}

/** to.push(...from) without the argument-count limit of a spread (long chunks). */
export function append(to: number[], from: ArrayLike<number>): void {
  for (let i = 0; i < from.length; i++) to.push(from[i] as number);
}

/** The run's result (records reached; φ NaN where its evaluation is missing). */
export function finish(s: RunState): NetRun {
  const count = s.reached + 1;
  // A diverged run's losses end with the bad one; a completed run's with L(θ_steps) of its last record.
  const loss = Float64Array.from(s.diverged ? s.losses : [...s.losses, s.recordLoss[count - 1] as number]);
  const steps = loss.length - 1;
  const pick = (f: (g: GfsTaskResult) => number): Float64Array =>
    Float64Array.from({ length: count }, (_, k) => {
      const g = s.gfs[k];
      return g === undefined ? Number.NaN : f(g);
    });
  return {
    activation: s.activation,
    eta: s.eta,
    steps,
    status: s.diverged ? 'diverged' : 'completed',
    loss,
    sharpnessTrace: { step: Float64Array.from(s.traceSteps), sharpness: Float64Array.from(s.traceSharpness) },
    records: {
      step: Float64Array.from(s.records.slice(0, count)),
      loss: Float64Array.from(s.recordLoss),
      sharpness: Float64Array.from(s.sharpness),
      gfsSharpness: pick((g) => g.gfsSharpness),
      gfsStatus: Array.from({ length: count }, (_, k) => s.gfs[k]?.status ?? 'non-finite'),
      flowSteps: pick((g) => g.flowSteps),
      flowTime: pick((g) => g.flowTime),
      flowLoss: pick((g) => g.flowLoss),
      hvps: pick((g) => g.hvps),
      lanczosResidual: pick((g) => g.lanczosResidual),
      sensitivity: Array.from({ length: count }, (_, k) => s.gfs[k]?.sensitivity ?? null),
      seconds: pick((g) => g.seconds),
    },
  };
}
