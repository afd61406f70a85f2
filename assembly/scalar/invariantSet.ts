// Membership in the positive invariant set 𝕊ᴰ_η (model.md §1.7, Definition 3.1 of the paper).
// Along the GF line of w (squares uᵢ + σ, uᵢ the GFS squares) the point of product p has
// GD-image product  h(p) = p ∏ᵢ (1 − η p (p − 1)/(uᵢ + σ(p))).
//   P_max = sup_{p ∈ (0,1]} h(p)        (≥ h(1) = 1)
//   P_min = the smallest p ≥ 1 with η p (p − 1) = minᵢ(uᵢ + σ(p))   (GD sends the product to 0)
//   w ∈ 𝕊  ⇔  π(w) > 0,  φ(w) ≤ 2√2/η  and  max(π(w), P_max) < P_min.
// Both are found in the σ parametrisation (p(σ) = √∏(uᵢ + σ) is increasing): P_max by a scan of
// σ ∈ (−u_min, 0] on a grid refined towards −u_min (where p → 0) then golden-section refinement;
// P_min by a geometric scan of σ ≥ 0 for the first sign change, then bisection.
import { ld, st, assertDepth } from '../abi';
import { product } from './model';
import { gfsShift } from './gfs';

const U: usize = memory.data(64 * 8, 16);
const SCAN_POINTS: i32 = 4096;
const GOLDEN_ITERATIONS: i32 = 80;
const INV_PHI: f64 = 0.6180339887498949;

@inline
function productAt(D: i32, sigma: f64): f64 {
  let q = 1.0;
  for (let i = 0; i < D; i++) q *= ld(U, i) + sigma;
  return Math.sqrt(q);
}

@inline
function gdImageProductAt(D: i32, eta: f64, sigma: f64): f64 {
  const p = productAt(D, sigma);
  const pull = eta * p * (p - 1.0);
  let h = p;
  for (let i = 0; i < D; i++) h *= 1.0 - pull / (ld(U, i) + sigma);
  return h;
}

/** Smallest σ ≥ 0 with η p(p−1) − (u_min + σ) = 0, as the product p(σ); Infinity if none found. */
function productFloorCrossing(D: i32, eta: f64, uMin: f64): f64 {
  let prevSigma = 0.0;
  let sigma = 1e-9 * Math.max(uMin, 1e-300);
  for (let it = 0; it < 4000; it++) {
    const p = productAt(D, sigma);
    const k = eta * p * (p - 1.0) - (uMin + sigma);
    if (k >= 0.0) {
      let lo = prevSigma;
      let hi = sigma;
      for (let b = 0; b < 200; b++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        const pm = productAt(D, mid);
        if (eta * pm * (pm - 1.0) - (uMin + mid) >= 0.0) hi = mid;
        else lo = mid;
      }
      return productAt(D, hi);
    }
    if (!isFinite(p)) return Infinity;
    prevSigma = sigma;
    sigma = sigma * 1.05 + 1e-12;
  }
  return Infinity;
}

/** sup over p ∈ (0, 1] of the GD-image product along the GF line (≥ 1). */
function maxImageProduct(D: i32, eta: f64, uMin: f64): f64 {
  // σ = −u_min (1 − τ²): the quadratic spacing puts most points near p → 0.
  let best = gdImageProductAt(D, eta, 0.0);
  let bestK = SCAN_POINTS;
  for (let k = 1; k < SCAN_POINTS; k++) {
    const tau = <f64>k / <f64>SCAN_POINTS;
    const h = gdImageProductAt(D, eta, -uMin * (1.0 - tau * tau));
    if (h > best) {
      best = h;
      bestK = k;
    }
  }
  // golden-section refinement in τ on [τ_{k−1}, τ_{k+1}] ∩ (0, 1]
  let a = <f64>(bestK - 1) / <f64>SCAN_POINTS;
  let b = Math.min(<f64>(bestK + 1) / <f64>SCAN_POINTS, 1.0);
  for (let it = 0; it < GOLDEN_ITERATIONS; it++) {
    const c = b - INV_PHI * (b - a);
    const d = a + INV_PHI * (b - a);
    const hc = gdImageProductAt(D, eta, -uMin * (1.0 - c * c));
    const hd = gdImageProductAt(D, eta, -uMin * (1.0 - d * d));
    if (hc > best) best = hc;
    if (hd > best) best = hd;
    if (hc > hd) b = d;
    else a = c;
  }
  return Math.max(best, 1.0);
}

/**
 * 1 if w ∈ 𝕊ᴰ_η, else 0. Writes [φ(w), P_max, P_min, π(w)] to `info` (NaN where undefined).
 */
export function invariantSetMembership(w: usize, D: i32, eta: f64, info: usize): i32 {
  assertDepth(D);
  const p = product(w, D);
  st(info, 0, NaN);
  st(info, 1, NaN);
  st(info, 2, NaN);
  st(info, 3, p);
  const s = gfsShift(w, D);
  if (isNaN(s) || !(eta > 0.0)) return 0;
  let phi = 0.0;
  let uMin = Infinity;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    const ui = wi * wi + s;
    st(U, i, ui);
    phi += 1.0 / ui;
    if (ui < uMin) uMin = ui;
  }
  st(info, 0, phi);
  const pMax = maxImageProduct(D, eta, uMin);
  const pMin = productFloorCrossing(D, eta, uMin);
  st(info, 1, pMax);
  st(info, 2, pMin);
  const sharpnessOk = phi <= (2.0 * Math.SQRT2) / eta;
  return sharpnessOk && p > 0.0 && Math.max(p, pMax) < pMin ? 1 : 0;
}
