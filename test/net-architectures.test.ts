/**
 * The conv-net layer lists (src/engines/netArchitectures.ts) against counts worked out by hand from
 * the published layouts: VGG11-BN (pytorch-vgg-cifar10, 3×32×32 input, 10 classes) has 9 756 426
 * parameters, ResNet20 with 1×1 projection shortcuts (He et al. 2016, option B) 272 474 (269 722
 * with option A's parameter-free shortcuts + 2 752 for the two projections and their batch norms).
 */
import { describe, expect, it } from 'vitest';
import {
  initialNetParameters,
  layerParameters,
  netSpec,
  parameterLayers,
  type NetLayer,
} from '../src/engines/netArchitectures.js';
import { EoslabError } from '../src/base/errors.js';

const CIFAR = [3, 32, 32] as const;

describe('VGG11-BN', () => {
  const spec = netSpec({ architecture: 'vgg11-bn', input: CIFAR, classes: 10 });

  it('has the published parameter count, layer by layer', () => {
    // convolutions k²·in·out + out (bias), batch norms 2·c, classifier 512·512 + 512 (×2), 512·10 + 10
    const convs = [
      [3, 64],
      [64, 128],
      [128, 256],
      [256, 256],
      [256, 512],
      [512, 512],
      [512, 512],
      [512, 512],
    ];
    const convParams = convs.reduce((s, [i, o]) => s + 9 * i! * o! + o!, 0);
    const bnParams = convs.reduce((s, [, o]) => s + 2 * o!, 0);
    const classifier = 2 * (512 * 512 + 512) + 512 * 10 + 10;
    expect(convParams + bnParams + classifier).toBe(9_756_426);
    expect(spec.parameterCount).toBe(9_756_426);
  });

  it('halves the side at every pool down to 1×1×512 before the classifier', () => {
    const pools = spec.layers.filter((l) => l.kind === 'maxpool');
    expect(pools.map((p) => (p.kind === 'maxpool' ? p.output : null))).toEqual([
      [64, 16, 16],
      [128, 8, 8],
      [256, 4, 4],
      [512, 2, 2],
      [512, 1, 1],
    ]);
    const dense = spec.layers.filter((l) => l.kind === 'dense');
    expect(dense.map((d) => (d.kind === 'dense' ? [d.inputs, d.outputs] : null))).toEqual([
      [512, 512],
      [512, 512],
      [512, 10],
    ]);
  });

  it('counts the forward multiply-adds of one 32×32 image (153.3 M)', () => {
    // Σ H·W·out·in·9 over the convolutions (at their output side) + the classifier's products
    const macs =
      32 * 32 * 64 * 3 * 9 +
      16 * 16 * 128 * 64 * 9 +
      8 * 8 * 256 * 128 * 9 +
      8 * 8 * 256 * 256 * 9 +
      4 * 4 * 512 * 256 * 9 +
      4 * 4 * 512 * 512 * 9 +
      2 * 2 * 512 * 512 * 9 * 2 +
      (512 * 512 * 2 + 512 * 10);
    expect(spec.forwardMacsPerSample).toBe(macs);
    expect(macs).toBe(153_293_824);
  });

  it('scales every width, the classifier too, and takes a multiple of 32 as input side', () => {
    const narrow = netSpec({ architecture: 'vgg11-bn', input: [1, 64, 64], classes: 10, width: 0.125 });
    const channels = narrow.layers.flatMap((l) => (l.kind === 'conv' ? [l.output[0]] : []));
    expect(channels).toEqual([8, 16, 32, 32, 64, 64, 64, 64]);
    const last = narrow.layers.at(-1) as NetLayer;
    expect(last.kind === 'dense' && [last.inputs, last.outputs]).toEqual([64, 10]);
    // 64×64 input: the feature map before the classifier is 64 × 2 × 2
    const firstDense = narrow.layers.find((l) => l.kind === 'dense');
    expect(firstDense?.kind === 'dense' && firstDense.inputs).toBe(64 * 2 * 2);
  });
});

describe('ResNet20', () => {
  const spec = netSpec({ architecture: 'resnet20', input: CIFAR, classes: 10 });

  it('has 272 474 parameters with projection shortcuts (269 722 + 2 752)', () => {
    const stem = 9 * 3 * 16 + 2 * 16;
    const stage1 = 6 * (9 * 16 * 16 + 2 * 16);
    const stage2 = 9 * 16 * 32 + 5 * 9 * 32 * 32 + 6 * 2 * 32;
    const stage3 = 9 * 32 * 64 + 5 * 9 * 64 * 64 + 6 * 2 * 64;
    const head = 64 * 10 + 10;
    const projections = 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64;
    expect(stem + stage1 + stage2 + stage3 + head).toBe(269_722);
    expect(projections).toBe(2_752);
    expect(spec.parameterCount).toBe(272_474);
  });

  it('has nine residual blocks, two with a projection, ending at 64×8×8', () => {
    const blocks = spec.layers.filter((l) => l.kind === 'residual');
    expect(blocks).toHaveLength(9);
    expect(blocks.filter((b) => b.kind === 'residual' && b.shortcut.length > 0)).toHaveLength(2);
    expect(blocks.map((b) => (b.kind === 'residual' ? b.output : null)).at(-1)).toEqual([64, 8, 8]);
    const gap = spec.layers.find((l) => l.kind === 'global-average-pool');
    expect(gap?.kind === 'global-average-pool' && gap.output).toEqual([64, 1, 1]);
  });

  it('takes any input side: a stride-2 convolution maps s to ⌊(s − 1)/2⌋ + 1', () => {
    const mnist = netSpec({ architecture: 'resnet20', input: [1, 28, 28], classes: 10 });
    const blocks = mnist.layers.filter((l) => l.kind === 'residual');
    expect(blocks.map((b) => (b.kind === 'residual' ? b.output[1] : 0))).toEqual([28, 28, 28, 14, 14, 14, 7, 7, 7]);
    const odd = netSpec({ architecture: 'resnet20', input: [3, 9, 9], classes: 10 });
    const last = odd.layers.filter((l) => l.kind === 'residual').at(-1);
    expect(last?.kind === 'residual' && last.output).toEqual([64, 3, 3]);
  });
});

describe('initialisation', () => {
  const spec = netSpec({ architecture: 'resnet20', input: [3, 16, 16], classes: 10, width: 0.5 });
  const theta = initialNetParameters(spec, 7);

  it('is reproducible from the seed and changes with it', () => {
    expect(initialNetParameters(spec, 7)).toEqual(theta);
    expect(initialNetParameters(spec, 8)).not.toEqual(theta);
  });

  it('sets γ = 1, β = 0, conv biases 0 and Kaiming-normal weights of the right scale', () => {
    let at = 0;
    for (const layer of parameterLayers(spec.layers)) {
      const n = layerParameters(layer);
      const block = theta.subarray(at, at + n);
      if (layer.kind === 'batchnorm') {
        const c = layer.shape[0];
        expect(Array.from(block.subarray(0, c)).every((g) => g === 1)).toBe(true);
        expect(Array.from(block.subarray(c)).every((b) => b === 0)).toBe(true);
      } else if (layer.kind === 'conv' && layer.input[0] * layer.output[0] * 9 >= 2000) {
        // sample standard deviation of N normal draws: relative standard error 1/√(2N); 6 of them
        const fan = layer.kernel * layer.kernel * layer.input[0];
        const mean = block.reduce((s, x) => s + x, 0) / n;
        const sd = Math.sqrt(block.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
        expect(Math.abs(sd / Math.sqrt(2 / fan) - 1)).toBeLessThan(6 / Math.sqrt(2 * n));
      }
      at += n;
    }
    expect(at).toBe(spec.parameterCount);
  });

  it('leaves VGG conv biases at 0 and draws the classifier uniformly within ±1/√in', () => {
    const vgg = netSpec({ architecture: 'vgg11-bn', input: [3, 32, 32], classes: 10, width: 0.125 });
    const t = initialNetParameters(vgg, 1);
    let at = 0;
    for (const layer of parameterLayers(vgg.layers)) {
      const n = layerParameters(layer);
      if (layer.kind === 'conv') {
        const weights = n - layer.output[0];
        expect(Array.from(t.subarray(at + weights, at + n)).every((b) => b === 0)).toBe(true);
      }
      if (layer.kind === 'dense') {
        const bound = 1 / Math.sqrt(layer.inputs);
        expect(Array.from(t.subarray(at, at + n)).every((w) => Math.abs(w) <= bound)).toBe(true);
      }
      at += n;
    }
  });
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
    expect(message(() => netSpec({ architecture: 'vgg16' as 'vgg11-bn', input: CIFAR, classes: 10 }))).toMatch(
      /invalid arch: .*vgg16.*vgg11-bn, resnet20/,
    );
    for (const width of [0, -1, Number.NaN, Infinity]) {
      expect(message(() => netSpec({ architecture: 'resnet20', input: CIFAR, classes: 10, width }))).toMatch(
        /invalid width/,
      );
    }
    expect(message(() => netSpec({ architecture: 'vgg11-bn', input: [1, 28, 28], classes: 10 }))).toMatch(
      /invalid input-size: .*28×28.*multiple of 32/,
    );
    expect(message(() => netSpec({ architecture: 'resnet20', input: [3, 0, 32], classes: 10 }))).toMatch(
      /invalid input/,
    );
    expect(message(() => netSpec({ architecture: 'resnet20', input: CIFAR, classes: 1 }))).toMatch(/invalid classes/);
    const spec = netSpec({ architecture: 'resnet20', input: CIFAR, classes: 10 });
    expect(message(() => initialNetParameters(spec, 0.5))).toMatch(/invalid seed/);
  });
});
