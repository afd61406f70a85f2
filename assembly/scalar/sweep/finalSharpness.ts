// Final sharpness S(w) = λmax(∇²L(w)) of many cells at once (model.md §1.2; the heatmap summary).
//
// Same numbers as model.ts `sharpness`, bit for bit, faster: the route every converged GD point
// takes — all |wᵢ| within SECULAR_MIN_RATIO of each other and ρ = π(2π − 1) > 0 — is the secular
// equation of H = ρ v vᵀ + diag(d), v = w⁻¹, dᵢ = −π(π − 1) vᵢ², solved (linalg/secular.ts) as
//   λ = d_top + μ,  g(μ) = Σᵢ vᵢ²/(δᵢ + μ) − 1/ρ = 0,  δᵢ = d_top − dᵢ,  μ₀ = ρ v_top²,
//   μ ← μ + g/g′ until g ≤ 0, g′ = 0 or the step is ≤ 2ε·μ (at most 200 steps).
// Scalar, each cell's Newton iteration is one chain of dependent divisions; here four cells share
// one pass (two f64x2 vectors), so the chains overlap and a division serves two cells. Lane
// arithmetic repeats the scalar code's operations in its order (IEEE add/mul/div are the same in
// f64x2) and a lane that stops is frozen, so every cell gets the scalar result's bits (test:
// test/heatmap-cell-kernels.test.ts). The secular form itself is model.ts `secularForm`, the one
// `sharpness` uses; every other cell (spread or zero weights: Jacobi; ρ ≤ 0; non-finite) takes
// `sharpness`' own route for it.
//
// Use: `queueSharpness(w, D, out)` for each cell (w: D weights, contiguous; out: where its S goes),
// then `flushSharpness(D)`; a queue holds at most BATCH cells and flushes itself when full.
import { ld, st } from '../../abi';
import { ROUTE_JACOBI, ROUTE_NON_FINITE, secularForm, secularRho, sharpnessJacobi } from '../model';
import { topEigenDiagonalPlusRankOne, topIndex } from '../../linalg/secular';

/** Cells per pass: two f64x2 vectors. */
const BATCH: i32 = 4;
const MAX_ITERATIONS: i32 = 200;
const TWO_EPSILON: f64 = 2.0 * f64.EPSILON;

/** δᵢ = d_top − dᵢ of the queued cells: weight i of queue slot c at 8·(i·BATCH + c). */
const GAPS: usize = memory.data(64 * BATCH * 8, 16);
/** vᵢ² of the queued cells, same layout. */
const Z2: usize = memory.data(64 * BATCH * 8, 16);
/** Per slot: 1/ρ, μ₀, d_top, and where the result goes. */
const INV_RHO: usize = memory.data(BATCH * 8, 16);
const MU: usize = memory.data(BATCH * 8, 16);
const D_TOP: usize = memory.data(BATCH * 8, 16);
const TARGET: usize = memory.data(BATCH * 8, 16);
/** Per row i of the queue: 1 when its gaps and vᵢ² equal row i − 1's in every slot. */
const REPEATS: usize = memory.data(64, 16);
/** One cell's v and d while it is being queued. */
const V: usize = memory.data(64 * 8, 16);
const DIAG: usize = memory.data(64 * 8, 16);

let queued: i32 = 0;

/** S(w) into `out`, now (scalar route) or at the next flush (secular batch). */
export function queueSharpness(w: usize, D: i32, out: usize): void {
  const route = secularForm(w, D, DIAG, V);
  if (route == ROUTE_NON_FINITE) {
    store<f64>(out, NaN);
    return;
  }
  if (route == ROUTE_JACOBI) {
    store<f64>(out, sharpnessJacobi(w, D));
    return;
  }
  const rho = secularRho;
  if (!(rho > 0.0)) {
    store<f64>(out, topEigenDiagonalPlusRankOne(DIAG, V, D, rho));
    return;
  }
  // secular.ts up to its Newton loop, in its operation order
  const top = topIndex(DIAG, D);
  const dTop = ld(DIAG, top);
  const vTop = ld(V, top);
  const slot = queued;
  for (let i = 0; i < D; i++) {
    const vi = ld(V, i);
    st(GAPS, i * BATCH + slot, dTop - ld(DIAG, i));
    st(Z2, i * BATCH + slot, vi * vi);
  }
  st(INV_RHO, slot, 1.0 / rho);
  st(MU, slot, rho * vTop * vTop);
  st(D_TOP, slot, dTop);
  store<usize>(TARGET + (<usize>slot << 3), out);
  queued++;
  if (queued == BATCH) solveQueued(D);
}

/** Solves the queued cells (pads a partial batch with copies of slot 0 and drops their results). */
export function flushSharpness(D: i32): void {
  if (queued == 0) return;
  for (let slot = queued; slot < BATCH; slot++) {
    for (let i = 0; i < D; i++) {
      st(GAPS, i * BATCH + slot, ld(GAPS, i * BATCH));
      st(Z2, i * BATCH + slot, ld(Z2, i * BATCH));
    }
    st(INV_RHO, slot, ld(INV_RHO, 0));
    st(MU, slot, ld(MU, 0));
  }
  solveQueued(D);
}

function solveQueued(D: i32): void {
  // Rows i whose gaps and vᵢ² equal row i − 1's in every slot reuse its terms (the same bits).
  for (let i = 1; i < D; i++) {
    const at = <usize>(i * BATCH) << 3;
    const before = at - (<usize>BATCH << 3);
    const same = v128.and(
      v128.and(i64x2.eq(v128.load(GAPS + at), v128.load(GAPS + before)), i64x2.eq(v128.load(GAPS + at, 16), v128.load(GAPS + before, 16))),
      v128.and(i64x2.eq(v128.load(Z2 + at), v128.load(Z2 + before)), i64x2.eq(v128.load(Z2 + at, 16), v128.load(Z2 + before, 16))),
    );
    store<u8>(REPEATS + <usize>i, i64x2.all_true(same) ? 1 : 0);
  }
  const zero = f64x2.splat(0.0);
  const twoEps = f64x2.splat(TWO_EPSILON);
  const negInvRhoA = f64x2.neg(v128.load(INV_RHO));
  const negInvRhoB = f64x2.neg(v128.load(INV_RHO, 16));
  let muA = v128.load(MU);
  let muB = v128.load(MU, 16);
  let activeA = i64x2.splat(-1);
  let activeB = i64x2.splat(-1);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    let gA = negInvRhoA;
    let gB = negInvRhoB;
    let slopeA = zero;
    let slopeB = zero;
    let termA = zero;
    let termB = zero;
    let quotientA = zero;
    let quotientB = zero;
    for (let i = 0; i < D; i++) {
      if (i == 0 || load<u8>(REPEATS + <usize>i) == 0) {
        const at = <usize>(i * BATCH) << 3;
        const denomA = f64x2.add(v128.load(GAPS + at), muA);
        const denomB = f64x2.add(v128.load(GAPS + at, 16), muB);
        termA = f64x2.div(v128.load(Z2 + at), denomA);
        termB = f64x2.div(v128.load(Z2 + at, 16), denomB);
        quotientA = f64x2.div(termA, denomA);
        quotientB = f64x2.div(termB, denomB);
      }
      gA = f64x2.add(gA, termA);
      gB = f64x2.add(gB, termB);
      slopeA = f64x2.add(slopeA, quotientA);
      slopeB = f64x2.add(slopeB, quotientB);
    }
    // scalar: `if (g <= 0 || slope == 0) break;` then `next = μ + g/slope`, stop when next − μ ≤ 2εμ
    const stopA = v128.or(f64x2.le(gA, zero), f64x2.eq(slopeA, zero));
    const stopB = v128.or(f64x2.le(gB, zero), f64x2.eq(slopeB, zero));
    const nextA = f64x2.add(muA, f64x2.div(gA, slopeA));
    const nextB = f64x2.add(muB, f64x2.div(gB, slopeB));
    const moveA = v128.andnot(activeA, stopA);
    const moveB = v128.andnot(activeB, stopB);
    const doneA = f64x2.le(f64x2.sub(nextA, muA), f64x2.mul(twoEps, muA));
    const doneB = f64x2.le(f64x2.sub(nextB, muB), f64x2.mul(twoEps, muB));
    muA = v128.bitselect(nextA, muA, moveA);
    muB = v128.bitselect(nextB, muB, moveB);
    activeA = v128.andnot(moveA, doneA);
    activeB = v128.andnot(moveB, doneB);
    if (!v128.any_true(v128.or(activeA, activeB))) break;
  }
  v128.store(MU, muA);
  v128.store(MU, muB, 16);
  for (let slot = 0; slot < queued; slot++) {
    store<f64>(load<usize>(TARGET + (<usize>slot << 3)), ld(D_TOP, slot) + ld(MU, slot));
  }
  queued = 0;
}

const GATHERED: usize = memory.data(64 * 8, 16);

/**
 * out[t] = S(w of cell t) for n cells stored as a tile (weight d of cell t at 8·(d·n + t)), by the
 * batch above: what the summary does for converged cells (kernel for tests and benches).
 */
export function sharpnessCells(D: i32, n: i32, w: usize, out: usize): void {
  for (let t = 0; t < n; t++) {
    for (let d = 0; d < D; d++) st(GATHERED, d, ld(w, d * n + t));
    queueSharpness(GATHERED, D, out + ((<usize>t) << 3));
  }
  flushSharpness(D);
}
