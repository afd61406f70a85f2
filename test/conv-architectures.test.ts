/**
 * The Fig 6 conv nets (src/engines/conv/architectures.ts) against counts worked out by hand from the
 * implementations the paper's App. B.4 names: pytorch-vgg-cifar10's vgg11_bn (3×32×32 input, 10
 * classes) has 9 756 426 parameters; the Fixup repository's resnet20 269 818 (convolutions 267 696,
 * batch norms 1 376 + 96 in the two shortcuts, dense 650). Their forward passes in WASM against the
 * plain-TypeScript reference on small widths (≤ 1e-12 relative), and θ₀'s conventions.
 */
import { describe, expect, it } from 'vitest';
import {
  initialArchitectureParameters,
  netArchitecture,
  type NetArchitecture,
} from '../src/engines/conv/architectures.js';
import { ConvEngine } from '../src/engines/conv/engine.js';
import { ConvReference } from '../src/engines/conv/referenceNet.js';
import { sizeOf } from '../src/engines/conv/spec.js';
import { EoslabError } from '../src/base/errors.js';
import { Sfc32 } from '../src/base/random.js';

const CIFAR = { height: 32, width: 32, channels: 3 };

function kinds(net: NetArchitecture, kind: string): number[] {
  return net.layout.layers.flatMap((l, k) => (l.layer.kind === kind ? [k] : []));
}

describe('VGG11-BN', () => {
  const net = netArchitecture({ architecture: 'vgg11-bn', input: CIFAR, classes: 10 });

  it('has the published parameter count', () => {
    const convs = [
      [3, 64],
      [64, 128],
      [128, 256],
      [256, 256],
      [256, 512],
      [512, 512],
      [512, 512],
      [512, 512],
    ] as const;
    const convParams = convs.reduce((s, [i, o]) => s + 9 * i * o + o, 0);
    const bnParams = convs.reduce((s, [, o]) => s + 2 * o, 0);
    const classifier = 2 * (512 * 512 + 512) + 512 * 10 + 10;
    expect(convParams + bnParams + classifier).toBe(9_756_426);
    expect(net.layout.parameterCount).toBe(9_756_426);
  });

  it('halves the side at every pool down to 1×1×512 before the classifier', () => {
    const pools = kinds(net, 'maxPool').map((k) => net.layout.layers[k]!.out);
    expect(pools.map((s) => [s.height, s.channels])).toEqual([
      [16, 64],
      [8, 128],
      [4, 256],
      [2, 512],
      [1, 512],
    ]);
    const dense = kinds(net, 'dense').map((k) => [sizeOf(net.layout.layers[k]!.in), sizeOf(net.layout.layers[k]!.out)]);
    expect(dense).toEqual([
      [512, 512],
      [512, 512],
      [512, 10],
    ]);
  });

  it('counts 153 293 824 forward multiply-adds per 32×32 image', () => {
    const macs =
      32 * 32 * 64 * 3 * 9 +
      16 * 16 * 128 * 64 * 9 +
      8 * 8 * 256 * 128 * 9 +
      8 * 8 * 256 * 256 * 9 +
      4 * 4 * 512 * 256 * 9 +
      4 * 4 * 512 * 512 * 9 +
      2 * 2 * 512 * 512 * 9 * 2 +
      (512 * 512 * 2 + 512 * 10);
    expect(macs).toBe(153_293_824);
    expect(net.forwardMacsPerSample).toBe(macs);
  });

  it('scales every width, the classifier too', () => {
    const narrow = netArchitecture({
      architecture: 'vgg11-bn',
      input: { height: 64, width: 64, channels: 1 },
      classes: 10,
      width: 0.125,
    });
    expect(kinds(narrow, 'conv').map((k) => narrow.layout.layers[k]!.out.channels)).toEqual([
      8, 16, 32, 32, 64, 64, 64, 64,
    ]);
    const firstDense = narrow.layout.layers[kinds(narrow, 'dense')[0]!]!;
    expect([sizeOf(firstDense.in), firstDense.out.channels]).toEqual([64 * 2 * 2, 64]);
  });
});

describe('ResNet20', () => {
  const net = netArchitecture({ architecture: 'resnet20', input: CIFAR, classes: 10 });

  it('has 269 818 parameters', () => {
    const convs = 9 * 3 * 16 + 6 * 9 * 16 * 16 + (9 * 16 * 32 + 5 * 9 * 32 * 32) + (9 * 32 * 64 + 5 * 9 * 64 * 64);
    const norms = 2 * 16 + 3 * 2 * (2 * 16 + 2 * 32 + 2 * 64) + (2 * 16 + 2 * 32);
    expect([convs, norms]).toEqual([267_696, 1_472]);
    expect(convs + norms + 64 * 10 + 10).toBe(269_818);
    expect(net.layout.parameterCount).toBe(269_818);
  });

  it('has nine residual additions, two with a subsampled, normalised, zero-padded shortcut, ending at 8×8×64', () => {
    const adds = kinds(net, 'add');
    expect(adds).toHaveLength(9);
    expect(kinds(net, 'subsample')).toHaveLength(2);
    expect(kinds(net, 'padChannels').map((k) => net.layout.layers[k]!.out.channels)).toEqual([32, 64]);
    const last = net.layout.layers[adds.at(-1)!]!.out;
    expect([last.height, last.width, last.channels]).toEqual([8, 8, 64]);
    expect(net.zeroGammaLayers).toHaveLength(9);
  });

  it('takes any input side: stride 2 maps s to ⌊(s − 1)/2⌋ + 1', () => {
    for (const [side, sides] of [
      [28, [28, 28, 28, 14, 14, 14, 7, 7, 7]],
      [9, [9, 9, 9, 5, 5, 5, 3, 3, 3]],
    ] as const) {
      const r = netArchitecture({
        architecture: 'resnet20',
        input: { height: side, width: side, channels: 1 },
        classes: 10,
      });
      expect(kinds(r, 'add').map((k) => r.layout.layers[k]!.out.height)).toEqual(sides);
    }
  });
});

describe('θ₀', () => {
  const net = netArchitecture({
    architecture: 'resnet20',
    input: { height: 16, width: 16, channels: 3 },
    classes: 10,
    width: 0.5,
  });
  const theta = initialArchitectureParameters(net, 7);

  it('is reproducible from the seed and changes with it', () => {
    expect(initialArchitectureParameters(net, 7)).toEqual(theta);
    expect(initialArchitectureParameters(net, 8)).not.toEqual(theta);
  });

  it('sets γ = 0 in each block’s second batch norm, γ = 1 in the others, β = 0, and N(0, 2/(k²·c_out)) weights', () => {
    const zero = new Set(net.zeroGammaLayers);
    for (const [k, { layer, in: x, offset, count }] of net.layout.layers.entries()) {
      const block = theta.subarray(offset, offset + count);
      if (layer.kind === 'batchNorm') {
        const gamma = Array.from(block.subarray(0, x.channels));
        expect(gamma.every((g) => g === (zero.has(k) ? 0 : 1))).toBe(true);
        expect(Array.from(block.subarray(x.channels)).every((b) => b === 0)).toBe(true);
      }
      if (layer.kind === 'conv' && count >= 2000) {
        // sample standard deviation of N normal draws: relative standard error 1/√(2N); allow 6
        const mean = block.reduce((s, v) => s + v, 0) / count;
        const sd = Math.sqrt(block.reduce((s, v) => s + (v - mean) ** 2, 0) / count);
        const expected = Math.sqrt(2 / (layer.kernel * layer.kernel * layer.channels));
        expect(Math.abs(sd / expected - 1)).toBeLessThan(6 / Math.sqrt(2 * count));
      }
    }
  });
});

/** A batch of n random images and one-hot targets. */
function batch(net: NetArchitecture, n: number): { n: number; X: Float64Array; Y: Float64Array } {
  const rng = new Sfc32(3, 0);
  const X = Float64Array.from({ length: n * net.layout.inputSize }, () => rng.gaussian());
  const Y = new Float64Array(n * net.layout.outputSize);
  for (let i = 0; i < n; i++) Y[i * net.layout.outputSize + (i % net.layout.outputSize)] = 1;
  return { n, X, Y };
}

const relative = (a: Float64Array, b: Float64Array): number => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num / den);
};

describe('WASM network = plain-TypeScript reference (f64)', () => {
  for (const [name, options] of [
    [
      'a small VGG11-BN',
      { architecture: 'vgg11-bn', input: { height: 32, width: 32, channels: 1 }, classes: 10, width: 1 / 16 },
    ],
    [
      'a small ResNet20',
      { architecture: 'resnet20', input: { height: 8, width: 8, channels: 2 }, classes: 10, width: 0.25 },
    ],
  ] as const) {
    it(`${name}: loss, gradient and HVP within 1e-12 relative`, () => {
      const net = netArchitecture(options);
      const data = batch(net, 4);
      // θ₀ with the zero γ's perturbed, so every residual branch contributes
      const theta = initialArchitectureParameters(net, 1).map((v, i) => (v === 0 ? 0.1 * Math.sin(i) : v));
      const rng = new Sfc32(5, 0);
      const v = Float64Array.from({ length: theta.length }, () => rng.gaussian());
      const reference = new ConvReference(net.spec, data);
      const engine = new ConvEngine(net.spec, data, { shards: 2 });
      const lossRef = reference.loss(theta);
      const lossWasm = engine.loss(theta);
      expect(Math.abs(lossWasm - lossRef) / lossRef).toBeLessThan(1e-12);
      const gRef = reference.gradient(theta).gradient;
      const gWasm = engine.gradient(theta).gradient.slice();
      expect(relative(gWasm, gRef)).toBeLessThan(1e-12);
      const hRef = reference.hessianVectorProduct(theta, v);
      const hWasm = engine.hessianVectorProduct(theta, v).slice();
      expect(relative(hWasm, hRef)).toBeLessThan(1e-12);
    });
  }
});

describe('bad input', () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(EoslabError);
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('names the option and the value', () => {
    expect(message(() => netArchitecture({ architecture: 'vgg16' as 'vgg11-bn', input: CIFAR, classes: 10 }))).toMatch(
      /invalid arch: .*vgg16.*vgg11-bn, resnet20/,
    );
    for (const width of [0, -1, Number.NaN, Infinity]) {
      expect(message(() => netArchitecture({ architecture: 'resnet20', input: CIFAR, classes: 10, width }))).toMatch(
        /invalid width/,
      );
    }
    expect(
      message(() =>
        netArchitecture({ architecture: 'vgg11-bn', input: { height: 28, width: 28, channels: 1 }, classes: 10 }),
      ),
    ).toMatch(/invalid inputSize: .*28×28.*multiple of 32/);
    expect(message(() => netArchitecture({ architecture: 'resnet20', input: CIFAR, classes: 1 }))).toMatch(
      /invalid classes/,
    );
  });
});
