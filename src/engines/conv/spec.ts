/**
 * A convolutional network as a list of layers (docs/model.md §7), independent of any WASM instance:
 * the description, its validation, the shapes it implies and the parameter layout θ shared by the
 * plain-TypeScript reference (reference.ts) and the WASM engine (engine.ts).
 *
 * Tensors are NHWC: a batch of n images h × w with c channels is n·h·w rows of c contiguous values;
 * a sample's features are its h·w·c values in that order (the input X is n rows of them). Layer k
 * reads the output of layer `input` (−1: the network input; an earlier layer otherwise), `add` also
 * that of `other`; the network's output f(x) is the last layer's, h·w·c values per sample, compared
 * with the targets by L = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖².
 *
 * θ is the layers' parameters in layer order: conv W (c_out × k·k·c_in, taps in (ky, kx, ci) order)
 * then b if it has one; dense W (d_out × d_in) then b; batch norm γ (C) then β (C).
 */
import { invalidOption } from '../../base/errors.js';
import { Sfc32 } from '../../base/random.js';
import { ACTIVATION_CODES, allFinite, checkArray, type Activation } from '../mlpNetwork.js';

export interface TensorShape {
  height: number;
  width: number;
  channels: number;
}

/** Index of the network input in a layer's `input`. */
export const NETWORK_INPUT = -1;

export type ConvLayer =
  | { kind: 'conv'; input: number; channels: number; kernel: number; stride: number; padding: number; bias: boolean }
  | { kind: 'batchNorm'; input: number; epsilon: number }
  | { kind: 'activation'; input: number; activation: Activation }
  | { kind: 'maxPool'; input: number }
  | { kind: 'globalAvgPool'; input: number }
  | { kind: 'dense'; input: number; features: number; bias: boolean }
  | { kind: 'add'; input: number; other: number }
  | { kind: 'subsample'; input: number; stride: number }
  | { kind: 'padChannels'; input: number; channels: number };

/** A full batch: X is n rows of the input's h·w·c features (NHWC), Y n rows of the output's. */
export interface ConvData {
  n: number;
  X: Float64Array;
  Y: Float64Array;
}

export type ConvLayerKind = ConvLayer['kind'];

export interface ConvNetSpec {
  input: TensorShape;
  layers: readonly ConvLayer[];
}

/** A layer with the shapes and parameter slice it resolves to. */
export interface ResolvedLayer {
  layer: ConvLayer;
  /** Shape of the (first) input and of the output, per sample. */
  in: TensorShape;
  out: TensorShape;
  /** Offset and length of its parameters inside θ (0, 0 without parameters). */
  offset: number;
  count: number;
  /** Whether another layer reads this one's output (every layer but the last must be read). */
  consumed: boolean;
}

export interface ConvLayout {
  input: TensorShape;
  layers: readonly ResolvedLayer[];
  parameterCount: number;
  /** Features of the network input and output per sample (h·w·c). */
  inputSize: number;
  outputSize: number;
}

export const LAYER_KINDS: readonly ConvLayerKind[] = [
  'conv',
  'batchNorm',
  'activation',
  'maxPool',
  'globalAvgPool',
  'dense',
  'add',
  'subsample',
  'padChannels',
];

/** The largest channel count of a batch-norm layer (batchNormMaxChannels of the kernels). */
export const MAX_BATCH_NORM_CHANNELS = 4096;
/** Largest entry count of one tensor over the batch (keeps every i32 offset of the kernels in range). */
export const MAX_TENSOR_ENTRIES = 2 ** 28;

export function sizeOf(shape: TensorShape): number {
  return shape.height * shape.width * shape.channels;
}

function isInteger(x: unknown, min: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min;
}

function checkShape(shape: TensorShape, label: string): void {
  if (typeof shape !== 'object' || shape === null) throw invalidOption(label, shape, 'a { height, width, channels }');
  for (const key of ['height', 'width', 'channels'] as const) {
    if (!isInteger(shape[key], 1)) throw invalidOption(`${label}.${key}`, shape[key], 'a positive integer');
  }
}

/** ⌊(size + 2p − k)/s⌋ + 1 (conv2dOutputSize of the kernels). */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  const span = size + 2 * padding - kernel;
  return span < 0 ? 0 : Math.floor(span / stride) + 1;
}

/** Validates a layer against the input shape(s) it reads; returns its output shape and parameter count. */
function resolve(layer: ConvLayer, k: number, x: TensorShape, other: TensorShape | undefined): [TensorShape, number] {
  const at = `layers[${k}]`;
  switch (layer.kind) {
    case 'conv': {
      if (!isInteger(layer.channels, 1)) throw invalidOption(`${at}.channels`, layer.channels, 'a positive integer');
      if (!isInteger(layer.kernel, 1)) throw invalidOption(`${at}.kernel`, layer.kernel, 'a positive integer');
      if (!isInteger(layer.stride, 1)) throw invalidOption(`${at}.stride`, layer.stride, 'a positive integer');
      if (!isInteger(layer.padding, 0) || layer.padding >= layer.kernel) {
        throw invalidOption(`${at}.padding`, layer.padding, `an integer in [0, kernel ${layer.kernel})`);
      }
      if (typeof layer.bias !== 'boolean') throw invalidOption(`${at}.bias`, layer.bias, 'true or false');
      const height = convOutputSize(x.height, layer.kernel, layer.stride, layer.padding);
      const width = convOutputSize(x.width, layer.kernel, layer.stride, layer.padding);
      if (height < 1 || width < 1) {
        throw invalidOption(`${at}.kernel`, layer.kernel, `at most the padded input ${x.height}×${x.width}`);
      }
      const K = layer.kernel * layer.kernel * x.channels;
      return [{ height, width, channels: layer.channels }, layer.channels * K + (layer.bias ? layer.channels : 0)];
    }
    case 'batchNorm':
      if (typeof layer.epsilon !== 'number' || !(layer.epsilon > 0) || !Number.isFinite(layer.epsilon)) {
        throw invalidOption(`${at}.epsilon`, layer.epsilon, 'a finite number > 0');
      }
      if (x.channels > MAX_BATCH_NORM_CHANNELS) {
        throw invalidOption(`${at}.channels`, x.channels, `at most ${MAX_BATCH_NORM_CHANNELS} channels`);
      }
      return [x, 2 * x.channels];
    case 'activation':
      if (!Object.hasOwn(ACTIVATION_CODES, layer.activation as string)) {
        throw invalidOption(`${at}.activation`, layer.activation, `one of ${Object.keys(ACTIVATION_CODES).join(', ')}`);
      }
      return [x, 0];
    case 'maxPool':
      if (x.height % 2 !== 0 || x.width % 2 !== 0) {
        throw invalidOption(`${at}.input`, `${x.height}×${x.width}`, 'an even height and width (2×2 max-pool)');
      }
      return [{ height: x.height / 2, width: x.width / 2, channels: x.channels }, 0];
    case 'globalAvgPool':
      return [{ height: 1, width: 1, channels: x.channels }, 0];
    case 'dense': {
      if (!isInteger(layer.features, 1)) throw invalidOption(`${at}.features`, layer.features, 'a positive integer');
      if (typeof layer.bias !== 'boolean') throw invalidOption(`${at}.bias`, layer.bias, 'true or false');
      const din = sizeOf(x);
      return [
        { height: 1, width: 1, channels: layer.features },
        layer.features * din + (layer.bias ? layer.features : 0),
      ];
    }
    case 'add': {
      const same =
        other !== undefined && other.height === x.height && other.width === x.width && other.channels === x.channels;
      if (!same) throw invalidOption(`${at}.other`, layer.other, `a layer with the shape of its input`);
      return [x, 0];
    }
    case 'subsample': {
      if (!isInteger(layer.stride, 1)) throw invalidOption(`${at}.stride`, layer.stride, 'a positive integer');
      const down = (size: number): number => Math.floor((size - 1) / layer.stride) + 1;
      return [{ height: down(x.height), width: down(x.width), channels: x.channels }, 0];
    }
    case 'padChannels':
      if (!isInteger(layer.channels, x.channels)) {
        throw invalidOption(`${at}.channels`, layer.channels, `an integer ≥ the input's ${x.channels} channels`);
      }
      return [{ ...x, channels: layer.channels }, 0];
    default:
      throw invalidOption(`${at}.kind`, (layer as { kind: unknown }).kind, `one of ${LAYER_KINDS.join(', ')}`);
  }
}

/** Validates a network description (errors name the field, e.g. layers[3].stride) and lays it out. */
export function layoutOf(spec: ConvNetSpec): ConvLayout {
  if (typeof spec !== 'object' || spec === null) throw invalidOption('spec', spec, 'a ConvNetSpec');
  checkShape(spec.input, 'input');
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw invalidOption('layers', spec.layers, 'a non-empty array of layers');
  }
  const shapes: TensorShape[] = [];
  const layers: ResolvedLayer[] = [];
  let offset = 0;
  const shapeOf = (index: unknown, k: number, field: string): TensorShape => {
    if (!isInteger(index, NETWORK_INPUT) || index >= k) {
      throw invalidOption(
        `layers[${k}].${field}`,
        index,
        `${NETWORK_INPUT} (the network input) or a layer before ${k}`,
      );
    }
    return index === NETWORK_INPUT ? spec.input : (shapes[index] as TensorShape);
  };
  spec.layers.forEach((layer, k) => {
    if (typeof layer !== 'object' || layer === null) throw invalidOption(`layers[${k}]`, layer, 'a layer object');
    const x = shapeOf(layer.input, k, 'input');
    const other = layer.kind === 'add' ? shapeOf(layer.other, k, 'other') : undefined;
    const [out, count] = resolve(layer, k, x, other);
    shapes.push(out);
    layers.push({ layer, in: x, out, offset, count, consumed: false });
    offset += count;
    for (const read of layer.kind === 'add' ? [layer.input, layer.other] : [layer.input]) {
      if (read !== NETWORK_INPUT) (layers[read] as ResolvedLayer).consumed = true;
    }
  });
  const unused = layers.findIndex((l, k) => !l.consumed && k < layers.length - 1);
  if (unused >= 0) throw invalidOption(`layers[${unused}]`, spec.layers[unused]?.kind, 'a layer whose output is read');
  return {
    input: spec.input,
    layers,
    parameterCount: offset,
    inputSize: sizeOf(spec.input),
    outputSize: sizeOf(shapes.at(-1) as TensorShape),
  };
}

/**
 * θ₀ by the conventions of the paper's two reference implementations (Kreisler et al. 2023,
 * App. B.4: pytorch-vgg-cifar10's vgg.py and the Fixup repository's resnet_cifar.py, both PyTorch):
 * conv weights N(0, 2/(k·k·c_out)) (Kaiming, fan-out), conv biases 0; dense W and b uniform in
 * ±1/√d_in (PyTorch's nn.Linear default); batch norm γ = 1, β = 0. Seeded (Sfc32, stream 0). An
 * architecture that zero-initialises some γ (ResNet20's last batch norm of each residual branch)
 * sets those after this.
 */
export function initialConvParameters(layout: ConvLayout, seed: number): Float64Array {
  if (!Number.isInteger(seed)) throw invalidOption('seed', seed, 'an integer');
  const rng = new Sfc32(seed >>> 0, 0);
  const theta = new Float64Array(layout.parameterCount);
  for (const { layer, in: x, offset, count } of layout.layers) {
    if (layer.kind === 'conv') {
      const std = Math.sqrt(2 / (layer.kernel * layer.kernel * layer.channels));
      const weights = layer.channels * layer.kernel * layer.kernel * x.channels;
      for (let i = 0; i < weights; i++) theta[offset + i] = std * rng.gaussian();
    } else if (layer.kind === 'dense') {
      const bound = 1 / Math.sqrt(sizeOf(x));
      for (let i = 0; i < count; i++) theta[offset + i] = bound * (2 * rng.uniform() - 1);
    } else if (layer.kind === 'batchNorm') {
      theta.fill(1, offset, offset + x.channels);
    }
  }
  return theta;
}

/** Validates the batch size n for a layout: a positive integer, every tensor within MAX_TENSOR_ENTRIES. */
export function checkBatchSize(layout: ConvLayout, n: unknown): number {
  if (!isInteger(n, 1)) throw invalidOption('n', n, 'a positive integer');
  const largest = Math.max(layout.inputSize, ...layout.layers.map((l) => sizeOf(l.out)));
  if (n * largest > MAX_TENSOR_ENTRIES) {
    throw invalidOption('n', n, `n × largest layer (${largest}) ≤ ${MAX_TENSOR_ENTRIES}`);
  }
  return n;
}

/** Validates a batch for a layout (errors name data, n, X, Y): checkBatchSize, X and Y of n finite rows. */
export function checkData(layout: ConvLayout, data: ConvData): void {
  if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'a ConvData object');
  const n = checkBatchSize(layout, data.n);
  checkArray(data.X, n * layout.inputSize, 'X');
  checkArray(data.Y, n * layout.outputSize, 'Y');
  if (!allFinite(data.X)) throw invalidOption('X', 'a non-finite entry', 'finite inputs');
  if (!allFinite(data.Y)) throw invalidOption('Y', 'a non-finite entry', 'finite targets');
}
