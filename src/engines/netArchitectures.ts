/**
 * The convolutional architectures of the paper's Fig 6 and Fig 13 (Kreisler et al. 2023, §4.2 and
 * App. B.4, following Cohen et al. 2021), as layer lists with every shape worked out — the
 * description the network engines, the memory check and the flop counts are built from:
 *
 *   vgg11-bn  the pytorch-vgg-cifar10 layout (configuration "A" with batch norm): 3×3 convolutions
 *             (padding 1, stride 1, with bias) 64-M-128-M-256-256-M-512-512-M-512-512-M, each
 *             followed by batch norm and ReLU, M a 2×2 max-pool of stride 2; then the classifier
 *             dense 512 → 512, ReLU, dense 512 → 512, ReLU, dense 512 → classes. The original's two
 *             dropout layers are left out: GD here is full-batch and deterministic.
 *   resnet20  He et al. (2016)'s CIFAR network: a 3×3 convolution to 16 channels, batch norm, ReLU;
 *             three stages of three basic blocks with 16, 32 and 64 channels (the first block of
 *             stages 2 and 3 has stride 2); global average pooling; dense 64 → classes. A basic
 *             block is relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)), its convolutions without
 *             bias; the shortcut is the identity, or a 1×1 convolution of stride 2 with batch norm
 *             where the shape changes (He et al.'s option B).
 *
 * Two options fit them to this machine: a width multiplier (every channel count c becomes
 * max(1, round(c·width)), the classifier's hidden width too) and the input's height and width.
 * VGG's five pools halve the side exactly, so its input side must be a multiple of 32; a stride-2
 * convolution (3×3 with padding 1, or 1×1) maps a side s to ⌊(s − 1)/2⌋ + 1, so ResNet20 takes any.
 *
 * Parameter order (the layout of θ): layers in the order listed, a residual block's main path
 * before its shortcut; within a layer, weights then bias (batch norm: γ then β). Convolution
 * weights are [out][in][kh][kw], dense weights [out][in] (row-major).
 *
 * Initialisation, as the two reference implementations do: batch norm γ = 1, β = 0; convolution
 * weights Kaiming-normal N(0, 2/fan) with fan = k²·out for VGG (pytorch-vgg-cifar10 draws
 * N(0, 2/(k²·out))) and fan = k²·in for ResNet20 (kaiming_normal_, fan-in mode), convolution
 * biases 0; dense layers: VGG keeps PyTorch's default U(±1/√in) for weights and biases, ResNet20
 * draws the weights Kaiming-normal N(0, 2/in) and the bias U(±1/√in).
 */
import { invalidOption } from '../base/errors.js';
import { Sfc32 } from '../base/random.js';

export const ARCHITECTURES = ['vgg11-bn', 'resnet20'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Channels, height, width of one sample's feature map. */
export type FeatureShape = readonly [channels: number, height: number, width: number];

export interface ConvLayer {
  readonly kind: 'conv';
  readonly input: FeatureShape;
  readonly output: FeatureShape;
  readonly kernel: 1 | 3;
  readonly stride: 1 | 2;
  readonly padding: 0 | 1;
  readonly bias: boolean;
  /** Fan of the Kaiming initialisation: k²·in ('in') or k²·out ('out'). */
  readonly fan: 'in' | 'out';
}

/** Batch norm in training mode: statistics over every position of every sample of the batch. */
export interface BatchNormLayer {
  readonly kind: 'batchnorm';
  readonly shape: FeatureShape;
}

export interface ReluLayer {
  readonly kind: 'relu';
  /** The feature map (a dense layer's output is [units, 1, 1]). */
  readonly shape: FeatureShape;
}

export interface MaxPoolLayer {
  readonly kind: 'maxpool';
  readonly input: FeatureShape;
  readonly output: FeatureShape;
}

export interface GlobalAveragePoolLayer {
  readonly kind: 'global-average-pool';
  readonly input: FeatureShape;
  readonly output: FeatureShape;
}

export interface DenseLayer {
  readonly kind: 'dense';
  /** Inputs (a feature map is flattened channel-major: [c][h][w]). */
  readonly inputs: number;
  readonly outputs: number;
  readonly bias: boolean;
  /** Weight initialisation: PyTorch's default U(±1/√in), or Kaiming-normal N(0, 2/in). */
  readonly init: 'uniform' | 'kaiming';
}

/** x ↦ main(x) + shortcut(x); an empty shortcut is the identity. */
export interface ResidualLayer {
  readonly kind: 'residual';
  readonly main: readonly NetLayer[];
  readonly shortcut: readonly NetLayer[];
  readonly input: FeatureShape;
  readonly output: FeatureShape;
}

export type NetLayer =
  ConvLayer | BatchNormLayer | ReluLayer | MaxPoolLayer | GlobalAveragePoolLayer | DenseLayer | ResidualLayer;

export interface NetSpec {
  readonly architecture: Architecture;
  readonly width: number;
  readonly input: FeatureShape;
  readonly classes: number;
  readonly layers: readonly NetLayer[];
  /** Length of θ. */
  readonly parameterCount: number;
  /** Multiply-adds of one sample's forward pass (convolutions and dense layers). */
  readonly forwardMacsPerSample: number;
  /** Doubles of every layer output of one sample (what a forward pass keeps for the backward pass). */
  readonly activationsPerSample: number;
}

export interface NetOptions {
  readonly architecture: Architecture;
  /** Channel multiplier (default 1: the published widths). */
  readonly width?: number;
  /** Input channels, height and width. */
  readonly input: FeatureShape;
  readonly classes: number;
}

const VGG11_FEATURES: readonly (number | 'M')[] = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];
const VGG_CLASSIFIER_HIDDEN = 512;
const RESNET20_STAGES = [16, 32, 64] as const;
const RESNET20_BLOCKS_PER_STAGE = 3;

const scaled = (channels: number, width: number): number => Math.max(1, Math.round(channels * width));
const size = (s: FeatureShape): number => s[0] * s[1] * s[2];
/** Side after a stride-2 convolution (3×3 with padding 1, or 1×1 without). */
const strided = (side: number): number => Math.floor((side - 1) / 2) + 1;

function conv(
  input: FeatureShape,
  out: number,
  kernel: 1 | 3,
  stride: 1 | 2,
  bias: boolean,
  fan: 'in' | 'out',
): ConvLayer {
  const [, h, w] = input;
  const output: FeatureShape = stride === 1 ? [out, h, w] : [out, strided(h), strided(w)];
  return { kind: 'conv', input, output, kernel, stride, padding: kernel === 3 ? 1 : 0, bias, fan };
}

function vgg11(input: FeatureShape, width: number, classes: number): NetLayer[] {
  const layers: NetLayer[] = [];
  let shape = input;
  for (const entry of VGG11_FEATURES) {
    if (entry === 'M') {
      const [c, h, w] = shape;
      const output: FeatureShape = [c, h / 2, w / 2];
      layers.push({ kind: 'maxpool', input: shape, output });
      shape = output;
      continue;
    }
    const layer = conv(shape, scaled(entry, width), 3, 1, true, 'out');
    layers.push(layer, { kind: 'batchnorm', shape: layer.output }, { kind: 'relu', shape: layer.output });
    shape = layer.output;
  }
  const hidden = scaled(VGG_CLASSIFIER_HIDDEN, width);
  layers.push(
    { kind: 'dense', inputs: size(shape), outputs: hidden, bias: true, init: 'uniform' },
    { kind: 'relu', shape: [hidden, 1, 1] },
    { kind: 'dense', inputs: hidden, outputs: hidden, bias: true, init: 'uniform' },
    { kind: 'relu', shape: [hidden, 1, 1] },
    { kind: 'dense', inputs: hidden, outputs: classes, bias: true, init: 'uniform' },
  );
  return layers;
}

function basicBlock(input: FeatureShape, channels: number, stride: 1 | 2): NetLayer[] {
  const first = conv(input, channels, 3, stride, false, 'in');
  const second = conv(first.output, channels, 3, 1, false, 'in');
  const main: NetLayer[] = [
    first,
    { kind: 'batchnorm', shape: first.output },
    { kind: 'relu', shape: first.output },
    second,
    { kind: 'batchnorm', shape: second.output },
  ];
  const reshape = stride !== 1 || input[0] !== channels;
  const projection = conv(input, channels, 1, stride, false, 'in');
  const shortcut: NetLayer[] = reshape ? [projection, { kind: 'batchnorm', shape: projection.output }] : [];
  return [
    { kind: 'residual', main, shortcut, input, output: second.output },
    { kind: 'relu', shape: second.output },
  ];
}

function resnet20(input: FeatureShape, width: number, classes: number): NetLayer[] {
  const stem = conv(input, scaled(RESNET20_STAGES[0], width), 3, 1, false, 'in');
  const layers: NetLayer[] = [stem, { kind: 'batchnorm', shape: stem.output }, { kind: 'relu', shape: stem.output }];
  let shape = stem.output;
  RESNET20_STAGES.forEach((channels, stage) => {
    for (let block = 0; block < RESNET20_BLOCKS_PER_STAGE; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const added = basicBlock(shape, scaled(channels, width), stride);
      layers.push(...added);
      shape = (added[0] as ResidualLayer).output;
    }
  });
  const pooled: FeatureShape = [shape[0], 1, 1];
  layers.push(
    { kind: 'global-average-pool', input: shape, output: pooled },
    { kind: 'dense', inputs: shape[0], outputs: classes, bias: true, init: 'kaiming' },
  );
  return layers;
}

/** Parameters of one layer (a residual block: both paths). */
export function layerParameters(layer: NetLayer): number {
  switch (layer.kind) {
    case 'conv':
      return layer.output[0] * layer.input[0] * layer.kernel * layer.kernel + (layer.bias ? layer.output[0] : 0);
    case 'batchnorm':
      return 2 * layer.shape[0];
    case 'dense':
      return layer.outputs * layer.inputs + (layer.bias ? layer.outputs : 0);
    case 'residual':
      return [...layer.main, ...layer.shortcut].reduce((sum, l) => sum + layerParameters(l), 0);
    default:
      return 0;
  }
}

/** Multiply-adds of one sample through a layer's convolutions and dense products. */
function layerMacs(layer: NetLayer): number {
  switch (layer.kind) {
    case 'conv':
      return size(layer.output) * layer.input[0] * layer.kernel * layer.kernel;
    case 'dense':
      return layer.outputs * layer.inputs;
    case 'residual':
      return [...layer.main, ...layer.shortcut].reduce((sum, l) => sum + layerMacs(l), 0);
    default:
      return 0;
  }
}

/** Doubles of a layer's output(s) per sample (a residual block: every inner output and the sum). */
function layerActivations(layer: NetLayer): number {
  switch (layer.kind) {
    case 'conv':
    case 'maxpool':
    case 'global-average-pool':
    case 'residual':
      return (
        size(layer.output) +
        (layer.kind === 'residual'
          ? [...layer.main, ...layer.shortcut].reduce((sum, l) => sum + layerActivations(l), 0)
          : 0)
      );
    case 'batchnorm':
    case 'relu':
      return size(layer.shape);
    case 'dense':
      return layer.outputs;
  }
}

function checkShape(input: FeatureShape): void {
  if (!Array.isArray(input) || input.length !== 3 || !input.every((d) => Number.isInteger(d) && d >= 1)) {
    throw invalidOption('input', input, 'three positive integers: channels, height, width');
  }
}

/** The layer list of an architecture, with its parameter count and per-sample costs. */
export function netSpec(options: NetOptions): NetSpec {
  const { architecture, input, classes } = options;
  const width = options.width ?? 1;
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw invalidOption('arch', architecture, `one of ${ARCHITECTURES.join(', ')}`);
  }
  if (!(typeof width === 'number' && Number.isFinite(width) && width > 0)) {
    throw invalidOption('width', width, 'a positive number (channel multiplier)');
  }
  checkShape(input);
  if (!(Number.isInteger(classes) && classes >= 2)) throw invalidOption('classes', classes, 'an integer ≥ 2');
  if (architecture === 'vgg11-bn' && (input[1] % 32 !== 0 || input[2] % 32 !== 0)) {
    throw invalidOption(
      'input-size',
      `${input[1]}×${input[2]}`,
      'a multiple of 32 for vgg11-bn (its five 2×2 max-pools halve the side exactly)',
    );
  }
  const layers = architecture === 'vgg11-bn' ? vgg11(input, width, classes) : resnet20(input, width, classes);
  return {
    architecture,
    width,
    input,
    classes,
    layers,
    parameterCount: layers.reduce((sum, l) => sum + layerParameters(l), 0),
    forwardMacsPerSample: layers.reduce((sum, l) => sum + layerMacs(l), 0),
    activationsPerSample: size(input) + layers.reduce((sum, l) => sum + layerActivations(l), 0),
  };
}

/** Every layer that owns parameters, in θ's order (residual blocks opened: main path, then shortcut). */
export function parameterLayers(layers: readonly NetLayer[]): (ConvLayer | BatchNormLayer | DenseLayer)[] {
  return layers.flatMap((l) =>
    l.kind === 'residual'
      ? parameterLayers([...l.main, ...l.shortcut])
      : l.kind === 'conv' || l.kind === 'batchnorm' || l.kind === 'dense'
        ? [l]
        : [],
  );
}

/** θ₀ of a network (the initialisations above), reproducible from `seed`. */
export function initialNetParameters(spec: NetSpec, seed: number): Float64Array {
  if (!Number.isInteger(seed)) throw invalidOption('seed', seed, 'an integer');
  const rng = new Sfc32(seed >>> 0, 1);
  const theta = new Float64Array(spec.parameterCount);
  let at = 0;
  for (const layer of parameterLayers(spec.layers)) {
    if (layer.kind === 'batchnorm') {
      theta.fill(1, at, at + layer.shape[0]); // γ; β stays 0
      at += 2 * layer.shape[0];
      continue;
    }
    if (layer.kind === 'conv') {
      const weights = layer.output[0] * layer.input[0] * layer.kernel * layer.kernel;
      const fan = layer.kernel * layer.kernel * (layer.fan === 'in' ? layer.input[0] : layer.output[0]);
      const sd = Math.sqrt(2 / fan);
      for (let i = 0; i < weights; i++) theta[at + i] = sd * rng.gaussian();
      at += weights + (layer.bias ? layer.output[0] : 0); // biases stay 0
      continue;
    }
    const weights = layer.outputs * layer.inputs;
    const bound = 1 / Math.sqrt(layer.inputs);
    const sd = Math.sqrt(2 / layer.inputs);
    for (let i = 0; i < weights; i++) {
      theta[at + i] = layer.init === 'kaiming' ? sd * rng.gaussian() : bound * (2 * rng.uniform() - 1);
    }
    at += weights;
    if (layer.bias) {
      for (let i = 0; i < layer.outputs; i++) theta[at + i] = bound * (2 * rng.uniform() - 1);
      at += layer.outputs;
    }
  }
  return theta;
}
