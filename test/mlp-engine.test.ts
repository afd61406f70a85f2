/**
 * The MLP engine (model.md §5) against independent references: a plain TypeScript forward pass for
 * the loss, central finite differences of the loss for the gradient and of the gradient for the
 * Hessian-vector product (Pearlmutter's R-operator), for every activation; hardtanh/ReLU at points
 * whose hidden pre-activations stay a named margin away from the kinks.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, MlpEngine, type Activation, type MlpData, type MlpShape } from '../src/engines/mlp.js';
import { Sfc32 } from '../src/base/random.js';

/** Tolerances, named. */
const TOL_REFERENCE = 1e-12; // kernel loss vs the plain TypeScript forward pass, relative
const FD_STEP = 1e-5; // central-difference step
const TOL_GRADIENT_FD = 1e-7; // ‖g − g_fd‖∞ / (‖g‖∞ + 1e-3): O(h²) + O(ε/h)
const TOL_HVP_FD = 1e-6; // ‖Hv − (g(θ+hv) − g(θ−hv))/2h‖∞ relative, same orders
const TOL_SYMMETRY = 1e-12; // uᵀHv − vᵀHu relative to |u||H||v| scale (exact up to rounding)
const KINK_MARGIN = 0.05; // hardtanh/ReLU: every hidden pre-activation at least this far from a kink
const TOL_DIRECTIONAL = 1e-6; // default size: gᵀv and vᵀHv vs finite differences, relative

const TINY: Omit<MlpShape, 'activation'> = { input: 5, hidden: [4, 3], output: 2 };
const TINY_N = 7;

function gaussianArray(rng: Sfc32, length: number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => scale * rng.gaussian());
}

function makeData(shape: Omit<MlpShape, 'activation'>, n: number, seed: number): MlpData {
  const rng = new Sfc32(seed, 1);
  const X = gaussianArray(rng, n * shape.input);
  const Y = new Float64Array(n * shape.output);
  for (let i = 0; i < n; i++) Y[i * shape.output + Math.floor(rng.uniform() * shape.output)] = 1;
  return { n, X, Y };
}

const SIGMA: Record<Activation, (z: number) => number> = {
  tanh: Math.tanh,
  hardtanh: (z) => Math.min(1, Math.max(-1, z)),
  relu: (z) => Math.max(0, z),
  elu: (z) => (z > 0 ? z : Math.expm1(z)),
  softplus: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
};

/** Plain TypeScript forward pass: loss and every hidden pre-activation. */
function referenceForward(
  sizes: readonly number[],
  activation: Activation,
  data: MlpData,
  theta: Float64Array,
): { loss: number; preActivations: number[] } {
  const L = sizes.length - 1;
  const pre: number[] = [];
  let loss = 0;
  for (let i = 0; i < data.n; i++) {
    let a = Array.from(data.X.subarray(i * sizes[0]!, (i + 1) * sizes[0]!));
    let off = 0;
    for (let l = 1; l <= L; l++) {
      const din = sizes[l - 1]!;
      const dout = sizes[l]!;
      const z = new Array<number>(dout);
      for (let j = 0; j < dout; j++) {
        let s = theta[off + dout * din + j]!;
        for (let k = 0; k < din; k++) s += theta[off + j * din + k]! * a[k]!;
        z[j] = s;
      }
      off += dout * (din + 1);
      if (l < L) {
        pre.push(...z);
        a = z.map(SIGMA[activation]);
      } else {
        for (let j = 0; j < dout; j++) loss += 0.5 * (z[j]! - data.Y[i * dout + j]!) ** 2;
      }
    }
  }
  return { loss: loss / data.n, preActivations: pre };
}

function kinkDistance(activation: Activation, pre: number[]): number {
  if (activation === 'relu') return Math.min(...pre.map(Math.abs));
  if (activation === 'hardtanh') return Math.min(...pre.map((z) => Math.abs(Math.abs(z) - 1)));
  return Infinity;
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function dotp(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function shifted(theta: Float64Array, v: ArrayLike<number>, h: number): Float64Array {
  return theta.map((t, i) => t + h * v[i]!);
}

function fdGradient(engine: MlpEngine, theta: Float64Array): Float64Array {
  const g = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const p = theta.slice();
    const m = theta.slice();
    p[i]! += FD_STEP;
    m[i]! -= FD_STEP;
    g[i] = (engine.loss(p) - engine.loss(m)) / (2 * FD_STEP);
  }
  return g;
}

function fdHvp(engine: MlpEngine, theta: Float64Array, v: Float64Array): Float64Array {
  const gp = engine.gradient(shifted(theta, v, FD_STEP)).gradient;
  const gm = engine.gradient(shifted(theta, v, -FD_STEP)).gradient;
  return gp.map((x, i) => (x - gm[i]!) / (2 * FD_STEP));
}

/**
 * A tiny problem for `activation`: seeded data and θ (θ scaled up so tanh/softplus curvature
 * matters); for hardtanh/ReLU the first seed whose pre-activations clear KINK_MARGIN.
 */
function tinyProblem(activation: Activation): {
  engine: MlpEngine;
  theta: Float64Array;
  data: MlpData;
  margin: number;
} {
  const shape: MlpShape = { ...TINY, activation };
  for (let seed = 1; seed < 5000; seed++) {
    const data = makeData(shape, TINY_N, seed);
    const engine = new MlpEngine(shape, data);
    const theta = engine.initialParameters(seed).map((t) => 2 * t);
    const sizes = [shape.input, ...shape.hidden, shape.output];
    const margin = kinkDistance(activation, referenceForward(sizes, activation, data, theta).preActivations);
    if (margin > KINK_MARGIN) return { engine, theta, data, margin };
  }
  throw new Error(`no seed clears the kink margin for ${activation}`);
}

describe('MlpEngine: shape and validation', () => {
  it('counts parameters and lays θ out as [W1, b1, W2, b2, W3, b3]', () => {
    const engine = new MlpEngine({ ...TINY, activation: 'tanh' }, makeData(TINY, TINY_N, 1));
    expect(engine.parameterCount).toBe(4 * 6 + 3 * 5 + 2 * 4);
    expect(engine.layerOffsets()).toEqual([
      { weights: 0, bias: 20, rows: 4, columns: 5 },
      { weights: 24, bias: 36, rows: 3, columns: 4 },
      { weights: 39, bias: 45, rows: 2, columns: 3 },
    ]);
  });

  it('initialParameters is seeded and bounded by 1/√fan_in', () => {
    const engine = new MlpEngine({ ...TINY, activation: 'tanh' }, makeData(TINY, TINY_N, 1));
    const a = engine.initialParameters(3);
    expect(engine.initialParameters(3)).toEqual(a);
    expect(engine.initialParameters(4)).not.toEqual(a);
    for (const { weights, rows, columns } of engine.layerOffsets()) {
      const block = a.subarray(weights, weights + rows * (columns + 1));
      expect(maxAbs(block)).toBeLessThanOrEqual(1 / Math.sqrt(columns));
    }
  });

  it('rejects bad input with E_OPTION errors', () => {
    const data = makeData(TINY, TINY_N, 1);
    const bad = (f: () => unknown, option: string) =>
      expect(f).toThrow(expect.objectContaining({ code: 'E_OPTION', option }));
    bad(() => new MlpEngine({ ...TINY, activation: 'sigmoid' as Activation }, data), 'activation');
    bad(() => new MlpEngine({ ...TINY, hidden: [4, 0], activation: 'tanh' }, data), 'hidden');
    bad(() => new MlpEngine({ ...TINY, input: 6, activation: 'tanh' }, data), 'X');
    bad(() => new MlpEngine({ ...TINY, activation: 'tanh' }, { ...data, Y: new Float64Array(3) }), 'Y');
    bad(() => new MlpEngine({ ...TINY, activation: 'tanh' }, { ...data, n: 0 }), 'n');
    const engine = new MlpEngine({ ...TINY, activation: 'tanh' }, data);
    const theta = engine.initialParameters(1);
    bad(() => engine.loss(new Float64Array(3)), 'theta');
    bad(() => engine.hessianVectorProduct(theta, new Float64Array(3)), 'v');
    for (const eta of [0, -0.1, Number.NaN, Infinity]) bad(() => engine.gdStep(theta, eta), 'eta');
  });
});

describe.each(ACTIVATIONS)('MlpEngine %s on 5 → 4 → 3 → 2, n = 7', (activation) => {
  const { engine, theta, data, margin } = tinyProblem(activation);
  const sizes = [TINY.input, ...TINY.hidden, TINY.output];

  it('keeps hidden pre-activations away from the kinks', () => {
    expect(margin).toBeGreaterThan(KINK_MARGIN);
  });

  it('loss matches a plain TypeScript forward pass', () => {
    const ref = referenceForward(sizes, activation, data, theta).loss;
    expect(Math.abs(engine.loss(theta) - ref)).toBeLessThanOrEqual(TOL_REFERENCE * ref);
  });

  it('gradient matches central finite differences; gdStep = θ − η∇L', () => {
    const { loss, gradient } = engine.gradient(theta);
    expect(loss).toBe(engine.loss(theta));
    const fd = fdGradient(engine, theta);
    expect(maxAbsDiff(gradient, fd)).toBeLessThanOrEqual(TOL_GRADIENT_FD * (maxAbs(gradient) + 1e-3));
    const eta = 0.3;
    expect(engine.gdStep(theta, eta)).toEqual(theta.map((t, i) => t - eta * gradient[i]!));
  });

  it('Hessian-vector product matches finite differences of the gradient, and is symmetric', () => {
    const rng = new Sfc32(11, 2);
    const u = gaussianArray(rng, engine.parameterCount);
    const v = gaussianArray(rng, engine.parameterCount);
    const hv = engine.hessianVectorProduct(theta, v);
    const hu = engine.hessianVectorProduct(theta, u);
    expect(maxAbsDiff(hv, fdHvp(engine, theta, v))).toBeLessThanOrEqual(TOL_HVP_FD * (maxAbs(hv) + 1e-3));
    const scale = Math.sqrt(dotp(u, u) * dotp(hv, hv));
    expect(Math.abs(dotp(u, hv) - dotp(v, hu))).toBeLessThanOrEqual(TOL_SYMMETRY * scale);
  });

  it('dense Hessian from HVPs is symmetric and matches finite differences column by column', () => {
    const P = engine.parameterCount;
    const H = new Float64Array(P * P);
    const e = new Float64Array(P);
    let worst = 0;
    let scale = 0;
    for (let j = 0; j < P; j++) {
      e.fill(0);
      e[j] = 1;
      const col = engine.hessianVectorProduct(theta, e);
      H.set(col, j * P);
      worst = Math.max(worst, maxAbsDiff(col, fdHvp(engine, theta, e)));
      scale = Math.max(scale, maxAbs(col));
    }
    expect(worst).toBeLessThanOrEqual(TOL_HVP_FD * (scale + 1e-3));
    let asym = 0;
    for (let i = 0; i < P; i++)
      for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i * P + j]! - H[j * P + i]!));
    expect(asym).toBeLessThanOrEqual(TOL_SYMMETRY * scale);
    // The output bias enters linearly with ∂f/∂b3 = I: ∂²L/∂b3ⱼ² = (1/n)·Σᵢ 1 = 1 for every σ.
    const b3 = engine.layerOffsets()[2]!.bias;
    expect(H[b3 * P + b3]).toBeCloseTo(1, 12);
  });
});

describe('MlpEngine on a medium network (every blocked SIMD path: K > 128, n > 64, widths ≥ 8, odd edges)', () => {
  const shape: MlpShape = { input: 150, hidden: [17, 9], output: 3, activation: 'tanh' };
  const data = makeData(shape, 67, 5);
  const engine = new MlpEngine(shape, data);
  const theta = engine.initialParameters(5).map((t) => 1.5 * t);

  it('loss, gradient and HVP match the references', () => {
    const ref = referenceForward([150, 17, 9, 3], 'tanh', data, theta).loss;
    expect(Math.abs(engine.loss(theta) - ref)).toBeLessThanOrEqual(TOL_REFERENCE * ref);
    const { gradient } = engine.gradient(theta);
    expect(maxAbsDiff(gradient, fdGradient(engine, theta))).toBeLessThanOrEqual(
      TOL_GRADIENT_FD * (maxAbs(gradient) + 1e-3),
    );
    const v = gaussianArray(new Sfc32(8, 3), engine.parameterCount);
    const hv = engine.hessianVectorProduct(theta, v);
    expect(maxAbsDiff(hv, fdHvp(engine, theta, v))).toBeLessThanOrEqual(TOL_HVP_FD * (maxAbs(hv) + 1e-3));
  });
});

describe('MlpEngine at the default size 784 → 200 → 200 → 10, n = 20', () => {
  it.each(ACTIVATIONS)('%s: gradient and HVP are finite and agree with directional differences', (activation) => {
    const shape: MlpShape = { input: 784, hidden: [200, 200], output: 10, activation };
    const engine = new MlpEngine(shape, makeData(shape, 20, 9));
    expect(engine.parameterCount).toBe(200 * 785 + 200 * 201 + 10 * 201);
    const theta = engine.initialParameters(9);
    const v = gaussianArray(new Sfc32(10, 4), engine.parameterCount, 1e-2);
    const { loss, gradient } = engine.gradient(theta);
    const hv = engine.hessianVectorProduct(theta, v);
    expect(Number.isFinite(loss)).toBe(true);
    expect(gradient.every(Number.isFinite)).toBe(true);
    expect(hv.every(Number.isFinite)).toBe(true);
    // gᵀv vs (L(θ+hv) − L(θ−hv))/2h and vᵀHv vs vᵀ(g(θ+hv) − g(θ−hv))/2h.
    const gv = dotp(gradient, v);
    const fdGv = (engine.loss(shifted(theta, v, FD_STEP)) - engine.loss(shifted(theta, v, -FD_STEP))) / (2 * FD_STEP);
    expect(Math.abs(gv - fdGv)).toBeLessThanOrEqual(TOL_DIRECTIONAL * (Math.abs(gv) + 1e-6));
    const vhv = dotp(v, hv);
    const fdVhv = dotp(v, fdHvp(engine, theta, v));
    expect(Math.abs(vhv - fdVhv)).toBeLessThanOrEqual(TOL_DIRECTIONAL * (Math.abs(vhv) + 1e-6));
  });
});
