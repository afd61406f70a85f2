/**
 * The data set of the squared regression (diagonal linear) model, X ∈ ℝᴺˣᵈ (row-major) and y ∈ ℝᴺ,
 * and its validation: the input of RegressionEngine (engines/regression.ts) and of the regression
 * experiment.
 */
import { invalidOption } from '../base/errors.js';

export interface RegressionProblem {
  n: number;
  d: number;
  /** n×d, row-major. */
  X: Float64Array;
  y: Float64Array;
}

/**
 * Validates a problem given by a user: shapes, finite entries, N ≤ d and full row rank (the GFS
 * predictor of model.md §4 assumes interpolation: Xβ = y has solutions and XXᵀ is invertible).
 */
export function checkProblem(problem: RegressionProblem, label = 'data'): RegressionProblem {
  if (typeof problem !== 'object' || problem === null) throw invalidOption(label, problem, 'an object { n, d, X, y }');
  const { n, d, X, y } = problem;
  if (!Number.isInteger(n) || n < 1) throw invalidOption(`${label}.n`, n, 'a positive integer');
  if (!Number.isInteger(d) || d < 1) throw invalidOption(`${label}.d`, d, 'a positive integer');
  if (!(X instanceof Float64Array)) throw invalidOption(`${label}.X`, X, 'a Float64Array (N×d, row-major)');
  if (!(y instanceof Float64Array)) throw invalidOption(`${label}.y`, y, 'a Float64Array of N values');
  if (n > d) {
    throw invalidOption(
      `${label}`,
      `N = ${n} > d = ${d}`,
      'N ≤ d: the model must be able to interpolate (docs/model.md §4)',
    );
  }
  if (X.length !== n * d || y.length !== n) {
    throw invalidOption(
      `${label}`,
      `X of ${X.length}, y of ${y.length} entries`,
      `X with N·d = ${n * d}, y with N = ${n}`,
    );
  }
  for (let k = 0; k < X.length; k++) {
    if (!Number.isFinite(X[k])) throw invalidOption(`${label}.X`, X[k], 'finite entries');
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw invalidOption(`${label}.y`, y[i], 'finite entries');
  // full row rank: Cholesky of XXᵀ must succeed with a pivot above a relative threshold
  const G = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (X[i * d + k] as number) * (X[j * d + k] as number);
      G[i * n + j] = s;
      if (i === j) scale = Math.max(scale, s);
    }
  }
  for (let j = 0; j < n; j++) {
    let diag = G[j * n + j] as number;
    for (let k = 0; k < j; k++) diag -= (G[j * n + k] as number) ** 2;
    if (!(diag > 1e-12 * scale)) {
      throw invalidOption(`${label}.X`, `rank < N = ${n}`, 'rows of X linearly independent (XXᵀ invertible)');
    }
    const root = Math.sqrt(diag);
    G[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = G[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (G[i * n + k] as number) * (G[j * n + k] as number);
      G[i * n + j] = s / root;
    }
  }
  return problem;
}
