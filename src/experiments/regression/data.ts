/**
 * Synthetic data for the squared regression (diagonal linear) model: X ∈ ℝᴺˣᵈ with i.i.d.
 * 𝒩(μ, 1) entries (the paper's App. B.3 draws x ~ 𝒩(μ𝟏, σ²I); σ = 1 loses nothing: GD on σX
 * from (u₀, v₀) with step η is GD on X from √σ·(u₀, v₀) with step ση, every sharpness scaled by
 * σ), y ∈ ℝᴺ with i.i.d. 𝒩(0, 1) entries, drawn from sfc32
 * stream `seed` (X row by row, then y), so a data set depends on its seed and μ alone; μ = 0 gives
 * the centred data of earlier versions, bit for bit.
 */
import { OPTIONS } from '../../base/options.js';
import { Sfc32 } from '../../base/random.js';
import type { RegressionProblem } from '../../engines/regressionProblem.js';

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
