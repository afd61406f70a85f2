/**
 * The regression engine (model.md §4) against independent references: central finite differences,
 * the Hessian block form of model.md §4 written here in plain TypeScript, a TypeScript shifted power
 * iteration, RK4 gradient flow run to convergence, and the optimality conditions of the GFS
 * (Xβ∞ = y, arcsinh(2β∞/k) − arcsinh(2β₀/k) ∈ range(2Xᵀ)) checked by a TypeScript least-squares fit.
 */
import { describe, expect, it } from 'vitest';
import { RegressionEngine, type RegressionProblem } from '../src/engines/regression.js';
import { rng, gaussian } from './helpers/reference.js';

/** Tolerances, named. */
const TOL_FINITE_DIFFERENCE = 1e-7; // central differences, h = 1e-5: O(h²) + O(ε/h), relative to the scale
const TOL_EXACT_ROUTE = 1e-12; // same quantity, different evaluation order
const TOL_EIGEN = 1e-9; // Lanczos / Jacobi / power iteration, relative
const TOL_GFS_FLOW = 1e-6; // Newton GFS vs RK4 gradient flow (issue 5: β and φ within 1e-6)
const TOL_INTERPOLATING = 1e-8; // φ = S at an interpolating point
const TOL_WARM_COLD = 1e-11; // warm- vs cold-started Newton
const TOL_KKT = 1e-9; // optimality conditions of β∞, relative

// ---------- seeded data ----------

function makeProblem(n: number, d: number, seed: number): RegressionProblem {
  const g = gaussian(rng(seed));
  return { n, d, X: Float64Array.from({ length: n * d }, g), y: Float64Array.from({ length: n }, g) };
}

function makeInit(d: number, alpha: number, small: number, seed: number, randomSigns: boolean) {
  const random = rng(seed);
  const u = new Float64Array(d).fill(alpha);
  const v = Float64Array.from({ length: d }, () => (randomSigns && random() < 0.5 ? -small : small));
  return { u, v };
}

/** A generic point with entries of both signs. */
function randomPoint(d: number, seed: number) {
  const g = gaussian(rng(seed));
  return {
    u: Float64Array.from({ length: d }, () => 1 + 0.3 * g()),
    v: Float64Array.from({ length: d }, () => 0.5 * g()),
  };
}

// ---------- plain TypeScript references ----------

function refResidual(p: RegressionProblem, u: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const r = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let s = 0;
    for (let j = 0; j < p.d; j++) s += (p.X[i * p.d + j] as number) * (u[j] as number) * (v[j] as number);
    r[i] = s - (p.y[i] as number);
  }
  return r;
}

function refLoss(p: RegressionProblem, u: ArrayLike<number>, v: ArrayLike<number>): number {
  const r = refResidual(p, u, v);
  return r.reduce((s, x) => s + x * x, 0) / (2 * p.n);
}

/** The model.md §4 block form: G = XᵀX/N, g = Xᵀr/N, blocks (vvᵀ)⊙G, (vuᵀ)⊙G + diag(g), (uvᵀ)⊙G + diag(g), (uuᵀ)⊙G. */
function refHessian(p: RegressionProblem, u: Float64Array, v: Float64Array): Float64Array {
  const { n, d, X } = p;
  const r = refResidual(p, u, v);
  const G = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += (X[k * d + i] as number) * (X[k * d + j] as number);
    return s / n;
  };
  const g = (i: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += (X[k * d + i] as number) * (r[k] as number);
    return s / n;
  };
  const m = 2 * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const Gij = G(i, j);
      const diag = i === j ? g(i) : 0;
      const ui = u[i] as number;
      const uj = u[j] as number;
      const vi = v[i] as number;
      const vj = v[j] as number;
      H[i * m + j] = vi * vj * Gij;
      H[i * m + d + j] = vi * uj * Gij + diag;
      H[(d + i) * m + j] = ui * vj * Gij + diag;
      H[(d + i) * m + d + j] = ui * uj * Gij;
    }
  }
  return H;
}

/** λmax of a symmetric matrix by power iteration on A + cI (c = ‖A‖∞ makes it PSD) + Rayleigh quotient. */
function refTopEigenvalue(A: Float64Array, m: number, iterations = 200_000): number {
  let c = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.abs(A[i * m + j] as number);
    c = Math.max(c, s);
  }
  let x = Float64Array.from({ length: m }, (_, i) => 1 + Math.sin(i + 1));
  let y = new Float64Array(m);
  let rayleigh = Number.NaN;
  for (let it = 0; it < iterations; it++) {
    let norm = 0;
    for (let i = 0; i < m; i++) {
      let s = c * (x[i] as number);
      for (let j = 0; j < m; j++) s += (A[i * m + j] as number) * (x[j] as number);
      y[i] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    let next = 0;
    for (let i = 0; i < m; i++) {
      y[i] = (y[i] as number) / norm;
      next += (y[i] as number) * (x[i] as number);
    }
    const nextRayleigh = norm * next - c; // ≈ xᵀ(A + cI)x − c, x unit
    [x, y] = [y, x];
    if (Math.abs(nextRayleigh - rayleigh) <= 1e-16 * Math.abs(nextRayleigh) && it > 100) break;
    rayleigh = nextRayleigh;
  }
  // Final Rayleigh quotient of the unit x.
  let q = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += (A[i * m + j] as number) * (x[j] as number);
    q += s * (x[i] as number);
  }
  return q;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

function relNormErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num / den);
}

/** Solves the least-squares problem min ‖Aᵀz − t‖ for A (n×d) by the normal equations (n small). */
function leastSquaresRangeResidual(p: RegressionProblem, t: Float64Array): number {
  const { n, d, X } = p;
  const M = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (X[i * d + j] as number) * (X[k * d + j] as number);
      M[i * n + k] = s;
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += (X[i * d + j] as number) * (t[j] as number);
    rhs[i] = s;
  }
  // Gaussian elimination with partial pivoting.
  const z = Float64Array.from(rhs);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c] as number) > Math.abs(M[piv * n + c] as number)) piv = r;
    for (let k = 0; k < n; k++) [M[c * n + k], M[piv * n + k]] = [M[piv * n + k] as number, M[c * n + k] as number];
    [z[c], z[piv]] = [z[piv] as number, z[c] as number];
    for (let r = c + 1; r < n; r++) {
      const f = (M[r * n + c] as number) / (M[c * n + c] as number);
      for (let k = c; k < n; k++) M[r * n + k] = (M[r * n + k] as number) - f * (M[c * n + k] as number);
      z[r] = (z[r] as number) - f * (z[c] as number);
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = z[c] as number;
    for (let k = c + 1; k < n; k++) s -= (M[c * n + k] as number) * (z[k] as number);
    z[c] = s / (M[c * n + c] as number);
  }
  let num = 0;
  let den = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (X[i * d + j] as number) * (z[i] as number);
    num += (s - (t[j] as number)) ** 2;
    den += (t[j] as number) ** 2;
  }
  return Math.sqrt(num / den);
}

// ---------- cases ----------

const SMALL = makeProblem(3, 8, 11);
const MEDIUM = makeProblem(5, 20, 12);
const PAPER = makeProblem(10, 100, 13);

const engines = new Map<RegressionProblem, RegressionEngine>();
function engineFor(p: RegressionProblem): RegressionEngine {
  let e = engines.get(p);
  if (!e) {
    e = new RegressionEngine(p);
    engines.set(p, e);
  }
  return e;
}

describe('loss, gradient, GD step, HVP, Hessian', () => {
  for (const p of [SMALL, MEDIUM]) {
    it(`N=${p.n}, d=${p.d}: loss and gradient match the reference and central differences`, () => {
      const e = engineFor(p);
      const { u, v } = randomPoint(p.d, 21);
      expect(relErr(e.loss(u, v), refLoss(p, u, v))).toBeLessThan(TOL_EXACT_ROUTE);
      const grad = e.gradient(u, v);
      const h = 1e-5;
      const scale = Math.max(...grad.u.map(Math.abs), ...grad.v.map(Math.abs));
      for (const [which, vec] of [
        ['u', grad.u],
        ['v', grad.v],
      ] as const) {
        for (let j = 0; j < p.d; j++) {
          const up = { u: u.slice(), v: v.slice() };
          const down = { u: u.slice(), v: v.slice() };
          up[which][j] = (up[which][j] as number) + h;
          down[which][j] = (down[which][j] as number) - h;
          const fd = (refLoss(p, up.u, up.v) - refLoss(p, down.u, down.v)) / (2 * h);
          expect(Math.abs((vec[j] as number) - fd) / scale).toBeLessThan(TOL_FINITE_DIFFERENCE);
        }
      }
    });

    it(`N=${p.n}, d=${p.d}: GD step is (u − η∂L/∂u, v − η∂L/∂v)`, () => {
      const e = engineFor(p);
      const { u, v } = randomPoint(p.d, 22);
      const eta = 0.37;
      const grad = e.gradient(u, v);
      const next = e.gdStep(u, v, eta);
      for (let j = 0; j < p.d; j++) {
        expect(next.u[j]).toBe((u[j] as number) - eta * (grad.u[j] as number));
        expect(next.v[j]).toBe((v[j] as number) - eta * (grad.v[j] as number));
      }
    });

    it(`N=${p.n}, d=${p.d}: HVP matches central differences of the gradient and the dense Hessian`, () => {
      const e = engineFor(p);
      const { u, v } = randomPoint(p.d, 23);
      const dir = randomPoint(p.d, 24);
      const hvp = e.hessianVectorProduct(u, v, dir.u, dir.v);
      const h = 1e-5;
      const plus = e.gradient(
        u.map((x, j) => x + h * (dir.u[j] as number)),
        v.map((x, j) => x + h * (dir.v[j] as number)),
      );
      const minus = e.gradient(
        u.map((x, j) => x - h * (dir.u[j] as number)),
        v.map((x, j) => x - h * (dir.v[j] as number)),
      );
      const fdU = plus.u.map((x, j) => (x - (minus.u[j] as number)) / (2 * h));
      const fdV = plus.v.map((x, j) => (x - (minus.v[j] as number)) / (2 * h));
      const scale = Math.max(...hvp.a.map(Math.abs), ...hvp.b.map(Math.abs));
      for (let j = 0; j < p.d; j++) {
        expect(Math.abs((hvp.a[j] as number) - (fdU[j] as number)) / scale).toBeLessThan(TOL_FINITE_DIFFERENCE);
        expect(Math.abs((hvp.b[j] as number) - (fdV[j] as number)) / scale).toBeLessThan(TOL_FINITE_DIFFERENCE);
      }
      // Against the block form of model.md §4 in TypeScript.
      const H = refHessian(p, u, v);
      const m = 2 * p.d;
      const z = Float64Array.from([...dir.u, ...dir.v]);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += (H[i * m + j] as number) * (z[j] as number);
        const got = i < p.d ? hvp.a[i] : hvp.b[i - p.d];
        expect(Math.abs((got as number) - s) / scale).toBeLessThan(TOL_EXACT_ROUTE);
      }
    });

    it(`N=${p.n}, d=${p.d}: dense Hessian equals the block form of model.md §4 and is symmetric`, () => {
      const e = engineFor(p);
      const { u, v } = randomPoint(p.d, 25);
      const H = e.hessian(u, v);
      const ref = refHessian(p, u, v);
      const m = 2 * p.d;
      const scale = Math.max(...ref.map(Math.abs));
      for (let i = 0; i < m * m; i++) {
        expect(Math.abs((H[i] as number) - (ref[i] as number)) / scale).toBeLessThan(TOL_EXACT_ROUTE);
      }
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) expect(H[i * m + j]).toBe(H[j * m + i]);
    });
  }
});

describe('sharpness: Lanczos vs dense Jacobi vs TypeScript power iteration', () => {
  for (const [p, seed] of [
    [SMALL, 31],
    [SMALL, 32],
    [MEDIUM, 33],
    [MEDIUM, 34],
  ] as const) {
    it(`N=${p.n}, d=${p.d}, point ${seed}`, () => {
      const e = engineFor(p);
      const { u, v } = randomPoint(p.d, seed);
      const lanczos = e.sharpnessDetail(u, v, 'lanczos');
      const dense = e.sharpness(u, v, 'dense');
      const power = refTopEigenvalue(refHessian(p, u, v), 2 * p.d);
      expect(relErr(dense, power)).toBeLessThan(TOL_EIGEN);
      expect(relErr(lanczos.value, dense)).toBeLessThan(TOL_EIGEN);
      expect(lanczos.iterations).toBeGreaterThan(0);
    });
  }

  it('N=10, d=100: Lanczos equals dense Jacobi (2d = 200) away from and at the GFS', () => {
    const e = engineFor(PAPER);
    const { u, v } = makeInit(PAPER.d, 1, 0.1, 41, true);
    expect(relErr(e.sharpness(u, v), e.sharpness(u, v, 'dense'))).toBeLessThan(TOL_EIGEN);
    const far = randomPoint(PAPER.d, 42);
    expect(relErr(e.sharpness(far.u, far.v), e.sharpness(far.u, far.v, 'dense'))).toBeLessThan(TOL_EIGEN);
  });

  it('the general Jacobi kernel handles n > 64 (the static scratch limit of linalg/jacobi.ts)', () => {
    const e = engineFor(PAPER);
    const m = 150;
    const g = gaussian(rng(43));
    const B = Float64Array.from({ length: m * m }, g);
    const A = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) A[i * m + j] = (B[i * m + j] as number) + (B[j * m + i] as number);
    expect(relErr(e.symmetricTopEigenvalue(A, m), refTopEigenvalue(A, m))).toBeLessThan(TOL_EIGEN);
  });
});

describe('GFS predictor', () => {
  const cases = [
    { name: 'N=10, d=100, u₀ = 𝟏, v₀ = 0.1·𝟏', p: PAPER, init: makeInit(100, 1, 0.1, 51, false) },
    { name: 'N=10, d=100, u₀ = 𝟏, v₀ = ±0.1 (random signs)', p: PAPER, init: makeInit(100, 1, 0.1, 52, true) },
    { name: 'N=10, d=100, u₀ = 1.3·𝟏, v₀ = ±0.2', p: PAPER, init: makeInit(100, 1.3, 0.2, 53, true) },
    { name: 'N=3, d=8, u₀ = 𝟏, v₀ = ±0.1', p: SMALL, init: makeInit(8, 1, 0.1, 54, true) },
    { name: 'N=3, d=8, generic point (both Δ signs)', p: SMALL, init: randomPoint(8, 55) },
  ];

  for (const { name, p, init } of cases) {
    it(`${name}: equals RK4 gradient flow run to convergence (β, weights, φ)`, () => {
      const e = engineFor(p);
      const { u, v } = init;
      const gfs = e.gfs(u, v);
      expect(gfs.status).toBe('ok');
      const flow = e.gradientFlow(u, v, { lossTol: 1e-28, maxSteps: 500_000, hScale: 0.1 });
      expect(flow.converged).toBe(true);
      const betaFlow = flow.u.map((x, j) => x * (flow.v[j] as number));
      expect(relNormErr(gfs.beta, betaFlow)).toBeLessThan(TOL_GFS_FLOW);
      // The weights too, which checks the sign rule (the dominant factor keeps its sign).
      expect(relNormErr(gfs.u, flow.u)).toBeLessThan(TOL_GFS_FLOW);
      expect(relNormErr(gfs.v, flow.v)).toBeLessThan(TOL_GFS_FLOW);
      // φ against the sharpness at the end of the flow (dense Jacobi on the Hessian there).
      expect(relErr(gfs.gfsSharpness, e.sharpness(flow.u, flow.v, 'dense'))).toBeLessThan(TOL_GFS_FLOW);
    });

    it(`${name}: satisfies the optimality conditions (TypeScript check)`, () => {
      const e = engineFor(p);
      const { u, v } = init;
      const gfs = e.gfs(u, v);
      const r = refResidual(p, gfs.u, gfs.v);
      const yNorm = Math.sqrt(p.y.reduce((s, x) => s + x * x, 0));
      expect(Math.sqrt(r.reduce((s, x) => s + x * x, 0)) / yNorm).toBeLessThan(TOL_KKT);
      // Δ is conserved and β∞ = u∞v∞.
      for (let j = 0; j < p.d; j++) {
        const delta0 = (u[j] as number) ** 2 - (v[j] as number) ** 2;
        const delta = (gfs.u[j] as number) ** 2 - (gfs.v[j] as number) ** 2;
        expect(Math.abs(delta - delta0)).toBeLessThan(1e-12 * Math.max(1, Math.abs(delta0)));
        expect(relErr((gfs.u[j] as number) * (gfs.v[j] as number), gfs.beta[j] as number)).toBeLessThan(1e-14);
      }
      const t = Float64Array.from({ length: p.d }, (_, j) => {
        const k = Math.abs((u[j] as number) ** 2 - (v[j] as number) ** 2);
        return (
          Math.asinh((2 * (gfs.beta[j] as number)) / k) - Math.asinh((2 * (u[j] as number) * (v[j] as number)) / k)
        );
      });
      expect(leastSquaresRangeResidual(p, t)).toBeLessThan(TOL_KKT);
    });
  }

  it('sign rule: where β changes sign along the flow, the smaller factor flips and the dominant one keeps its sign', () => {
    let flips = 0;
    for (const [p, seed] of [
      [PAPER, 52],
      [SMALL, 54],
    ] as const) {
      const e = engineFor(p);
      const { u, v } = makeInit(p.d, 1, 0.1, seed, true);
      const flow = e.gradientFlow(u, v, { lossTol: 1e-28, maxSteps: 500_000, hScale: 0.1 });
      const gfs = e.gfs(u, v);
      for (let j = 0; j < p.d; j++) {
        const u0 = u[j] as number;
        const v0 = v[j] as number;
        const dominantU = u0 * u0 > v0 * v0;
        expect(Math.sign(flow.u[j] as number)).toBe(Math.sign(gfs.u[j] as number));
        expect(Math.sign(flow.v[j] as number)).toBe(Math.sign(gfs.v[j] as number));
        if (dominantU) expect(Math.sign(flow.u[j] as number)).toBe(Math.sign(u0));
        else expect(Math.sign(flow.v[j] as number)).toBe(Math.sign(v0));
        if (Math.sign((flow.u[j] as number) * (flow.v[j] as number)) !== Math.sign(u0 * v0)) flips++;
      }
    }
    expect(flips).toBeGreaterThan(0); // the cases exercise a sign change of β
  });

  it('warm-started Newton equals cold-started, in no more iterations', () => {
    const e = engineFor(PAPER);
    const { u, v } = makeInit(PAPER.d, 1, 0.1, 56, true);
    const first = e.gfs(u, v);
    const next = e.gdStep(u, v, 0.05);
    const cold = e.gfs(next.u, next.v);
    const warm = e.gfs(next.u, next.v, first.nu);
    expect(cold.status).toBe('ok');
    expect(warm.status).toBe('ok');
    expect(relNormErr(warm.beta, cold.beta)).toBeLessThan(TOL_WARM_COLD);
    expect(relNormErr(warm.nu, cold.nu)).toBeLessThan(1e-8);
    expect(relErr(warm.gfsSharpness, cold.gfsSharpness)).toBeLessThan(TOL_WARM_COLD);
    expect(warm.newtonIterations).toBeLessThanOrEqual(cold.newtonIterations);
  });

  it('at an interpolating point φ equals S, and the GFS of a GFS is itself', () => {
    for (const p of [SMALL, PAPER]) {
      const e = engineFor(p);
      const { u, v } = makeInit(p.d, 1, 0.1, 57, true);
      const star = e.gfs(u, v);
      expect(e.loss(star.u, star.v)).toBeLessThan(1e-26);
      const again = e.gfs(star.u, star.v);
      expect(again.status).toBe('ok');
      expect(relNormErr(again.beta, star.beta)).toBeLessThan(TOL_EXACT_ROUTE);
      expect(relErr(again.gfsSharpness, e.sharpness(star.u, star.v, 'dense'))).toBeLessThan(TOL_INTERPOLATING);
      expect(relErr(again.gfsSharpness, e.sharpness(star.u, star.v, 'lanczos'))).toBeLessThan(TOL_INTERPOLATING);
    }
  });
});

describe('run driver', () => {
  it('records L, S, φ per iterate; φ equals a cold-started gfs() call (same kernel, no warm start) and S the dense solver', () => {
    const e = engineFor(PAPER);
    const { u, v } = makeInit(PAPER.d, 1, 0.1, 61, true);
    const phi0 = e.gfs(u, v).gfsSharpness;
    const eta = (2 / phi0) * 1.15; // initial φ above 2/η: edge of stability
    const run = e.run(u, v, eta, { maxSteps: 5000, lossTol: 1e-6 });
    expect(run.status).toBe('converged');
    expect(run.loss.length).toBe(run.steps + 1);
    expect(run.sharpness.length).toBe(run.steps + 1);
    expect(run.gfsSharpness.length).toBe(run.steps + 1);
    expect(run.loss[run.steps]).toBeLessThan(1e-6);
    expect(run.loss[run.steps - 1]).toBeGreaterThanOrEqual(1e-6);
    // Replay GD on the host with the gdStep kernel (same arithmetic) and compare sampled rows.
    const sampled = new Set([0, 1, 2, Math.floor(run.steps / 3), Math.floor(run.steps / 2), run.steps - 1, run.steps]);
    let cur: { u: Float64Array; v: Float64Array } = { u, v };
    let nu: Float64Array | undefined;
    for (let t = 0; t <= run.steps; t++) {
      expect(e.loss(cur.u, cur.v)).toBe(run.loss[t]);
      if (sampled.has(t)) {
        const gfs = e.gfs(cur.u, cur.v);
        expect(relErr(run.gfsSharpness[t] as number, gfs.gfsSharpness)).toBeLessThan(TOL_WARM_COLD);
        expect(relErr(run.sharpness[t] as number, e.sharpness(cur.u, cur.v, 'dense'))).toBeLessThan(TOL_EIGEN);
        nu = gfs.nu;
      }
      if (t < run.steps) cur = e.gdStep(cur.u, cur.v, eta);
    }
    expect(nu).toBeDefined();
    expect(Array.from(run.u)).toEqual(Array.from(cur.u));
    expect(Array.from(run.v)).toEqual(Array.from(cur.v));
    expect(run.gfsSharpness[0]).toBeGreaterThan(2 / eta);
  });

  it('dense and Lanczos sharpness give the same run; chunks do not change the result', () => {
    const e = engineFor(SMALL);
    const { u, v } = makeInit(SMALL.d, 1, 0.1, 62, true);
    const eta = (2 / e.gfs(u, v).gfsSharpness) * 1.1;
    const progress: number[] = [];
    const a = e.run(u, v, eta, { maxSteps: 700, lossTol: 1e-12, onProgress: (s) => progress.push(s) });
    const b = e.run(u, v, eta, { maxSteps: 700, lossTol: 1e-12, sharpnessMethod: 'dense' });
    expect(b.steps).toBe(a.steps);
    expect(Array.from(b.loss)).toEqual(Array.from(a.loss));
    expect(Array.from(b.gfsSharpness)).toEqual(Array.from(a.gfsSharpness));
    for (let t = 0; t <= a.steps; t++) {
      expect(relErr(a.sharpness[t] as number, b.sharpness[t] as number)).toBeLessThan(TOL_EIGEN);
    }
    expect(progress.at(-1)).toBe(a.steps);
    if (a.steps > 256) expect(progress.length).toBeGreaterThan(1);
  });

  it('max-steps, divergence and NaN input are statuses', () => {
    const e = engineFor(PAPER);
    const { u, v } = makeInit(PAPER.d, 1, 0.1, 63, true);
    const phi0 = e.gfs(u, v).gfsSharpness;
    const short = e.run(u, v, 1 / phi0, { maxSteps: 3, lossTol: 1e-12 });
    expect(short.status).toBe('max-steps');
    expect(short.steps).toBe(3);
    expect(short.loss.length).toBe(4);
    let replay: { u: Float64Array; v: Float64Array } = { u, v };
    for (let i = 0; i < 3; i++) replay = e.gdStep(replay.u, replay.v, 1 / phi0);
    expect(Array.from(short.u)).toEqual(Array.from(replay.u));

    const diverged = e.run(u, v, 20 / phi0, { maxSteps: 10_000, lossTol: 1e-12 });
    expect(diverged.status).toBe('diverged');
    expect(Number.isNaN(diverged.sharpness[diverged.steps])).toBe(true);

    const bad = u.slice();
    bad[3] = Number.NaN;
    const nanRun = e.run(bad, v, 0.01, { maxSteps: 10, lossTol: 1e-12 });
    expect(nanRun.status).toBe('diverged');
    expect(nanRun.steps).toBe(0);
    expect(Number.isNaN(e.loss(bad, v))).toBe(true);
    expect(Number.isNaN(e.sharpness(bad, v))).toBe(true);
    expect(Number.isNaN(e.sharpness(bad, v, 'dense'))).toBe(true);
    const gfs = e.gfs(bad, v);
    expect(gfs.status).toBe('no-convergence');
    expect(Number.isNaN(gfs.gfsSharpness)).toBe(true);
    // k = |u² − v²| = 0 somewhere: no predictor, a status.
    const tie = v.slice();
    tie[0] = u[0] as number;
    expect(e.gfs(u, tie).status).toBe('no-convergence');
    // The engine still works after bad input.
    expect(e.gfs(u, v).status).toBe('ok');
  });
});
