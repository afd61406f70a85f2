// Gradient-flow solution (GFS) of the regression model and its sharpness (model.md §4, after
// Azulay et al. 2021). Gradient flow conserves Δ = u² − v² (elementwise); with k = |Δ| > 0,
// β₀ = u⊙v, aᵢ = arcsinh(2β₀ᵢ/kᵢ):
//   β∞(ν) = (k/2) ⊙ sinh(θ(ν)),  θ(ν) = a + 2Xᵀν,  ν ∈ ℝᴺ solving Xβ∞(ν) = y.
// ν minimises the strictly convex Φ(ν) = Σᵢ (kᵢ/4) cosh θᵢ(ν) − yᵀν:
//   ∇Φ = Xβ∞(ν) − y,   ∇²Φ = X diag(k ⊙ cosh θ) Xᵀ  (positive definite for X of full row rank).
// Damped Newton: p = −(∇²Φ)⁻¹∇Φ by Cholesky, Armijo backtracking on Φ, where the decrease is
// evaluated without cancellation as
//   Φ(ν + tp) − Φ(ν) = Σᵢ (kᵢ/2) sinh(θᵢ + δᵢ/2) sinh(δᵢ/2) − t yᵀp,   δ = 2t Xᵀp;
// if no step length passes (rounding near the optimum) the full step is taken when it reduces
// ‖∇Φ‖, else the solve stops. Converged when ‖Xβ∞ − y‖ ≤ tol·(‖y‖ + ‖|X||β∞|‖).
// Weights (derived; model.md §4 gives the squares): with s = √(Δ² + 4β∞²) (= k cosh θ),
//   Δᵢ > 0: u never crosses 0 under GF (u² = v² + Δ ≥ Δ), so uᵢ = sign(u₀ᵢ)√((s + Δ)/2), vᵢ = β∞ᵢ/uᵢ;
//   Δᵢ < 0: symmetric, vᵢ = sign(v₀ᵢ)√((s − Δ)/2), uᵢ = β∞ᵢ/vᵢ.
// So the dominant factor keeps its sign and the other one takes sign(β∞ᵢ)·sign(dominant): when
// β changes sign along the flow, the smaller factor changes sign (NOT "signs of u₀, v₀").
// GFS sharpness: φ = λmax((1/N) X diag(√(k² + 4β∞²)) Xᵀ), N×N, by Jacobi.
import { ld, st } from '../abi';
import { regSymmetricEigen } from './eigen';
import { at, offGfs } from './layout';
import { regXtz } from './model';

export const GFS_OK: i32 = 0;
export const GFS_NO_CONVERGENCE: i32 = 1;
export const GFS_DEGENERATE: i32 = 2; // some kᵢ = 0 or a non-finite input: no predictor

/** θ = a + 2Xᵀν, β = (k/2) sinh θ, r = Xβ − y; returns ‖r‖/(‖y‖ + ‖|X||β|‖). */
function evaluate(
  X: usize, y: usize, n: i32, d: i32, k: usize, a: usize, nu: usize, theta: usize, beta: usize, r: usize,
): f64 {
  regXtz(X, n, d, nu, 2.0, theta);
  for (let j = 0; j < d; j++) {
    const t = ld(a, j) + ld(theta, j);
    st(theta, j, t);
    st(beta, j, 0.5 * ld(k, j) * Math.sinh(t));
  }
  let rr = 0.0;
  let yy = 0.0;
  let ss = 0.0;
  for (let i = 0; i < n; i++) {
    const row = X + ((<usize>i * <usize>d) << 3);
    let s = 0.0;
    let sAbs = 0.0;
    for (let j = 0; j < d; j++) {
      const term = ld(row, j) * ld(beta, j);
      s += term;
      sAbs += Math.abs(term);
    }
    const yi = ld(y, i);
    const ri = s - yi;
    st(r, i, ri);
    rr += ri * ri;
    yy += yi * yi;
    ss += sAbs * sAbs;
  }
  const rel = Math.sqrt(rr) / (Math.sqrt(yy) + Math.sqrt(ss));
  return isFinite(rel) ? rel : Infinity;
}

/** M = X diag(w) Xᵀ · scale into the n×n matrix at out. */
function weightedGram(X: usize, n: i32, d: i32, w: usize, scale: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const ri = X + ((<usize>i * <usize>d) << 3);
    for (let l = 0; l <= i; l++) {
      const rl = X + ((<usize>l * <usize>d) << 3);
      let s = 0.0;
      for (let j = 0; j < d; j++) s += ld(ri, j) * ld(w, j) * ld(rl, j);
      s *= scale;
      st(out, i * n + l, s);
      st(out, l * n + i, s);
    }
  }
}

/**
 * GFS of the flow from (u, v). `nu` (n entries) holds the warm start (zeros for a cold start) and
 * receives the solution. Outputs: betaOut, uOut, vOut (d each; 0 to skip the weights),
 * info = [φ, Newton iterations, relative residual]. Returns GFS_OK, GFS_NO_CONVERGENCE or
 * GFS_DEGENERATE (outputs NaN). work ≥ regWorkLength(n, d) f64.
 */
export function regGfs(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, nu: usize, maxIter: i32, tol: f64, work: usize,
  betaOut: usize, uOut: usize, vOut: usize, info: usize,
): i32 {
  const base = offGfs(n, d);
  const k = at(work, base);
  const a = at(work, base + d);
  const theta = at(work, base + 2 * d);
  const xp = at(work, base + 3 * d);
  const beta = at(work, base + 4 * d);
  const r = at(work, base + 5 * d);
  const p = at(work, base + 5 * d + n);
  const trial = at(work, base + 5 * d + 2 * n);
  const H = at(work, base + 5 * d + 3 * n);
  const M = at(work, base + 5 * d + 3 * n + n * n);

  let degenerate = false;
  for (let j = 0; j < d; j++) {
    const uj = ld(u, j);
    const vj = ld(v, j);
    const kj = Math.abs(uj * uj - vj * vj);
    if (!(kj > 0.0) || !isFinite(kj) || !isFinite(uj * vj)) degenerate = true;
    st(k, j, kj);
    st(a, j, Math.asinh((2.0 * uj * vj) / kj));
  }
  for (let i = 0; i < n; i++) if (!isFinite(ld(nu, i))) st(nu, i, 0.0);
  if (degenerate) {
    for (let j = 0; j < d; j++) {
      st(betaOut, j, NaN);
      if (uOut != 0) st(uOut, j, NaN);
      if (vOut != 0) st(vOut, j, NaN);
    }
    st(info, 0, NaN);
    st(info, 1, 0.0);
    st(info, 2, NaN);
    return GFS_DEGENERATE;
  }

  let rel = evaluate(X, y, n, d, k, a, nu, theta, beta, r);
  if (!isFinite(rel)) {
    // The warm start overflows sinh: restart cold.
    for (let i = 0; i < n; i++) st(nu, i, 0.0);
    rel = evaluate(X, y, n, d, k, a, nu, theta, beta, r);
  }
  let iter = 0;
  let status = GFS_NO_CONVERGENCE;
  while (true) {
    if (rel <= tol) {
      status = GFS_OK;
      break;
    }
    if (iter >= maxIter || !isFinite(rel)) break;
    iter++;
    // Newton matrix X diag(k cosh θ) Xᵀ (xp holds the weights for now) and its Cholesky factor.
    for (let j = 0; j < d; j++) st(xp, j, ld(k, j) * Math.cosh(ld(theta, j)));
    weightedGram(X, n, d, xp, 1.0, H);
    let spd = true;
    for (let c = 0; c < n; c++) {
      let diag = ld(H, c * n + c);
      for (let l = 0; l < c; l++) diag -= ld(H, c * n + l) * ld(H, c * n + l);
      if (!(diag > 0.0)) {
        spd = false;
        break;
      }
      const lcc = Math.sqrt(diag);
      st(H, c * n + c, lcc);
      for (let i = c + 1; i < n; i++) {
        let s = ld(H, i * n + c);
        for (let l = 0; l < c; l++) s -= ld(H, i * n + l) * ld(H, c * n + l);
        st(H, i * n + c, s / lcc);
      }
    }
    if (!spd) break;
    // p = −H⁻¹r: forward (L) then backward (Lᵀ) substitution.
    for (let i = 0; i < n; i++) {
      let s = -ld(r, i);
      for (let l = 0; l < i; l++) s -= ld(H, i * n + l) * ld(p, l);
      st(p, i, s / ld(H, i * n + i));
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = ld(p, i);
      for (let l = i + 1; l < n; l++) s -= ld(H, l * n + i) * ld(p, l);
      st(p, i, s / ld(H, i * n + i));
    }
    let slope = 0.0; // ∇Φᵀp < 0
    let yp = 0.0;
    let rr = 0.0;
    for (let i = 0; i < n; i++) {
      slope += ld(r, i) * ld(p, i);
      yp += ld(y, i) * ld(p, i);
      rr += ld(r, i) * ld(r, i);
    }
    regXtz(X, n, d, p, 2.0, xp); // xp = 2Xᵀp
    let t = 1.0;
    let accepted = false;
    for (let back = 0; back < 60; back++) {
      let dPhi = -t * yp;
      for (let j = 0; j < d; j++) {
        const half = 0.5 * t * ld(xp, j);
        dPhi += 0.5 * ld(k, j) * Math.sinh(ld(theta, j) + half) * Math.sinh(half);
      }
      if (dPhi <= 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    for (let i = 0; i < n; i++) st(trial, i, ld(nu, i) + (accepted ? t : 1.0) * ld(p, i));
    // Keep ν in `trial` until the step is known to be good.
    const relTrial = evaluate(X, y, n, d, k, a, trial, theta, beta, r);
    let rrTrial = 0.0;
    for (let i = 0; i < n; i++) rrTrial += ld(r, i) * ld(r, i);
    if (!accepted && !(rrTrial < rr)) {
      rel = evaluate(X, y, n, d, k, a, nu, theta, beta, r); // restore; stagnated
      break;
    }
    for (let i = 0; i < n; i++) st(nu, i, ld(trial, i));
    rel = relTrial;
  }

  // Outputs: β∞, weights, φ.
  const ok = status == GFS_OK;
  for (let j = 0; j < d; j++) {
    const bj = ld(beta, j);
    st(betaOut, j, bj);
    if (uOut != 0 && vOut != 0) {
      const uj = ld(u, j);
      const vj = ld(v, j);
      const delta = uj * uj - vj * vj;
      const s = ld(k, j) * Math.cosh(ld(theta, j)); // √(Δ² + 4β²)
      if (delta > 0.0) {
        const big = Math.sqrt(0.5 * (s + delta)) * (uj < 0.0 ? -1.0 : 1.0);
        st(uOut, j, big);
        st(vOut, j, bj / big);
      } else {
        const big = Math.sqrt(0.5 * (s - delta)) * (vj < 0.0 ? -1.0 : 1.0);
        st(vOut, j, big);
        st(uOut, j, bj / big);
      }
    }
  }
  let phi = NaN;
  if (ok) {
    for (let j = 0; j < d; j++) st(xp, j, ld(k, j) * Math.cosh(ld(theta, j)));
    weightedGram(X, n, d, xp, 1.0 / <f64>n, M);
    phi = regSymmetricEigen(M, n, 0, 0);
  }
  st(info, 0, phi);
  st(info, 1, <f64>iter);
  st(info, 2, rel);
  return status;
}
