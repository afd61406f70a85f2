/**
 * Synthetic data for the squared regression (diagonal linear) model: X ∈ ℝᴺˣᵈ with i.i.d.
 * 𝒩(μ, 1) entries (the paper's App. B.3 draws x ~ 𝒩(μ𝟏, σ²I); σ = 1 loses nothing: GD on σX
 * from (u₀, v₀) with step η is GD on X from √σ·(u₀, v₀) with step ση, every sharpness scaled by
 * σ), y ∈ ℝᴺ with i.i.d. 𝒩(0, 1) entries, drawn from sfc32
 * stream `seed` (X row by row, then y), so a data set depends on its seed and μ alone; μ = 0 gives
 * the centred data of earlier versions, bit for bit.
 */
import { invalidOption } from '../../base/errors.js';
import { OPTIONS } from '../../options.js';
import { Sfc32 } from '../../base/random.js';
import type { RegressionProblem } from '../../engines/regression.js';

/** Fixed "seed" of the sfc32 generator; the data seed picks the stream. */
const DATA_GENERATOR = 0x5eed_da7a;

export function syntheticData(n: number, d: number, seed: number, mean = 0): RegressionProblem {
  OPTIONS.samplesN.check(n, 'n');
  OPTIONS.features.check(d, 'd');
  OPTIONS.seed.check(seed, 'seed');
  OPTIONS.xMean.check(mean, 'xMean');
  const random = new Sfc32(DATA_GENERATOR, seed);
  const X = new Float64Array(n * d);
  for (let k = 0; k < n * d; k++) X[k] = mean + random.gaussian();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = random.gaussian();
  return { n, d, X, y };
}

/**
 * Validates a problem given by a user: shapes, finite entries, N ≤ d and full row rank (the GFS
 * predictor of SPEC §4 assumes interpolation: Xβ = y has solutions and XXᵀ is invertible).
 */
export function checkProblem(problem: RegressionProblem, label = 'data'): RegressionProblem {
  if (typeof problem !== 'object' || problem === null) throw invalidOption(label, problem, 'an object { n, d, X, y }');
  const { n, d, X, y } = problem;
  if (!Number.isInteger(n) || n < 1) throw invalidOption(`${label}.n`, n, 'a positive integer');
  if (!Number.isInteger(d) || d < 1) throw invalidOption(`${label}.d`, d, 'a positive integer');
  if (!(X instanceof Float64Array)) throw invalidOption(`${label}.X`, X, 'a Float64Array (N×d, row-major)');
  if (!(y instanceof Float64Array)) throw invalidOption(`${label}.y`, y, 'a Float64Array of N values');
  if (n > d) {
    throw invalidOption(`${label}`, `N = ${n} > d = ${d}`, 'N ≤ d: the model must be able to interpolate (SPEC §4)');
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
