// Checks of Lemmas 3.13 and 3.14 of Kreisler et al. (2023) on GPGD (GPGD step
// steps/gpgd.ts, GD step steps/gd.ts). The lemmas' constants and exact neighbourhoods are lost in
// the paper's text; what is checked here is stated in full.
//
// Lemma 3.13. GPGD keeps the balances, so φ is constant along its orbit and the product obeys the
// 1-D map g with g(1) = 1 and g′(1) = 1 − ηφ (steps/gpgd.ts). For 1/η < φ < 2/η the multiplier
// λ = 1 − ηφ lies in (−1, 0): near π = 1 the error b = π − 1 changes sign at every step and
// shrinks geometrically, at the local rate |λ|. From a point w, GPGD runs until |b| ≤ B_STOP (or
// maxSteps, or GPGD is undefined: π(GD(w)) ≤ 0 or not finite), storing the errors b₀, b₁, …; the
// sequence is then verified (gpgdOrbitVerify, also exported so the tests can feed it planted
// sequences) against
//   sign      b_{k+1} b_k < 0 for every step (b_{k+1} = 0 exactly ends the check: converged)
//   decay     r_k = |b_{k+1}|/|b_k| ≤ ρ* = (1 + |λ|)/2, i.e. geometric decay at a rate strictly
//             between the local rate |λ| and 1 (the largest used fraction (r_k − |λ|)/(1 − |λ|)
//             of that room is reported; ≤ ½ is the claim)
//   rate      at the first k with |b_k| ≤ B_RATE: |r_k − |λ|| ≤ RATE_ATOL (r − |λ| = O(|b|) from
//             the map's curvature, plus rounding of b ≈ 1e-15/|b|; both ≪ RATE_ATOL there)
// Lemma 3.14. For the same w, the loss after two GD steps against the loss after two GPGD steps
// (one step of each gives the same product, so the same loss): violated when
//   |π(GD(GD(w))) − 1| > |π(GPGD(GPGD(w))) − 1| + PRODUCT_ATOL,  or GPGD² undefined
// (products near 1 carry a few ulps of rounding).
import { ld, st, RESULT_OK, MAX_DEPTH } from '../../abi';
import { product } from '../model';
import { gfsShift } from '../gfs';
import { gdStep } from '../gd';
import { gpgdStep } from '../gpgd';

/** GPGD stops when |π − 1| ≤ B_STOP (sign and decay are still resolved there: |b| ≫ 1e-15). */
const B_STOP: f64 = 1e-9;
/** The local rate is compared at the first error |π − 1| ≤ B_RATE. */
const B_RATE: f64 = 1e-7;
/** Allowance on |r − |1 − ηφ|| at |π − 1| ≤ B_RATE. */
const RATE_ATOL: f64 = 1e-5;
/** Allowance on |π − 1| in the Lemma 3.14 comparison (64 ε). */
const PRODUCT_ATOL: f64 = 64.0 * f64.EPSILON;
/** Longest stored orbit. */
const MAX_ORBIT: i32 = 8192;

/**
 * How a Lemma 3.13 GPGD orbit ended.
 * @abi
 */
export enum GpgdPointStatus {
  /** |π − 1| ≤ B_STOP was reached */
  reached = 0,
  /** the step budget ran out first @label max-steps */
  maxSteps = 1,
  /** GPGD was undefined (π ≤ 0 at a step, or no GFS at the start) */
  undefined = 2,
}

/**
 * One record of gpgdLemmaChecks per point: f64 columns.
 * @abi record
 */
export enum GpgdPointColumn {
  /** φ */
  gfsSharpness = 0,
  /** π₀ − 1 */
  initialError = 1,
  /** status: a GpgdPointStatus code */
  status = 2,
  /** GPGD steps */
  steps = 3,
  /** Lemma 3.13 sign violations */
  signViolations = 4,
  /** Lemma 3.13 decay violations (|π⁺ − 1| > ρ*|π − 1|, ρ* = (1 + |1 − ηφ|)/2) */
  decayViolations = 5,
  /** largest used fraction (r − |1 − ηφ|)/(1 − |1 − ηφ|) of the room between the local rate and 1 */
  maxRoomUsed = 6,
  /** |r − |1 − ηφ|| at the first |π − 1| ≤ B_RATE */
  rateDeviation = 7,
  /** local rate violation (rateDeviation > RATE_ATOL; 1 or 0) */
  rateViolation = 8,
  /** π(GD(GD(w))) − 1 */
  gdTwoStepError = 9,
  /** π(GPGD(GPGD(w))) − 1 */
  gpgdTwoStepError = 10,
  /** Lemma 3.14 violation (|π(GD²) − 1| > |π(GPGD²) − 1| + PRODUCT_ATOL, or GPGD² undefined; 1 or 0) */
  lemma314Violation = 11,
  /** number of columns @stride */
  stride = 12,
}
/** Doubles written by gpgdOrbitVerify. */
const VERIFY_FIELDS: i32 = 5;

const ORBIT: usize = memory.data(MAX_ORBIT * 8, 16);
const W: usize = memory.data(64 * 8, 16);
const TMP: usize = memory.data(64 * 8, 16);
const VERIFY: usize = memory.data(8 * 8, 16);

/**
 * Verifies the errors b₀ … b_{len−1} (at `values`) of a GPGD orbit with multiplier λ = 1 − ηφ and
 * writes out[0..5) = sign violations, decay violations, largest used fraction of the room
 * (r − |λ|)/(1 − |λ|) (−∞ with no step), |r − |λ|| at the first |b_k| ≤ B_RATE (NaN: not reached),
 * and 1 if that exceeds RATE_ATOL. A step from b_k = 0 is not checked (the orbit has converged).
 */
export function gpgdOrbitVerify(values: usize, len: i32, phi: f64, eta: f64, out: usize): void {
  const local = Math.abs(1.0 - eta * phi);
  const room = 1.0 - local;
  const claim = local + 0.5 * room;
  let sign = 0;
  let decay = 0;
  let used = -Infinity;
  let deviation = NaN;
  for (let k = 0; k + 1 < len; k++) {
    const b = ld(values, k);
    const bNext = ld(values, k + 1);
    if (b == 0.0) break;
    if (!(b * bNext < 0.0) && bNext != 0.0) sign++;
    const r = Math.abs(bNext / b);
    if (!(r <= claim)) decay++;
    const u = (r - local) / room;
    if (u > used || isNaN(u)) used = u;
    if (isNaN(deviation) && Math.abs(b) <= B_RATE) deviation = Math.abs(r - local);
  }
  st(out, 0, <f64>sign);
  st(out, 1, <f64>decay);
  st(out, 2, used);
  st(out, 3, deviation);
  st(out, 4, deviation > RATE_ATOL ? 1.0 : 0.0);
}

/**
 * For n points (AoS: point k at points + 8·D·k) writes out[12k..12k+12) =
 *  0 φ (NaN without a GFS)          1 π₀ − 1
 *  2 status: 0 |π − 1| ≤ B_STOP reached, 1 maxSteps reached first, 2 GPGD undefined (π ≤ 0 at
 *    the start, π(GD(w)) ≤ 0 or non-finite on the way)
 *  3 GPGD steps taken               4 sign violations             5 decay violations
 *  6 largest used fraction (r − |λ|)/(1 − |λ|)                    7 |r − |λ|| at |π − 1| ≤ B_RATE
 *  8 1 if column 7 > RATE_ATOL      9 π(GD(GD(w))) − 1           10 π(GPGD(GPGD(w))) − 1
 * 11 1 if Lemma 3.14 is violated or GPGD(GPGD(w)) is undefined (see the header)
 * maxSteps is capped at 8191. Returns RESULT_OK, or −1 (nothing written) for bad sizes.
 */
export function gpgdLemmaChecks(D: i32, n: i32, points: usize, eta: f64, maxSteps: i32, out: usize): i32 {
  if (D < 2 || D > MAX_DEPTH || n < 0 || maxSteps < 1) return -1;
  const budget = min(maxSteps, MAX_ORBIT - 1);
  for (let k = 0; k < n; k++) {
    const src = points + ((<usize>(k * D)) << 3);
    const o = out + ((<usize>(k * GpgdPointColumn.stride)) << 3);
    for (let i = 0; i < D; i++) st(W, i, ld(src, i));
    const s = gfsShift(W, D);
    let phi = NaN;
    if (!isNaN(s)) {
      phi = 0.0;
      for (let i = 0; i < D; i++) {
        const wi = ld(W, i);
        phi += 1.0 / (wi * wi + s);
      }
    }
    const b0 = product(W, D) - 1.0;
    // Lemma 3.14: two GD steps and two GPGD steps from w
    gdStep(W, D, eta, TMP);
    gdStep(TMP, D, eta, TMP);
    const bGd = product(TMP, D) - 1.0;
    let bGpgd = NaN;
    if (gpgdStep(W, D, eta, TMP) == RESULT_OK && gpgdStep(TMP, D, eta, TMP) == RESULT_OK) {
      bGpgd = product(TMP, D) - 1.0;
    }
    // Lemma 3.13: the GPGD orbit
    let status = GpgdPointStatus.maxSteps;
    let len = 1;
    st(ORBIT, 0, b0);
    if (isNaN(phi)) status = GpgdPointStatus.undefined;
    else if (Math.abs(b0) <= B_STOP) status = GpgdPointStatus.reached;
    else {
      while (len <= budget) {
        if (gpgdStep(W, D, eta, W) != RESULT_OK) {
          status = GpgdPointStatus.undefined;
          break;
        }
        const b = product(W, D) - 1.0;
        st(ORBIT, len, b);
        len++;
        if (Math.abs(b) <= B_STOP) {
          status = GpgdPointStatus.reached;
          break;
        }
      }
    }
    gpgdOrbitVerify(ORBIT, len, phi, eta, VERIFY);
    st(o, GpgdPointColumn.gfsSharpness, phi);
    st(o, GpgdPointColumn.initialError, b0);
    st(o, GpgdPointColumn.status, <f64>status);
    st(o, GpgdPointColumn.steps, <f64>(len - 1));
    // gpgdOrbitVerify's fields are the columns signViolations … rateViolation, in order
    for (let j = 0; j < VERIFY_FIELDS; j++) st(o, GpgdPointColumn.signViolations + j, ld(VERIFY, j));
    st(o, GpgdPointColumn.gdTwoStepError, bGd);
    st(o, GpgdPointColumn.gpgdTwoStepError, bGpgd);
    st(o, GpgdPointColumn.lemma314Violation, !(Math.abs(bGd) <= Math.abs(bGpgd) + PRODUCT_ATOL) ? 1.0 : 0.0);
  }
  return RESULT_OK;
}
