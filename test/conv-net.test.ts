/**
 * Whole convolutional networks (docs/model.md §7): a VGG-like chain conv→BN→ReLU→max-pool→conv→
 * BN→ReLU→GAP→dense (also with tanh) and a ResNet-like basic block with a 1×1 stride-2 shortcut,
 * N = 3 samples so that batch norm couples them.
 *   - the reference's full gradient against central differences of its loss, coordinate by
 *     coordinate, and its HVP against central differences of its gradient;
 *   - HVP symmetry uᵀHv = vᵀHu;
 *   - the WASM engine against the reference (loss, every layer's output, gradient, HVP) ≤ 1e-12
 *     relative, in one shard and in three (batch norm's partial sums across shards);
 *   - an explicit Hessian (every parameter, from HVPs of unit vectors): symmetric, and its largest
 *     eigenvalue by the Jacobi eigensolver (src/base/dense.ts) equal to Lanczos over the HVPs
 *     (NetworkSolver.sharpness, the Lanczos of every network experiment);
 *   - NaN in θ or v, bad specifications and data.
 * ReLU inputs and max-pool maxima keep NET_KINK_MARGIN from their kinks (asserted).
 */
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../src/base/dense.js';
import { EoslabError } from '../src/base/errors.js';
import { Sfc32 } from '../src/base/random.js';
import { ConvEngine } from '../src/engines/conv/engine.js';
import { ConvReference } from '../src/engines/conv/referenceNet.js';
import {
  initialConvParameters,
  layoutOf,
  type ConvLayer,
  type ConvNetSpec,
  type ResolvedLayer,
} from '../src/engines/conv/spec.js';
import { instantiate, wasmModule } from '../src/wasm/module.js';
import type { NetworkBatch } from '../src/engines/networkBatch.js';
import { NetworkSolver } from '../src/engines/networkSolver.js';
import {
  centralDifference,
  dot,
  FD_STEP,
  gaussians,
  maxAbs,
  relativeError,
  relativeToLargest,
} from './helpers/conv-fixtures.js';
import {
  dataFor,
  kinkMargin,
  paperResidualBlock,
  pointAwayFromKinks,
  residualBlock,
  vggLike,
} from './helpers/conv-nets.js';

/**
 * Third derivatives of the loss of these composed nets along a coordinate or a unit-scale
 * direction (products of ≤ 6 unit-scale factors through two batch norms) stay below
 * NET_CURVATURE_SCALE; the differenced values (loss, gradient entries) below 10. A central
 * difference then errs by h²·C/6 + ε·10/h ≈ 1.7e-8 + 2e-10; ×10 for safety.
 */
const NET_CURVATURE_SCALE = 1e3;
const TOL_NET_FD = 10 * ((FD_STEP ** 2 * NET_CURVATURE_SCALE) / 6 + (Number.EPSILON * 10) / FD_STEP);
/**
 * Distance of every ReLU input from 0 and of every positive max-pool maximum from its runner-up:
 * a central difference moves them by h·|∂z/∂θ·d| ≲ 1e-5 · 10, twenty times less.
 */
const NET_KINK_MARGIN = 2e-3;
/** uᵀHv − vᵀHu relative to ‖u‖‖Hv‖: two float64 evaluations of the same bilinear form. */
const TOL_SYMMETRY = 1e-12;
/** WASM engine vs the reference: the same sums in other orders (see test/conv-wasm.test.ts). */
const TOL_WASM = 1e-12;
/** Lanczos (full re-orthogonalisation, Krylov dimension up to P) vs Jacobi on the dense Hessian. */
const TOL_EIGEN = 1e-9;

const NETS = [
  { name: 'VGG-like, ReLU', spec: vggLike('relu'), n: 3, seed: 100 },
  { name: 'VGG-like, tanh', spec: vggLike('tanh'), n: 3, seed: 200 },
  { name: 'residual block, 1×1 stride-2 shortcut', spec: residualBlock(), n: 3, seed: 300 },
  { name: "the paper's residual block (subsample, BN, zero channels)", spec: paperResidualBlock(), n: 3, seed: 400 },
];

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

describe.each(NETS)('$name', ({ spec, n, seed }) => {
  const data = dataFor(spec, n, seed);
  const reference = new ConvReference(spec, data);
  const { theta } = pointAwayFromKinks(reference, seed, NET_KINK_MARGIN);
  const P = reference.parameterCount;
  const rng = new Sfc32(seed, 7);
  const directions = [0, 1, 2].map(() => gaussians(rng, P));

  it('keeps every ReLU input and max-pool maximum NET_KINK_MARGIN from a kink', () => {
    expect(kinkMargin(reference, theta)).toBeGreaterThanOrEqual(NET_KINK_MARGIN);
  });

  it('reference: the full gradient matches central differences of the loss', () => {
    const { loss, gradient } = reference.gradient(theta);
    expect(loss).toBe(reference.loss(theta));
    const fd = theta.map((_, j) => {
      const at = (t: number): number => {
        const moved = Float64Array.from(theta);
        moved[j] = (moved[j] as number) + t;
        return reference.loss(moved);
      };
      return (at(FD_STEP) - at(-FD_STEP)) / (2 * FD_STEP);
    });
    expect(relativeError(gradient, fd)).toBeLessThan(TOL_NET_FD);
    expect(maxAbs(gradient)).toBeGreaterThan(1e-3);
  });

  it('reference: the HVP matches central differences of the gradient', () => {
    for (const v of directions) {
      const hv = reference.hessianVectorProduct(theta, v);
      const fd = centralDifference((t) => reference.gradient(theta.map((x, k) => x + t * (v[k] as number))).gradient);
      expect(relativeError(hv, fd)).toBeLessThan(TOL_NET_FD);
      expect(maxAbs(hv)).toBeGreaterThan(1e-3);
    }
  });

  it('reference and WASM: the HVP is symmetric, uᵀHv = vᵀHu', () => {
    const [u, v] = directions as [Float64Array, Float64Array];
    const engine = new ConvEngine(spec, data);
    for (const hvp of [
      (x: Float64Array) => reference.hessianVectorProduct(theta, x),
      (x: Float64Array) => engine.hessianVectorProduct(theta, x),
    ]) {
      const hu = hvp(u);
      const hv = hvp(v);
      expect(Math.abs(dot(u, hv) - dot(v, hu))).toBeLessThan(TOL_SYMMETRY * norm(u) * norm(hv));
    }
  });

  describe.each([
    { shards: 1, chunkRows: undefined },
    { shards: 3, chunkRows: 5 },
  ])('WASM engine, $shards shard(s)', ({ shards, chunkRows }) => {
    const engine = new ConvEngine(spec, data, { shards, chunkRows });

    it('every layer output and the loss match the reference', () => {
      const want = reference.forward(theta);
      engine
        .layerOutputs(theta)
        .forEach((y, k) => expect(relativeToLargest(y, want[k] as Float64Array), `layer ${k}`).toBeLessThan(TOL_WASM));
      const loss = reference.loss(theta);
      expect(Math.abs(engine.loss(theta) - loss) / loss).toBeLessThan(TOL_WASM);
    });

    it('the gradient and HVPs match the reference', () => {
      const { loss, gradient } = engine.gradient(theta);
      const ref = reference.gradient(theta);
      expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(TOL_WASM);
      expect(relativeToLargest(gradient, ref.gradient)).toBeLessThan(TOL_WASM);
      for (const v of directions) {
        expect(
          relativeToLargest(engine.hessianVectorProduct(theta, v), reference.hessianVectorProduct(theta, v)),
        ).toBeLessThan(TOL_WASM);
      }
      // the gradient after HVPs at the same θ is the same (the prepared passes are reused)
      expect(engine.gradient(theta).gradient).toEqual(gradient);
    });

    it('is deterministic: another engine with the same shards gives the same bits', () => {
      const again = new ConvEngine(spec, data, { shards, chunkRows });
      const v = directions[0] as Float64Array;
      expect(again.hessianVectorProduct(theta, v)).toEqual(engine.hessianVectorProduct(theta, v));
      expect(again.gradient(theta)).toEqual(engine.gradient(theta));
    });
  });

  it('dense Hessian (all parameters): symmetric, and Jacobi λmax = Lanczos over the HVP', async () => {
    const engine = new ConvEngine(spec, data);
    const H = new Float64Array(P * P);
    const e = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      e.fill(0);
      e[j] = 1;
      const column = engine.hessianVectorProduct(theta, e);
      for (let i = 0; i < P; i++) H[i * P + j] = column[i] as number;
    }
    let asymmetry = 0;
    for (let i = 0; i < P; i++)
      for (let j = 0; j < i; j++)
        asymmetry = Math.max(asymmetry, Math.abs((H[i * P + j] as number) - (H[j * P + i] as number)));
    expect(asymmetry).toBeLessThan(TOL_SYMMETRY * maxAbs(H));
    const symmetric = H.map((_, k) => 0.5 * ((H[k] as number) + (H[(k % P) * P + Math.floor(k / P)] as number)));
    const values = symmetricEigen(symmetric, P).values;
    const jacobiTop = Math.max(...values);
    const jacobiBottom = Math.min(...values);
    expect(jacobiTop).toBeGreaterThan(0);
    const batch: NetworkBatch = {
      parameterCount: P,
      shards: 1,
      precision: 'f64',
      loss: async (t) => engine.loss(t),
      gradient: async (t, out) => {
        const g = engine.gradient(t);
        out.set(g.gradient);
        return g.loss;
      },
      hvp: async (t, v, out) => out.set(engine.hessianVectorProduct(t, v)),
      close: async () => {},
    };
    const solver = new NetworkSolver(batch, { capacity: P });
    const lanczos = await solver.sharpness(theta, { tol: 1e-12, maxIterations: P });
    expect(Math.abs(lanczos.value - jacobiTop)).toBeLessThan(TOL_EIGEN * Math.max(jacobiTop, -jacobiBottom));
    // and the Ritz vector is an eigenvector of the dense matrix
    const y = lanczos.vector;
    const Hy = Float64Array.from({ length: P }, (_, i) => dot(symmetric.subarray(i * P, (i + 1) * P), y));
    expect(norm(Hy.map((x, i) => x - lanczos.value * (y[i] as number)))).toBeLessThan(1e-6 * jacobiTop);
  });
});

describe("the paper's residual block at its initialisation point γ = 0 of the branch's last batch norm", () => {
  const spec = paperResidualBlock();
  const data = dataFor(spec, 3, 500);
  const reference = new ConvReference(spec, data);
  const { theta } = pointAwayFromKinks(reference, 500, NET_KINK_MARGIN);
  const gammaOffset = (reference.layout.layers[7] as { offset: number }).offset;
  theta.fill(0, gammaOffset, gammaOffset + 4);
  const v = gaussians(new Sfc32(9, 9), reference.parameterCount);

  it('keeps the kink margin there too', () => {
    expect(kinkMargin(reference, theta)).toBeGreaterThanOrEqual(NET_KINK_MARGIN);
  });

  it('HVP = central differences of the gradient, and the engine agrees with the reference', () => {
    const hv = reference.hessianVectorProduct(theta, v);
    const fd = centralDifference((t) => reference.gradient(theta.map((x, k) => x + t * (v[k] as number))).gradient);
    expect(relativeError(hv, fd)).toBeLessThan(TOL_NET_FD);
    const engine = new ConvEngine(spec, data, { shards: 3 });
    expect(relativeToLargest(engine.gradient(theta).gradient, reference.gradient(theta).gradient)).toBeLessThan(
      TOL_WASM,
    );
    expect(relativeToLargest(engine.hessianVectorProduct(theta, v), hv)).toBeLessThan(TOL_WASM);
    // the branch's convolutions get no gradient through γ = 0, but they do get curvature
    const conv6 = reference.layout.layers[6] as { offset: number; count: number };
    const g = engine.gradient(theta).gradient.subarray(conv6.offset, conv6.offset + conv6.count);
    expect(maxAbs(g)).toBe(0);
    expect(maxAbs(hv.subarray(conv6.offset, conv6.offset + conv6.count))).toBeGreaterThan(1e-3);
  });
});

describe('initial parameters and builds', () => {
  it('θ₀: conv weights N(0, 2/(k²·c_out)), dense U(±1/√d_in), zero conv biases, γ = 1, β = 0; seeded', () => {
    const spec: ConvNetSpec = {
      input: { height: 8, width: 8, channels: 16 },
      layers: [
        { kind: 'conv', input: -1, channels: 32, kernel: 3, stride: 1, padding: 1, bias: true },
        { kind: 'batchNorm', input: 0, epsilon: 1e-5 },
        { kind: 'globalAvgPool', input: 1 },
        { kind: 'dense', input: 2, features: 10, bias: true },
      ],
    };
    const layout = layoutOf(spec);
    const theta = initialConvParameters(layout, 3);
    expect(initialConvParameters(layout, 3)).toEqual(theta);
    expect(initialConvParameters(layout, 4)).not.toEqual(theta);
    const [conv, bn, , dense] = layout.layers as [ResolvedLayer, ResolvedLayer, ResolvedLayer, ResolvedLayer];
    const weights = theta.subarray(conv.offset, conv.offset + 32 * 9 * 16);
    const variance = dot(weights, weights) / weights.length;
    // 4608 samples: the sample variance of N(0, σ²) is within 4·σ²·√(2/4608) ≈ 8 % of σ²
    expect(Math.abs(variance / (2 / (9 * 32)) - 1)).toBeLessThan(4 * Math.sqrt(2 / weights.length));
    expect(maxAbs(theta.subarray(conv.offset + weights.length, conv.offset + conv.count))).toBe(0);
    expect(Array.from(theta.subarray(bn.offset, bn.offset + 64))).toEqual([...Array(32).fill(1), ...Array(32).fill(0)]);
    const d = theta.subarray(dense.offset, dense.offset + dense.count);
    expect(maxAbs(d)).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(maxAbs(d)).toBeGreaterThan(0.8 / Math.sqrt(32));
  });

  it("the debug build (assertions on, unoptimised) gives the release build's bits", () => {
    const spec = residualBlock();
    const data = dataFor(spec, 3, 8);
    const release = new ConvEngine(spec, data, { shards: 2 });
    const debug = new ConvEngine(spec, data, { shards: 2, raw: instantiate(wasmModule('debug')) });
    const theta = release.initialParameters(2);
    const v = release.initialParameters(3);
    expect(debug.gradient(theta)).toEqual(release.gradient(theta));
    expect(debug.hessianVectorProduct(theta, v)).toEqual(release.hessianVectorProduct(theta, v));
  });
});

describe('non-finite values and bad input', () => {
  const spec = vggLike('relu');
  const data = dataFor(spec, 3, 5);
  const engine = new ConvEngine(spec, data, { shards: 3 });
  const theta = engine.initialParameters(1);

  it('NaN or ∞ in θ: the loss, gradient and HVP are not finite (data, not an exception)', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const t = Float64Array.from(theta);
      t[3] = bad;
      expect(Number.isFinite(engine.loss(t))).toBe(false);
      expect(engine.gradient(t).gradient.some((g) => !Number.isFinite(g))).toBe(true);
      expect(engine.hessianVectorProduct(t, theta).some((g) => !Number.isFinite(g))).toBe(true);
    }
    // and a finite θ afterwards is finite again
    expect(Number.isFinite(engine.loss(theta))).toBe(true);
  });

  it('NaN in v: the HVP is NaN, the gradient at θ unaffected', () => {
    const v = new Float64Array(theta.length);
    v[0] = Number.NaN;
    expect(engine.hessianVectorProduct(theta, v).some(Number.isNaN)).toBe(true);
    expect(engine.gradient(theta).gradient.every(Number.isFinite)).toBe(true);
  });

  function optionOf(f: () => unknown): string | undefined {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(EoslabError);
      return (e as EoslabError).option;
    }
    throw new Error('expected an error');
  }

  const withLayer = (k: number, change: Partial<ConvLayer>): ConvNetSpec => ({
    ...spec,
    layers: spec.layers.map((l, i) => (i === k ? ({ ...l, ...change } as ConvLayer) : l)),
  });

  it('names the offending field of a bad specification', () => {
    expect(optionOf(() => layoutOf(withLayer(0, { kernel: 0 } as Partial<ConvLayer>)))).toBe('layers[0].kernel');
    expect(optionOf(() => layoutOf(withLayer(0, { stride: 1.5 } as Partial<ConvLayer>)))).toBe('layers[0].stride');
    expect(optionOf(() => layoutOf(withLayer(0, { padding: 3 } as Partial<ConvLayer>)))).toBe('layers[0].padding');
    expect(optionOf(() => layoutOf(withLayer(1, { epsilon: 0 } as Partial<ConvLayer>)))).toBe('layers[1].epsilon');
    expect(optionOf(() => layoutOf(withLayer(2, { activation: 'sigmoid' } as unknown as Partial<ConvLayer>)))).toBe(
      'layers[2].activation',
    );
    expect(optionOf(() => layoutOf(withLayer(3, { input: 5 })))).toBe('layers[3].input');
    expect(optionOf(() => layoutOf(withLayer(8, { kind: 'pool' } as unknown as Partial<ConvLayer>)))).toBe(
      'layers[8].kind',
    );
    expect(optionOf(() => layoutOf({ ...spec, input: { height: 5, width: 4, channels: 2 } }))).toBe('layers[3].input');
    expect(optionOf(() => layoutOf({ ...spec, layers: [...spec.layers, { kind: 'add', input: 8, other: 6 }] }))).toBe(
      'layers[9].other',
    );
    expect(
      optionOf(() =>
        layoutOf({ ...spec, layers: spec.layers.slice(0, 3).concat([{ kind: 'globalAvgPool', input: 1 }]) }),
      ),
    ).toBe('layers[2]');
    expect(optionOf(() => layoutOf({ ...spec, input: { height: 0, width: 4, channels: 2 } }))).toBe('input.height');
  });

  it('names the offending argument of bad data or engine options', () => {
    const X = Float64Array.from(data.X);
    X[0] = Number.NaN;
    expect(optionOf(() => new ConvEngine(spec, { ...data, X }))).toBe('X');
    expect(optionOf(() => new ConvEngine(spec, { ...data, Y: data.Y.subarray(1) }))).toBe('Y');
    expect(optionOf(() => new ConvEngine(spec, { ...data, n: 0 }))).toBe('n');
    expect(optionOf(() => new ConvEngine(spec, data, { shards: 4 }))).toBe('shards');
    expect(optionOf(() => new ConvEngine(spec, data, { chunkRows: 0 }))).toBe('chunkRows');
    expect(optionOf(() => engine.gradient(theta.subarray(1)))).toBe('theta');
    expect(optionOf(() => engine.hessianVectorProduct(theta, theta.subarray(1)))).toBe('v');
    const huge = { ...spec, input: { height: 4096, width: 4096, channels: 2 } };
    expect(optionOf(() => new ConvEngine(huge, { n: 1, X: new Float64Array(0), Y: new Float64Array(3) }))).toBe('n');
  });
});
