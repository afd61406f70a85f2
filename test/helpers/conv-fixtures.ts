/**
 * Shared fixtures of the convolutional-layer tests: seeded tensors, layer cases on tiny shapes,
 * inputs kept away from the kinks (ReLU at 0, hardtanh at ±1, max-pool ties) by a stated margin,
 * central finite differences, and the tolerances they are compared with.
 */
import { Sfc32 } from '../../src/base/random.js';
import { referenceLayer, type Direction, type ReferenceLayer } from '../../src/engines/conv/reference.js';
import {
  layoutOf,
  type ConvLayer,
  type ConvNetSpec,
  type ResolvedLayer,
  type TensorShape,
} from '../../src/engines/conv/spec.js';

/** Central-difference step (inputs, weights and directions are O(1)). */
export const FD_STEP = 1e-5;
/**
 * Scale of the third derivatives along the directions used (|f‴| of these tiny layers at unit-scale
 * inputs: products of ≤ 3 unit weights, batch norm's s³ with σ ≈ 1, tanh‴ ≤ 2) and of the values
 * differenced (|f| ≲ 30 for sums of up to 3·3·3 unit products).
 */
export const CURVATURE_SCALE = 100;
export const VALUE_SCALE = 30;
/**
 * A central difference errs by h²|f‴|/6 (truncation) + ε|f|/h (rounding); ×10 for safety. With the
 * values above: 10 · (1.7e-9 + 6.7e-10) ≈ 2.4e-8, relative to max(1, max|finite difference|).
 */
export const TOL_FD = 10 * ((FD_STEP ** 2 * CURVATURE_SCALE) / 6 + (Number.EPSILON * VALUE_SCALE) / FD_STEP);
/**
 * Distance of every ReLU/hardtanh input from its kink and of every max-pool maximum from the
 * runner-up: a perturbation h·|direction| ≲ 1e-4 must not cross it.
 */
export const KINK_MARGIN = 0.02;

export function gaussians(rng: Sfc32, length: number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => scale * rng.gaussian());
}

/** Gaussians pushed at least `margin` away from every point of `kinks`. */
export function awayFromKinks(
  rng: Sfc32,
  length: number,
  kinks: readonly number[],
  margin = 4 * KINK_MARGIN,
): Float64Array {
  const x = gaussians(rng, length);
  for (let k = 0; k < length; k++) {
    for (const kink of kinks) {
      const d = (x[k] as number) - kink;
      if (Math.abs(d) < margin) x[k] = kink + (d < 0 ? -margin : margin);
    }
  }
  return x;
}

/**
 * A tensor (n·h·w rows × c) whose 2×2 windows have a unique maximum at least `margin` above the
 * rest: each window holds a shuffled arithmetic sequence with spacing > margin plus a common offset.
 */
export function distinctWindows(rng: Sfc32, n: number, s: TensorShape, margin = 4 * KINK_MARGIN): Float64Array {
  const { height: h, width: w, channels: c } = s;
  const x = new Float64Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let oy = 0; oy < h / 2; oy++)
      for (let ox = 0; ox < w / 2; ox++)
        for (let ch = 0; ch < c; ch++) {
          const base = rng.gaussian();
          const order = [0, 1, 2, 3].sort(() => rng.uniform() - 0.5);
          [0, 1, 2, 3].forEach((slot, q) => {
            const at = ((i * h + 2 * oy + (slot >> 1)) * w + 2 * ox + (slot & 1)) * c + ch;
            x[at] = base + (order[q] as number) * (2 * margin + 0.1 * rng.uniform());
          });
        }
  return x;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] as number));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs((a[k] as number) - (b[k] as number)));
  return m;
}

/** max|a − b| / max(1, max|b|): the error measure of every finite-difference comparison. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / Math.max(1, maxAbs(b));
}

/** max|a − b| / max|b| (b ≠ 0): the measure of the WASM-vs-reference comparisons. */
export function relativeToLargest(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / maxAbs(b);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] as number) * (b[k] as number);
  return s;
}

/** x + t·d (d undefined: x). */
export function along(x: Float64Array, d: Float64Array | undefined, t: number): Float64Array {
  return d ? x.map((v, k) => v + t * (d[k] as number)) : x;
}

/** (f(+h) − f(−h)) / 2h entrywise for a vector-valued f of the step. */
export function centralDifference(f: (t: number) => Float64Array, h = FD_STEP): Float64Array {
  const plus = f(h);
  const minus = f(-h);
  return plus.map((v, k) => (v - (minus[k] as number)) / (2 * h));
}

/** The resolved layer of a one-layer network reading an input of shape `input`. */
export function single(input: TensorShape, layer: ConvLayer, other = false): ResolvedLayer {
  const layers: ConvLayer[] = other
    ? [{ kind: 'activation', input: -1, activation: 'tanh' }, { ...layer, input: 0, other: 0 } as ConvLayer]
    : [{ ...layer, input: -1 } as ConvLayer];
  const spec: ConvNetSpec = { input, layers };
  return layoutOf(spec).layers.at(-1) as ResolvedLayer;
}

// ------------------------------------------------------------------------------------------------
// One case per layer kind and variant, on tiny shapes.

export interface LayerCase {
  name: string;
  resolved: ResolvedLayer;
  n: number;
  /** The input tensor (kept away from kinks where the layer has some). */
  input: (rng: Sfc32, length: number) => Float64Array;
  /** R{x} = 0 (the layer reads the network input). */
  noInputDirection?: boolean;
  /** Batch norm: γ = 0 (the zero-initialised last batch norm of a residual branch). */
  zeroGamma?: boolean;
}

export const img = (height: number, width: number, channels: number): TensorShape => ({ height, width, channels });
const gauss = (rng: Sfc32, length: number): Float64Array => gaussians(rng, length);

const conv = (channels: number, kernel: number, stride: number, bias: boolean): ConvLayer => ({
  kind: 'conv',
  input: -1,
  channels,
  kernel,
  stride,
  padding: (kernel - 1) / 2,
  bias,
});

export const LAYER_CASES: LayerCase[] = [
  { name: 'conv 3×3 stride 1 + bias', resolved: single(img(4, 4, 2), conv(3, 3, 1, true)), n: 2, input: gauss },
  { name: 'conv 3×3 stride 2', resolved: single(img(5, 4, 2), conv(3, 3, 2, false)), n: 2, input: gauss },
  { name: 'conv 1×1 stride 1 + bias', resolved: single(img(3, 3, 3), conv(2, 1, 1, true)), n: 2, input: gauss },
  { name: 'conv 1×1 stride 2', resolved: single(img(4, 4, 3), conv(2, 1, 2, false)), n: 2, input: gauss },
  {
    name: 'conv 3×3 on the network input (R{x} = 0)',
    resolved: single(img(4, 4, 2), conv(2, 3, 1, true)),
    n: 2,
    input: gauss,
    noInputDirection: true,
  },
  {
    name: 'batch norm',
    resolved: single(img(2, 2, 3), { kind: 'batchNorm', input: -1, epsilon: 1e-5 }),
    n: 3,
    input: gauss,
  },
  {
    name: 'batch norm, one position per sample',
    resolved: single(img(1, 1, 2), { kind: 'batchNorm', input: -1, epsilon: 1e-3 }),
    n: 4,
    input: gauss,
  },
  ...(['tanh', 'softplus', 'elu'] as const).map((activation) => ({
    name: `activation ${activation}`,
    resolved: single(img(2, 2, 2), { kind: 'activation', input: -1, activation }),
    n: 2,
    input: gauss,
  })),
  {
    name: 'activation relu',
    resolved: single(img(2, 2, 2), { kind: 'activation', input: -1, activation: 'relu' }),
    n: 2,
    input: (rng, length) => awayFromKinks(rng, length, [0]),
  },
  {
    name: 'activation hardtanh',
    resolved: single(img(2, 2, 2), { kind: 'activation', input: -1, activation: 'hardtanh' }),
    n: 2,
    input: (rng, length) => awayFromKinks(rng, length, [-1, 1]),
  },
  {
    name: 'max-pool 2×2',
    resolved: single(img(4, 4, 2), { kind: 'maxPool', input: -1 }),
    n: 2,
    input: (rng) => distinctWindows(rng, 2, img(4, 4, 2)),
  },
  {
    name: 'global average pool',
    resolved: single(img(3, 2, 3), { kind: 'globalAvgPool', input: -1 }),
    n: 2,
    input: gauss,
  },
  {
    name: 'dense + bias',
    resolved: single(img(2, 2, 2), { kind: 'dense', input: -1, features: 3, bias: true }),
    n: 3,
    input: gauss,
  },
  {
    name: 'residual add',
    resolved: single(img(2, 2, 2), { kind: 'add', input: -1, other: -1 }, true),
    n: 2,
    input: gauss,
  },
  {
    name: 'batch norm with γ = 0',
    resolved: single(img(2, 2, 2), { kind: 'batchNorm', input: -1, epsilon: 1e-5 }),
    n: 3,
    input: gauss,
    zeroGamma: true,
  },
  {
    name: 'subsample stride 2 (odd height)',
    resolved: single(img(5, 4, 2), { kind: 'subsample', input: -1, stride: 2 }),
    n: 2,
    input: gauss,
  },
  {
    name: 'pad channels 2 → 5',
    resolved: single(img(2, 3, 2), { kind: 'padChannels', input: -1, channels: 5 }),
    n: 2,
    input: gauss,
  },
];

export interface Point {
  layer: ReferenceLayer;
  x: Float64Array;
  other: Direction;
  p: Float64Array;
  rx: Direction;
  rOther: Direction;
  rp: Float64Array;
  gy: Float64Array;
  rgy: Float64Array;
}

export function pointOf(c: LayerCase, seed: number, layer: ReferenceLayer = referenceLayer(c.resolved, c.n)): Point {
  const rng = new Sfc32(seed, 3);
  const { resolved, n } = c;
  const inLength = n * resolved.in.height * resolved.in.width * resolved.in.channels;
  const outLength = n * resolved.out.height * resolved.out.width * resolved.out.channels;
  const isAdd = resolved.layer.kind === 'add';
  const p = gaussians(rng, resolved.count, 0.8);
  // batch norm: γ away from 0 so that every term of the derivative matters (or exactly 0)
  if (resolved.layer.kind === 'batchNorm') {
    for (let k = 0; k < resolved.in.channels; k++) p[k] = c.zeroGamma ? 0 : 1 + 0.5 * rng.gaussian();
  }
  return {
    layer,
    x: c.input(rng, inLength),
    other: isAdd ? gaussians(rng, inLength) : undefined,
    p,
    rx: c.noInputDirection ? undefined : gaussians(rng, inLength),
    rOther: isAdd ? gaussians(rng, inLength) : undefined,
    rp: gaussians(rng, resolved.count),
    gy: gaussians(rng, outLength),
    rgy: gaussians(rng, outLength),
  };
}
