/**
 * The options of the network experiment (`netExperiment`, `eoslab net`, `eoslab fcnet`): each
 * network's defaults (ARCH_DEFAULTS, chosen by measurement), the option set, and their resolution
 * — validation against the data (read without pixels), the network's size and the WASM memory it
 * needs, refused up front — into the problem every task is a pure function of.
 */
import { conflict, EoslabError, invalidOption } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { CORES, defineOptions, derived, resolveOptions, type DerivedDefault } from '../../base/optionSet.js';
import { DEFAULT_HIDDEN, type Activation } from '../../engines/mlp.js';
import type { Precision } from '../../engines/mlpBatch.js';
import { netArchitecture, type ArchitectureName } from '../../engines/conv/architectures.js';
import { parameterCountOf } from '../../engines/mlpNetwork.js';
import { inspectImages, type ImageRequest } from '../../data/images.js';
import { convEngineBytes, engineBytes, WASM_BYTES } from './plan.js';
import { NET_ARCHITECTURES, type NetArchitectureName, type NetProblem } from './tasks.js';

/**
 * What `--arch` sets when an option is not given: each network's defaults, chosen by measurement
 * (README, "Fully connected networks" and "Convolutional networks").
 *
 * fc: the paper's Fig 6 network (FC-hardtanh 784 → 200 → 200 → 10) on the first 100 digits.
 * Per-channel standardisation gives S₀ = 56 at θ₀, so η = 0.03 (2/η = 66.7) leaves room for
 * progressive sharpening. GD's smallest loss over the 600 steps is 9.3e-4 (at step 600), and the
 * flow threshold 5e-5 lies 18.6× below it, so every flow runs (1 000–2 700 RK4 steps); the flow
 * budget covers the longest flow and its continuation to τ/10 (3 700 more steps) with room to
 * spare. n = 100 (not 1 000) keeps the run within minutes: a flow to 1/10 of GD's loss costs about
 * 5× GD's own time, and at n = 1 000 one flow from step 300 moves the loss only from 0.118 to
 * 0.101 in 200 RK4 steps (100 s).
 *
 * vgg11-bn and resnet20: see ARCH_DEFAULTS' comments.
 */
export interface ArchDefaults {
  activation: readonly Activation[];
  n: number;
  inputSize: readonly [number, number] | undefined;
  width: number | undefined;
  eta: readonly number[];
  steps: number;
  gfsEvery: number;
  sEvery: number;
  lossThreshold: number;
  flowSteps: number;
}

export const ARCH_DEFAULTS: Readonly<Record<NetArchitectureName, ArchDefaults>> = {
  fc: {
    activation: ['hardtanh'],
    n: 100,
    inputSize: undefined,
    width: undefined,
    eta: [0.03],
    steps: 600,
    gfsEvery: 50,
    sEvery: 10,
    lossThreshold: 5e-5,
    flowSteps: 8000,
  },
  // VGG11-BN at width 1/8 (P = 154 074) on 32 digits zero-padded to 32×32: S₀ = 16, so η = 0.1
  // (2/η = 20) starts below the threshold and S reaches it by step 30; GD's loss falls to 4.5e-6
  // by step 150 and τ = 5e-7 lies 9× below it; φ₀ ≈ 42 (flows of ≈ 500 RK4 steps, measured).
  'vgg11-bn': {
    activation: ['relu'],
    n: 32,
    inputSize: [32, 32],
    width: 0.125,
    eta: [0.1],
    steps: 150,
    gfsEvery: 15,
    sEvery: 5,
    lossThreshold: 5e-7,
    flowSteps: 3000,
  },
  // ResNet20 at its published widths (16/32/64 channels, P = 269 530) on 16 digits averaged down to
  // 8×8: S₀ = 3.8 and η = 0.2 (2/η = 10): S passes 2/η within 5 steps. Narrower nets stall: at width
  // 1/4 (16×16, 32 digits) GD and the flow sit on a plateau at L ≈ 0.245, at width 1/2 the flow from
  // θ₀ on one at L ≈ 0.03 (measured). GD's loss falls to 5e-4 by step 200; τ = 1e-4 lies ≥ 5× below
  // it. The flow from θ₀ is the longest (φ ≈ 90 there, so h = 1/S is small): > 3 000 RK4 steps.
  resnet20: {
    activation: ['relu'],
    n: 16,
    inputSize: [8, 8],
    width: 1,
    eta: [0.2],
    steps: 200,
    gfsEvery: 20,
    sEvery: 5,
    lossThreshold: 1e-4,
    flowSteps: 6000,
  },
};

/**
 * A default that depends on --arch; help lists the three values. (Typed as the option's own
 * value, or undefined where some network has none: the value is checked by the option's spec.)
 */
function byArch<K extends keyof ArchDefaults>(
  key: K,
  show: (value: NonNullable<ArchDefaults[K]>) => string = String,
): DerivedDefault<undefined extends ArchDefaults[K] ? undefined : never> {
  const text = NET_ARCHITECTURES.map((a) => {
    const value = ARCH_DEFAULTS[a][key];
    return `${a}: ${value === undefined || value === null ? (key === 'inputSize' ? 'as stored' : 'n/a') : show(value)}`;
  }).join('; ');
  // without --arch in the set (the fcnet command): fc
  return derived(text, (o: { arch?: NetArchitectureName }) => ARCH_DEFAULTS[o.arch ?? 'fc'][key] as never);
}

const sideText = (s: readonly [number, number]): string => `${s[0]}×${s[1]}`;

/** The options of `netExperiment` and `eoslab net`, with their defaults (ARCH_DEFAULTS). */
export const NET_OPTIONS = defineOptions({
  arch: { spec: OPTIONS.arch, default: 'fc' },
  activation: { spec: OPTIONS.activations, default: byArch('activation', (a) => a.join(',')) },
  n: { spec: OPTIONS.images, default: byArch('n') },
  data: { spec: OPTIONS.data, default: 'mnist' },
  dataOffset: { spec: OPTIONS.dataOffset, default: 0 },
  dataClasses: { spec: OPTIONS.dataClasses, defaultText: 'all' },
  inputSize: { spec: OPTIONS.inputSize, default: byArch('inputSize', sideText) },
  width: { spec: OPTIONS.width, default: byArch('width') },
  eta: { spec: OPTIONS.etas, default: byArch('eta', (e) => e.join(',')) },
  steps: { spec: OPTIONS.steps, default: byArch('steps'), help: 'number of GD steps' },
  gfsEvery: { spec: OPTIONS.gfsEvery, default: byArch('gfsEvery') },
  sEvery: { spec: OPTIONS.sEvery, default: byArch('sEvery') },
  lossThreshold: { spec: OPTIONS.lossThreshold, default: byArch('lossThreshold') },
  flowSteps: { spec: OPTIONS.flowSteps, default: byArch('flowSteps') },
  rk4Alpha: { spec: OPTIONS.rk4Alpha, default: 1 },
  sharpnessEvery: { spec: OPTIONS.sharpnessEvery, default: 20 },
  sensitivityRecords: { spec: OPTIONS.sensitivityRecords, default: 3 },
  hidden: { spec: OPTIONS.hidden, defaultText: `${DEFAULT_HIDDEN.join(',')} (fc only)` },
  seed: { spec: OPTIONS.seed, default: 0, help: 'seed of the initial weights' },
  divergeAt: { spec: OPTIONS.divergeAtLoss, default: 1e3 },
  precision: { spec: OPTIONS.precision, default: 'f64' },
  workers: { spec: OPTIONS.workers, default: CORES },
});

/** Lanczos tolerance of the sharpness estimates (not an option). */
const LANCZOS_TOL = 1e-4;

/** The threshold-sensitivity report evaluates φ again at this fraction of the loss threshold. */
export const SENSITIVITY_FACTOR = 0.1;

export interface NetOptions {
  /** The network (default 'fc'); the defaults of the options below depend on it (ARCH_DEFAULTS). */
  arch?: NetArchitectureName;
  /** Channel multiplier of a conv net (not for fc). */
  width?: number;
  /** One activation or several (one run per activation and step size). */
  activation?: Activation | readonly Activation[];
  /** First n images of `data` (after `dataOffset`). */
  n?: number;
  /** The images: 'mnist' (default), 'cifar10:DIR' or 'npy:DIR' (src/data/images.ts). */
  data?: string;
  /** Images of the source order skipped before the n (default 0; n: the next, disjoint n). */
  dataOffset?: number;
  /** Keep only images of these labels (increasing), relabelled 0, 1, …. */
  dataClasses?: ArrayLike<number>;
  /** Reduce every image to H×W (centre crop, block average); a number: square. */
  inputSize?: number | readonly [number, number];
  /** Hidden layer widths of the fc network (default [200, 200]; not for conv nets). */
  hidden?: ArrayLike<number>;
  /** One step size or several. */
  eta?: number | ArrayLike<number>;
  steps?: number;
  /** Record S and φ every this many GD steps (and at steps 0 and `steps`). */
  gfsEvery?: number;
  /** Also record S every this many GD steps (cheap next to φ: one warm-started Lanczos). */
  sEvery?: number;
  /** Seed of θ₀. */
  seed?: number;
  /** The flow stops when L < lossThreshold. */
  lossThreshold?: number;
  /** RK4 step budget of one flow. */
  flowSteps?: number;
  /** RK4 step h = rk4Alpha / S. */
  rk4Alpha?: number;
  /** RK4 steps between re-estimates of S along the flow. */
  sharpnessEvery?: number;
  /** A GD loss above this (or not finite) ends the run as diverged. */
  divergeAt?: number;
  /**
   * Records (the first, evenly spaced ones and the last) whose flow is continued from L <
   * lossThreshold to L < SENSITIVITY_FACTOR · lossThreshold, with φ evaluated at both ends.
   */
  sensitivityRecords?: number;
  /** Arithmetic of the network kernels (default 'f64'); sums, GD, RK4 and Lanczos are float64. */
  precision?: Precision;
  /** Worker threads sharing every gradient and HVP (default: cores; 0 = this thread). */
  workers?: number;
  /**
   * How the workers share the work (the same bits either way): 'tasks' — each takes whole GD
   * chunks and flows; 'team' — all of them share every gradient and HVP; 'auto' (default) — teams
   * from TEAM_MIN_DIGITS images on or with one worker, tasks below.
   */
  parallel?: 'auto' | 'tasks' | 'team';
  /** Directory for checkpoints (resume); none when undefined. */
  checkpoint?: string;
  signal?: AbortSignal;
  /**
   * Called once at the start and after every finished task with (work done, work expected), in
   * gradient evaluations (an HVP counts 1.5): a GFS task is expected to use its whole RK4 budget
   * and the expectation drops when it stops early.
   */
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedNet {
  arch: NetArchitectureName;
  /** Channel multiplier of a conv net (1 for fc). */
  width: number;
  /** Parameters of the network. */
  parameterCount: number;
  activations: Activation[];
  n: number;
  data: string;
  dataOffset: number;
  dataClasses: number[] | null;
  inputSize: [number, number] | null;
  /** Inputs per image (C·H·W of the images after the reduction) and classes (the output width). */
  input: number;
  /** Channels, height and width of one image after the reduction. */
  shape: [number, number, number];
  classes: number;
  /** Hidden widths of the fc network ([] for a conv net). */
  hidden: number[];
  etas: number[];
  steps: number;
  gfsEvery: number;
  sEvery: number;
  seed: number;
  lossThreshold: number;
  flowSteps: number;
  rk4Alpha: number;
  sharpnessEvery: number;
  divergeAt: number;
  lanczosTol: number;
  sensitivityRecords: number;
  precision: Precision;
  workers: number;
}

export function resolveNetOptions(options: NetOptions = {}): ResolvedNet {
  // one step size may be given as a number
  const eta = typeof options.eta === 'number' ? [options.eta] : options.eta;
  const o = resolveOptions(NET_OPTIONS, { ...options, eta });
  // the data directory, its format, n, the offset, the classes and the input size, without reading pixels
  const images = inspectImages(o);
  const etas = Array.from(o.eta);
  if (new Set(etas).size !== etas.length) throw invalidOption('eta', etas.join(','), 'distinct step sizes');
  if (etas.some((eta) => !Number.isFinite(2 / eta))) {
    throw invalidOption('eta', etas.join(','), 'step sizes whose stability threshold 2/η is finite');
  }
  const conv = o.arch !== 'fc';
  if (conv && o.hidden !== undefined) {
    throw conflict(`--hidden is for --arch fc; ${o.arch} has its own layers (scale them with --width)`, 'hidden');
  }
  if (!conv && options.width !== undefined) {
    throw conflict('--width scales the channels of a conv net; --arch fc has --hidden', 'width');
  }
  if (conv && o.precision !== 'f64') {
    throw conflict(`--precision f32 is for --arch fc; the conv nets' kernels are float64`, 'precision');
  }
  const hidden = conv ? [] : Array.from(o.hidden ?? DEFAULT_HIDDEN);
  const shape: [number, number, number] = [images.channels, images.height, images.width];
  let parameterCount: number;
  let bytes: number;
  let what: string;
  if (conv) {
    // the architecture checks the input size (vgg11-bn: a multiple of 32) and the width
    const net = netArchitecture({
      architecture: o.arch as ArchitectureName,
      input: { channels: images.channels, height: images.height, width: images.width },
      classes: images.classes,
      width: o.width,
    });
    parameterCount = net.layout.parameterCount;
    bytes = convEngineBytes(net, o.n);
    what = `a ${o.arch} of width ${o.width} (${parameterCount} parameters) on ${o.n} ${images.title} of ${shape.join('×')}`;
  } else {
    parameterCount = parameterCountOf([images.inputDim, ...hidden, images.classes]);
    bytes = engineBytes(o.n, hidden, images.inputDim, images.classes);
    what = `a ${[images.inputDim, ...hidden, images.classes].join('→')} network on ${o.n} ${images.title}`;
  }
  if (bytes > WASM_BYTES) {
    throw new EoslabError(
      'E_MEMORY',
      `${what} needs ${(bytes / 2 ** 30).toFixed(1)} GiB of WASM memory (at most 4 GiB); use a smaller ${conv ? '--width, --input-size' : '--hidden'} or --n`,
      conv ? 'width' : 'hidden',
    );
  }
  if (o.steps / o.gfsEvery > 100_000)
    throw conflict(`steps / gfs-every = ${o.steps / o.gfsEvery} records: at most 100000`, 'gfsEvery');
  return {
    arch: o.arch,
    width: conv ? (o.width as number) : 1,
    parameterCount,
    activations: [...o.activation],
    n: o.n,
    data: images.request.data,
    dataOffset: images.request.dataOffset,
    dataClasses: images.request.dataClasses,
    inputSize: images.request.inputSize,
    input: images.inputDim,
    shape,
    classes: images.classes,
    hidden,
    etas,
    steps: o.steps,
    gfsEvery: o.gfsEvery,
    sEvery: o.sEvery,
    seed: o.seed,
    lossThreshold: o.lossThreshold,
    flowSteps: o.flowSteps,
    rk4Alpha: o.rk4Alpha,
    sharpnessEvery: o.sharpnessEvery,
    divergeAt: o.divergeAt,
    lanczosTol: LANCZOS_TOL,
    sensitivityRecords: o.sensitivityRecords,
    precision: o.precision,
    workers: o.workers,
  };
}

/** The image request of the resolved options (the same images in every thread). */
export function imageRequestOf(o: ResolvedNet): Required<ImageRequest> {
  return { data: o.data, n: o.n, dataOffset: o.dataOffset, dataClasses: o.dataClasses, inputSize: o.inputSize };
}

/** The problem (network, data, initialisation) of one activation's runs under the resolved options. */
export function problemOf(o: ResolvedNet, activation: Activation): NetProblem {
  return {
    arch: o.arch,
    activation,
    images: imageRequestOf(o),
    shape: o.shape,
    input: o.input,
    classes: o.classes,
    hidden: o.hidden,
    width: o.width,
    seed: o.seed,
    precision: o.precision,
  };
}

/** The options of the fully connected network alone (`eoslab fcnet`; NetOptions without arch and width). */
export type FcnetOptions = Omit<NetOptions, 'arch' | 'width'>;

/** `resolveNetOptions` with --arch fc. */
export function resolveFcnetOptions(options: FcnetOptions = {}): ResolvedNet {
  return resolveNetOptions({ ...options, arch: 'fc' });
}
