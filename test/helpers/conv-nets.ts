/**
 * Small convolutional networks for the tests (docs/model.md §7): a VGG-like chain
 * conv→BN→ReLU→max-pool→conv→BN→ReLU→GAP→dense and a ResNet-like basic block whose shortcut is a
 * 1×1 stride-2 convolution with batch norm, with seeded data and parameters, and the kink margins
 * of a point (ReLU inputs from 0, max-pool maxima from their runner-up).
 */
import { Sfc32 } from '../../src/base/random.js';
import type { Activation } from '../../src/engines/mlpNetwork.js';
import type { ConvReference } from '../../src/engines/conv/referenceNet.js';
import { layoutOf, type ConvData, type ConvLayer, type ConvNetSpec } from '../../src/engines/conv/spec.js';
import { gaussians } from './conv-fixtures.js';

const EPS = 1e-5;

/** conv→BN→σ→max-pool→conv→BN→σ→GAP→dense, 4×4×2 input, 3 outputs. */
export function vggLike(activation: Activation = 'relu'): ConvNetSpec {
  const layers: ConvLayer[] = [
    { kind: 'conv', input: -1, channels: 3, kernel: 3, stride: 1, padding: 1, bias: true },
    { kind: 'batchNorm', input: 0, epsilon: EPS },
    { kind: 'activation', input: 1, activation },
    { kind: 'maxPool', input: 2 },
    { kind: 'conv', input: 3, channels: 4, kernel: 3, stride: 1, padding: 1, bias: false },
    { kind: 'batchNorm', input: 4, epsilon: EPS },
    { kind: 'activation', input: 5, activation },
    { kind: 'globalAvgPool', input: 6 },
    { kind: 'dense', input: 7, features: 3, bias: true },
  ];
  return { input: { height: 4, width: 4, channels: 2 }, layers };
}

/**
 * conv→BN→ReLU, then a basic block: [conv 3×3 s2→BN→ReLU→conv 3×3→BN] + [conv 1×1 s2→BN], ReLU,
 * GAP, dense; 4×4×2 input, 2 outputs.
 */
export function residualBlock(): ConvNetSpec {
  const layers: ConvLayer[] = [
    { kind: 'conv', input: -1, channels: 2, kernel: 3, stride: 1, padding: 1, bias: false }, // 0
    { kind: 'batchNorm', input: 0, epsilon: EPS }, // 1
    { kind: 'activation', input: 1, activation: 'relu' }, // 2: block input
    { kind: 'conv', input: 2, channels: 3, kernel: 3, stride: 2, padding: 1, bias: false }, // 3
    { kind: 'batchNorm', input: 3, epsilon: EPS }, // 4
    { kind: 'activation', input: 4, activation: 'relu' }, // 5
    { kind: 'conv', input: 5, channels: 3, kernel: 3, stride: 1, padding: 1, bias: false }, // 6
    { kind: 'batchNorm', input: 6, epsilon: EPS }, // 7
    { kind: 'conv', input: 2, channels: 3, kernel: 1, stride: 2, padding: 0, bias: false }, // 8: shortcut
    { kind: 'batchNorm', input: 8, epsilon: EPS }, // 9
    { kind: 'add', input: 7, other: 9 }, // 10
    { kind: 'activation', input: 10, activation: 'relu' }, // 11
    { kind: 'globalAvgPool', input: 11 }, // 12
    { kind: 'dense', input: 12, features: 2, bias: true }, // 13
  ];
  return { input: { height: 4, width: 4, channels: 2 }, layers };
}

/**
 * The basic block of the paper's ResNet20 (Kreisler et al. 2023, App. B.4: the Fixup repository's
 * resnet_cifar.py) where it widens: conv→BN→ReLU, then [conv 3×3 s2→BN→ReLU→conv 3×3→BN] +
 * [subsample s2→BN→pad channels with zeros], ReLU, GAP, dense; 4×4×2 input, 2 outputs.
 */
export function paperResidualBlock(): ConvNetSpec {
  const layers: ConvLayer[] = [
    { kind: 'conv', input: -1, channels: 2, kernel: 3, stride: 1, padding: 1, bias: false }, // 0
    { kind: 'batchNorm', input: 0, epsilon: EPS }, // 1
    { kind: 'activation', input: 1, activation: 'relu' }, // 2: block input (2 channels)
    { kind: 'conv', input: 2, channels: 4, kernel: 3, stride: 2, padding: 1, bias: false }, // 3
    { kind: 'batchNorm', input: 3, epsilon: EPS }, // 4
    { kind: 'activation', input: 4, activation: 'relu' }, // 5
    { kind: 'conv', input: 5, channels: 4, kernel: 3, stride: 1, padding: 1, bias: false }, // 6
    { kind: 'batchNorm', input: 6, epsilon: EPS }, // 7: zero-initialised γ in the paper's code
    { kind: 'subsample', input: 2, stride: 2 }, // 8: shortcut
    { kind: 'batchNorm', input: 8, epsilon: EPS }, // 9
    { kind: 'padChannels', input: 9, channels: 4 }, // 10
    { kind: 'add', input: 7, other: 10 }, // 11
    { kind: 'activation', input: 11, activation: 'relu' }, // 12
    { kind: 'globalAvgPool', input: 12 }, // 13
    { kind: 'dense', input: 13, features: 2, bias: true }, // 14
  ];
  return { input: { height: 4, width: 4, channels: 2 }, layers };
}

/** n samples of gaussian inputs and one-hot targets. */
export function dataFor(spec: ConvNetSpec, n: number, seed: number): ConvData {
  const rng = new Sfc32(seed, 1);
  const inputSize = spec.input.height * spec.input.width * spec.input.channels;
  const outputs = layoutOf(spec).outputSize;
  const Y = new Float64Array(n * outputs);
  for (let i = 0; i < n; i++) Y[i * outputs + Math.floor(rng.uniform() * outputs)] = 1;
  return { n, X: gaussians(rng, n * inputSize), Y };
}

/** θ with unit-scale gaussian weights, γ around 1 and β around 0 (every term of the derivatives alive). */
export function parametersFor(reference: ConvReference, seed: number): Float64Array {
  const rng = new Sfc32(seed, 2);
  const theta = gaussians(rng, reference.parameterCount, 0.6);
  for (const { layer, in: x, offset } of reference.layout.layers) {
    if (layer.kind !== 'batchNorm') continue;
    for (let c = 0; c < x.channels; c++) {
      theta[offset + c] = 1 + 0.3 * rng.gaussian();
      theta[offset + x.channels + c] = 0.3 * rng.gaussian();
    }
  }
  return theta;
}

/** Smallest distance of a ReLU input from 0 and of a max-pool maximum (> 0) from its runner-up. */
export function kinkMargin(reference: ConvReference, theta: Float64Array): number {
  const outs = reference.forward(theta);
  let margin = Infinity;
  reference.layout.layers.forEach(({ layer, in: shape }, k) => {
    const x = layer.input === -1 ? reference.data.X : (outs[layer.input] as Float64Array);
    if (layer.kind === 'activation' && layer.activation === 'relu') {
      for (const v of x) margin = Math.min(margin, Math.abs(v));
    }
    if (layer.kind === 'maxPool') {
      const y = outs[k] as Float64Array;
      const { height: h, width: w, channels: c } = shape;
      let j = 0;
      for (let i = 0; i < reference.data.n; i++)
        for (let oy = 0; oy < h / 2; oy++)
          for (let ox = 0; ox < w / 2; ox++)
            for (let ch = 0; ch < c; ch++, j++) {
              const best = y[j] as number;
              if (best <= 0) continue;
              const window = [0, 1, 2, 3].map(
                (q) => x[((i * h + 2 * oy + (q >> 1)) * w + 2 * ox + (q & 1)) * c + ch] as number,
              );
              const rest = window.filter((v) => v !== best);
              if (rest.length < 3) return (margin = 0);
              margin = Math.min(margin, best - Math.max(...rest));
            }
    }
  });
  return margin;
}

/** The first seed from `start` whose parameters keep `margin` from every kink (deterministic). */
export function pointAwayFromKinks(
  reference: ConvReference,
  start: number,
  margin: number,
): { theta: Float64Array; seed: number } {
  for (let seed = start; seed < start + 500; seed++) {
    const theta = parametersFor(reference, seed);
    if (kinkMargin(reference, theta) >= margin) return { theta, seed };
  }
  throw new Error('no seed keeps the kink margin');
}
