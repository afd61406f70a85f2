// Theorem checks along GD on the scalar network (model.md §1.7, §1.8; GD step model.md §1.4; φ model.md §1.5).
//
// One run per initial point w⁽⁰⁾, GD until L < tol (converged), |π| ≥ divergeAt or a non-finite
// product (diverged), π ≤ 0 (no GFS) or maxSteps. For a run that starts in 𝕊 (reference test
// `invariantSetMembership`), or for every run when `forceChecks` is set, each step w → w⁺ = GD(w)
// is checked against
//   Theorem 3.2   φ(w⁺) ≤ φ(w)(1 + PHI_RTOL)            and   w⁺ ∈ 𝕊
//   Lemma 3.10    GD(w) ⪯_b w: every adjacent gap of the sorted squares of w⁺ is ≤ the matching
//                 gap of w plus BALANCE_RTOL·max wᵢ² (adjacent gaps ≤ ⟺ all gaps ≤)
//   Lemma 3.11    aᵢ = ηπ(π − 1)/wᵢ² < 1 + SIGN_RTOL for every i (no weight changes sign)
//   Lemma 3.12    φ(w⁺) ≥ φ(w) − C η² max(1, π²) L(w) φ(w)³ − PHI_RTOL·φ(w), C = 2 (our derived
//                 constant; the paper's is unknown, so C is a parameter and the largest used
//                 fraction of the bound is reported)
// and, for a converged run, S(w⁽ᵀ⁾) ≤ (2/η)(1 + SHARPNESS_RTOL). Runs outside 𝕊 only count the
// steps where φ increases (the paper's point that 𝕊 is sufficient, not necessary).
//
// Theorem 3.3 (Kreisler et al. 2023; its constants are lost in the text): every run records
// the first step t₀ ≥ 1 at which φ crosses the stability threshold from above (φ(t₀ − 1) > 2/η ≥
// φ(t₀)), the losses L(t₀ − 1), L(t₀) and φ(t₀), and after t₀
//   · the two-step loss ratios L(t + 2)/L(t), t ≥ t₀: their maximum and the number of steps where
//     L(t + 2) > L(t)(1 + LOSS_RTOL) (the proof's chain Lemma 3.14 then Lemma 3.13 gives
//     L(t + 2) ≤ L(t) after the crossing);
//   · a two-step decay rate: exp(2ŝ), ŝ the least-squares slope of log L(t) against t over the
//     steps t ≥ t₀ with t − t₀ even (up to the last step; zero losses skipped);
// and, for any run of ≥ 2 steps, the last two-step ratio L(T)/L(T − 2) (at a minimum of
// sharpness S the product error is multiplied by 1 − ηS per step, so this tends to (1 − ηS∞)⁴).
// Entry into 𝕊 (the paper's remark that φ is non-monotone only in the first few steps, after
// which GD is in 𝕊): a run that starts outside 𝕊 tests the membership of its iterates until one is
// in 𝕊 (a φ above 2√2/η or π ≤ 0 rules it out without a test) and records that entry step and the
// φ increases from it on (Theorem 3.2 says none).
// The membership tests use `membershipEta`, which the host sets to η; a different value is a
// planted fault for the tests (𝕊 of a smaller step size is larger, Lemma I.1).
//
// φ along the run: Newton on log ∏(wᵢ² + s) = 0 warm-started at the previous shift (1–3 steps),
// falling back to the safeguarded `gfsShift`.
//
// Membership of every iterate (the expensive part: the reference scans 4096 points per call) is
// first *certified* by interval bounds, and only when that fails does the reference decide:
//   With GFS squares uᵢ, u_min = uᵢ at m = argmin, δᵢ = uᵢ − u_min, the GF line below product 1 is
//   xᵢ(τ) = δᵢ + u_min τ², τ ∈ (0, 1], p(τ) = √∏xᵢ ≤ 1, and GD's image product is
//     h(τ) = p ∏ᵢ (1 + η p(1 − p)/xᵢ) = [p + η(1 − p) ∏_{j≠m} xⱼ] · ∏_{j≠m} (1 + η p(1 − p)/xⱼ).
//   On [τa, τb] (p ∈ [pa, pb], M = max p(1 − p) there) each piece is bounded above by
//     p + η(1 − p)∏_{j≠m}xⱼ ≤ pb + η(1 − pa) ∏_{j≠m} xⱼ(τb),
//     p(1 − p)/xⱼ ≤ min( M/xⱼ(τa), (1 − pa)·√(∏_{k≠j,m} xₖ(τb)) )   (p/xⱼ ≤ √∏_{k≠j,m}xₖ as x_m ≤ xⱼ),
//   finite even at τ → 0 and for tied minima; branch and bound splits τ-intervals until every
//   bound is below a threshold T (certified sup h < T) or a point has h ≥ T (not certified).
//   Above product 1 (σ ≥ 0, xᵢ = uᵢ + σ, p ≥ 1) k(σ) = η p(p − 1) − (u_min + σ) is bounded on
//   [σa, σb] by η pb(pb − 1) − (u_min + σa); marching with doubling/halving steps certifies k < 0
//   on [0, σ*], hence P_min ≥ P_lo = p(σ*), with σ* within 1e-6 relative of the first crossing.
//   Certified member ⟺ π > 0, φ < (2√2/η)(1 − CERT_RTOL), π < T and sup h < T, T = P_lo(1 − CERT_RTOL).
// Certification implies the reference's verdict "member" (the reference's scans can only
// underestimate P_max and overestimate P_min), so the verdict "left 𝕊" always comes from it.
import { ld, st, Status } from '../../abi';
import { product, sharpness } from '../model';
import { invariantSetMembership } from '../invariantSet';
import { gfsShift, gfsStatus } from '../gfs';
import { gdStep } from '../gd';

/** Relative rounding allowance on φ (Theorem 3.2 and Lemma 3.12); φ is accurate to ~1e-15. */
const PHI_RTOL: f64 = 1e-10;
/** Allowance on a balance gap, relative to the largest square (squares carry ~1e-16 rounding). */
const BALANCE_RTOL: f64 = 1e-12;
/** Allowance on aᵢ < 1 (Lemma 3.11). */
const SIGN_RTOL: f64 = 1e-12;
/** Allowance on the final S ≤ 2/η: S differs from the limit φ by O(√L) ≈ 1e-7 at L = 1e-14. */
const SHARPNESS_RTOL: f64 = 1e-6;
/** Safety margin of the certified membership test against rounding in its bounds. */
const CERT_RTOL: f64 = 1e-9;
/**
 * Allowance on a two-step loss increase after the crossing: L carries a relative rounding error of
 * about 2ε/|π − 1| ≤ 5e-9 down to L = 1e-14 (|π − 1| ≈ 1.4e-7).
 */
const LOSS_RTOL: f64 = 1e-6;

/**
 * One record of theoremCheckRuns per run: f64 columns.
 * @abi record
 */
export enum CheckRunColumn {
  /** in 𝕊 at t = 0 (1 or 0) */
  inInvariantSet = 0,
  /** status: a Status code (converged, diverged, max-steps, or no-gfs when π ≤ 0 is reached) */
  status = 1,
  /** GD steps */
  steps = 2,
  /** steps where φ increased */
  phiIncreases = 3,
  /** iterates outside 𝕊 */
  outsideSet = 4,
  /** Lemma 3.10 violations */
  lemma310 = 5,
  /** Lemma 3.11 violations */
  lemma311 = 6,
  /** Lemma 3.12 violations */
  lemma312 = 7,
  /** final S */
  finalSharpness = 8,
  /** final φ */
  finalGfsSharpness = 9,
  /** initial φ */
  initialGfsSharpness = 10,
  /** initial π */
  initialProduct = 11,
  /** largest relative increase of φ */
  maxPhiIncrease = 12,
  /** membership tests decided by the reference kernel */
  referenceCalls = 13,
  /** first violating step (−1 none) */
  firstViolationStep = 14,
  /** final loss */
  finalLoss = 15,
  /** converged with S > (2/η)(1 + SHARPNESS_RTOL) (1 or 0) */
  sharpnessViolation = 16,
  /** max (φ − φ⁺)/(C η² max(1, π²) L φ³) */
  lemma312MaxRatio = 17,
  /** max aᵢ */
  maxA = 18,
  /** step checks ran (1 or 0) */
  checked = 19,
  /** crossing step t₀: first t ≥ 1 with φ(t − 1) > 2/η ≥ φ(t) (−1 none) */
  crossingStep = 20,
  /** L(t₀) */
  lossAtCrossing = 21,
  /** L(t₀ − 1) */
  lossBeforeCrossing = 22,
  /** φ(t₀) */
  gfsSharpnessAtCrossing = 23,
  /** two-step loss decay rate after t₀: exp(2·slope) of a least-squares fit of log L(t) on the t ≥ t₀ with t − t₀ even */
  decayRate = 24,
  /** steps t ≥ t₀ with L(t + 2) > L(t)(1 + LOSS_RTOL) */
  twoStepIncreases = 25,
  /** max over t ≥ t₀ of L(t + 2)/L(t) */
  maxTwoStepRatio = 26,
  /** last two-step loss ratio L(T)/L(T − 2) */
  lastTwoStepRatio = 27,
  /** entry step into 𝕊 (0 in 𝕊 at t = 0, −1 none) */
  entryStep = 28,
  /** φ increases from the entry step on */
  phiIncreasesAfterEntry = 29,
  /** membership tests certified by interval bounds */
  certifiedCalls = 30,
  /** number of columns @stride */
  stride = 31,
}

const MAX_BOUND_EVALS: i32 = 4000;
const MIN_TAU_WIDTH: f64 = 1e-13;
const STACK_CAPACITY: i32 = 200;
const FLOOR_RTOL: f64 = 1e-6;

const CUR: usize = memory.data(64 * 8, 16);
const NXT: usize = memory.data(64 * 8, 16);
const SQ_CUR: usize = memory.data(64 * 8, 16);
const SQ_NXT: usize = memory.data(64 * 8, 16);
const DELTA: usize = memory.data(64 * 8, 16);
const SQUARES: usize = memory.data(64 * 8, 16);
const INFO: usize = memory.data(4 * 8, 16);
const STACK: usize = memory.data(2 * STACK_CAPACITY * 8, 16);

// Parameters of the GF line under test (set by certifyMember).
let lineDepth: i32 = 0;
let lineEta: f64 = 0.0;
let lineMin: i32 = 0;
let lineUMin: f64 = 0.0;

/** Counters of the certified test since the last reset (read by the tests through the host). */
let certifiedCount: f64 = 0.0;
let referenceCount: f64 = 0.0;

// ---------------------------------------------------------------------------------------------
// φ along the run
// ---------------------------------------------------------------------------------------------

/** Shift s of the GFS of w by Newton from s0 (fallback: gfsShift). NaN when π(w) ≤ 0. */
function trackedShift(w: usize, D: i32, s0: f64): f64 {
  if (gfsStatus(w, D) != 0) return NaN;
  let aMin = Infinity;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    const a = wi * wi;
    if (a < aMin) aMin = a;
  }
  let s = s0;
  if (!(s > -aMin) || !isFinite(s)) return gfsShift(w, D);
  for (let it = 0; it < 40; it++) {
    let prod = 1.0;
    let slope = 0.0;
    for (let i = 0; i < D; i++) {
      const wi = ld(w, i);
      const x = wi * wi + s;
      prod *= x;
      slope += 1.0 / x;
    }
    const f = Math.log(prod);
    if (!isFinite(f)) return gfsShift(w, D);
    const next = s - f / slope;
    if (!(next > -aMin) || !isFinite(next)) return gfsShift(w, D);
    const scale = Math.max(Math.max(Math.abs(s), Math.abs(next)), aMin);
    if (Math.abs(next - s) <= 4.0 * f64.EPSILON * scale) return next;
    s = next;
  }
  return gfsShift(w, D);
}

@inline
function phiOf(w: usize, D: i32, s: f64): f64 {
  let phi = 0.0;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    phi += 1.0 / (wi * wi + s);
  }
  return phi;
}

/** out = the squares of w sorted in decreasing order (insertion sort, D ≤ 64). */
function sortedSquares(w: usize, D: i32, out: usize): void {
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    const x = wi * wi;
    let j = i - 1;
    while (j >= 0 && ld(out, j) < x) {
      st(out, j + 1, ld(out, j));
      j--;
    }
    st(out, j + 1, x);
  }
}

// ---------------------------------------------------------------------------------------------
// Certified membership in 𝕊
// ---------------------------------------------------------------------------------------------

/** p(τ) below product 1: √∏(δᵢ + u_min τ²). */
@inline
function productBelow(tau: f64): f64 {
  const q = lineUMin * tau * tau;
  let prod = 1.0;
  for (let i = 0; i < lineDepth; i++) prod *= ld(DELTA, i) + q;
  return Math.sqrt(prod);
}

/** h(τ): the product of GD's image of the point of the GF line at τ. */
function imageProductBelow(tau: f64): f64 {
  const q = lineUMin * tau * tau;
  const p = productBelow(tau);
  const gain = lineEta * p * (1.0 - p);
  let h = p;
  for (let i = 0; i < lineDepth; i++) h *= 1.0 + gain / (ld(DELTA, i) + q);
  return h;
}

/** An upper bound of h on [ta, tb] (see the header). */
function imageProductBound(ta: f64, tb: f64): f64 {
  const qa = lineUMin * ta * ta;
  const qb = lineUMin * tb * tb;
  const pa = productBelow(ta);
  const pb = productBelow(tb);
  const oneMinusPa = Math.max(0.0, 1.0 - pa);
  const m = pa <= 0.5 && pb >= 0.5 ? 0.25 : Math.max(pa * (1.0 - pa), pb * (1.0 - pb));
  let restB = 1.0;
  for (let j = 0; j < lineDepth; j++) if (j != lineMin) restB *= ld(DELTA, j) + qb;
  let bound = pb + lineEta * oneMinusPa * restB;
  for (let j = 0; j < lineDepth; j++) {
    if (j == lineMin) continue;
    const xa = ld(DELTA, j) + qa;
    const xb = ld(DELTA, j) + qb;
    const b1 = xa > 0.0 ? m / xa : Infinity;
    const b2 = oneMinusPa * Math.sqrt(restB / xb);
    bound *= 1.0 + lineEta * Math.min(b1, b2);
  }
  return bound;
}

/** Certifies sup over τ ∈ (0, 1] of h(τ) < threshold by branch and bound. */
function imageProductBelowThreshold(threshold: f64): bool {
  let top = 0;
  st(STACK, 0, 0.0);
  st(STACK, 1, 1.0);
  top = 1;
  let evals = 0;
  while (top > 0) {
    top--;
    const ta = ld(STACK, 2 * top);
    const tb = ld(STACK, 2 * top + 1);
    if (imageProductBound(ta, tb) < threshold) continue;
    const tm = 0.5 * (ta + tb);
    if (!(imageProductBelow(tm) < threshold)) return false;
    evals++;
    if (evals > MAX_BOUND_EVALS || tb - ta < MIN_TAU_WIDTH || top + 2 > STACK_CAPACITY) return false;
    st(STACK, 2 * top, tm);
    st(STACK, 2 * top + 1, tb);
    st(STACK, 2 * top + 2, ta);
    st(STACK, 2 * top + 3, tm);
    top += 2;
  }
  return true;
}

/** p(σ) above product 1: √∏(uᵢ + σ) with uᵢ = δᵢ + u_min. */
@inline
function productAbove(sigma: f64): f64 {
  const base = lineUMin + sigma;
  let prod = 1.0;
  for (let i = 0; i < lineDepth; i++) prod *= ld(DELTA, i) + base;
  return Math.sqrt(prod);
}

/** A certified lower bound of P_min (≥ 1), within FLOOR_RTOL of it. */
function productFloorLowerBound(): f64 {
  let sa = 0.0;
  let pa = productAbove(0.0);
  let delta = lineUMin;
  for (let it = 0; it < 400; it++) {
    const sb = sa + delta;
    const pb = productAbove(sb);
    const kUpper = lineEta * pb * (pb - 1.0) - (lineUMin + sa);
    if (kUpper < 0.0) {
      sa = sb;
      pa = pb;
      delta *= 2.0;
    } else {
      delta *= 0.5;
      if (delta <= FLOOR_RTOL * (lineUMin + sa)) break;
    }
  }
  return pa;
}

/** 1 when w (with GFS shift s, φ and product p) is certified to lie in 𝕊ᴰ_η, else 0. */
function certifyMember(w: usize, D: i32, eta: f64, s: f64, phi: f64, p: f64): i32 {
  if (!(p > 0.0) || isNaN(s)) return 0;
  if (!(phi < ((2.0 * Math.SQRT2) / eta) * (1.0 - CERT_RTOL))) return 0;
  let uMin = Infinity;
  let m = 0;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    const u = wi * wi + s;
    st(SQUARES, i, u);
    if (u < uMin) {
      uMin = u;
      m = i;
    }
  }
  if (!(uMin > 0.0) || !isFinite(uMin)) return 0;
  for (let i = 0; i < D; i++) st(DELTA, i, i == m ? 0.0 : ld(SQUARES, i) - uMin);
  lineDepth = D;
  lineEta = eta;
  lineMin = m;
  lineUMin = uMin;
  const threshold = productFloorLowerBound() * (1.0 - CERT_RTOL);
  if (!(p < threshold)) return 0;
  return imageProductBelowThreshold(threshold) ? 1 : 0;
}

/** Membership of w in 𝕊: certified when possible, else the reference kernel decides. */
function memberOf(w: usize, D: i32, eta: f64, s: f64, phi: f64, p: f64): i32 {
  if (certifyMember(w, D, eta, s, phi, p) == 1) {
    certifiedCount += 1.0;
    return 1;
  }
  referenceCount += 1.0;
  return invariantSetMembership(w, D, eta, INFO);
}

/**
 * Membership of the single point w by the certified test alone: 1 certified member, 0 not
 * certified (the reference may still say member). For the tests.
 */
export function theoremCertifiedMember(w: usize, D: i32, eta: f64): i32 {
  const s = gfsShift(w, D);
  if (isNaN(s)) return 0;
  return certifyMember(w, D, eta, s, phiOf(w, D, s), product(w, D));
}

// ---------------------------------------------------------------------------------------------
// The runs
// ---------------------------------------------------------------------------------------------

/**
 * For n initial points (AoS: run k starts at initial + 8·D·k) writes out[31k..31k+31) =
 *  0 in 𝕊 at t = 0 (reference)      1 status (0 converged, 1 diverged, 2 max steps, 3 π ≤ 0 reached)
 *  2 GD steps taken                  3 steps where φ increased (> PHI_RTOL)
 *  4 iterates outside 𝕊              5 Lemma 3.10 violations     6 Lemma 3.11 violations
 *  7 Lemma 3.12 violations           8 final S                    9 final φ
 * 10 initial φ                      11 initial π                 12 largest relative increase of φ
 * 13 membership tests decided by the reference kernel             14 first violating step (−1: none)
 * 15 final loss                     16 1 if converged with S > (2/η)(1 + SHARPNESS_RTOL)
 * 17 max over steps of (φ − φ⁺)/(C η² max(1, π²) L φ³)             18 max over steps of maxᵢ aᵢ
 * 19 1 if the step checks ran (w⁽⁰⁾ ∈ 𝕊 or forceChecks ≠ 0)
 * 20 crossing step t₀: first t ≥ 1 with φ(t − 1) > 2/η ≥ φ(t) (−1: none)
 * 21 L(t₀)                          22 L(t₀ − 1)                  23 φ(t₀)
 * 24 two-step loss decay rate after t₀ (least squares on the even offsets t − t₀; NaN: < 2 points)
 * 25 steps t ≥ t₀ with L(t + 2) > L(t)(1 + LOSS_RTOL)            26 max over t ≥ t₀ of L(t + 2)/L(t)
 * 27 last two-step ratio L(T)/L(T − 2) (NaN: T < 2 or π ≤ 0 reached)
 * 28 first step whose iterate is in 𝕊 (0: in 𝕊 at t = 0; −1: none)
 * 29 steps t ≥ (column 28) where φ increased                      30 membership tests certified
 * Columns 4–7, 13, 16–18 are 0 (or −1) for runs that were not checked; 21–26 are NaN/0 without a
 * crossing (26: 0).
 */
export function theoremCheckRuns(
  D: i32,
  n: i32,
  initial: usize,
  eta: f64,
  tol: f64,
  divergeAt: f64,
  maxSteps: i32,
  lemma312Constant: f64,
  forceChecks: i32,
  membershipEta: f64,
  out: usize,
): void {
  const sharpnessLimit = (2.0 / eta) * (1.0 + SHARPNESS_RTOL);
  const threshold = 2.0 / eta;
  const phiBound = (2.0 * Math.SQRT2) / membershipEta;
  for (let k = 0; k < n; k++) {
    const src = initial + ((<usize>(k * D)) << 3);
    for (let i = 0; i < D; i++) st(CUR, i, ld(src, i));
    const o = out + ((<usize>(k * CheckRunColumn.stride)) << 3);
    const inSet = invariantSetMembership(CUR, D, membershipEta, INFO);
    const checked = inSet == 1 || forceChecks != 0;
    let s = gfsShift(CUR, D);
    let phi = isNaN(s) ? NaN : phiOf(CUR, D, s);
    const phi0 = phi;
    const p0 = product(CUR, D);
    let status = Status.maxSteps;
    let steps = 0;
    let increases = 0;
    let outside = 0;
    let v310 = 0;
    let v311 = 0;
    let v312 = 0;
    let maxIncrease = 0.0;
    let firstViolation = -1;
    let maxRatio = 0.0;
    let maxA = 0.0;
    const referenceBefore = referenceCount;
    const certifiedBefore = certifiedCount;
    // Theorem 3.3 and the entry into 𝕊
    let t0 = -1;
    let lossT0 = NaN;
    let lossBefore = NaN;
    let phiT0 = NaN;
    let twoStepIncreases = 0;
    let maxTwoStep = 0.0;
    let lastTwoStep = NaN;
    let lossM1 = NaN; // L(t − 1)
    let lossM2 = NaN; // L(t − 2)
    let fitN = 0.0;
    let fitX = 0.0;
    let fitY = 0.0;
    let fitXX = 0.0;
    let fitXY = 0.0;
    let entry = inSet == 1 ? 0 : -1;
    let increasesAfterEntry = 0;
    if (isNaN(s)) status = Status.noGfs;
    if (checked) sortedSquares(CUR, D, SQ_CUR);
    while (status == Status.maxSteps) {
      const p = product(CUR, D);
      const r = p - 1.0;
      const L = 0.5 * r * r;
      if (steps >= 2) {
        lastTwoStep = L / lossM2;
        if (t0 >= 0 && steps >= t0 + 2) {
          if (lastTwoStep > maxTwoStep) maxTwoStep = lastTwoStep;
          if (L > lossM2 * (1.0 + LOSS_RTOL)) twoStepIncreases++;
        }
      }
      if (t0 >= 0 && ((steps - t0) & 1) == 0 && L > 0.0) {
        const x = <f64>(steps - t0);
        const y = Math.log(L);
        fitN += 1.0;
        fitX += x;
        fitY += y;
        fitXX += x * x;
        fitXY += x * y;
      }
      lossM2 = lossM1;
      lossM1 = L;
      if (!(Math.abs(p) < divergeAt)) {
        status = Status.diverged;
        break;
      }
      if (L < tol) {
        status = Status.converged;
        break;
      }
      if (steps >= maxSteps) break;
      gdStep(CUR, D, eta, NXT);
      let violated = false;
      if (checked) {
        // Lemma 3.11: aᵢ = ηπ(π − 1)/wᵢ² < 1
        const pull = eta * p * r;
        let bad = false;
        for (let i = 0; i < D; i++) {
          const wi = ld(CUR, i);
          const sq = wi * wi;
          if (sq > 0.0) {
            const a = pull / sq;
            if (a > maxA) maxA = a;
          }
          if (pull >= sq * (1.0 + SIGN_RTOL)) bad = true;
        }
        if (bad) {
          v311++;
          violated = true;
        }
        // Lemma 3.10: adjacent gaps of the sorted squares do not grow
        sortedSquares(NXT, D, SQ_NXT);
        const allowance = BALANCE_RTOL * Math.max(ld(SQ_CUR, 0), ld(SQ_NXT, 0));
        bad = false;
        for (let i = 0; i + 1 < D; i++) {
          const gapNext = ld(SQ_NXT, i) - ld(SQ_NXT, i + 1);
          const gapCur = ld(SQ_CUR, i) - ld(SQ_CUR, i + 1);
          if (gapNext > gapCur + allowance) bad = true;
        }
        if (bad) {
          v310++;
          violated = true;
        }
      }
      const sNext = trackedShift(NXT, D, s);
      steps++;
      if (isNaN(sNext)) {
        // π(w⁺) ≤ 0: no GFS, φ undefined, and w⁺ ∉ 𝕊.
        if (checked) {
          outside++;
          violated = true;
        }
        if (violated && firstViolation < 0) firstViolation = steps - 1;
        for (let i = 0; i < D; i++) st(CUR, i, ld(NXT, i));
        status = Status.noGfs;
        break;
      }
      const phiNext = phiOf(NXT, D, sNext);
      const pNext = product(NXT, D);
      if (phiNext > phi * (1.0 + PHI_RTOL)) {
        increases++;
        const rise = (phiNext - phi) / phi;
        if (rise > maxIncrease) maxIncrease = rise;
        if (checked) violated = true;
        if (entry >= 0) increasesAfterEntry++;
      }
      if (t0 < 0 && phi > threshold && phiNext <= threshold) {
        t0 = steps;
        const rNext = pNext - 1.0;
        lossT0 = 0.5 * rNext * rNext;
        lossBefore = L;
        phiT0 = phiNext;
      }
      if (checked) {
        // Lemma 3.12: φ(w⁺) ≥ φ(w) − C η² max(1, π²) L φ³
        const bound = lemma312Constant * eta * eta * Math.max(1.0, p * p) * L * phi * phi * phi;
        const drop = phi - phiNext;
        if (bound > 0.0 && drop / bound > maxRatio) maxRatio = drop / bound;
        if (drop > bound + PHI_RTOL * phi) {
          v312++;
          violated = true;
        }
        // Theorem 3.2: w⁺ ∈ 𝕊
        if (memberOf(NXT, D, membershipEta, sNext, phiNext, pNext) == 0) {
          outside++;
          violated = true;
        } else if (entry < 0) {
          entry = steps;
        }
        const tmp = SQ_CUR;
        for (let i = 0; i < D; i++) st(tmp, i, ld(SQ_NXT, i));
      } else if (entry < 0 && phiNext <= phiBound) {
        if (memberOf(NXT, D, membershipEta, sNext, phiNext, pNext) == 1) entry = steps;
      }
      if (violated && firstViolation < 0) firstViolation = steps - 1;
      for (let i = 0; i < D; i++) st(CUR, i, ld(NXT, i));
      s = sNext;
      phi = phiNext;
    }
    const pFinal = product(CUR, D);
    const rFinal = pFinal - 1.0;
    const finalLoss = 0.5 * rFinal * rFinal;
    const finalS = sharpness(CUR, D);
    st(o, CheckRunColumn.inInvariantSet, <f64>inSet);
    st(o, CheckRunColumn.status, <f64>status);
    st(o, CheckRunColumn.steps, <f64>steps);
    st(o, CheckRunColumn.phiIncreases, <f64>increases);
    st(o, CheckRunColumn.outsideSet, <f64>outside);
    st(o, CheckRunColumn.lemma310, <f64>v310);
    st(o, CheckRunColumn.lemma311, <f64>v311);
    st(o, CheckRunColumn.lemma312, <f64>v312);
    st(o, CheckRunColumn.finalSharpness, finalS);
    st(o, CheckRunColumn.finalGfsSharpness, status == Status.noGfs ? NaN : phi);
    st(o, CheckRunColumn.initialGfsSharpness, phi0);
    st(o, CheckRunColumn.initialProduct, p0);
    st(o, CheckRunColumn.maxPhiIncrease, maxIncrease);
    st(o, CheckRunColumn.referenceCalls, referenceCount - referenceBefore);
    st(o, CheckRunColumn.firstViolationStep, <f64>firstViolation);
    st(o, CheckRunColumn.finalLoss, finalLoss);
    st(o, CheckRunColumn.sharpnessViolation, checked && status == Status.converged && !(finalS <= sharpnessLimit) ? 1.0 : 0.0);
    st(o, CheckRunColumn.lemma312MaxRatio, maxRatio);
    st(o, CheckRunColumn.maxA, maxA);
    st(o, CheckRunColumn.checked, checked ? 1.0 : 0.0);
    let rate = NaN;
    if (fitN >= 2.0) {
      const slope = (fitN * fitXY - fitX * fitY) / (fitN * fitXX - fitX * fitX);
      rate = Math.exp(2.0 * slope);
    }
    st(o, CheckRunColumn.crossingStep, <f64>t0);
    st(o, CheckRunColumn.lossAtCrossing, lossT0);
    st(o, CheckRunColumn.lossBeforeCrossing, lossBefore);
    st(o, CheckRunColumn.gfsSharpnessAtCrossing, phiT0);
    st(o, CheckRunColumn.decayRate, rate);
    st(o, CheckRunColumn.twoStepIncreases, <f64>twoStepIncreases);
    st(o, CheckRunColumn.maxTwoStepRatio, maxTwoStep);
    st(o, CheckRunColumn.lastTwoStepRatio, status == Status.noGfs ? NaN : lastTwoStep);
    st(o, CheckRunColumn.entryStep, <f64>entry);
    st(o, CheckRunColumn.phiIncreasesAfterEntry, <f64>increasesAfterEntry);
    st(o, CheckRunColumn.certifiedCalls, certifiedCount - certifiedBefore);
  }
}

/** Memberships certified / decided by the reference since the last reset; resets both. */
export function theoremMembershipCounts(out: usize): void {
  st(out, 0, certifiedCount);
  st(out, 1, referenceCount);
  certifiedCount = 0.0;
  referenceCount = 0.0;
}
