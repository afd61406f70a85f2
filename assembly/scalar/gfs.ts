// Gradient-flow solution (GFS) of the scalar network (model.md §1.5).
//
// Gradient flow conserves the balances wᵢ² − wⱼ², so wᵢ(t)² = wᵢ(0)² + σ(t). If π(w) > 0 it ends at
//   𝒮(w) = sign(w) ⊙ √(w² + s*),  F(s*) = Σᵢ log(wᵢ² + s*) = 0,  s* ∈ (−minᵢ wᵢ², ∞),
// and its sharpness is φ(w) = Σᵢ 1/(wᵢ² + s*). If π(w) ≤ 0 the flow ends at a saddle: no GFS.
//
// s* is the root of F (logShift.ts, the same root finder as GPGD's and the family's).
import { ld, st, SCRATCH_VEC_D, RESULT_OK, Status, assertDepth } from '../abi';
import { logShift } from './logShift';

export { logShift, logShiftFromZero } from './logShift';

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
