// Largest eigenvalue of a diagonal-plus-rank-one matrix M = diag(d) + ρ z zᵀ (model.md §1.2 fast path),
// from the secular equation 1 + ρ Σᵢ zᵢ² / (dᵢ − λ) = 0. With d₁ = max dᵢ and δᵢ = d₁ − dᵢ ≥ 0:
//  • ρ > 0: λ = d₁ + μ, μ > 0 the root of g(μ) = Σ zᵢ²/(δᵢ + μ) − 1/ρ. g is convex and decreasing,
//    so Newton started left of the root (μ₀ = ρ z₁², where g ≥ 0) increases monotonically to it.
//  • ρ < 0: λ = d₁ − μ with μ ∈ (0, δ₂), δ₂ the smallest other gap (interlacing); h(μ) =
//    z₁²/μ + Σ_{i≠1} zᵢ²/(μ − δᵢ) − 1/|ρ| decreases from +∞ to −∞: safeguarded Newton–bisection.
//    A tie δ₂ = 0 makes d₁ itself the top eigenvalue.
//  • ρ = 0: λ = d₁.
// Working in μ (the distance to d₁) rather than λ avoids cancellation. Requires all zᵢ ≠ 0.
import { ld } from '../abi';

const MAX_ITERATIONS: i32 = 200;

/** Index of the largest dᵢ (the first of equal ones). */
export function topIndex(d: usize, n: i32): i32 {
  let top = 0;
  for (let i = 1; i < n; i++) if (ld(d, i) > ld(d, top)) top = i;
  return top;
}

export function topEigenDiagonalPlusRankOne(d: usize, z: usize, n: i32, rho: f64): f64 {
  const top = topIndex(d, n);
  const dTop = ld(d, top);
  if (rho == 0.0) return dTop;
  const zTop = ld(z, top);
  if (rho > 0.0) {
    const invRho = 1.0 / rho;
    let mu = rho * zTop * zTop;
    for (let it = 0; it < MAX_ITERATIONS; it++) {
      let g = -invRho;
      let slope = 0.0;
      for (let i = 0; i < n; i++) {
        const zi = ld(z, i);
        const denom = dTop - ld(d, i) + mu;
        const term = (zi * zi) / denom;
        g += term;
        slope += term / denom;
      }
      if (g <= 0.0 || slope == 0.0) break; // at (or numerically past) the root
      const next = mu + g / slope;
      if (next - mu <= 2.0 * f64.EPSILON * mu) {
        mu = next;
        break;
      }
      mu = next;
    }
    return dTop + mu;
  }
  // ρ < 0
  let gap = Infinity;
  for (let i = 0; i < n; i++) {
    if (i == top) continue;
    const delta = dTop - ld(d, i);
    if (delta < gap) gap = delta;
  }
  if (gap == 0.0) return dTop;
  const invAbsRho = -1.0 / rho;
  const zTop2 = zTop * zTop;
  let lo = 0.0;
  let hi = gap;
  let mu = 0.5 * gap;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    let h = zTop2 / mu - invAbsRho;
    let slope = -zTop2 / (mu * mu);
    for (let i = 0; i < n; i++) {
      if (i == top) continue;
      const zi = ld(z, i);
      const denom = mu - (dTop - ld(d, i));
      h += (zi * zi) / denom;
      slope -= (zi * zi) / (denom * denom);
    }
    if (h == 0.0) break;
    if (h > 0.0) lo = mu;
    else hi = mu;
    let next = mu - h / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - mu) <= 2.0 * f64.EPSILON * mu || hi - lo <= 2.0 * f64.EPSILON * hi) {
      mu = next;
      break;
    }
    mu = next;
  }
  return dTop - mu;
}
