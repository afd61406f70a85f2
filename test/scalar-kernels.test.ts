/**
 * Every scalar-network kernel against an independent reference (model.md §1): finite differences,
 * closed forms, the Jacobi eigensolver, a bisection GFS in plain TypeScript, RK4 gradient flow.
 */
import { describe, expect, it } from 'vitest';
import { ScalarEngine } from '../src/engines/scalar.js';
import { Status } from '../src/wasm/status.js';
import {
  finiteDifferenceGradient,
  finiteDifferenceHessian,
  maxAbs,
  randomWeights,
  refGdStep,
  refGfsSharpness,
  refGradient,
  refLoss,
  refProduct,
  relativeError,
  rng,
} from './helpers/reference.js';
import { denseHessian, jacobiMaxEigenvalue } from './helpers/fig3-reference.js';

const engine = new ScalarEngine();

/** Tolerances, named. */
const TOL_EXACT_ROUTE = 1e-13; // same formula, different evaluation order
const TOL_FINITE_DIFFERENCE = 1e-6; // central differences with h = 1e-6: O(h²) + O(ε/h)
const TOL_EIGEN = 1e-10; // secular vs Jacobi, relative to max(1, ‖H‖_F)
const TOL_GFS_REFERENCE = 1e-12; // Newton vs bisection GFS sharpness
const TOL_GFS_RK4 = 1e-7; // closed-form GFS vs RK4 gradient flow
const TOL_INVARIANT = 1e-12; // quantities GPGD/GD must preserve exactly up to rounding

const DEPTHS = [2, 3, 4, 5, 7, 16, 64];

/** Random test points of depth D, kept in a range where the product is O(1). */
function points(D: number, count: number, seed: number, negative = 0): Float64Array[] {
  const random = rng(seed);
  const spread = D > 16 ? 0.15 : 0.7;
  return Array.from({ length: count }, () => randomWeights(random, D, 1 - spread, 1 + spread, negative));
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) ** 2;
  return Math.sqrt(s);
}

describe('loss and gradient (model.md §1.1)', () => {
  it.each(DEPTHS)('D = %i: gradient equals the direct formula and central differences', (D) => {
    for (const w of [...points(D, 20, D, 0.3), Float64Array.from({ length: D }, (_, i) => (i === 1 ? 0 : 1.1))]) {
      expect(relativeError(engine.loss(w), refLoss(w))).toBeLessThan(TOL_EXACT_ROUTE + 1e-300);
      const g = engine.gradient(w);
      const direct = refGradient(w);
      const fd = finiteDifferenceGradient(refLoss, w);
      const scale = Math.max(1, maxAbs(direct));
      for (let i = 0; i < D; i++) {
        expect(Math.abs((g[i] as number) - (direct[i] as number))).toBeLessThanOrEqual(TOL_EXACT_ROUTE * scale);
        expect(Math.abs((g[i] as number) - (fd[i] as number))).toBeLessThanOrEqual(TOL_FINITE_DIFFERENCE * scale);
      }
    }
  });

  it('uses no division: exact gradient with zero weights', () => {
    const g = engine.gradient([0, 2, 3]);
    // π = 0: ∂L/∂w₀ = (0 − 1)·2·3 = −6, the others vanish
    expect(Array.from(g)).toEqual([-6, -0, -0]);
    const g2 = engine.gradient([0, 0, 3, 4]);
    expect(Array.from(g2).every((x) => x === 0)).toBe(true);
  });
});

describe('Hessian (model.md §1.2)', () => {
  it.each(DEPTHS)('D = %i: Hessian equals central differences of the gradient', (D) => {
    const cases = [...points(D, 8, 100 + D, 0.3), Float64Array.from({ length: D }, (_, i) => (i === 0 ? 0 : 0.9))];
    for (const w of cases) {
      const H = engine.hessian(w);
      const fd = finiteDifferenceHessian((x) => engine.gradient(x), w);
      const scale = Math.max(1, maxAbs(H));
      for (let k = 0; k < D * D; k++) {
        expect(Math.abs((H[k] as number) - (fd[k] as number))).toBeLessThanOrEqual(TOL_FINITE_DIFFERENCE * scale);
      }
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) expect(H[i * D + j]).toBe(H[j * D + i]);
    }
  });

  it('matches the diagonal-plus-rank-one form π(2π−1)vvᵀ − π(π−1)diag(v²)', () => {
    for (const w of points(5, 10, 7, 0.4)) {
      const H = engine.hessian(w);
      const p = refProduct(w);
      const v = Array.from(w, (x) => 1 / x);
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 5; j++) {
          const expected =
            p * (2 * p - 1) * (v[i] as number) * (v[j] as number) - (i === j ? p * (p - 1) * (v[i] as number) ** 2 : 0);
          expect(Math.abs((H[i * 5 + j] as number) - expected)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(expected)),
          );
        }
      }
    }
  });
});

describe('sharpness S = λmax(H) (model.md §1.2–§1.3)', () => {
  it.each(DEPTHS)('D = %i: secular fast path equals Jacobi (π > 0, π < 0, wᵢ = 0)', (D) => {
    const cases = [
      ...points(D, 25, 200 + D, 0),
      ...points(D, 25, 300 + D, 0.5), // about half with π < 0
      Float64Array.from({ length: D }, (_, i) => (i === D - 1 ? 0 : 1.3)),
      Float64Array.from({ length: D }, (_, i) => (i < 2 ? 0 : 0.8)),
    ];
    let negativeProducts = 0;
    for (const w of cases) {
      if (refProduct(w) < 0) negativeProducts++;
      const secular = engine.sharpness(w, 'secular');
      const jacobi = engine.sharpness(w, 'jacobi');
      const scale = Math.max(1, frobenius(engine.hessian(w)));
      expect(Math.abs(secular - jacobi)).toBeLessThanOrEqual(TOL_EIGEN * scale);
    }
    expect(negativeProducts).toBeGreaterThan(3);
  });

  it('Jacobi agrees with closed forms: 2×2 eigenvalues, minima, arrow matrices', () => {
    for (const w of points(2, 20, 11, 0.5)) {
      const H = engine.hessian(w);
      const [a, b, , d] = Array.from(H) as [number, number, number, number];
      const closed = 0.5 * (a + d) + Math.sqrt(0.25 * (a - d) ** 2 + b * b);
      expect(relativeError(engine.sharpness(w, 'jacobi'), closed)).toBeLessThan(1e-13);
    }
    // at a minimum S = Σ 1/wᵢ² (model.md §1.3)
    const minimum = [2, 0.5, 1.25, 0.8];
    expect(refProduct(minimum)).toBeCloseTo(1, 15);
    const expected = minimum.reduce((s, x) => s + 1 / x ** 2, 0);
    expect(relativeError(engine.sharpness(minimum, 'jacobi'), expected)).toBeLessThan(1e-13);
    expect(relativeError(engine.sharpness(minimum, 'secular'), expected)).toBeLessThan(1e-13);
    // one zero weight (w₀ = 0): H is an arrow matrix, λmax = (a + √(a² + 4‖b‖²))/2, a = ∏_{j≠0} wⱼ²
    const w = [0, 1.5, 0.7, 1.2];
    const a = (1.5 * 0.7 * 1.2) ** 2;
    const b2 = (0.7 * 1.2) ** 2 + (1.5 * 1.2) ** 2 + (1.5 * 0.7) ** 2;
    expect(relativeError(engine.sharpness(w), 0.5 * (a + Math.sqrt(a * a + 4 * b2)))).toBeLessThan(1e-13);
    // two zero weights: the only nonzero entry is H₀₁ = −∏_{k≠0,1} wₖ, so λmax = |H₀₁|
    expect(relativeError(engine.sharpness([0, 0, 2, 3]), 6)).toBeLessThan(1e-14);
    // three zeros: H = 0
    expect(engine.sharpness([0, 0, 0, 3])).toBe(0);
  });

  it('secular kernel on generic diagonal-plus-rank-one matrices matches Jacobi (ties, ρ < 0, ρ > 0)', () => {
    const random = rng(99);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(random() * 9);
      const d = Float64Array.from({ length: n }, () => (random() - 0.5) * 10);
      if (trial % 5 === 0) d[1] = d[0] as number; // ties
      const z = Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1) * (0.05 + random()));
      const rho = (random() - 0.5) * 8;
      const M = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++)
          M[i * n + j] = rho * (z[i] as number) * (z[j] as number) + (i === j ? (d[i] as number) : 0);
      }
      const jac = engine.symmetricTopEigenvalue(M, n);
      const sec = engine.diagonalPlusRankOneTop(d, z, rho);
      expect(Math.abs(sec - jac)).toBeLessThanOrEqual(TOL_EIGEN * Math.max(1, frobenius(M)));
    }
  });

  it('weights spread over many orders of magnitude: S matches an independent TypeScript Jacobi', () => {
    const random = rng(2024);
    for (let trial = 0; trial < 200; trial++) {
      const D = 2 + (trial % 5);
      const w = Float64Array.from({ length: D }, () => (random() < 0.3 ? -1 : 1) * 10 ** (-12 + 14 * random()));
      const H = denseHessian(w);
      const reference = jacobiMaxEigenvalue(H, D);
      const scale = Math.max(1e-300, frobenius(H));
      expect(Math.abs(engine.sharpness(w) - reference)).toBeLessThanOrEqual(1e-12 * scale);
    }
    // a tiny weight: v = 1/w would overflow; the true sharpness of (1e-170, 1, 1) is 2
    expect(engine.sharpness([1e-170, 1, 1])).toBeCloseTo(2, 12);
    expect(engine.sharpness([1e-8, 1.2, 0.9, 1.1])).toBeCloseTo(
      jacobiMaxEigenvalue(denseHessian([1e-8, 1.2, 0.9, 1.1]), 4),
      12,
    );
  });

  it('returns NaN for non-finite weights', () => {
    expect(engine.sharpness([Number.NaN, 1, 1])).toBeNaN();
    expect(engine.sharpness([Infinity, 1, 1], 'jacobi')).toBeNaN();
  });
});

describe('gradient-flow solution and its sharpness φ (model.md §1.5)', () => {
  it.each(DEPTHS)('D = %i: φ equals a bisection reference (≤ 1e-12) and RK4 gradient flow (≤ 1e-7)', (D) => {
    const cases = [...points(D, 12, 400 + D, 0), ...points(D, 6, 500 + D, 0.5).filter((w) => refProduct(w) > 0)];
    for (const w of cases) {
      const phi = engine.gfsSharpness(w);
      expect(relativeError(phi, refGfsSharpness(w))).toBeLessThanOrEqual(TOL_GFS_REFERENCE);
      {
        const flow = engine.gradientFlow(w, 0.005, 1e-24, 400_000); // h = 0.005/S: RK4 drift ≤ 1e-10
        expect(flow.converged).toBe(true);
        const phiFlow = flow.point.reduce((s, x) => s + 1 / (x * x), 0);
        expect(relativeError(phi, phiFlow)).toBeLessThanOrEqual(TOL_GFS_RK4);
        const { point } = engine.gfs(w);
        for (let i = 0; i < D; i++) {
          expect(Math.abs((point[i] as number) - (flow.point[i] as number))).toBeLessThanOrEqual(
            TOL_GFS_RK4 * Math.abs(point[i] as number),
          );
        }
      }
    }
  });

  it('GFS is a minimum on the same GF line: product 1, balances kept, signs kept', () => {
    for (const w of points(6, 20, 42, 0.5).filter((x) => refProduct(x) > 0)) {
      const { point, status, shift } = engine.gfs(w);
      expect(status).toBe(Status.converged);
      expect(Math.abs(refProduct(point) - 1)).toBeLessThan(1e-13);
      for (let i = 0; i < 6; i++) {
        expect(Math.sign(point[i] as number)).toBe(Math.sign(w[i] as number));
        expect(Math.abs((point[i] as number) ** 2 - (w[i] as number) ** 2 - shift)).toBeLessThan(1e-12);
      }
      // s* < 0 iff π > 1
      expect(shift < 0).toBe(Math.abs(refProduct(w)) > 1);
    }
  });

  it('no GFS for π ≤ 0, non-finite status for NaN/Inf', () => {
    expect(engine.gfs([-1, 2, 0.5]).status).toBe(Status.noGfs);
    expect(engine.gfs([0, 2, 0.5]).status).toBe(Status.noGfs);
    expect(engine.gfs([Number.NaN, 2, 0.5]).status).toBe(Status.nonFinite);
    expect(engine.gfs([Infinity, 2, 0.5]).status).toBe(Status.nonFinite);
    expect(engine.gfsSharpness([-1, 2, 0.5])).toBeNaN();
    // two negative weights: π > 0, GFS exists and keeps the signs
    const r = engine.gfs([-1.2, -0.9, 1.1]);
    expect(r.status).toBe(Status.converged);
    expect(r.point[0]).toBeLessThan(0);
    expect(r.gfsSharpness).toBeCloseTo(refGfsSharpness([-1.2, -0.9, 1.1]), 12);
  });

  it('non-finite status, never ok with NaN, when the GFS overflows float64', () => {
    // a point with π = 1 is its own GFS (gradient flow is at rest), so φ = Σ wᵢ² exactly
    const edge = engine.gfs([1e154, 1e-154]); // squares 1e308 and 1e-308: still representable
    expect(edge.status).toBe(Status.converged);
    expect(relativeError(edge.point[0] as number, 1e154)).toBeLessThan(1e-15);
    expect(relativeError(edge.gfsSharpness, 1e308 + 1e-308)).toBeLessThan(1e-12);
    for (const w of [
      [1e308, 1e308], // w² overflows (and so do L and π)
      [1e-200, 1e200], // π = 1 but w₂² overflows
      [1.5e154, 1 / 1.5e154], // w₁² = 2.25e308 overflows
      [1e-155, 1e78, 1e77], // squares finite, π = 1, but φ ≥ 1/1e-310 overflows (engine check)
    ]) {
      const r = engine.gfs(w);
      expect(r.status, `gfs(${w})`).toBe(Status.nonFinite);
      expect(r.shift).toBeNaN();
      expect(r.gfsSharpness).toBeNaN();
      expect(Array.from(r.point).every(Number.isNaN)).toBe(true);
    }
    // the kernel's own status: squares that overflow are non-finite for GPGD too
    expect(engine.gpgdStep([1e-200, 1e200], 0.1).status).toBe(Status.nonFinite);
  });

  it("Zhu et al.'s slice (x, x, y, y): φ = 2√(c⁴ + 4), c² = x² − y²", () => {
    for (const [x, y] of [
      [1.5, 0.4],
      [0.9, 1.3],
      [2, 2],
    ] as const) {
      const c2 = x * x - y * y;
      expect(relativeError(engine.gfsSharpness([x, x, y, y]), 2 * Math.sqrt(c2 * c2 + 4))).toBeLessThan(1e-13);
    }
  });

  it('(φ₀, p₀) family lands on the requested φ₀ and p₀ (model.md §2)', () => {
    for (const [phi0, p0, c] of [
      [26, 1.5, [1, 1, -1, -1]],
      [4.05, 0.05, [1, 1, -1, -1]],
      [34, 5, [1, 1, -1, -1]],
      [12, 0.7, [1, 1, -2]],
      [3, 1, [2, -1, -1]],
    ] as const) {
      const w = engine.initFromGfsSharpness(c, phi0, p0);
      expect(relativeError(engine.gfsSharpness(w), phi0)).toBeLessThan(1e-12);
      expect(relativeError(refProduct(w), p0)).toBeLessThan(1e-13);
    }
  });
});

describe('GD and GPGD steps (model.md §1.4, §1.6)', () => {
  it('GD step equals the reference; product and balance updates of model.md §1.4 hold', () => {
    const eta = 0.1;
    for (const w of points(5, 30, 77, 0.3)) {
      const next = engine.gdStep(w, eta);
      const ref = refGdStep(w, eta);
      for (let i = 0; i < 5; i++)
        expect(Math.abs((next[i] as number) - (ref[i] as number))).toBeLessThan(
          1e-14 * Math.max(1, Math.abs(ref[i] as number)),
        );
      const p = refProduct(w);
      const a = Array.from(w, (x) => (eta * p * (p - 1)) / (x * x));
      const productFormula = a.reduce((acc, ai) => acc * (1 - ai), p);
      expect(Math.abs(refProduct(next) - productFormula)).toBeLessThan(1e-13 * Math.max(1, Math.abs(productFormula)));
      // elementary-symmetric form: π Σₖ (−ηπ(π−1))ᵏ eₖ(w⁻²)
      const inv = Array.from(w, (x) => 1 / (x * x));
      const e = [1, 0, 0, 0, 0, 0];
      for (const x of inv) for (let k = 5; k >= 1; k--) e[k] = (e[k] as number) + (e[k - 1] as number) * x;
      const m = -eta * p * (p - 1);
      const series = p * e.reduce((acc, ek, k) => acc + m ** k * ek, 0);
      expect(Math.abs(refProduct(next) - series)).toBeLessThan(1e-12 * Math.max(1, Math.abs(series)));
      for (let i = 0; i < 5; i++) {
        for (let j = i + 1; j < 5; j++) {
          const b = (w[i] as number) ** 2 - (w[j] as number) ** 2;
          const bNext = (next[i] as number) ** 2 - (next[j] as number) ** 2;
          const expected = b * (1 - (a[i] as number) * (a[j] as number));
          expect(Math.abs(bNext - expected)).toBeLessThan(1e-12 * Math.max(1, Math.abs(b)));
        }
      }
    }
  });

  it('GPGD keeps the balances and φ, and L(GPGD(w)) = L(GD(w))', () => {
    const eta = 0.1;
    let checked = 0;
    for (const w of points(4, 60, 88, 0.5)) {
      const r = engine.gpgdStep(w, eta);
      const gd = engine.gdStep(w, eta);
      if (refProduct(w) <= 0 || refProduct(gd) <= 0) {
        expect(r.status).toBe(Status.noGfs);
        expect(Number.isNaN(r.point[0])).toBe(true);
        continue;
      }
      checked++;
      expect(r.status).toBe(Status.converged);
      const lossGd = refLoss(gd);
      expect(Math.abs(refLoss(r.point) - lossGd)).toBeLessThanOrEqual(TOL_INVARIANT * Math.max(lossGd, 1e-300) + 1e-28);
      expect(relativeError(engine.gfsSharpness(r.point), engine.gfsSharpness(w))).toBeLessThan(TOL_INVARIANT);
      for (let i = 0; i < 4; i++) {
        for (let j = i + 1; j < 4; j++) {
          const b = (w[i] as number) ** 2 - (w[j] as number) ** 2;
          const bNext = (r.point[i] as number) ** 2 - (r.point[j] as number) ** 2;
          expect(Math.abs(bNext - b)).toBeLessThan(TOL_INVARIANT * Math.max(1, Math.abs(b)) * 10);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('1-D GPGD map: g(1) = 1, g′(1) = 1 − ηφ, and it equals full GPGD', () => {
    for (const [eta, w] of [
      [0.1, [1.3, 1.1, 0.8, 0.9]],
      [0.05, [2.5, 2.5, 0.4, 0.4]],
      [0.2, [1.1, 0.7, 1.4]],
    ] as const) {
      const { point: u0 } = engine.gfs(w);
      const u = Float64Array.from(u0, (x) => x * x);
      const phi = u.reduce((s, x) => s + 1 / x, 0);
      expect(Math.abs(engine.gpgdMap1d(u, eta, 1) - 1)).toBeLessThan(1e-15);
      const h = 1e-6;
      const slope = (engine.gpgdMap1d(u, eta, 1 + h) - engine.gpgdMap1d(u, eta, 1 - h)) / (2 * h);
      expect(Math.abs(slope - (1 - eta * phi))).toBeLessThan(1e-6 * Math.max(1, eta * phi));
      // g(π(w)) = π(GPGD(w))
      const g = engine.gpgdMap1d(u, eta, refProduct(w));
      expect(relativeError(g, refProduct(engine.gpgdStep(w, eta).point))).toBeLessThan(1e-12);
    }
    expect(engine.gpgdMap1d([1, 1], 0.1, 0)).toBeNaN();
    expect(engine.gpgdMap1d([1, 1], 0.1, -1)).toBeNaN();
  });
});

describe('positive invariant set 𝕊 (model.md §1.7)', () => {
  it('nesting (Lemma I.1): η₁ ≤ η₂ ⇒ 𝕊^{η₂} ⊆ 𝕊^{η₁}', () => {
    const random = rng(5);
    let members = 0;
    for (let k = 0; k < 300; k++) {
      const w = engine.initFromGfsSharpness([1, 1, -1, -1], 4 + 30 * random(), 0.05 + 3 * random());
      const big = engine.invariantSet(w, 0.1).member;
      const small = engine.invariantSet(w, 0.07).member;
      if (big) {
        members++;
        expect(small).toBe(true);
      }
    }
    expect(members).toBeGreaterThan(10);
  });

  it('φ > 2√2/η, π ≤ 0 or far-away products are outside 𝕊; P_max ≥ 1', () => {
    const eta = 0.1;
    expect(engine.invariantSet(engine.initFromGfsSharpness([1, 1, -1, -1], 30, 1), eta).member).toBe(false);
    expect(engine.invariantSet([-1, 1, 1, 1], eta).member).toBe(false);
    expect(engine.invariantSet(engine.initFromGfsSharpness([1, 1, -1, -1], 10, 40), eta).member).toBe(false);
    const inside = engine.invariantSet(engine.initFromGfsSharpness([1, 1, -1, -1], 10, 1.05), eta);
    expect(inside.member).toBe(true);
    expect(inside.pMax).toBeGreaterThanOrEqual(1);
    expect(inside.pMin).toBeGreaterThan(1);
  });

  it('P_min solves η p(p−1) = min wᵢ² on the GF line', () => {
    const eta = 0.1;
    const w = engine.initFromGfsSharpness([1, 1, -1, -1], 20, 1);
    const { pMin } = engine.invariantSet(w, eta);
    const u = engine.gfs(w).point.map((x) => x * x);
    const sigma = engine.logShift(u, 2 * Math.log(pMin));
    const uMin = Math.min(...u);
    expect(relativeError(eta * pMin * (pMin - 1), uMin + sigma)).toBeLessThan(1e-9);
  });
});
