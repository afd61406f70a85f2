// One cell of the heatmap sweep, one lane at a time: the scalar arithmetic that both kernels share.
//
// Model (model.md §1.1, §1.4): L(w) = ½(π − 1)², π = ∏ wᵢ, GD step wᵢ ← wᵢ − η(π − 1)·qᵢ with
// qᵢ = ∏_{j≠i} wⱼ built from prefix/suffix products (never π/wᵢ: a weight may be 0).
// Stopping rule (model.md §2, `fig3`), evaluated at the current iterate before each step:
//   !(|π| < divergeAt) → DIVERGED (NaN included); else ½(π−1)² < tol → CONVERGED;
//   else steps ≥ maxSteps → MAX_STEPS; else step.
//
// The one formula order every implementation follows (scalar, SIMD, the tests' TypeScript
// reference, the benchmark's JavaScript), so that results agree bit for bit:
//   h = ⌊D/2⌋, left half [0, h), right half [h, D)
//   PL = ((w₀·w₁)·w₂)…          (left fold over the left half)
//   PR = ((w_h·w_{h+1})·…)      (left fold over the right half)
//   π = PL·PR,  r = π − 1,  s = η·r,  sL = s·PR,  sR = s·PL
//   inside a half of size m with local weights v₀…v_{m−1} and scale σ (sL or sR):
//     m = 1: v₀ −= σ
//     m ≥ 2: E_i = pre_i·suf_{i+1}, pre_1 = v₀, pre_{k+1} = pre_k·v_k, suf_{m−1} = v_{m−1},
//            suf_k = v_k·suf_{k+1} (E₀ = suf₁, E_{m−1} = pre_{m−1}: no multiplication by 1);
//            v_i −= σ·E_i, all E_i from the old weights.
// So qᵢ = PR·E_i on the left and PL·E_i on the right, and η(π−1)qᵢ is σ·E_i. For D = 4 this is
//   w₀ −= (s·w₂w₃)·w₁, w₁ −= (s·w₂w₃)·w₀, w₂ −= (s·w₀w₁)·w₃, w₃ −= (s·w₀w₁)·w₂ (10 multiplications).
//
// The convergence test ½(π−1)² < tol, computed as (0.5·r)·r, is replaced by |r| < θ with θ the
// smallest double x ≥ 0 such that (0.5·x)·x ≥ tol (see `convergenceThreshold`): the map
// x ↦ fl(fl(0.5x)·x) is non-decreasing, so both tests accept exactly the same r, and the hot loop
// saves two multiplications.

import { Status } from '../../abi';

/** `sweepStatus` value while a lane's cell is still running. */
export const STILL_RUNNING: i32 = -1;

/** Largest depth the sweep supports (scratch buffers are sized for it). */
export const SWEEP_MAX_DEPTH: i32 = 64;

// Parameters of the current kernel call (set once by `configureSweep`, read into locals by the loops).
export let sweepDepth: i32 = 4;
export let sweepCells: i32 = 0;
export let sweepEta: f64 = 0;
export let sweepDivergeAt: f64 = 0;
export let sweepTheta: f64 = 0;
export let sweepMaxSteps: i32 = 0;
/** Status of the last `advance*` call: a Status code, or STILL_RUNNING. */
export let sweepStatus: i32 = STILL_RUNNING;

/** Scratch for the generic-depth scalar path: one cell's weights and its prefix products. */
const CELL_W: usize = memory.data(SWEEP_MAX_DEPTH * 8, 16);
const CELL_PRE: usize = memory.data(SWEEP_MAX_DEPTH * 8, 16);

/**
 * Smallest double x ≥ 0 with (0.5·x)·x ≥ tol, so that for every r: ((0.5·r)·r < tol) ⟺ (|r| < θ).
 * Found by bisection on the bit patterns of [0, +∞] (ordered like the values). tol = NaN never
 * converges: θ = 0 makes |r| < θ always false.
 */
export function convergenceThreshold(tol: f64): f64 {
  if (isNaN(tol)) return 0.0;
  if (0.0 >= tol) return 0.0;
  let below: u64 = 0; // (0.5·x)·x < tol here
  let above: u64 = 0x7ff0000000000000; // +∞: (0.5·x)·x = +∞ ≥ tol for any non-NaN tol
  while (above - below > 1) {
    const mid = below + ((above - below) >> 1);
    const x = reinterpret<f64>(mid);
    if (0.5 * x * x >= tol) above = mid;
    else below = mid;
  }
  return reinterpret<f64>(above);
}

export function configureSweep(D: i32, n: i32, eta: f64, tol: f64, divergeAt: f64, maxSteps: i32): void {
  sweepDepth = D;
  sweepCells = n;
  sweepEta = eta;
  sweepDivergeAt = divergeAt;
  sweepTheta = convergenceThreshold(tol);
  sweepMaxSteps = maxSteps;
}

/** Status of a cell that must stop now: the three tests in their fixed order. */
@inline
function stopStatus(prod: f64, r: f64, big: f64, theta: f64): i32 {
  if (!(abs(prod) < big)) return Status.diverged;
  if (abs(r) < theta) return Status.converged;
  return Status.maxSteps;
}

/** Checks that can run before the step-budget test: min(budget, maxSteps − done), at least 0. */
@inline
function checksBeforeLimit(done: i32, budget: i32): i32 {
  const toLimit = <i64>sweepMaxSteps - <i64>done;
  const n = min<i64>(<i64>budget, toLimit);
  return n > 0 ? <i32>n : 0;
}

// The `advance*` functions run one lane: weights d at src + d·stride (written back at dst + d·stride),
// `done` steps already taken, at most `budget` checks. They return the steps taken in this call
// and leave the stop status (or STILL_RUNNING) in `sweepStatus`.

export function advance2(src: usize, dst: usize, stride: usize, done: i32, budget: i32): i32 {
  let w0 = load<f64>(src);
  let w1 = load<f64>(src + stride);
  const eta = sweepEta, big = sweepDivergeAt, theta = sweepTheta;
  const beforeLimit = checksBeforeLimit(done, budget);
  let status = STILL_RUNNING;
  let i = 0;
  for (; i < beforeLimit; i++) {
    const prod = w0 * w1;
    const r = prod - 1.0;
    if (!(abs(prod) < big) || abs(r) < theta) {
      status = stopStatus(prod, r, big, theta);
      break;
    }
    const s = eta * r;
    const sl = s * w1;
    const sr = s * w0;
    w0 = w0 - sl;
    w1 = w1 - sr;
  }
  if (status == STILL_RUNNING && i < budget) status = stopStatus(w0 * w1, w0 * w1 - 1.0, big, theta);
  store<f64>(dst, w0);
  store<f64>(dst + stride, w1);
  sweepStatus = status;
  return i;
}

export function advance3(src: usize, dst: usize, stride: usize, done: i32, budget: i32): i32 {
  let w0 = load<f64>(src);
  let w1 = load<f64>(src + stride);
  let w2 = load<f64>(src + 2 * stride);
  const eta = sweepEta, big = sweepDivergeAt, theta = sweepTheta;
  const beforeLimit = checksBeforeLimit(done, budget);
  let status = STILL_RUNNING;
  let i = 0;
  for (; i < beforeLimit; i++) {
    const pr = w1 * w2;
    const prod = w0 * pr;
    const r = prod - 1.0;
    if (!(abs(prod) < big) || abs(r) < theta) {
      status = stopStatus(prod, r, big, theta);
      break;
    }
    const s = eta * r;
    const sl = s * pr;
    const sr = s * w0;
    const n1 = w1 - sr * w2;
    const n2 = w2 - sr * w1;
    w0 = w0 - sl;
    w1 = n1;
    w2 = n2;
  }
  if (status == STILL_RUNNING && i < budget) {
    const prod = w0 * (w1 * w2);
    status = stopStatus(prod, prod - 1.0, big, theta);
  }
  store<f64>(dst, w0);
  store<f64>(dst + stride, w1);
  store<f64>(dst + 2 * stride, w2);
  sweepStatus = status;
  return i;
}

export function advance4(src: usize, dst: usize, stride: usize, done: i32, budget: i32): i32 {
  let w0 = load<f64>(src);
  let w1 = load<f64>(src + stride);
  let w2 = load<f64>(src + 2 * stride);
  let w3 = load<f64>(src + 3 * stride);
  const eta = sweepEta, big = sweepDivergeAt, theta = sweepTheta;
  const beforeLimit = checksBeforeLimit(done, budget);
  let status = STILL_RUNNING;
  let i = 0;
  for (; i < beforeLimit; i++) {
    const pl = w0 * w1;
    const pr = w2 * w3;
    const prod = pl * pr;
    const r = prod - 1.0;
    if (!(abs(prod) < big) || abs(r) < theta) {
      status = stopStatus(prod, r, big, theta);
      break;
    }
    const s = eta * r;
    const sl = s * pr;
    const sr = s * pl;
    const n0 = w0 - sl * w1;
    const n1 = w1 - sl * w0;
    const n2 = w2 - sr * w3;
    const n3 = w3 - sr * w2;
    w0 = n0;
    w1 = n1;
    w2 = n2;
    w3 = n3;
  }
  if (status == STILL_RUNNING && i < budget) {
    const prod = w0 * w1 * (w2 * w3);
    status = stopStatus(prod, prod - 1.0, big, theta);
  }
  store<f64>(dst, w0);
  store<f64>(dst + stride, w1);
  store<f64>(dst + 2 * stride, w2);
  store<f64>(dst + 3 * stride, w3);
  sweepStatus = status;
  return i;
}

/**
 * The stopping rule alone, for a cell at src + d·stride with `done` steps taken: a Status code
 * if it stops at this check, else STILL_RUNNING. π = PL·PR as in every step (any depth).
 */
export function checkCell(src: usize, stride: usize, done: i32): i32 {
  const D = sweepDepth;
  const h = D >> 1;
  let pl = load<f64>(src);
  for (let d = 1; d < h; d++) pl *= load<f64>(src + <usize>d * stride);
  let pr = load<f64>(src + <usize>h * stride);
  for (let d = h + 1; d < D; d++) pr *= load<f64>(src + <usize>d * stride);
  const prod = pl * pr;
  const big = sweepDivergeAt, theta = sweepTheta;
  if (!(abs(prod) < big) || abs(prod - 1.0) < theta || done >= sweepMaxSteps) {
    return stopStatus(prod, prod - 1.0, big, theta);
  }
  return STILL_RUNNING;
}

/** Left fold of the weights [lo, hi) of the cell in CELL_W. */
@inline
function foldProduct(lo: i32, hi: i32): f64 {
  let acc = load<f64>(CELL_W + (<usize>lo << 3));
  for (let d = lo + 1; d < hi; d++) acc *= load<f64>(CELL_W + (<usize>d << 3));
  return acc;
}

/** One half's update v_i −= σ·E_i (E_i = product of the half's other weights, see the file header). */
function updateHalf(lo: i32, hi: i32, scale: f64): void {
  const m = hi - lo;
  const v = CELL_W + (<usize>lo << 3);
  if (m == 1) {
    store<f64>(v, load<f64>(v) - scale);
    return;
  }
  // Forward pass: pre_k (k = 1 … m−1) from the old weights.
  let pre = load<f64>(v);
  store<f64>(CELL_PRE + 8, pre);
  for (let k = 2; k < m; k++) {
    pre = pre * load<f64>(v + (<usize>(k - 1) << 3));
    store<f64>(CELL_PRE + (<usize>k << 3), pre);
  }
  // Backward pass: E_i = pre_i·suf_{i+1}; suf is advanced with the old v_i before v_i is replaced.
  const last = v + (<usize>(m - 1) << 3);
  let suf = load<f64>(last);
  store<f64>(last, suf - scale * pre);
  for (let i = m - 2; i >= 1; i--) {
    const p = v + (<usize>i << 3);
    const old = load<f64>(p);
    const e = load<f64>(CELL_PRE + (<usize>i << 3)) * suf;
    suf = old * suf;
    store<f64>(p, old - scale * e);
  }
  store<f64>(v, load<f64>(v) - scale * suf);
}

/** `advance*` for any depth 2 ≤ D ≤ SWEEP_MAX_DEPTH, through the scratch copy CELL_W. */
export function advanceGeneric(src: usize, dst: usize, stride: usize, done: i32, budget: i32): i32 {
  const D = sweepDepth;
  const h = D >> 1;
  for (let d = 0; d < D; d++) store<f64>(CELL_W + (<usize>d << 3), load<f64>(src + <usize>d * stride));
  const eta = sweepEta, big = sweepDivergeAt, theta = sweepTheta;
  const beforeLimit = checksBeforeLimit(done, budget);
  let status = STILL_RUNNING;
  let i = 0;
  for (; i < beforeLimit; i++) {
    const pl = foldProduct(0, h);
    const pr = foldProduct(h, D);
    const prod = pl * pr;
    const r = prod - 1.0;
    if (!(abs(prod) < big) || abs(r) < theta) {
      status = stopStatus(prod, r, big, theta);
      break;
    }
    const s = eta * r;
    updateHalf(0, h, s * pr);
    updateHalf(h, D, s * pl);
  }
  if (status == STILL_RUNNING && i < budget) {
    const prod = foldProduct(0, h) * foldProduct(h, D);
    status = stopStatus(prod, prod - 1.0, big, theta);
  }
  for (let d = 0; d < D; d++) store<f64>(dst + <usize>d * stride, load<f64>(CELL_W + (<usize>d << 3)));
  sweepStatus = status;
  return i;
}

/** Dispatch on depth: the specialised loops for D = 2, 3, 4, the generic one otherwise. */
@inline
export function advanceCell(src: usize, dst: usize, stride: usize, done: i32, budget: i32): i32 {
  const D = sweepDepth;
  if (D == 4) return advance4(src, dst, stride, done, budget);
  if (D == 2) return advance2(src, dst, stride, done, budget);
  if (D == 3) return advance3(src, dst, stride, done, budget);
  return advanceGeneric(src, dst, stride, done, budget);
}
