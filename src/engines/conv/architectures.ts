/**
 * The convolutional networks of the paper's Fig 6 and Fig 13 (Kreisler et al. 2023, §4.2; App. B.4
 * names the two implementations followed here) as layer lists (spec.ts), with a width multiplier
 * and the input's shape as options so they fit this machine:
 *
 *   vgg11-bn  pytorch-vgg-cifar10's vgg11_bn: 3×3 convolutions (padding 1, stride 1, with bias)
 *             64-M-128-M-256-256-M-512-512-M-512-512-M, each followed by batch norm and ReLU, M a
 *             2×2 max-pool of stride 2; then dense 512 → 512, ReLU, dense 512 → 512, ReLU, dense
 *             512 → classes. The original's two dropout layers are left out: GD here is full-batch
 *             and deterministic. Five pools halve the side exactly, so the side must be a multiple
 *             of 32 (at 32 the classifier reads 512 features, as in the original).
 *   resnet20  the Fixup repository's resnet_cifar.py resnet20: a 3×3 convolution to 16 channels,
 *             batch norm, ReLU; three stages of three basic blocks, 16, 32 and 64 channels, the
 *             first block of stages 2 and 3 with stride 2; global average pooling; dense 64 →
 *             classes. A basic block is relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)) with 3×3
 *             convolutions without bias; where the stride is 2 the shortcut takes every second
 *             position (AvgPool2d(1, stride 2)), batch-normalises it over the input's channels and
 *             appends as many zero channels (He et al. 2016's option A, with a batch norm), else it
 *             is the identity. Any input side works (a stride-2 3×3 convolution with padding 1 maps
 *             s to ⌊(s − 1)/2⌋ + 1, as does the subsampling).
 *
 * Width multiplier: every channel count c (and VGG's classifier width) becomes max(1, round(c·width)).
 * θ₀ (initialConvParameters, the conventions of both implementations): convolution weights
 * N(0, 2/(k²·c_out)), biases 0; dense layers PyTorch's default U(±1/√d_in); batch norm γ = 1,
 * β = 0 — except that resnet_cifar.py sets γ = 0 in the second batch norm of every block, so each
 * block starts as its shortcut (`zeroGammaLayers`). Batch norm's ε is PyTorch's 1e-5.
 */
import { invalidOption } from '../../base/errors.js';
import { ACTIVATIONS, type Activation } from '../mlp.js';
import {
  initialConvParameters,
  layoutOf,
  NETWORK_INPUT,
  sizeOf,
  type ConvLayer,
  type ConvLayout,
  type ConvNetSpec,
  type TensorShape,
} from './spec.js';

export const ARCHITECTURES = ['vgg11-bn', 'resnet20'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

/** PyTorch's BatchNorm2d default. */
export const BATCH_NORM_EPSILON = 1e-5;

export interface ArchitectureOptions {
  readonly architecture: ArchitectureName;
  /** Height, width and channels of one input image. */
  readonly input: TensorShape;
  readonly classes: number;
  /** Channel multiplier (default 1: the published widths). */
  readonly width?: number;
  /** The activation after every batch norm and hidden dense layer (default 'relu', as published). */
  readonly activation?: Activation;
}

export interface NetArchitecture {
  readonly name: ArchitectureName;
  readonly width: number;
  readonly activation: Activation;
  readonly spec: ConvNetSpec;
  readonly layout: ConvLayout;
  /** Indices of the batch-norm layers whose γ θ₀ sets to 0 (resnet20's second norm per block). */
  readonly zeroGammaLayers: readonly number[];
  /** Multiply-adds of one sample's forward pass (convolutions and dense layers). */
  readonly forwardMacsPerSample: number;
}

const VGG11_FEATURES: readonly (number | 'M')[] = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];
const VGG_CLASSIFIER_WIDTH = 512;
const RESNET20_STAGES = [16, 32, 64] as const;
const RESNET20_BLOCKS_PER_STAGE = 3;

const scaled = (channels: number, width: number): number => Math.max(1, Math.round(channels * width));

/** A layer whose input may be left out (it then reads the layer added before it). */
type LayerToAdd = ConvLayer extends infer L
  ? L extends ConvLayer
    ? Omit<L, 'input'> & { input?: number }
    : never
  : never;

/** Appends layers that each read the previous one; returns the index of the last. */
class LayerList {
  readonly layers: ConvLayer[] = [];
  /** Indices of the batch norms whose γ starts at 0. */
  readonly zeroGamma: number[] = [];
  private last = NETWORK_INPUT;

  /** Adds a layer reading `input` (default: the last one added); returns its index. */
  add(layer: LayerToAdd): number {
    this.layers.push({ ...layer, input: layer.input ?? this.last } as ConvLayer);
    this.last = this.layers.length - 1;
    return this.last;
  }

  conv(channels: number, kernel: number, stride: number, bias: boolean, input?: number): number {
    return this.add({ kind: 'conv', channels, kernel, stride, padding: kernel === 3 ? 1 : 0, bias, input });
  }

  batchNorm(input?: number): number {
    return this.add({ kind: 'batchNorm', epsilon: BATCH_NORM_EPSILON, input });
  }

  constructor(private readonly activation: Activation) {}

  /** The network's activation (ReLU in the published networks). */
  relu(input?: number): number {
    return this.add({ kind: 'activation', activation: this.activation, input });
  }
}

function vgg11(width: number, classes: number, activation: Activation): LayerList {
  const list = new LayerList(activation);
  for (const entry of VGG11_FEATURES) {
    if (entry === 'M') {
      list.add({ kind: 'maxPool' });
      continue;
    }
    list.conv(scaled(entry, width), 3, 1, true);
    list.batchNorm();
    list.relu();
  }
  const hidden = scaled(VGG_CLASSIFIER_WIDTH, width);
  list.add({ kind: 'dense', features: hidden, bias: true });
  list.relu();
  list.add({ kind: 'dense', features: hidden, bias: true });
  list.relu();
  list.add({ kind: 'dense', features: classes, bias: true });
  return list;
}

function resnet20(width: number, classes: number, activation: Activation): LayerList {
  const list = new LayerList(activation);
  list.conv(scaled(RESNET20_STAGES[0], width), 3, 1, false);
  list.batchNorm();
  let x = list.relu();
  RESNET20_STAGES.forEach((stageChannels, stage) => {
    for (let block = 0; block < RESNET20_BLOCKS_PER_STAGE; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const planes = scaled(stageChannels, width);
      list.conv(planes, 3, stride, false, x);
      list.batchNorm();
      list.relu();
      list.conv(planes, 3, 1, false);
      const branch = list.batchNorm();
      list.zeroGamma.push(branch);
      let shortcut = x;
      if (stride !== 1) {
        list.add({ kind: 'subsample', stride, input: x });
        list.batchNorm();
        shortcut = list.add({ kind: 'padChannels', channels: planes });
      }
      list.add({ kind: 'add', input: branch, other: shortcut });
      x = list.relu();
    }
  });
  list.add({ kind: 'globalAvgPool' });
  list.add({ kind: 'dense', features: classes, bias: true });
  return list;
}

function forwardMacs(layout: ConvLayout): number {
  let macs = 0;
  for (const { layer, in: x, out } of layout.layers) {
    if (layer.kind === 'conv') macs += sizeOf(out) * layer.kernel * layer.kernel * x.channels;
    if (layer.kind === 'dense') macs += sizeOf(x) * layer.features;
  }
  return macs;
}

/** An architecture's layer list, laid out (shapes, θ's layout), with what θ₀ needs. */
export function netArchitecture(options: ArchitectureOptions): NetArchitecture {
  const { architecture, input, classes } = options;
  const width = options.width ?? 1;
  const activation = options.activation ?? 'relu';
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw invalidOption('arch', architecture, `one of ${ARCHITECTURES.join(', ')}`);
  }
  if (!(typeof width === 'number' && Number.isFinite(width) && width > 0)) {
    throw invalidOption('width', width, 'a positive number (channel multiplier)');
  }
  if (!(Number.isInteger(classes) && classes >= 2)) throw invalidOption('classes', classes, 'an integer ≥ 2');
  if (architecture === 'vgg11-bn' && (input.height % 32 !== 0 || input.width % 32 !== 0)) {
    throw invalidOption(
      'inputSize',
      `${input.height}×${input.width}`,
      'a multiple of 32 for vgg11-bn (its five 2×2 max-pools halve the side exactly)',
    );
  }
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw invalidOption('activation', activation, `one of ${ACTIVATIONS.join(', ')}`);
  }
  const list = architecture === 'vgg11-bn' ? vgg11(width, classes, activation) : resnet20(width, classes, activation);
  const spec: ConvNetSpec = { input, layers: list.layers };
  const layout = layoutOf(spec);
  return {
    name: architecture,
    width,
    activation,
    spec,
    layout,
    zeroGammaLayers: list.zeroGamma,
    forwardMacsPerSample: forwardMacs(layout),
  };
}

/** θ₀ of an architecture, reproducible from `seed` (the conventions above). */
export function initialArchitectureParameters(net: NetArchitecture, seed: number): Float64Array {
  const theta = initialConvParameters(net.layout, seed);
  for (const k of net.zeroGammaLayers) {
    const { offset, in: x } = net.layout.layers[k] as ConvLayout['layers'][number];
    theta.fill(0, offset, offset + x.channels); // γ; β is 0 already
  }
  return theta;
}
