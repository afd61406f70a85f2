/**
 * The plain-JavaScript MLP reference (model.md §5) against central finite differences: the gradient
 * against differences of the loss, the Hessian-vector product (Pearlmutter R-op) against
 * differences of the gradient, for every activation, on tiny networks. hardtanh and ReLU are tested
 * away from their kinks: every hidden pre-activation keeps a stated margin from them, asserted.
 */
import { describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import {
  MLP_ACTIVATIONS,
  type MlpActivation,
  type MlpBatch,
  type MlpShape,
  mlpLayers,
  mlpParameterCount,
  referenceForward,
  referenceGdStep,
  referenceGradient,
  referenceHessianVectorProduct,
  referenceLoss,
} from './helpers/mlp-reference.js';
import { rng } from './helpers/reference.js';

/** Tolerances, named. */
const H = 1e-5; // central-difference step
const TOL_FINITE_DIFFERENCE = 1e-7; // O(h²) + O(ε/h), relative to the largest entry (or 1)
const TOL_SYMMETRY = 1e-12; // uᵀHv vs vᵀHu, relative
const TOL_EXACT_ROUTE = 1e-13; // the same quantity evaluated another way, relative
const KINK_MARGIN = 0.02; // min distance of hidden pre-activations from a kink (|z|·1e-3 ≫ h-perturbations)

function gaussians(count: number, random: () => number, scale = 1): Float64Array {
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    out[k] = scale * r * Math.cos(2 * Math.PI * random());
  }
  return out;
}

interface Problem {
  shape: MlpShape;
  data: MlpBatch;
  theta: Float64Array;
  seed: number;
}

function makeProblem(shape: MlpShape, n: number, seed: number): Problem {
  const random = rng(seed);
  const X = gaussians(n * shape.input, random);
  const Y = gaussians(n * shape.output, random, 0.5);
  const theta = gaussians(mlpParameterCount(shape), random, 0.8);
  return { shape, data: { n, X, Y }, theta, seed };
}

/** Smallest distance of any hidden pre-activation from a kink of the activation (∞ if smooth). */
function kinkMargin(p: Problem): number {
  const kinks = p.shape.activation === 'relu' ? [0] : p.shape.activation === 'hardtanh' ? [-1, 1] : [];
  if (kinks.length === 0) return Infinity;
  const { Z } = referenceForward(p.shape, p.data, p.theta);
  let margin = Infinity;
  for (const z of Z.slice(0, -1)) for (const x of z) for (const k of kinks) margin = Math.min(margin, Math.abs(x - k));
  return margin;
}

/** Fraction of hidden pre-activations on the "linear" piece (|z| < 1 for hardtanh, z > 0 for ReLU). */
function linearFraction(p: Problem): number {
  const { Z } = referenceForward(p.shape, p.data, p.theta);
  let inside = 0;
  let total = 0;
  for (const z of Z.slice(0, -1)) {
    for (const x of z) {
      total++;
      if (p.shape.activation === 'relu' ? x > 0 : Math.abs(x) < 1) inside++;
    }
  }
  return inside / total;
}

/** The first seed from `start` whose problem keeps the kink margin (deterministic). */
function problemAwayFromKinks(shape: MlpShape, n: number, start: number): Problem {
  for (let seed = start; seed < start + 200; seed++) {
    const p = makeProblem(shape, n, seed);
    if (kinkMargin(p) >= KINK_MARGIN) return p;
  }
  throw new Error('no seed keeps the kink margin');
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] as number));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs((a[k] as number) - (b[k] as number)));
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] as number) * (b[k] as number);
  return s;
}

const ARCHITECTURES: readonly { input: number; hidden: readonly number[]; output: number; n: number }[] = [
  { input: 5, hidden: [4, 3], output: 3, n: 6 },
  { input: 4, hidden: [3, 3, 2], output: 2, n: 5 },
  { input: 3, hidden: [], output: 2, n: 4 },
];

describe.each(MLP_ACTIVATIONS.map((activation) => ({ activation })))(
  'reference MLP, $activation',
  ({ activation }: { activation: MlpActivation }) => {
    describe.each(ARCHITECTURES.map((a, i) => ({ ...a, i, label: [a.input, ...a.hidden, a.output].join('→') })))(
      '$label',
      ({ input, hidden, output, n, i }) => {
        const shape: MlpShape = { input, hidden, output, activation };
        const p = problemAwayFromKinks(shape, n, 1000 * (i + 1));

        it('keeps hidden pre-activations away from kinks (and uses both pieces)', () => {
          expect(kinkMargin(p)).toBeGreaterThanOrEqual(KINK_MARGIN);
          if (hidden.length > 0 && (activation === 'relu' || activation === 'hardtanh')) {
            const f = linearFraction(p);
            expect(f).toBeGreaterThan(0);
            expect(f).toBeLessThan(1);
          }
        });

        it('gradient matches central differences of the loss', () => {
          const { loss, gradient } = referenceGradient(shape, p.data, p.theta);
          expect(loss).toBe(referenceLoss(shape, p.data, p.theta));
          const fd = new Float64Array(p.theta.length);
          for (let k = 0; k < p.theta.length; k++) {
            const plus = Float64Array.from(p.theta);
            const minus = Float64Array.from(p.theta);
            plus[k] = (plus[k] as number) + H;
            minus[k] = (minus[k] as number) - H;
            fd[k] = (referenceLoss(shape, p.data, plus) - referenceLoss(shape, p.data, minus)) / (2 * H);
          }
          expect(maxAbsDiff(gradient, fd)).toBeLessThan(TOL_FINITE_DIFFERENCE * Math.max(1, maxAbs(fd)));
          expect(maxAbs(gradient)).toBeGreaterThan(0);
        });

        it('Hessian-vector product matches central differences of the gradient', () => {
          const random = rng(p.seed + 7);
          for (let trial = 0; trial < 3; trial++) {
            const v = gaussians(p.theta.length, random);
            const hv = referenceHessianVectorProduct(shape, p.data, p.theta, v);
            const plus = Float64Array.from(p.theta, (t, k) => t + H * (v[k] as number));
            const minus = Float64Array.from(p.theta, (t, k) => t - H * (v[k] as number));
            const gPlus = referenceGradient(shape, p.data, plus).gradient;
            const gMinus = referenceGradient(shape, p.data, minus).gradient;
            const fd = Float64Array.from(gPlus, (g, k) => (g - (gMinus[k] as number)) / (2 * H));
            expect(maxAbsDiff(hv, fd)).toBeLessThan(TOL_FINITE_DIFFERENCE * Math.max(1, maxAbs(fd)));
            expect(maxAbs(hv)).toBeGreaterThan(0);
          }
        });

        it('Hessian-vector product is symmetric (uᵀHv = vᵀHu) and linear in v', () => {
          const random = rng(p.seed + 11);
          const u = gaussians(p.theta.length, random);
          const v = gaussians(p.theta.length, random);
          const hu = referenceHessianVectorProduct(shape, p.data, p.theta, u);
          const hv = referenceHessianVectorProduct(shape, p.data, p.theta, v);
          const uHv = dot(u, hv);
          const vHu = dot(v, hu);
          expect(Math.abs(uHv - vHu)).toBeLessThan(TOL_SYMMETRY * Math.max(1, Math.abs(uHv)));
          const w = Float64Array.from(u, (x, k) => 2 * x - 3 * (v[k] as number));
          const hw = referenceHessianVectorProduct(shape, p.data, p.theta, w);
          const combo = Float64Array.from(hu, (x, k) => 2 * x - 3 * (hv[k] as number));
          expect(maxAbsDiff(hw, combo)).toBeLessThan(TOL_EXACT_ROUTE * 100 * Math.max(1, maxAbs(combo)));
        });
      },
    );
  },
);

describe('reference MLP: layout, loss, GD step, validation', () => {
  const shape: MlpShape = { input: 3, hidden: [4, 2], output: 2, activation: 'tanh' };

  it('lays θ out as W1, b1, W2, b2, …', () => {
    expect(mlpParameterCount(shape)).toBe(4 * 3 + 4 + 2 * 4 + 2 + 2 * 2 + 2);
    expect(mlpLayers(shape)).toEqual([
      { rows: 4, cols: 3, weights: 0, biases: 12 },
      { rows: 2, cols: 4, weights: 16, biases: 24 },
      { rows: 2, cols: 2, weights: 26, biases: 30 },
    ]);
  });

  it('computes L = (1/n) Σ ½‖f(x) − y‖² (hand-checkable case: only output biases)', () => {
    const data: MlpBatch = {
      n: 2,
      X: Float64Array.from([1, 2, 3, -1, 0, 4]),
      Y: Float64Array.from([1, 0, 0, 1]),
    };
    const theta = new Float64Array(mlpParameterCount(shape));
    theta[30] = 0.5;
    theta[31] = -1;
    // f ≡ (0.5, −1): sample 1: ½(0.25 + 1) = 0.625; sample 2: ½(0.25 + 4) = 2.125; mean 1.375
    expect(referenceLoss(shape, data, theta)).toBeCloseTo(1.375, 15);
    const { gradient } = referenceGradient(shape, data, theta);
    // ∂L/∂b_last = mean(f − y) = ((−0.5, −1) + (0.5, −2))/2 = (0, −1.5)
    expect(gradient[30]).toBeCloseTo(0, 15);
    expect(gradient[31]).toBeCloseTo(-1.5, 15);
  });

  it('takes a GD step θ − η∇L, into a new array or in place', () => {
    const p = makeProblem(shape, 5, 42);
    const { loss, gradient } = referenceGradient(shape, p.data, p.theta);
    const step = referenceGdStep(shape, p.data, p.theta, 0.1);
    expect(step.loss).toBe(loss);
    expect(Array.from(step.theta)).toEqual(Array.from(p.theta, (t, k) => t - 0.1 * (gradient[k] as number)));
    const inPlace = Float64Array.from(p.theta);
    const result = referenceGdStep(shape, p.data, inPlace, 0.1, inPlace);
    expect(result.theta).toBe(inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(step.theta));
    // a small step decreases the loss
    expect(referenceLoss(shape, p.data, referenceGdStep(shape, p.data, p.theta, 1e-3).theta)).toBeLessThan(loss);
  });

  function errorOf(f: () => unknown): EoslabError {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(EoslabError);
      return e as EoslabError;
    }
    throw new Error('expected an error');
  }

  it('names the offending option in errors', () => {
    const p = makeProblem(shape, 3, 1);
    const bad = { ...shape, activation: 'sigmoid' as MlpActivation };
    expect(errorOf(() => referenceLoss(bad, p.data, p.theta)).option).toBe('activation');
    expect(errorOf(() => referenceLoss({ ...shape, hidden: [4, 0] }, p.data, p.theta)).option).toBe('hidden');
    expect(errorOf(() => referenceLoss(shape, p.data, p.theta.subarray(1))).option).toBe('theta');
    expect(errorOf(() => referenceLoss(shape, { ...p.data, n: 4 }, p.theta)).option).toBe('X');
    expect(errorOf(() => referenceHessianVectorProduct(shape, p.data, p.theta, new Float64Array(3))).option).toBe('v');
    expect(errorOf(() => referenceGdStep(shape, p.data, p.theta, 0)).option).toBe('eta');
    expect(errorOf(() => referenceGdStep(shape, p.data, p.theta, Number.NaN)).option).toBe('eta');
  });
});
