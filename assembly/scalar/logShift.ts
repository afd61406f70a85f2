// The root finder of the scalar network's gradient-flow geometry (model.md §1.5, §1.6, §2):
//   s with F(s) = Σᵢ log(aᵢ + s) = target,  s > −minᵢ aᵢ   (aᵢ ≥ 0),
// for the GFS (aᵢ = wᵢ², target 0), GPGD, and moving a point along its GF line to a product p₀
// (target 2 log p₀). F is strictly increasing and concave, so Newton from the left of the root is
// monotone; from the right it may overshoot below −min aᵢ, where the bracket turns the step into a
// bisection. Stops when the step is ≤ 4 ulp of the quantities that matter (4ε·max(|s|, |s′|, min aᵢ))
// or the bracket is that narrow; at most 200 iterations.
//
// One iteration is `newtonStep` over a small state block, so that `logShiftTwo` can run two
// independent problems in one loop: each iteration is a chain of dependent operations (x = aᵢ + s,
// log, the sum, a division, the next s), and two chains side by side keep the CPU busy while one
// waits — every problem still makes exactly the operations of its own solve, so roots are
// bit-identical to `logShift` (test/heatmap-cell-kernels.test.ts).
import { ld, st, assertDepth } from '../abi';

const MAX_ITERATIONS: i32 = 200;

// State block of one problem (f64 slots): s, lo, hi, min aᵢ, target, root; a problem is done when
// its root slot is set (DONE ≠ 0).
const S = 0;
const LO = 1;
const HI = 2;
const A_MIN = 3;
const TARGET = 4;
const ROOT = 5;
const DONE = 6;
const SLOTS = 7;

const STATE_A: usize = memory.data(SLOTS * 8, 16);
const STATE_B: usize = memory.data(SLOTS * 8, 16);

/**
 * Validates a problem and fills its state. Returns false (root NaN, done) when an aᵢ is negative or
 * not finite or the target is not finite.
 */
@inline
function start(a: usize, D: i32, target: f64, state: usize): bool {
  let aMin = Infinity;
  for (let i = 0; i < D; i++) {
    const ai = ld(a, i);
    if (!(ai >= 0.0) || !isFinite(ai)) aMin = NaN;
    else if (ai < aMin) aMin = ai;
  }
  if (isNaN(aMin) || !isFinite(target)) {
    st(state, ROOT, NaN);
    st(state, DONE, 1.0);
    return false;
  }
  st(state, S, aMin == 0.0 ? 1.0 : 0.0); // F(0) = −∞ when min aᵢ = 0: start inside the domain
  st(state, LO, -aMin); // F(lo) = −∞
  st(state, HI, Infinity);
  st(state, A_MIN, aMin);
  st(state, TARGET, target);
  st(state, DONE, 0.0);
  return true;
}

/**
 * Iteration `it` of one problem. `logsAtZero` ≠ 0: log aᵢ and Σ 1/aᵢ (`slopeAtZero`) are known, so
 * an iteration at s = 0 only adds them. Returns true when the problem is done (root in the state).
 */
@inline
function newtonStep(a: usize, D: i32, state: usize, it: i32, logsAtZero: usize, slopeAtZero: f64): bool {
  const s = ld(state, S);
  let f = -ld(state, TARGET);
  let slope = 0.0;
  if (it == 0 && logsAtZero != 0 && s == 0.0) {
    for (let i = 0; i < D; i++) f += ld(logsAtZero, i);
    slope = slopeAtZero;
  } else {
    // A term equal to the one before it (bit for bit) reuses its log and reciprocal: the same bits,
    // and the default balance directions give only two distinct aᵢ, in two runs (model.md §2).
    let previous: u64 = 0;
    let term = 0.0;
    let inverse = 0.0;
    for (let i = 0; i < D; i++) {
      const x = ld(a, i) + s;
      const bits = reinterpret<u64>(x);
      if (i == 0 || bits != previous) {
        term = Math.log(x);
        inverse = 1.0 / x;
        previous = bits;
      }
      f += term;
      slope += inverse;
    }
  }
  if (f == 0.0) {
    st(state, ROOT, s);
    st(state, DONE, 1.0);
    return true;
  }
  let lo = ld(state, LO);
  let hi = ld(state, HI);
  if (f < 0.0) lo = s;
  else hi = s;
  let next = s - f / slope;
  if (!(next > lo && next < hi)) {
    next = isFinite(hi) ? 0.5 * (lo + hi) : s + 2.0 * Math.max(Math.abs(s), 1.0);
  }
  // 4 ulp of the quantities that matter, aᵢ + s: relative to |s|, but never below 4ε·min aᵢ
  // (when s* ≈ 0, i.e. π ≈ 1, a purely relative test would chase rounding noise).
  const tolerance = 4.0 * f64.EPSILON * Math.max(Math.max(Math.abs(s), Math.abs(next)), ld(state, A_MIN));
  if (Math.abs(next - s) <= tolerance || (isFinite(hi) && hi - lo <= tolerance)) {
    st(state, ROOT, next);
    st(state, DONE, 1.0);
    return true;
  }
  st(state, S, next);
  st(state, LO, lo);
  st(state, HI, hi);
  return false;
}

/** The root after the loop: the one found, or the last s after MAX_ITERATIONS. */
@inline
function rootOf(state: usize): f64 {
  return ld(state, DONE) != 0.0 ? ld(state, ROOT) : ld(state, S);
}

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
  if (!start(a, D, target, STATE_A)) return NaN;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    if (newtonStep(a, D, STATE_A, it, logsAtZero, slopeAtZero)) break;
  }
  return rootOf(STATE_A);
}

/**
 * Two problems of logShiftFromZero in one loop (see the file header), each with the bits of its own
 * solve: a with its target, logs and slope, b with its own. Writes the roots to out[0], out[1].
 */
export function logShiftTwo(
  a: usize,
  b: usize,
  D: i32,
  targetA: f64,
  targetB: f64,
  logsA: usize,
  slopeA: f64,
  logsB: usize,
  slopeB: f64,
  out: usize,
): void {
  assertDepth(D);
  let runningA = start(a, D, targetA, STATE_A);
  let runningB = start(b, D, targetB, STATE_B);
  for (let it = 0; it < MAX_ITERATIONS && (runningA || runningB); it++) {
    if (runningA) runningA = !newtonStep(a, D, STATE_A, it, logsA, slopeA);
    if (runningB) runningB = !newtonStep(b, D, STATE_B, it, logsB, slopeB);
  }
  st(out, 0, rootOf(STATE_A));
  st(out, 1, rootOf(STATE_B));
}
