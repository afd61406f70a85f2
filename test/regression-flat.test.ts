/**
 * The flattest sharpness λ_flat = min_{Xβ=y} λmax((2/N) X diag(|β|) Xᵀ) (model.md §4) and its
 * certificate. Everything the solver claims is re-checked here with code independent of
 * src/experiments/regression/flat*.ts and src/base/dense.ts: a classical (largest-pivot) Jacobi
 * eigensolver, a Cholesky solve, the weak-duality inequalities, a brute-force scan for N = 2, d = 3 (the feasible set is a line),
 * closed forms for N = 1 and N = d, invariances, and random feasible points.
 */
import { describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { flattestSharpness, type FlatProblem, type FlatResult } from '../src/experiments/regression/flat.js';
import { rng, gaussian } from './helpers/reference.js';

/** Required certified gap (absolute) for the default data. */
const GAP_REQUIRED = 1e-6;
/** Rounding slack when an inequality of the certificate is re-evaluated here (O(1) quantities). */
const ROUND = 1e-12;

// --- Seeded data: mulberry32 + Box–Muller -------------------------------------------------

function makeProblem(n: number, d: number, seed: number): FlatProblem {
  const g = gaussian(rng(seed));
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = g();
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) y[k] = g();
  return { n, d, X, y };
}

// --- Independent linear algebra ------------------------------------------------------------

/** Eigenvalues of a symmetric matrix by classical Jacobi (rotate the largest off-diagonal entry). */
function eigenvalues(matrix: Float64Array, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => matrix[i * n + j]!));
  for (let iter = 0; iter < 50 * n * n + 100; iter++) {
    let p = 0;
    let q = 1;
    let big = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      scale = Math.max(scale, Math.abs(a[i]![i]!));
      for (let j = i + 1; j < n; j++) {
        if (Math.abs(a[i]![j]!) > big) {
          big = Math.abs(a[i]![j]!);
          p = i;
          q = j;
        }
      }
    }
    if (n < 2 || big <= 1e-18 * scale || big === 0) break;
    const phi = 0.5 * Math.atan2(2 * a[p]![q]!, a[q]![q]! - a[p]![p]!);
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    for (let k = 0; k < n; k++) {
      const akp = a[k]![p]!;
      const akq = a[k]![q]!;
      a[k]![p] = c * akp - s * akq;
      a[k]![q] = s * akp + c * akq;
    }
    for (let k = 0; k < n; k++) {
      const apk = a[p]![k]!;
      const aqk = a[q]![k]!;
      a[p]![k] = c * apk - s * aqk;
      a[q]![k] = s * apk + c * aqk;
    }
  }
  return a.map((row, i) => row[i]!);
}

function sharpness(problem: FlatProblem, beta: Float64Array): number {
  const { n, d, X } = problem;
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[r * d + i]! * Math.abs(beta[i]!) * X[c * d + i]!;
      a[r * n + c] = (2 / n) * s;
    }
  }
  return Math.max(...eigenvalues(a, n));
}

/** Solves the SPD system G u = b by Cholesky (G n×n row-major). */
function spdSolve(G: Float64Array, n: number, b: Float64Array): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = G[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = i === j ? Math.sqrt(s) : s / L[j * n + j]!;
    }
  }
  const u = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) u[i] = u[i]! - L[i * n + k]! * u[k]!;
    u[i] = u[i]! / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) u[i] = u[i]! - L[k * n + i]! * u[k]!;
    u[i] = u[i]! / L[i * n + i]!;
  }
  return u;
}

/** v − Xᵀ(XXᵀ)⁻¹(Xv − rhs): the point of {Xβ = rhs} nearest to v. */
function projectAffine(problem: FlatProblem, v: Float64Array, rhs: Float64Array): Float64Array {
  const { n, d, X } = problem;
  const G = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[r * d + i]! * X[c * d + i]!;
      G[r * n + c] = s;
    }
  }
  const out = Float64Array.from(v);
  for (let pass = 0; pass < 2; pass++) {
    const res = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let s = -rhs[k]!;
      for (let i = 0; i < d; i++) s += X[k * d + i]! * out[i]!;
      res[k] = s;
    }
    const u = spdSolve(G, n, res);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[k * d + i]! * u[k]!;
      out[i] = out[i]! - s;
    }
  }
  return out;
}

function residualNorm(problem: FlatProblem, beta: Float64Array): number {
  const { n, d, X, y } = problem;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let s = -y[k]!;
    for (let i = 0; i < d; i++) s += X[k * d + i]! * beta[i]!;
    sum += s * s;
  }
  return Math.sqrt(sum);
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/**
 * Re-derives U and L from (β, Z, ν) alone and checks every condition of weak duality:
 * Xβ = y, Z = Zᵀ ⪰ 0, tr Z = 1, |xᵢᵀν| ≤ (2/N) xᵢᵀZxᵢ, U = λmax(A(β)), L = yᵀν ≤ U.
 */
function expectCertified(problem: FlatProblem, result: FlatResult, gapRequired: number): void {
  const { n, d, X, y } = problem;
  const { beta, certificate } = result;
  const { z, nu } = certificate;
  const scale = Math.max(1, Math.abs(result.value));
  expect(beta.length).toBe(d);
  expect(residualNorm(problem, beta)).toBeLessThanOrEqual(1e-10 * norm(y));
  expect(certificate.primalResidual).toBeLessThanOrEqual(1e-10);

  const upper = sharpness(problem, beta);
  expect(Math.abs(upper - result.value)).toBeLessThanOrEqual(ROUND * scale);

  let trace = 0;
  for (let i = 0; i < n; i++) {
    trace += z[i * n + i]!;
    for (let j = 0; j < n; j++) expect(z[i * n + j]).toBe(z[j * n + i]);
  }
  expect(Math.abs(trace - 1)).toBeLessThanOrEqual(1e-13);
  const zMin = Math.min(...eigenvalues(z, n));
  expect(zMin).toBeGreaterThanOrEqual(-1e-15);
  expect(Math.abs(zMin - certificate.zMinEigenvalue)).toBeLessThanOrEqual(1e-12);

  let worst = -Infinity;
  for (let i = 0; i < d; i++) {
    let xz = 0;
    let xnu = 0;
    for (let r = 0; r < n; r++) {
      xnu += X[r * d + i]! * nu[r]!;
      for (let c = 0; c < n; c++) xz += X[r * d + i]! * z[r * n + c]! * X[c * d + i]!;
    }
    worst = Math.max(worst, Math.abs(xnu) - (2 / n) * xz);
  }
  expect(worst).toBeLessThanOrEqual(1e-14 * scale);
  expect(certificate.dualFeasibilityViolation).toBeLessThanOrEqual(1e-13);

  const lower = y.reduce((s, yk, k) => s + yk * nu[k]!, 0);
  expect(Math.abs(lower - result.lowerBound)).toBeLessThanOrEqual(ROUND * scale);
  expect(lower).toBeLessThanOrEqual(upper + ROUND * scale);
  expect(result.gap).toBeCloseTo(result.value - result.lowerBound, 15);
  expect(result.gap).toBeGreaterThanOrEqual(0);
  expect(upper - lower).toBeLessThanOrEqual(gapRequired);
  expect(result.relativeGap).toBeCloseTo(result.gap / result.value, 15);
}

/** λ_flat for N = 2, d = 3 by brute force: β(s) = β₀ + s·n₀ on the feasible line, λmax of the
 * 2×2 matrix in closed form, a dense scan then golden section (f is convex in s). */
function bruteForce23(problem: FlatProblem): number {
  const { X, y } = problem;
  const r0 = [X[0]!, X[1]!, X[2]!];
  const r1 = [X[3]!, X[4]!, X[5]!];
  const nul = [r0[1]! * r1[2]! - r0[2]! * r1[1]!, r0[2]! * r1[0]! - r0[0]! * r1[2]!, r0[0]! * r1[1]! - r0[1]! * r1[0]!];
  const b0 = projectAffine(problem, new Float64Array(3), y);
  const f = (s: number) => {
    let a = 0;
    let b = 0;
    let c = 0;
    for (let i = 0; i < 3; i++) {
      const w = Math.abs(b0[i]! + s * nul[i]!);
      a += r0[i]! * r0[i]! * w;
      b += r0[i]! * r1[i]! * w;
      c += r1[i]! * r1[i]! * w;
    }
    // (2/N) = 1 for N = 2.
    return (a + c) / 2 + Math.hypot((a - c) / 2, b);
  };
  let R = 1 / norm(nul);
  while (f(R) <= f(0) || f(-R) <= f(0)) R *= 2;
  const steps = 4000;
  let bestK = 0;
  let bestF = Infinity;
  for (let k = 0; k <= steps; k++) {
    const v = f(-R + (2 * R * k) / steps);
    if (v < bestF) {
      bestF = v;
      bestK = k;
    }
  }
  let lo = -R + (2 * R * (bestK - 1)) / steps;
  let hi = -R + (2 * R * (bestK + 1)) / steps;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 200 && hi - lo > 1e-15 * R; it++) {
    const m1 = hi - g * (hi - lo);
    const m2 = lo + g * (hi - lo);
    if (f(m1) <= f(m2)) hi = m2;
    else lo = m1;
  }
  return Math.min(bestF, f((lo + hi) / 2));
}

// --- Tests -------------------------------------------------------------------------------------

describe('flattestSharpness: certified gap', () => {
  it('reaches gap ≤ 1e-6 with an independently verified certificate (N = 10, d = 100)', () => {
    flattestSharpness(makeProblem(10, 100, 999)); // JIT warm-up, not timed
    const times: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const problem = makeProblem(10, 100, seed);
      const t0 = performance.now();
      const result = flattestSharpness(problem);
      times.push(performance.now() - t0);
      expect(result.status).toBe('ok');
      expect(result.gap).toBeLessThanOrEqual(1e-8); // the default gapTol
      expectCertified(problem, result, GAP_REQUIRED);
      expect(result.iterations).toBeLessThan(200);
    }
    const mean = times.reduce((s, t) => s + t, 0) / times.length;
    // Typically ~0.1–0.3 s per solve; generous for a loaded 2-core machine.
    expect(mean).toBeLessThan(2000);
  });

  it('reaches the gap on small problems (N = 3, d = 8), also with a tight tolerance', () => {
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      const problem = makeProblem(3, 8, seed);
      const result = flattestSharpness(problem, { gapTol: 1e-10 });
      expect(result.status).toBe('ok');
      expectCertified(problem, result, 1e-10);
    }
  });

  it('matches a brute-force scan on the feasible line (N = 2, d = 3)', () => {
    for (const seed of [21, 22, 23, 24, 25, 26, 27, 28]) {
      const problem = makeProblem(2, 3, seed);
      const result = flattestSharpness(problem, { gapTol: 1e-10 });
      expectCertified(problem, result, 1e-10);
      const brute = bruteForce23(problem);
      // Sandwich: the certified interval contains the brute-force minimum.
      expect(result.lowerBound).toBeLessThanOrEqual(brute + 1e-13);
      expect(brute).toBeLessThanOrEqual(result.value + 1e-13);
      expect(Math.abs(result.value - brute)).toBeLessThanOrEqual(1e-9);
    }
  });

  it('matches the closed form 2|y|·minᵢ|xᵢ| for N = 1 (a weighted ℓ1 problem)', () => {
    for (const seed of [31, 32, 33]) {
      const problem = makeProblem(1, 7, seed);
      const exact = 2 * Math.abs(problem.y[0]!) * Math.min(...Array.from(problem.X, Math.abs));
      const result = flattestSharpness(problem, { gapTol: 1e-11 });
      expectCertified(problem, result, 1e-11);
      expect(result.lowerBound).toBeLessThanOrEqual(exact + 1e-14);
      expect(exact).toBeLessThanOrEqual(result.value + 1e-14);
    }
  });

  it('returns the only feasible point when N = d', () => {
    const problem = makeProblem(5, 5, 41);
    const beta = projectAffine(problem, new Float64Array(5), problem.y);
    const exact = sharpness(problem, beta);
    const result = flattestSharpness(problem, { gapTol: 1e-9 });
    expectCertified(problem, result, 1e-9);
    expect(Math.abs(result.value - exact)).toBeLessThanOrEqual(1e-10 * exact);
  });

  it('keeps valid bounds when stopped early (status max-iterations)', () => {
    const problem = makeProblem(10, 100, 3);
    const early = flattestSharpness(problem, { maxIterations: 4 });
    const full = flattestSharpness(problem);
    expect(early.status).toBe('max-iterations');
    expect(early.iterations).toBe(4);
    expect(early.gap).toBeGreaterThan(1e-8);
    expectCertified(problem, early, Infinity);
    expect(early.lowerBound).toBeLessThanOrEqual(full.value + ROUND);
    expect(full.lowerBound).toBeLessThanOrEqual(early.value + ROUND);
  });
});

describe('flattestSharpness: invariances and the bound', () => {
  /** Both certified intervals [L, U] contain λ_flat, so they must overlap. */
  function expectOverlap(a: { lowerBound: number; value: number }, b: { lowerBound: number; value: number }) {
    expect(Math.max(a.lowerBound, b.lowerBound)).toBeLessThanOrEqual(Math.min(a.value, b.value) + ROUND);
  }

  it('is invariant under permuting and sign-flipping columns and rotating rows', () => {
    const problem = makeProblem(10, 100, 7);
    const base = flattestSharpness(problem);
    const rand = rng(77);
    const { n, d, X, y } = problem;
    // Permutation (Fisher–Yates) and random signs of the columns.
    const perm = Array.from({ length: d }, (_, i) => i);
    for (let i = d - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const signs = perm.map(() => (rand() < 0.5 ? -1 : 1));
    const Xp = new Float64Array(n * d);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) Xp[r * d + c] = signs[c]! * X[r * d + perm[c]!]!;
    const permuted = flattestSharpness({ n, d, X: Xp, y });
    expectOverlap(base, permuted);
    expect(Math.abs(base.value - permuted.value)).toBeLessThanOrEqual(GAP_REQUIRED);
    // Orthogonal Q (Gram–Schmidt of a Gaussian matrix): (QX, Qy) has A ↦ QAQᵀ.
    const g = gaussian(rng(78));
    const Q = Array.from({ length: n }, () => Array.from({ length: n }, g));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const dot = Q[i]!.reduce((s, v, k) => s + v * Q[j]![k]!, 0);
        Q[i] = Q[i]!.map((v, k) => v - dot * Q[j]![k]!);
      }
      const len = norm(Q[i]!);
      Q[i] = Q[i]!.map((v) => v / len);
    }
    const Xq = new Float64Array(n * d);
    const yq = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < n; k++) {
        yq[r] = yq[r]! + Q[r]![k]! * y[k]!;
        for (let c = 0; c < d; c++) Xq[r * d + c] = Xq[r * d + c]! + Q[r]![k]! * X[k * d + c]!;
      }
    }
    const rotated = flattestSharpness({ n, d, X: Xq, y: yq });
    expectOverlap(base, rotated);
  });

  it('scales with |c| when y ↦ c·y and with a when X ↦ a·X', () => {
    const problem = makeProblem(10, 100, 8);
    const base = flattestSharpness(problem);
    for (const c of [-1, -3.5, 0.01, 40]) {
      const y = problem.y.map((v) => c * v);
      const scaled = flattestSharpness({ ...problem, y }, { gapTol: 1e-8 * Math.abs(c) });
      expect(scaled.status).toBe('ok');
      expectOverlap({ lowerBound: Math.abs(c) * base.lowerBound, value: Math.abs(c) * base.value }, scaled);
      expect(Math.abs(scaled.value - Math.abs(c) * base.value)).toBeLessThanOrEqual(1e-7 * Math.abs(c));
    }
    const a = 2.5;
    const X = problem.X.map((v) => a * v);
    const scaledX = flattestSharpness({ ...problem, X });
    expectOverlap({ lowerBound: a * base.lowerBound, value: a * base.value }, scaledX);
  });

  it('λ_flat ≤ λmax(A(β)) for random feasible β (min-norm solution plus null-space noise)', () => {
    for (const [n, d, seed] of [
      [10, 100, 51],
      [3, 8, 52],
    ] as const) {
      const problem = makeProblem(n, d, seed);
      const result = flattestSharpness(problem);
      const g = gaussian(rng(seed + 1000));
      const minNorm = projectAffine(problem, new Float64Array(d), problem.y);
      let smallest = Infinity;
      for (let trial = 0; trial < 60; trial++) {
        const amplitude = [0, 1e-3, 1e-2, 0.1, 1][trial % 5]!;
        const start = minNorm.map((v) => v + amplitude * g());
        // Also points near the reported optimum (the bound is tight there).
        const near = trial % 2 === 0 ? start : result.beta.map((v) => v + amplitude * 1e-2 * g());
        const beta = projectAffine(problem, near, problem.y);
        expect(residualNorm(problem, beta)).toBeLessThanOrEqual(1e-10 * norm(problem.y));
        const s = sharpness(problem, beta);
        expect(s).toBeGreaterThanOrEqual(result.lowerBound - ROUND);
        smallest = Math.min(smallest, s);
      }
      expect(smallest).toBeGreaterThanOrEqual(result.value - result.gap - ROUND);
      expect(sharpness(problem, minNorm)).toBeGreaterThan(result.value);
    }
  });
});

describe('flattestSharpness: input contract', () => {
  const ok = makeProblem(3, 8, 61);

  it('throws EoslabError (E_OPTION) on inconsistent or non-finite input', () => {
    const big = makeProblem(8, 3, 62);
    expect(() => flattestSharpness(big)).toThrow(EoslabError);
    expect(() => flattestSharpness(big)).toThrow(/n ≤ d/);
    const nanX = Float64Array.from(ok.X);
    nanX[5] = NaN;
    expect(() => flattestSharpness({ ...ok, X: nanX })).toThrow(/X has a non-finite entry/);
    const infY = Float64Array.from(ok.y);
    infY[1] = Infinity;
    expect(() => flattestSharpness({ ...ok, y: infY })).toThrow(/y has a non-finite entry/);
    expect(() => flattestSharpness({ ...ok, X: ok.X.subarray(1) })).toThrow(EoslabError);
    expect(() => flattestSharpness({ ...ok, y: new Float64Array(2) })).toThrow(EoslabError);
    expect(() => flattestSharpness({ ...ok, n: 0, y: new Float64Array(0), X: new Float64Array(0) })).toThrow(
      EoslabError,
    );
    expect(() => flattestSharpness({ ...ok, n: 2.5 })).toThrow(EoslabError);
    expect(() => flattestSharpness(ok, { gapTol: 0 })).toThrow(/gapTol/);
    expect(() => flattestSharpness(ok, { gapTol: NaN })).toThrow(/gapTol/);
    expect(() => flattestSharpness(ok, { maxIterations: 0 })).toThrow(/maxIterations/);
  });

  it('throws EoslabError when X is rank deficient (Xβ = y may have no solution)', () => {
    const X = Float64Array.from(ok.X);
    for (let i = 0; i < ok.d; i++) X[2 * ok.d + i] = X[i]!; // third row = first row
    expect(() => flattestSharpness({ ...ok, X })).toThrow(/full row rank/);
  });

  it('returns λ_flat = 0 exactly for y = 0 (β = 0 is feasible)', () => {
    const result = flattestSharpness({ ...ok, y: new Float64Array(ok.n) });
    expect(result.status).toBe('ok');
    expect(result.value).toBe(0);
    expect(result.lowerBound).toBe(0);
    expect(result.gap).toBe(0);
    expect(result.relativeGap).toBe(0);
    expect(Array.from(result.beta)).toEqual(new Array(ok.d).fill(0));
    expect(result.certificate.zMinEigenvalue).toBeCloseTo(1 / ok.n, 15);
  });
});
