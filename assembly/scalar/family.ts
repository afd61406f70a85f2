// The (φ₀, p₀) initialisation family (model.md §2).
// Given a direction c (Σcᵢ = 0, c ≠ 0), a target GFS sharpness φ₀ ≥ D and a product p₀ > 0:
//  (1) t ≥ 0 with G(t) = Σᵢ e^{−2t cᵢ} = φ₀ (G(0) = D, G′(0) = 0, G convex ⇒ increasing on t ≥ 0),
//      w*ᵢ = e^{t cᵢ}: a minimum (∏ w* = 1) whose sharpness is Σ 1/w*ᵢ² = φ₀;
//  (2) move along its GF line to product p₀: wᵢ = √(w*ᵢ² + s) with Σ log(w*ᵢ² + s) = 2 log p₀.
import { ld, st, RESULT_OK, Status, assertDepth } from '../abi';
import { logShiftFromZero } from './gfs';

const SQUARES: usize = memory.data(64 * 8, 16);

/** Solve G(t) = φ₀ for t ≥ 0 by bracketing and safeguarded Newton. */
function sharpnessExponent(c: usize, D: i32, phi0: f64): f64 {
  if (phi0 <= <f64>D) return 0.0;
  let lo = 0.0;
  let hi = 1.0;
  for (let it = 0; it < 2000; it++) {
    let g = 0.0;
    for (let i = 0; i < D; i++) g += Math.exp(-2.0 * hi * ld(c, i));
    if (g >= phi0) break;
    lo = hi;
    hi *= 2.0;
  }
  let t = hi;
  for (let it = 0; it < 300; it++) {
    let g = -phi0;
    let slope = 0.0;
    for (let i = 0; i < D; i++) {
      const e = Math.exp(-2.0 * t * ld(c, i));
      g += e;
      slope -= 2.0 * ld(c, i) * e;
    }
    if (g == 0.0) return t;
    if (g < 0.0) lo = t;
    else hi = t;
    let next = t - g / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 4.0 * f64.EPSILON * Math.abs(t) || hi - lo <= 4.0 * f64.EPSILON * hi) return next;
    t = next;
  }
  return t;
}

/** u = w*² of the minimum with GFS sharpness φ₀ in direction c (step 1). Returns Σ 1/uᵢ (= φ₀). */
export function familySquares(c: usize, D: i32, phi0: f64, u: usize): f64 {
  assertDepth(D);
  const t = sharpnessExponent(c, D, phi0);
  let phi = 0.0;
  for (let i = 0; i < D; i++) {
    const e = Math.exp(t * ld(c, i));
    st(u, i, e * e);
    phi += 1.0 / (e * e);
  }
  return phi;
}

/** out = the point of product p₀ on the GF line through the minimum with squares u (step 2). */
export function moveToProduct(u: usize, D: i32, p0: f64, out: usize): void {
  moveToProductFrom(u, D, p0, 0, 0.0, out);
}

/**
 * moveToProduct with log uᵢ and Σᵢ 1/uᵢ known (gfs.ts `logShiftFromZero`; `logs` = 0: not known):
 * the same point, bit for bit.
 */
export function moveToProductFrom(u: usize, D: i32, p0: f64, logs: usize, inverseSum: f64, out: usize): void {
  assertDepth(D);
  const s = logShiftFromZero(u, D, 2.0 * Math.log(p0), logs, inverseSum);
  for (let i = 0; i < D; i++) st(out, i, Math.sqrt(ld(u, i) + s));
}

/** out = the weights of the (φ₀, p₀) family for direction c. Host validates φ₀ ≥ D, p₀ > 0, c. */
export function initFromGfsSharpness(c: usize, D: i32, phi0: f64, p0: f64, out: usize): i32 {
  assertDepth(D);
  if (!isFinite(phi0) || !isFinite(p0) || !(p0 > 0.0)) return Status.nonFinite;
  familySquares(c, D, phi0, SQUARES);
  moveToProduct(SQUARES, D, p0, out);
  return RESULT_OK;
}
