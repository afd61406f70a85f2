/**
 * The options table: one place that gives every option its API key, CLI flag, description and
 * validation (typed: an `OptionSpec<T>` parses and checks to a T). Each experiment and command
 * takes its options from here in an option set with their defaults (src/base/optionSet.ts); the
 * CLI parser, `--help`, the library's option checks and the README's option reference all come
 * from those sets.
 */
import { DATA_SPEC_EXPECTED, parseDataSpec } from './dataSpec.js';
import { invalidOption } from './errors.js';
import { HEATMAP_PRESETS, TRAJECTORY_PRESETS } from './presets.js';

export interface OptionSpec<T> {
  /** camelCase key used by the library API and in manifests. */
  readonly key: string;
  /** kebab-case CLI flag, without the leading dashes. */
  readonly flag: string;
  /** Value name shown in help (`<number>`), empty for boolean flags. */
  readonly valueName: string;
  readonly description: string;
  /** Parse and validate a CLI string. `label` names the option in error messages. */
  parse(text: string, label: string): T;
  /** Validate a value given to the library API. */
  check(value: unknown, label: string): T;
}

export const MIN_DEPTH = 2;
export const MAX_DEPTH = 64;
/** Largest worker pool. */
export const MAX_WORKERS = 256;

interface NumberConstraints {
  integer?: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: number;
}

function describeNumber(c: NumberConstraints): string {
  const parts: string[] = [];
  if (c.exclusiveMin !== undefined) parts.push(`> ${c.exclusiveMin}`);
  if (c.min !== undefined) parts.push(`>= ${c.min}`);
  if (c.max !== undefined) parts.push(`<= ${c.max}`);
  const noun = c.integer ? 'an integer' : 'a finite number';
  return parts.length ? `${noun} ${parts.join(' and ')}` : noun;
}

function checkNumber(value: unknown, label: string, c: NumberConstraints): number {
  const expected = describeNumber(c);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidOption(label, value, expected);
  if (c.integer && !Number.isInteger(value)) throw invalidOption(label, value, expected);
  if (c.exclusiveMin !== undefined && !(value > c.exclusiveMin)) throw invalidOption(label, value, expected);
  if (c.min !== undefined && !(value >= c.min)) throw invalidOption(label, value, expected);
  if (c.max !== undefined && !(value <= c.max)) throw invalidOption(label, value, expected);
  return value;
}

/** Strict numeric parse: the whole string must be a number (no `parseFloat` leniency). */
function parseNumberText(text: string, label: string, expected: string): number {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
    throw invalidOption(label, text, expected);
  }
  return Number(trimmed);
}

export function numberOption(
  key: string,
  flag: string,
  description: string,
  constraints: NumberConstraints = {},
): OptionSpec<number> {
  return {
    key,
    flag,
    valueName: constraints.integer ? '<int>' : '<number>',
    description,
    parse(text, label) {
      return checkNumber(parseNumberText(text, label, describeNumber(constraints)), label, constraints);
    },
    check(value, label) {
      return checkNumber(value, label, constraints);
    },
  };
}

interface ListConstraints {
  minLength: number;
  maxLength: number;
  element: NumberConstraints;
  what: string;
}

function checkList(value: unknown, label: string, c: ListConstraints): Float64Array {
  const expected = `${c.what}: ${c.minLength}${c.maxLength > c.minLength ? `–${c.maxLength}` : ''} values, each ${describeNumber(c.element)}`;
  const isList = Array.isArray(value) || value instanceof Float64Array || value instanceof Float32Array;
  if (!isList) throw invalidOption(label, value, expected);
  const list = value as ArrayLike<unknown>;
  if (list.length < c.minLength || list.length > c.maxLength) throw invalidOption(label, value, expected);
  const out = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    try {
      out[i] = checkNumber(x, label, c.element);
    } catch {
      throw invalidOption(label, value, expected);
    }
  }
  return out;
}

export function listOption(
  key: string,
  flag: string,
  description: string,
  constraints: ListConstraints,
): OptionSpec<Float64Array> {
  return {
    key,
    flag,
    valueName: '<x,y,...>',
    description,
    parse(text, label) {
      const expected = `${constraints.what} as comma-separated numbers`;
      const parts = text.split(',');
      const values = parts.map((p) => {
        try {
          return parseNumberText(p, label, expected);
        } catch {
          throw invalidOption(label, text, expected);
        }
      });
      try {
        return checkList(values, label, constraints);
      } catch {
        throw invalidOption(label, text, checkListExpectation(constraints));
      }
    },
    check(value, label) {
      return checkList(value, label, constraints);
    },
  };
}

function checkListExpectation(c: ListConstraints): string {
  return `${c.what}: ${c.minLength}${c.maxLength > c.minLength ? `–${c.maxLength}` : ''} comma-separated values, each ${describeNumber(c.element)}`;
}

/** An inclusive range `a,b` with a < b (and each element's constraints). */
export function rangeOption(
  key: string,
  flag: string,
  description: string,
  element: NumberConstraints,
): OptionSpec<readonly [number, number]> {
  const expected = `two increasing values "a,b" with a < b, each ${describeNumber(element)}`;
  const finish = (values: Float64Array, raw: unknown, label: string): readonly [number, number] => {
    const a = values[0] as number;
    const b = values[1] as number;
    if (!(a < b)) throw invalidOption(label, raw, expected);
    return [a, b] as const;
  };
  const list = listOption(key, flag, description, { minLength: 2, maxLength: 2, element, what: 'a range' });
  return {
    key,
    flag,
    valueName: '<a,b>',
    description,
    parse(text, label) {
      let values: Float64Array;
      try {
        values = list.parse(text, label);
      } catch {
        throw invalidOption(label, text, expected);
      }
      return finish(values, text, label);
    },
    check(value, label) {
      let values: Float64Array;
      try {
        values = list.check(value, label);
      } catch {
        throw invalidOption(label, value, expected);
      }
      return finish(values, value, label);
    },
  };
}

export function choiceOption<T extends string>(
  key: string,
  flag: string,
  description: string,
  choices: readonly T[],
): OptionSpec<T> {
  const expected = `one of ${choices.join(', ')}`;
  const check = (value: unknown, label: string): T => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw invalidOption(label, value, expected);
    }
    return value as T;
  };
  return { key, flag, valueName: `<${choices.join('|')}>`, description, parse: check, check };
}

/** A comma-separated list of distinct choices (at least one). */
export function choiceListOption<T extends string>(
  key: string,
  flag: string,
  description: string,
  choices: readonly T[],
): OptionSpec<readonly T[]> {
  const expected = `one or more distinct of ${choices.join(', ')}, comma-separated`;
  const check = (value: unknown, label: string): readonly T[] => {
    const list = typeof value === 'string' ? value.split(',').map((x) => x.trim()) : value;
    if (!Array.isArray(list) || list.length === 0) throw invalidOption(label, value, expected);
    for (const x of list) {
      if (typeof x !== 'string' || !(choices as readonly string[]).includes(x)) {
        throw invalidOption(label, value, expected);
      }
    }
    if (new Set(list).size !== list.length) throw invalidOption(label, list.join(','), expected);
    return list as T[];
  };
  return { key, flag, valueName: `<${choices.join('|')}>[,…]`, description, parse: check, check };
}

export function stringOption(key: string, flag: string, description: string): OptionSpec<string> {
  const check = (value: unknown, label: string): string => {
    if (typeof value !== 'string' || value.trim() === '') throw invalidOption(label, value, 'a non-empty string');
    return value;
  };
  return { key, flag, valueName: '<path>', description, parse: check, check };
}

/** `--data`: an image source, `mnist`, `cifar10:DIR` or `npy:DIR` (syntax only: src/data/ reads the files). */
export function dataOption(key: string, flag: string, description: string): OptionSpec<string> {
  const check = (value: unknown, label: string): string => parseDataSpec(value, label).text;
  return { key, flag, valueName: '<mnist|cifar10:DIR|npy:DIR>', description, parse: check, check };
}

const SIZE_EXPECTED = 'a size "S" or "HxW" of whole pixels, each >= 1 and <= 4096';

/** An image size H×W, written `S` (square) or `HxW` on the command line, a number or [H, W] in the API. */
export function sizeOption(key: string, flag: string, description: string): OptionSpec<readonly [number, number]> {
  const checkSide = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 4096;
  const check = (value: unknown, label: string): readonly [number, number] => {
    if (checkSide(value)) return [value, value] as const;
    if (Array.isArray(value) && value.length === 2 && checkSide(value[0]) && checkSide(value[1])) {
      return [value[0], value[1]] as const;
    }
    throw invalidOption(label, value, SIZE_EXPECTED);
  };
  return {
    key,
    flag,
    valueName: '<S|HxW>',
    description,
    parse(text, label) {
      const m = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/.exec(text);
      if (!m) throw invalidOption(label, text, SIZE_EXPECTED);
      const h = Number(m[1]);
      const w = m[2] === undefined ? h : Number(m[2]);
      try {
        return check([h, w], label);
      } catch {
        throw invalidOption(label, text, SIZE_EXPECTED);
      }
    },
    check,
  };
}

export function booleanOption(key: string, flag: string, description: string): OptionSpec<boolean> {
  return {
    key,
    flag,
    valueName: '',
    description,
    parse(text, label) {
      if (text === '' || text === 'true') return true;
      if (text === 'false') return false;
      throw invalidOption(label, text, 'no value, true or false');
    },
    check(value, label) {
      if (typeof value !== 'boolean') throw invalidOption(label, value, 'true or false');
      return value;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The table. Descriptions are what `--help` and the README print. Defaults are not here: each
// experiment's option set (src/base/optionSet.ts) gives its options theirs, once.
// ---------------------------------------------------------------------------------------------

const weightElement: NumberConstraints = {};

export const OPTIONS = {
  w: listOption('w', 'w', `weights of the scalar network (depth D = their count, ${MIN_DEPTH}–${MAX_DEPTH})`, {
    minLength: MIN_DEPTH,
    maxLength: MAX_DEPTH,
    element: weightElement,
    what: 'weights',
  }),
  eta: numberOption('eta', 'eta', 'GD step size η (stability threshold 2/η)', { exclusiveMin: 0 }),
  steps: numberOption('steps', 'steps', 'number of GD steps (a trajectory keeps 5 numbers per step in memory)', {
    integer: true,
    min: 1,
    max: 10_000_000,
  }),
  /** `--steps` of runs that keep no per-step record (eoslab check): only the kernel's 32-bit count bounds it. */
  stepBudget: numberOption('steps', 'steps', 'GD step budget per run', { integer: true, min: 1, max: 2_147_483_647 }),
  phi0: numberOption('phi0', 'phi0', 'GFS sharpness φ₀ of the initialisation (≥ depth D)', { exclusiveMin: 0 }),
  p0: numberOption('p0', 'p0', 'product π of the initialisation (> 0)', { exclusiveMin: 0 }),
  direction: listOption('direction', 'direction', 'balance direction c of the (φ₀, p₀) family (Σc = 0)', {
    minLength: MIN_DEPTH,
    maxLength: MAX_DEPTH,
    element: {},
    what: 'a direction',
  }),
  depth: numberOption('depth', 'depth', 'depth D of the scalar network', {
    integer: true,
    min: MIN_DEPTH,
    max: MAX_DEPTH,
  }),
  tol: numberOption('tol', 'tol', 'convergence threshold on the loss (0: never stop early)', { min: 0 }),
  divergeAt: numberOption('divergeAt', 'diverge-at', 'divergence bound on |π|', { exclusiveMin: 1 }),
  zoom: numberOption('zoom', 'zoom', 'steps shown in the zoom panel (Fig 8)', { integer: true, min: 2 }),
  resolution: numberOption('resolution', 'resolution', 'grid cells per axis (rows = cols)', {
    integer: true,
    min: 2,
    max: 65536,
  }),
  rows: numberOption('rows', 'rows', 'grid rows (second axis: p₀ or the second slice weight)', {
    integer: true,
    min: 2,
    max: 65536,
  }),
  cols: numberOption('cols', 'cols', 'grid columns (first axis: φ₀ or the first slice weight)', {
    integer: true,
    min: 2,
    max: 65536,
  }),
  phiRange: rangeOption('phiRange', 'phi-range', 'φ₀ range of the (φ₀, p₀) family (columns), each ≥ D', {
    exclusiveMin: 0,
  }),
  productRange: rangeOption('productRange', 'product-range', 'p₀ range of the (φ₀, p₀) family (rows), each > 0', {
    exclusiveMin: 0,
  }),
  xRange: rangeOption('xRange', 'x-range', 'range of the first slice weight (columns)', {}),
  yRange: rangeOption('yRange', 'y-range', 'range of the second slice weight (rows)', {}),
  maxSteps: numberOption('maxSteps', 'max-steps', 'GD step budget per cell', {
    integer: true,
    min: 1,
    max: 2_147_483_647,
  }),
  map: choiceOption(
    'map',
    'map',
    'what each cell records: final sharpness (Fig 3) or 𝕊 membership + φ monotonicity (Fig 2c)',
    ['sharpness', 'invariant-set'] as const,
  ),
  kernel: choiceOption('kernel', 'kernel', 'GD sweep kernel (results are bit-identical)', ['simd', 'scalar'] as const),
  workers: numberOption('workers', 'workers', 'worker threads (0: run in the main thread)', {
    integer: true,
    min: 0,
    max: MAX_WORKERS,
  }),
  tileSize: numberOption('tileSize', 'tile-size', 'cells per tile handed to a worker', {
    integer: true,
    min: 1,
    max: 1 << 22,
  }),
  method: choiceOption('method', 'method', 'sharpness route: secular equation (fast) or Jacobi (reference)', [
    'secular',
    'jacobi',
  ] as const),
  trajectoryPreset: choiceOption(
    'preset',
    'preset',
    'named setting (fig2: D = 4, η = 0.1, φ₀ = 26, p₀ = 1.5, 3 000 steps; fig9: φ₀ = 23, p₀ = 4.12, direction (3, 1, −1, −3), 30 steps)',
    Object.keys(TRAJECTORY_PRESETS),
  ),
  heatmapPreset: choiceOption(
    'preset',
    'preset',
    'named setting of docs/model.md §2 (fig3: D = 4, η = 0.1, φ₀ ∈ [4.05, 34], p₀ ∈ [0.05, 5], ≤ 20 000 steps, loss < 1e-14)',
    Object.keys(HEATMAP_PRESETS),
  ),
  slice: listOption('slice', 'slice', 'sweep a 2-D slice of weight space around this point (instead of the family)', {
    minLength: MIN_DEPTH,
    maxLength: MAX_DEPTH,
    element: {},
    what: 'weights',
  }),
  axes: listOption('axes', 'axes', 'the two weights of --slice on the x and y axes (1-based)', {
    minLength: 2,
    maxLength: 2,
    element: { integer: true, min: 1, max: MAX_DEPTH },
    what: 'weight indices',
  }),
  shard: {
    key: 'shard',
    flag: 'shard',
    valueName: '<i/n>',
    description:
      'compute shard i of n (1-based) into OUT/shard-i-of-n; default: from SLURM_ARRAY_* or JOB_COMPLETION_INDEX',
    parse(text: string, label: string): string {
      const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
      if (!m || !(Number(m[1]) >= 1) || Number(m[1]) > Number(m[2])) {
        throw invalidOption(label, text, '"i/n" with 1 ≤ i ≤ n (shard i of n)');
      }
      return `${Number(m[1])}/${Number(m[2])}`;
    },
    check(value: unknown, label: string): string {
      if (typeof value !== 'string') throw invalidOption(label, value, '"i/n" with 1 ≤ i ≤ n (shard i of n)');
      return this.parse(value, label);
    },
  } as OptionSpec<string>,
  shardCount: numberOption(
    'shardCount',
    'shard-count',
    'number of shards when the index comes from JOB_COMPLETION_INDEX',
    {
      integer: true,
      min: 1,
      max: 1_000_000,
    },
  ),
  fresh: booleanOption('fresh', 'fresh', 'discard the tiles of an unfinished earlier run instead of resuming it'),
  out: stringOption('out', 'out', 'output directory'),
  port: numberOption('port', 'port', 'TCP port to listen on (0: any free port)', { integer: true, min: 0, max: 65535 }),
  host: stringOption('host', 'host', 'address to listen on (127.0.0.1: this machine only)'),
  json: booleanOption('json', 'json', 'print JSON instead of a table'),
  // GPGD bifurcation diagrams (src/experiments/bifurcation/, `eoslab bifurcation`)
  points: numberOption('points', 'points', 'φ values on the axis of a dense bifurcation diagram', {
    integer: true,
    min: 1,
    max: 1_000_000,
  }),
  orbitSteps: numberOption('orbitSteps', 'orbit-steps', 'GPGD steps N per orbit', {
    integer: true,
    min: 1,
    max: 100_000_000,
  }),
  keep: numberOption('keep', 'keep', 'orbit values K recorded per start (the last K of the N steps)', {
    integer: true,
    min: 2,
    max: 65_536,
  }),
  maxPeriod: numberOption('maxPeriod', 'max-period', 'largest orbit period P detected (P ≤ K/2)', {
    integer: true,
    min: 1,
    max: 32_768,
  }),
  periodTol: numberOption('periodTol', 'period-tol', 'relative tolerance of the period test', {
    exclusiveMin: 0,
    max: 0.5,
  }),
  orbitMethod: choiceOption(
    'method',
    'method',
    'GPGD route: the 1-D map g of docs/model.md §1.6 (fast) or full GPGD steps on w (reference)',
    ['map', 'gpgd'] as const,
  ),
  fixed: numberOption('fixed', 'fixed', 'the weight w₃ held fixed on the (w₁, w₂) slice of the D = 3 network (Fig 7)', {
    exclusiveMin: 0,
  }),
  minLoss: numberOption('minLoss', 'min-loss', 'a zero of ∇L·u whose loss is at most this is a minimum', {
    exclusiveMin: 0,
    max: 0.01,
  }),
  refine: numberOption('refine', 'refine', 'zoom levels refining the smallest loss of ℳ off the minima', {
    integer: true,
    min: 0,
    max: 12,
  }),
  samples: numberOption('samples', 'samples', 'number of random initialisations', {
    integer: true,
    min: 1,
    max: 10_000_000,
  }),
  seed: numberOption('seed', 'seed', 'seed of the random initialisations', { integer: true, min: 0, max: 4294967295 }),
  seeds: numberOption('seeds', 'seeds', 'number of data seeds (each gives one data set and two runs)', {
    integer: true,
    min: 1,
    max: 1024,
  }),
  samplesN: numberOption('n', 'n', 'number of training samples N (N ≤ d)', { integer: true, min: 1, max: 256 }),
  features: numberOption('d', 'd', 'input dimension d', { integer: true, min: 1, max: 4096 }),
  alpha: numberOption('alpha', 'alpha', 'initial scale of u: u₀ = α·𝟏', { exclusiveMin: 0, max: 1e3 }),
  xMean: numberOption(
    'xMean',
    'x-mean',
    'mean μ of the synthetic inputs: every entry of X ~ 𝒩(μ, 1) (Kreisler et al. 2023, App. B.3)',
    { min: -100, max: 100 },
  ),
  v0: numberOption('v0', 'v0', 'initial value of v: v₀ = v0·𝟏 (small, ≠ α so that k = |u₀² − v₀²| > 0)', {
    exclusiveMin: 0,
    max: 1e3,
  }),
  lossTol: numberOption('lossTol', 'loss-tol', 'GD stops when the loss is below this threshold', {
    exclusiveMin: 0,
  }),
  // Networks on image data (model.md §5, §7; eoslab net).
  arch: choiceOption(
    'arch',
    'arch',
    'the network: fc (fully connected, --hidden), vgg11-bn or resnet20 (convolutional, --width)',
    ['fc', 'vgg11-bn', 'resnet20'] as const,
  ),
  width: numberOption(
    'width',
    'width',
    'channel multiplier of a conv net: every channel count c becomes max(1, round(c·width)) (1: the published widths)',
    { exclusiveMin: 0, max: 4 },
  ),
  netFigure: choiceOption(
    'netFigure',
    'figure',
    "draw the paper's figure: fig6 (FC-hardtanh, VGG11-BN and ResNet20 side by side, each at its defaults) or fig13 (the same on the second data set)",
    ['fig6', 'fig13'] as const,
  ),
  activations: choiceListOption(
    'activation',
    'activation',
    'hidden-layer activation(s); one GD run per activation and step size',
    ['tanh', 'hardtanh', 'relu', 'elu', 'softplus'] as const,
  ),
  precision: choiceOption(
    'precision',
    'precision',
    'arithmetic of the network kernels (f32: float32 SIMD kernels; sums, GD, RK4 and Lanczos stay float64)',
    ['f64', 'f32'] as const,
  ),
  images: numberOption('n', 'n', 'number of training images: the first n of --data (after --data-offset)', {
    integer: true,
    min: 1,
  }),
  data: dataOption(
    'data',
    'data',
    `the images: ${DATA_SPEC_EXPECTED.replace(' (DIR a directory)', '')} (README, "Data for the networks")`,
  ),
  dataOffset: numberOption(
    'dataOffset',
    'data-offset',
    'skip the first k images of the source order (--data-offset n: the next n images, disjoint from the first n)',
    { integer: true, min: 0, max: 2 ** 31 - 1 },
  ),
  dataClasses: listOption(
    'dataClasses',
    'data-classes',
    'keep only images of these labels (increasing); they become classes 0, 1, … in that order',
    { minLength: 1, maxLength: 1000, element: { integer: true, min: 0, max: 999 }, what: 'labels' },
  ),
  inputSize: sizeOption(
    'inputSize',
    'input-size',
    'reduce every image to H×W: centre crop to a multiple of H×W, then average each block (README, "Data for the networks")',
  ),
  hidden: listOption('hidden', 'hidden', 'hidden layer widths', {
    minLength: 1,
    maxLength: 8,
    element: { integer: true, min: 1, max: 4096 },
    what: 'widths',
  }),
  etas: listOption('eta', 'eta', 'GD step size(s) η (stability threshold 2/η); one run per value', {
    minLength: 1,
    maxLength: 16,
    element: { exclusiveMin: 0 },
    what: 'step sizes',
  }),
  gfsEvery: numberOption('gfsEvery', 'gfs-every', 'record S and the GFS sharpness φ every k GD steps', {
    integer: true,
    min: 1,
    max: 10_000_000,
  }),
  sEvery: numberOption('sEvery', 's-every', 'also record the sharpness S every k GD steps (one warm-started Lanczos)', {
    integer: true,
    min: 1,
    max: 10_000_000,
  }),
  lossThreshold: numberOption('lossThreshold', 'loss-threshold', 'the gradient flow to the GFS stops when L < this', {
    exclusiveMin: 0,
  }),
  flowSteps: numberOption(
    'flowSteps',
    'flow-steps',
    'RK4 step budget of one gradient flow (status max-steps when used up)',
    {
      integer: true,
      min: 0,
      max: 10_000_000,
    },
  ),
  sensitivityRecords: numberOption(
    'sensitivityRecords',
    'sensitivity-records',
    'records (first, evenly spaced, last) whose flow is continued to 1/10 of the loss threshold for a second φ',
    { integer: true, min: 0, max: 1000 },
  ),
  rk4Alpha: numberOption('rk4Alpha', 'rk4-alpha', 'RK4 step h = α/S along the flow (RK4 is stable for α < 2.78)', {
    exclusiveMin: 0,
    max: 2.5,
  }),
  sharpnessEvery: numberOption(
    'sharpnessEvery',
    'sharpness-every',
    'RK4 steps between re-estimates of S along the flow',
    {
      integer: true,
      min: 1,
      max: 1_000_000,
    },
  ),
  divergeAtLoss: numberOption('divergeAt', 'diverge-at', 'a GD loss above this ends the run as diverged', {
    exclusiveMin: 0,
  }),
  thresholds: listOption(
    'thresholds',
    'thresholds',
    'where 2/η sits between λ_flat (0) and the initial φ (1), one run per value (made when S₀ < 2/η)',
    { minLength: 1, maxLength: 8, element: { exclusiveMin: 0, max: 0.999 }, what: 'fractions' },
  ),
} as const;

export type OptionKey = keyof typeof OPTIONS;
