/**
 * The flattest-sharpness problem λ_flat = min { λmax((2/N) X diag(|β|) Xᵀ) : Xβ = y } (derivation
 * and method in flat.ts): its types and defaults, the input contract, and the helpers in original
 * units shared by the solver (flat.ts) and the certificate (flatCertificate.ts): A(β), λmax(A(β)),
 * the Cholesky factor of XXᵀ and the projection onto {Xβ = y}.
 */
import { EoslabError } from '../../base/errors.js';
import { numberOption } from '../../base/options.js';
import { defineOptions, resolveOptions } from '../../base/optionSet.js';
import { cholesky, choleskySolve, maxOf, minOf, symmetricEigen } from '../../base/dense.js';

/** One data set: X is N × d row-major (N = n rows/samples, d columns/features), y ∈ ℝᴺ. */
export interface FlatProblem {
  n: number;
  d: number;
  X: Float64Array;
  y: Float64Array;
}

export interface FlatOptions {
  /** Absolute gap U − L to reach (original units; scale it with the data: λ_flat is proportional
   * to |c| under y ↦ cy and to a under X ↦ aX). Default 1e-8. */
  gapTol?: number;
  /** Budget of Newton steps over all barrier stages. Default 400. */
  maxIterations?: number;
}

export interface FlatCertificate {
  /** max(0, maxᵢ |xᵢᵀν| − cᵢ(Z), |tr Z − 1|), recomputed from Z and ν. */
  dualFeasibilityViolation: number;
  /** Smallest eigenvalue of Z (Jacobi on the reported Z); ≥ 0 for a valid certificate. */
  zMinEigenvalue: number;
  /** ‖Xβ − y‖ / ‖y‖ (0 when y = 0). */
  primalResidual: number;
  /** The dual matrix Z (N × N row-major, symmetric, tr Z = 1). */
  z: Float64Array;
  /** The dual vector ν ∈ ℝᴺ with |Xᵀν| ≤ c(Z); lowerBound = yᵀν. */
  nu: Float64Array;
}

export interface FlatResult {
  /** U = λmax((2/N) X diag(|β|) Xᵀ) for the reported feasible β. */
  value: number;
  /** L = yᵀν ≤ λ_flat. */
  lowerBound: number;
  /** U − L. */
  gap: number;
  /** (U − L)/U (0 when U = 0). */
  relativeGap: number;
  beta: Float64Array;
  /** Newton steps taken. */
  iterations: number;
  status: 'ok' | 'max-iterations' | 'uncertified';
  certificate: FlatCertificate;
}

/** The options of `flattestSharpness` (library only), with their defaults. */
export const FLAT_OPTIONS = defineOptions({
  gapTol: {
    spec: numberOption('gapTol', 'gap-tol', 'absolute gap U − L to reach', { exclusiveMin: 0 }),
    default: 1e-8,
  },
  maxIterations: {
    spec: numberOption('maxIterations', 'max-iterations', 'budget of Newton steps', { integer: true, min: 1 }),
    default: 400,
  },
});

/** A(β) = (2/N) X diag(|β|) Xᵀ. */
export function sharpnessMatrix(X: Float64Array, n: number, d: number, beta: Float64Array): Float64Array {
  const a = new Float64Array(n * n);
  const f = 2 / n;
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[r * d + i]! * Math.abs(beta[i]!) * X[c * d + i]!;
      a[r * n + c] = f * s;
      a[c * n + r] = f * s;
    }
  }
  return a;
}

/** λmax((2/N) X diag(|β|) Xᵀ), by Jacobi. */
export function sharpnessAt(problem: FlatProblem, beta: Float64Array): number {
  return maxOf(symmetricEigen(sharpnessMatrix(problem.X, problem.n, problem.d, beta), problem.n).values);
}

/** Cholesky factor of XXᵀ (throws E_OPTION if X is numerically rank deficient). */
export function gramFactor(X: Float64Array, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  let maxDiag = 0;
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[r * d + i]! * X[c * d + i]!;
      g[r * n + c] = s;
      g[c * n + r] = s;
    }
    maxDiag = Math.max(maxDiag, g[r * n + r]!);
  }
  const eig = symmetricEigen(g, n).values;
  if (!(maxDiag > 0) || !(minOf(eig) > 1e-12 * maxOf(eig))) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: X must have full row rank (XXᵀ is singular or nearly so)');
  }
  if (!cholesky(g, n)) throw new EoslabError('E_OPTION', 'flattestSharpness: X must have full row rank');
  return g;
}

/** β ← β − Xᵀ(XXᵀ)⁻¹(Xβ − y), twice (the second pass removes the first's rounding). */
export function projectFeasible(
  X: Float64Array,
  n: number,
  d: number,
  gram: Float64Array,
  y: Float64Array,
  beta: Float64Array,
) {
  const r = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < n; k++) {
      let s = -y[k]!;
      for (let i = 0; i < d; i++) s += X[k * d + i]! * beta[i]!;
      r[k] = s;
    }
    choleskySolve(gram, n, r);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[k * d + i]! * r[k]!;
      beta[i] = beta[i]! - s;
    }
  }
}

/** Checks the input contract of flattestSharpness (see flat.ts); returns the resolved options. */
export function validateFlat(problem: FlatProblem, options: FlatOptions) {
  if (typeof problem !== 'object' || problem === null) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: problem must be an object { n, d, X, y }', 'problem');
  }
  const { n, d, X, y } = problem;
  if (typeof n !== 'number' || typeof d !== 'number') {
    throw new EoslabError('E_OPTION', 'flattestSharpness: n and d must be numbers', 'problem');
  }
  if (typeof options !== 'object' || options === null) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: options must be an object', 'options');
  }
  if (
    (options.gapTol !== undefined && typeof options.gapTol !== 'number') ||
    (options.maxIterations !== undefined && typeof options.maxIterations !== 'number')
  ) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: gapTol and maxIterations must be numbers', 'options');
  }
  if (!Number.isInteger(n) || n < 1)
    throw new EoslabError('E_OPTION', `flattestSharpness: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(d) || d < 1)
    throw new EoslabError('E_OPTION', `flattestSharpness: d must be an integer ≥ 1, got ${d}`);
  if (n > d)
    throw new EoslabError(
      'E_OPTION',
      `flattestSharpness: needs n ≤ d (an underdetermined system), got n = ${n} > d = ${d}`,
    );
  if (!(X instanceof Float64Array) || X.length !== n * d) {
    throw new EoslabError('E_OPTION', `flattestSharpness: X must be a Float64Array of length n·d = ${n * d}`);
  }
  if (!(y instanceof Float64Array) || y.length !== n) {
    throw new EoslabError('E_OPTION', `flattestSharpness: y must be a Float64Array of length n = ${n}`);
  }
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i]!))
      throw new EoslabError('E_OPTION', `flattestSharpness: X has a non-finite entry at ${i}: ${X[i]}`);
  }
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(y[k]!))
      throw new EoslabError('E_OPTION', `flattestSharpness: y has a non-finite entry at ${k}: ${y[k]}`);
  }
  return resolveOptions(FLAT_OPTIONS, options);
}
