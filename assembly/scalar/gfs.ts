// Gradient-flow solution (GFS) of the scalar network (model.md §1.5).
//
// Gradient flow conserves the balances wᵢ² − wⱼ², so wᵢ(t)² = wᵢ(0)² + σ(t). If π(w) > 0 it ends at
//   𝒮(w) = sign(w) ⊙ √(w² + s*),  F(s*) = Σᵢ log(wᵢ² + s*) = 0,  s* ∈ (−minᵢ wᵢ², ∞),
// and its sharpness is φ(w) = Σᵢ 1/(wᵢ² + s*). If π(w) ≤ 0 the flow ends at a saddle: no GFS.
//
// The same root finder solves Σᵢ log(aᵢ + s) = target for GPGD (model.md §1.6) and for moving a point
// along its gradient-flow line to a prescribed product (model.md §2). F is strictly increasing and
// concave, so Newton from the left of the root is monotone; from the right it may overshoot below
// −min aᵢ, where the bracket turns the step into a bisection. Converges to |Δs| ≤ 4 ulp.
import { ld, st, SCRATCH_VEC_D, RESULT_OK, Status, assertDepth } from '../abi';

const MAX_ITERATIONS: i32 = 200;

/** Root s of Σᵢ log(aᵢ + s) = target over s > −minᵢ aᵢ (aᵢ ≥ 0, finite). NaN if inputs are not. */
export function logShift(a: usize, D: i32, target: f64): f64 {
  return logShiftFromZero(a, D, target, 0, 0.0);
}

/**
 * logShift when F's terms at s = 0 are known: `logsAtZero` holds log aᵢ and `slopeAtZero` is
 * Σᵢ 1/aᵢ summed in index order from 0.0 (what the first iteration computes when every aᵢ > 0).
 * The heatmap's family cells share their aᵢ along a column, so their first iteration costs D
 * additions instead of D logarithms and divisions; the root has logShift's bits (aᵢ + 0.0 = aᵢ).
 * `logsAtZero` = 0: nothing known.
 */
export function logShiftFromZero(a: usize, D: i32, target: f64, logsAtZero: usize, slopeAtZero: f64): f64 {
  assertDepth(D);
  let aMin = Infinity;
  for (let i = 0; i < D; i++) {
    const ai = ld(a, i);
    if (!(ai >= 0.0) || !isFinite(ai)) return NaN;
    if (ai < aMin) aMin = ai;
  }
  if (!isFinite(target)) return NaN;
  let lo = -aMin; // F(lo) = −∞
  let hi = Infinity;
  let s = 0.0;
  if (aMin == 0.0) s = 1.0; // F(0) = −∞: start inside the domain
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    let f = -target;
    let slope = 0.0;
    if (it == 0 && logsAtZero != 0 && s == 0.0) {
      for (let i = 0; i < D; i++) f += ld(logsAtZero, i);
      slope = slopeAtZero;
    } else {
      for (let i = 0; i < D; i++) {
        const x = ld(a, i) + s;
        f += Math.log(x);
        slope += 1.0 / x;
      }
    }
    if (f == 0.0) return s;
    if (f < 0.0) lo = s;
    else hi = s;
    let next = s - f / slope;
    if (!(next > lo && next < hi)) {
      next = isFinite(hi) ? 0.5 * (lo + hi) : s + 2.0 * Math.max(Math.abs(s), 1.0);
    }
    // 4 ulp of the quantities that matter, aᵢ + s: relative to |s|, but never below 4ε·min aᵢ
    // (when s* ≈ 0, i.e. π ≈ 1, a purely relative test would chase rounding noise).
    const tolerance = 4.0 * f64.EPSILON * Math.max(Math.max(Math.abs(s), Math.abs(next)), aMin);
    if (Math.abs(next - s) <= tolerance || (isFinite(hi) && hi - lo <= tolerance)) return next;
    s = next;
  }
  return s;
}

/**
 * Shift s* of the GFS of w (w² + s* are the GFS squares). Returns NaN when there is no GFS
 * (π ≤ 0) or w is not finite; the reason is `gfsStatus(w, D)`.
 */
export function gfsShift(w: usize, D: i32): f64 {
  assertDepth(D);
  if (gfsStatus(w, D) != RESULT_OK) return NaN;
  const a = SCRATCH_VEC_D;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    st(a, i, wi * wi);
  }
  return logShift(a, D, 0.0);
}

/**
 * RESULT_OK when w has a GFS, Status.noGfs when π ≤ 0, Status.nonFinite for NaN/±Inf entries and
 * for entries whose square overflows (|wᵢ| > 1.34e154: the GFS squares wᵢ² + s* cannot be formed in
 * float64, so 𝒮(w) and φ would come out NaN).
 */
export function gfsStatus(w: usize, D: i32): i32 {
  assertDepth(D);
  let p = 1.0;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    if (!isFinite(wi * wi)) return Status.nonFinite;
    p *= wi;
  }
  // Sign of π from the signs (a product of many small weights may underflow to 0 but still be > 0).
  let negatives = 0;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    if (wi == 0.0) return Status.noGfs;
    if (wi < 0.0) negatives++;
  }
  return (negatives & 1) == 0 ? RESULT_OK : Status.noGfs;
}

/** out = 𝒮(w), the GFS point (out may alias w). Returns RESULT_OK or the no-GFS status (out = NaN). */
export function gfsPoint(w: usize, D: i32, out: usize): i32 {
  assertDepth(D);
  const status = gfsStatus(w, D);
  if (status != RESULT_OK) {
    for (let i = 0; i < D; i++) st(out, i, NaN);
    return status;
  }
  const s = gfsShift(w, D);
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    const root = Math.sqrt(wi * wi + s);
    st(out, i, wi < 0.0 ? -root : root);
  }
  return RESULT_OK;
}

/** φ(w) = S(𝒮(w)) = Σᵢ 1/(wᵢ² + s*); NaN when there is no GFS. */
export function gfsSharpness(w: usize, D: i32): f64 {
  assertDepth(D);
  const s = gfsShift(w, D);
  if (isNaN(s)) return NaN;
  let phi = 0.0;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    phi += 1.0 / (wi * wi + s);
  }
  return phi;
}
