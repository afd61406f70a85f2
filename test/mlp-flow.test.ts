/**
 * The MLP's sharpness and GFS machinery (model.md §5) against independent references:
 * - Lanczos with full re-orthogonalisation (assembly/linalg/lanczos.ts over the WASM HVP) against
 *   cyclic Jacobi on the dense Hessian assembled column by column from the plain-TypeScript
 *   R-operator of test/helpers/mlp-reference.ts, for every activation, cold and warm started;
 * - the RK4 step kernel against a plain-TypeScript RK4 over the reference gradient, and its order
 *   of convergence measured on a smooth (tanh, softplus) network: error(h)/error(h/2) ≈ 2⁴;
 * - the gradient flow's statuses (converged, max-steps, non-finite) and φ against Jacobi at the
 *   flow's end.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, MlpEngine, type Activation, type MlpData } from '../src/engines/mlp.js';
import { LocalBatch } from '../src/engines/mlpBatch.js';
import { MlpSolver } from '../src/engines/mlpSolver.js';
import { referenceGradient, referenceHessianVectorProduct } from './helpers/mlp-reference.js';
import { Sfc32 } from '../src/base/random.js';
import { jacobiMaxEigenvalue } from './helpers/fig3-reference.js';

const TOL_EIGEN = 1e-9; // Lanczos λmax vs dense Jacobi, relative (Lanczos stops at residual 1e-6: error ~ residual²/gap)
const TOL_RITZ = 1e-5; // ‖Hy − θy‖/|θ| of the returned Ritz vector (stopping tolerance 1e-6, rounding)
const TOL_RK4_STEP = 1e-12; // WASM RK4 step vs the TypeScript RK4, relative ∞-norm (operation order only)
const ORDER_BAND = [3.8, 4.2] as const; // observed convergence order of RK4 (theory: 4)
const TOL_PHI = 1e-8; // φ of gfsSharpness vs dense Jacobi at the flow's end, relative

const SHAPE = { input: 6, hidden: [5, 4], output: 3 } as const;
const N = 9;

function makeData(seed: number): MlpData {
  const rng = new Sfc32(seed, 1);
  const X = Float64Array.from({ length: N * SHAPE.input }, () => rng.gaussian());
  const Y = new Float64Array(N * SHAPE.output);
  for (let i = 0; i < N; i++) Y[i * SHAPE.output + (i % SHAPE.output)] = 1;
  return { n: N, X, Y };
}

function engineFor(
  activation: Activation,
  seed = 3,
): { engine: MlpEngine; solver: MlpSolver; data: MlpData; theta: Float64Array } {
  const data = makeData(seed);
  const engine = new MlpEngine({ ...SHAPE, activation }, data);
  // The calling-thread batch with 3 shards of 3 rows: the solver sums shards as on the pool.
  const solver = new MlpSolver(LocalBatch.of(engine, 3));
  // Larger-than-default weights so that the Hessian is far from a Gauss–Newton matrix.
  const theta = engine.initialParameters(seed).map((x) => 2 * x);
  return { engine, solver, data, theta };
}

function denseHessian(activation: Activation, data: MlpData, theta: Float64Array): Float64Array {
  const P = theta.length;
  const H = new Float64Array(P * P);
  const e = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    e.fill(0);
    e[j] = 1;
    const col = referenceHessianVectorProduct({ ...SHAPE, activation }, data, theta, e);
    for (let i = 0; i < P; i++) H[i * P + j] = col[i] as number;
  }
  // Symmetrise (the columns are exact up to rounding).
  for (let i = 0; i < P; i++) {
    for (let j = i + 1; j < P; j++) {
      const m = 0.5 * ((H[i * P + j] as number) + (H[j * P + i] as number));
      H[i * P + j] = m;
      H[j * P + i] = m;
    }
  }
  return H;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

describe('Lanczos (full re-orthogonalisation) vs dense Jacobi on a tiny network', () => {
  for (const activation of ACTIVATIONS) {
    it(`${activation}: λmax and its Ritz vector`, async () => {
      const { engine, solver, data, theta } = engineFor(activation);
      const H = denseHessian(activation, data, theta);
      const exact = jacobiMaxEigenvalue(H, theta.length);
      const r = await solver.sharpness(theta, { tol: 1e-6 });
      expect(r.converged).toBe(true);
      expect(Math.abs(r.value - exact) / Math.abs(exact)).toBeLessThan(TOL_EIGEN);
      // The Ritz vector is an eigenvector: ‖Hy − θy‖ small, ‖y‖ = 1.
      const Hy = engine.hessianVectorProduct(theta, r.vector);
      let res = 0;
      let norm = 0;
      for (let i = 0; i < Hy.length; i++) {
        res += ((Hy[i] as number) - r.value * (r.vector[i] as number)) ** 2;
        norm += (r.vector[i] as number) ** 2;
      }
      expect(Math.abs(Math.sqrt(norm) - 1)).toBeLessThan(1e-12);
      expect(Math.sqrt(res) / Math.abs(r.value)).toBeLessThan(TOL_RITZ);
    });
  }

  it('a warm start from the top eigenvector converges in fewer products, to the same value', async () => {
    const { solver, theta } = engineFor('tanh');
    const cold = await solver.sharpness(theta, { tol: 1e-6 });
    const warm = await solver.sharpness(theta, { tol: 1e-6, start: cold.vector });
    expect(warm.iterations).toBeLessThan(cold.iterations);
    expect(Math.abs(warm.value - cold.value) / cold.value).toBeLessThan(TOL_EIGEN);
  });

  it('is deterministic and stops at maxIterations with converged = false', async () => {
    const { solver, theta } = engineFor('softplus');
    const a = await solver.sharpness(theta, { tol: 1e-14, maxIterations: 3 });
    const b = await solver.sharpness(theta, { tol: 1e-14, maxIterations: 3 });
    expect(a.iterations).toBe(3);
    expect(a.converged).toBe(false);
    expect(a.value).toBe(b.value);
  });

  it('the full Krylov space (P products) gives the exact λmax; more is capped at P', async () => {
    const { solver, data, theta } = engineFor('elu');
    const exact = jacobiMaxEigenvalue(denseHessian('elu', data, theta), theta.length);
    const r = await solver.sharpness(theta, { tol: 1e-300, maxIterations: 10 * theta.length });
    expect(r.iterations).toBeLessThanOrEqual(theta.length);
    expect(Math.abs(r.value - exact) / exact).toBeLessThan(TOL_EIGEN);
  });

  it('non-finite parameters give NaN, not an exception', async () => {
    const { solver, theta } = engineFor('tanh');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const t = theta.slice();
      t[7] = bad;
      const r = await solver.sharpness(t);
      expect(r.value).toBeNaN();
      expect(r.converged).toBe(false);
    }
  });

  it('rejects bad options by name', async () => {
    const { solver, theta } = engineFor('tanh');
    await expect(solver.sharpness(theta, { tol: 0 })).rejects.toThrow(/tol/);
    await expect(solver.sharpness(theta, { tol: Number.NaN })).rejects.toThrow(/tol/);
    await expect(solver.sharpness(theta, { maxIterations: 0 })).rejects.toThrow(/maxIterations/);
    await expect(solver.sharpness(theta, { start: new Float64Array(3) })).rejects.toThrow(/start/);
  });
});

/** One RK4 step in plain TypeScript over the reference gradient. */
function referenceRk4(activation: Activation, data: MlpData, theta: Float64Array, h: number): Float64Array {
  const shape = { ...SHAPE, activation };
  const g = (t: Float64Array): Float64Array => referenceGradient(shape, data, t).gradient;
  const shift = (t: Float64Array, k: Float64Array, c: number): Float64Array =>
    t.map((x, i) => x - c * (k[i] as number));
  const k1 = g(theta);
  const k2 = g(shift(theta, k1, h / 2));
  const k3 = g(shift(theta, k2, h / 2));
  const k4 = g(shift(theta, k3, h));
  return theta.map(
    (x, i) => x - (h / 6) * ((k1[i] as number) + 2 * (k2[i] as number) + 2 * (k3[i] as number) + (k4[i] as number)),
  );
}

describe('RK4 gradient flow step', () => {
  it('one step equals a plain TypeScript RK4 over the reference gradient', async () => {
    for (const activation of ACTIVATIONS) {
      const { solver, data, theta } = engineFor(activation, 5);
      const h = 0.05;
      const ours = await solver.rk4Step(theta, h);
      const ref = referenceRk4(activation, data, theta, h);
      expect(maxAbsDiff(ours.theta, ref) / maxAbs(ref)).toBeLessThan(TOL_RK4_STEP);
      expect(ours.loss).toBeCloseTo(await solver.loss(theta), 14);
    }
  });

  for (const activation of ['tanh', 'softplus'] as const) {
    it(`${activation}: order of convergence ≈ 4 (errors at T = 1 for h = 1/16 … 1/128 against h = 1/2048)`, async () => {
      const { solver, theta } = engineFor(activation, 11);
      const T = 1;
      const integrate = async (steps: number): Promise<Float64Array> => {
        let t = theta;
        for (let k = 0; k < steps; k++) t = (await solver.rk4Step(t, T / steps)).theta;
        return t;
      };
      const reference = await integrate(2048);
      const errors: number[] = [];
      for (const steps of [16, 32, 64, 128]) errors.push(maxAbsDiff(await integrate(steps), reference));
      const orders = errors.slice(1).map((e, i) => Math.log2((errors[i] as number) / e));
      for (const p of orders) {
        expect(p).toBeGreaterThan(ORDER_BAND[0]);
        expect(p).toBeLessThan(ORDER_BAND[1]);
      }
      // The flow actually moved (the test is not measuring rounding noise).
      expect(maxAbsDiff(reference, theta)).toBeGreaterThan(1e-2);
      expect(errors[3]).toBeGreaterThan(1e-13);
    });
  }

  it('rejects h ≤ 0 and a wrongly sized θ', async () => {
    const { solver, theta } = engineFor('tanh');
    await expect(solver.rk4Step(theta, 0)).rejects.toThrow(/h/);
    await expect(solver.rk4Step(theta, -1)).rejects.toThrow(/h/);
    await expect(solver.rk4Step(new Float64Array(2), 0.1)).rejects.toThrow(/theta/);
  });
});

describe('gradient flow to the GFS and its sharpness', () => {
  it('reaches the loss threshold, decreasing the loss, with h = α/S', async () => {
    const { solver, theta } = engineFor('tanh', 7);
    const start = await solver.loss(theta);
    const losses: number[] = [];
    const r = await solver.gradientFlow(theta, {
      lossThreshold: 1e-4,
      maxSteps: 20_000,
      onStep: (_, l) => losses.push(l),
    });
    expect(r.status).toBe('converged');
    expect(r.loss).toBeLessThan(1e-4);
    expect(await solver.loss(r.theta)).toBe(r.loss);
    expect(r.steps).toBe(losses.length);
    expect(r.steps).toBeGreaterThan(10);
    expect(losses[0]).toBe(start);
    // Gradient flow decreases the loss monotonically; RK4 at h = 1/S keeps that.
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 1] as number);
    expect(r.time).toBeGreaterThan(0);
    expect(r.hvps).toBeGreaterThan(0);
  });

  it('a start already below the threshold takes no step', async () => {
    const { solver, theta } = engineFor('tanh', 7);
    const r = await solver.gradientFlow(theta, { lossThreshold: 1e6 });
    expect(r.status).toBe('converged');
    expect(r.steps).toBe(0);
    expect(Array.from(r.theta)).toEqual(Array.from(theta));
  });

  it('the step budget gives status max-steps with the last iterate', async () => {
    const { solver, theta } = engineFor('softplus', 7);
    const r = await solver.gradientFlow(theta, { lossThreshold: 1e-12, maxSteps: 3 });
    expect(r.status).toBe('max-steps');
    expect(r.steps).toBe(3);
    expect(r.loss).toBe(await solver.loss(r.theta));
    expect(r.loss).toBeLessThan(await solver.loss(theta));
  });

  it('non-finite parameters give status non-finite and φ = NaN', async () => {
    const { solver, theta } = engineFor('relu', 7);
    const t = theta.slice();
    t[0] = Number.NaN;
    expect((await solver.gradientFlow(t)).status).toBe('non-finite');
    const g = await solver.gfsSharpness(t);
    expect(g.status).toBe('non-finite');
    expect(g.gfsSharpness).toBeNaN();
  });

  it('φ equals dense Jacobi on the Hessian at the flow end; the flow sharpens', async () => {
    const activation = 'softplus';
    const { solver, data, theta } = engineFor(activation, 13);
    const g = await solver.gfsSharpness(theta, { lossThreshold: 1e-3, maxSteps: 20_000 });
    expect(g.status).toBe('converged');
    const exact = jacobiMaxEigenvalue(denseHessian(activation, data, g.theta), theta.length);
    expect(Math.abs(g.gfsSharpness - exact) / exact).toBeLessThan(TOL_PHI);
    expect(g.lanczos.converged).toBe(true);
  });

  it('rejects bad flow options by name', async () => {
    const { solver, theta } = engineFor('tanh');
    await expect(solver.gradientFlow(theta, { alpha: 0 })).rejects.toThrow(/alpha/);
    await expect(solver.gradientFlow(theta, { lossThreshold: -1 })).rejects.toThrow(/lossThreshold/);
    await expect(solver.gradientFlow(theta, { maxSteps: 1.5 })).rejects.toThrow(/maxSteps/);
    await expect(solver.gradientFlow(theta, { sharpnessEvery: 0 })).rejects.toThrow(/sharpnessEvery/);
  });
});
