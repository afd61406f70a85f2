// Heatmap sweep kernels: GD on many scalar-network cells until each one stops (model.md §2, `fig3`).
//
// Per cell (model.md §1.1, §1.4): w ∈ ℝᴰ, π = ∏wᵢ, L = ½(π − 1)², wᵢ ← wᵢ − η(π−1)·∏_{j≠i}wⱼ, with the
// stopping rule checked before every step: !(|π| < divergeAt) → 1 (diverged, NaN included);
// ½(π−1)² < tol → 0 (converged); steps ≥ maxSteps → 2 (max steps). The exact formula order is
// documented in cell.ts; `sweepScalar` and `sweepSimd` give bit-identical per-cell results.
//
// ABI (pointers are byte offsets into memory; nothing is allocated):
//   sweepScalar / sweepSimd(D, n, win, eta, tol, divergeAt, maxSteps, wout, steps, status): f64
//   win, wout: f64 struct of arrays, weight d of cell k at +8·(d·n + k); wout gets the iterate
//   at which the cell stopped (wout may be win). steps: i32[n]; status: u8[n]. Returns Σ steps,
//   or NaN (nothing written) if D ∉ [2, 64]. maxSteps < 0 acts as 0 (the test is steps ≥ maxSteps,
//   as in the C baseline).
//
// Lane refill schedule (shared by both kernels): TILE_LANES lanes on one global step clock t. A lane
// whose cell stops at the check of step t takes the next unprocessed cell at the next multiple of
// REFILL_PERIOD after t (lanes in ascending order), so no lane idles until the slowest cell ends.
// A cell's result depends only on its own input (each lane's arithmetic is independent of the
// others), not on its lane, start time, n or neighbours: the schedule only decides when work happens.

import {
  SWEEP_MAX_DEPTH,
  STILL_RUNNING,
  advanceCell,
  checkCell,
  configureSweep,
  sweepCells,
  sweepDepth,
  sweepMaxSteps,
  sweepStatus,
} from './cell';
import {
  TILE_LANES,
  TILE_MASK,
  TILE_ROW,
  commitTentative,
  tileCurrent,
  tilePairsEqual,
  tileRun2,
  tileRun3,
  tileRun4,
  tileRun4Pairs,
  tileRunGeneric,
  tileTentative,
} from './tile';

/**
 * Steps between refills. With 1, a lane whose cell stops is refilled for the very next step, so
 * the vector loop never has to finish a block lane by lane (`finishBlock` only serves maxSteps
 * stops). Measured on fig3 (best of 40 runs): 1 → 820, 2 → 785, 4 → 779, 8 → 745 Msteps/s.
 */
const REFILL_PERIOD: i64 = 1;

/** Cell currently in each lane (−1: none). */
const LANE_CELL: usize = memory.data(TILE_LANES * 4, 16);
/** Global step at which each lane's cell was loaded: its steps so far are t − start. */
const LANE_START: usize = memory.data(TILE_LANES * 8, 16);
/** Scalar kernel: global step at which each lane becomes free again. */
const LANE_FREE: usize = memory.data(TILE_LANES * 8, 16);

/**
 * Whether sweepSimd takes step4Pairs for D = 4 tiles whose lanes all have w₀ = w₁, w₂ = w₃ (the same
 * bits either way; off only to measure the plain kernel against the C baseline, which has no such path).
 */
let usePairs = true;

export function sweepUsePairs(on: i32): void {
  usePairs = on != 0;
}

let sweepIn: usize = 0;
let sweepOut: usize = 0;
let sweepStepsOut: usize = 0;
let sweepStatusOut: usize = 0;
let nextCell: i32 = 0;
let totalSteps: i64 = 0;

@inline
function laneCell(lane: i32): i32 {
  return load<i32>(LANE_CELL + (<usize>lane << 2));
}

@inline
function setLaneCell(lane: i32, cell: i32): void {
  store<i32>(LANE_CELL + (<usize>lane << 2), cell);
}

@inline
function laneStart(lane: i32): i64 {
  return load<i64>(LANE_START + (<usize>lane << 3));
}

@inline
function nextBoundary(t: i64): i64 {
  return (t / REFILL_PERIOD + 1) * REFILL_PERIOD;
}

function begin(D: i32, n: i32, win: usize, eta: f64, tol: f64, divergeAt: f64, maxSteps: i32,
               wout: usize, steps: usize, status: usize): bool {
  if (D < 2 || D > SWEEP_MAX_DEPTH) return false;
  configureSweep(D, n, eta, tol, divergeAt, maxSteps);
  sweepIn = win;
  sweepOut = wout;
  sweepStepsOut = steps;
  sweepStatusOut = status;
  nextCell = 0;
  totalSteps = 0;
  return true;
}

/** Writes the result of a stopped cell (its weights are at src + d·stride). */
@inline
function recordCell(cell: i32, src: usize, stride: usize, stepsTaken: i32, status: i32): void {
  const D = sweepDepth;
  const n = <usize>sweepCells;
  const dst = sweepOut + (<usize>cell << 3);
  for (let d = 0; d < D; d++) store<f64>(dst + ((<usize>d * n) << 3), load<f64>(src + <usize>d * stride));
  store<i32>(sweepStepsOut + (<usize>cell << 2), stepsTaken);
  store<u8>(sweepStatusOut + <usize>cell, <u8>status);
  totalSteps += stepsTaken;
}

/**
 * Reference kernel: one lane at a time. Each cell runs to its end in a scalar loop (cell.ts), in
 * the lane and from the global step at which sweepSimd would start it.
 */
export function sweepScalar(D: i32, n: i32, win: usize, eta: f64, tol: f64, divergeAt: f64, maxSteps: i32,
                            wout: usize, steps: usize, status: usize): f64 {
  if (!begin(D, n, win, eta, tol, divergeAt, maxSteps, wout, steps, status)) return NaN;
  for (let lane = 0; lane < TILE_LANES; lane++) store<i64>(LANE_FREE + (<usize>lane << 3), 0);
  const stride = <usize>n << 3;
  for (let cell = 0; cell < n; cell++) {
    // Same schedule as sweepSimd: the earliest free lane (lowest index on ties) takes the next cell.
    let lane = 0;
    let free = load<i64>(LANE_FREE);
    for (let l = 1; l < TILE_LANES; l++) {
      const f = load<i64>(LANE_FREE + (<usize>l << 3));
      if (f < free) {
        free = f;
        lane = l;
      }
    }
    const src = win + (<usize>cell << 3);
    const dst = wout + (<usize>cell << 3);
    let done = advanceCell(src, dst, stride, 0, i32.MAX_VALUE);
    while (sweepStatus == STILL_RUNNING) done += advanceCell(dst, dst, stride, done, i32.MAX_VALUE);
    store<i32>(steps + (<usize>cell << 2), done);
    store<u8>(status + <usize>cell, <u8>sweepStatus);
    totalSteps += done;
    // The cell stopped at the check of global step free + done; its lane is refilled at the next boundary.
    store<i64>(LANE_FREE + (<usize>lane << 3), nextBoundary(free + done));
  }
  return <f64>totalSteps;
}

/** Loads the next unprocessed cell into every lane without one, at global step t. */
function refillLanes(t: i64): void {
  const n = sweepCells;
  const D = sweepDepth;
  for (let lane = 0; lane < TILE_LANES; lane++) {
    if (laneCell(lane) >= 0 || nextCell >= n) continue;
    const cell = nextCell++;
    const src = sweepIn + (<usize>cell << 3);
    const dst = tileCurrent + (<usize>lane << 3);
    for (let d = 0; d < D; d++) store<f64>(dst + <usize>d * TILE_ROW, load<f64>(src + ((<usize>d * <usize>n) << 3)));
    setLaneCell(lane, cell);
    store<i64>(LANE_START + (<usize>lane << 3), t);
  }
}

/**
 * Makes every lane without a cell a copy of the first live lane, so that it computes the same
 * values and never stops on its own. Returns false when no lane has a cell (the sweep is over).
 */
function mirrorIdleLanes(): bool {
  let live = -1;
  for (let lane = 0; lane < TILE_LANES; lane++) {
    if (laneCell(lane) >= 0) {
      live = lane;
      break;
    }
  }
  if (live < 0) return false;
  const D = sweepDepth;
  const src = tileCurrent + (<usize>live << 3);
  for (let lane = 0; lane < TILE_LANES; lane++) {
    if (laneCell(lane) >= 0) continue;
    const dst = tileCurrent + (<usize>lane << 3);
    for (let d = 0; d < D; d++) store<f64>(dst + <usize>d * TILE_ROW, load<f64>(src + <usize>d * TILE_ROW));
  }
  return true;
}

/** Steps every live lane can take from t before some lane reaches maxSteps (≥ 0). */
function stepsToDeadline(t: i64): i32 {
  let soonest = i64.MAX_VALUE;
  for (let lane = 0; lane < TILE_LANES; lane++) {
    if (laneCell(lane) < 0) continue;
    soonest = min(soonest, laneStart(lane) + <i64>sweepMaxSteps);
  }
  const gap = soonest - t;
  return gap > 0 ? <i32>min<i64>(gap, i32.MAX_VALUE) : 0;
}

/** Runs every live lane one at a time over the checks t … end−1, recording cells that stop. */
function finishBlock(t: i64, end: i64): void {
  for (let lane = 0; lane < TILE_LANES; lane++) {
    const cell = laneCell(lane);
    if (cell < 0) continue;
    const w = tileCurrent + (<usize>lane << 3);
    const done = <i32>(t - laneStart(lane));
    const taken = advanceCell(w, w, TILE_ROW, done, <i32>(end - t));
    if (sweepStatus != STILL_RUNNING) {
      recordCell(cell, w, TILE_ROW, done + taken, sweepStatus);
      setLaneCell(lane, -1);
    }
  }
}

/**
 * Resolves global step t after the vector loop ended because some lane must stop there: lanes whose
 * mask (TILE_MASK) is 0 are recorded from the committed buffer, before any step; every other lane
 * keeps the step the loop already computed in the tentative buffer, which becomes the committed one
 * (the stopped lanes' garbage there is overwritten by the refill or the mirroring).
 */
function resolveStop(t: i64): void {
  const cur = tileCurrent;
  for (let lane = 0; lane < TILE_LANES; lane++) {
    const cell = laneCell(lane);
    if (cell < 0 || load<i64>(TILE_MASK + (<usize>lane << 3)) != 0) continue;
    const at = cur + (<usize>lane << 3);
    const done = <i32>(t - laneStart(lane));
    recordCell(cell, at, TILE_ROW, done, checkCell(at, TILE_ROW, done));
    setLaneCell(lane, -1);
  }
  commitTentative();
}

/**
 * SIMD kernel: TILE_LANES cells step in lockstep in f64x2 vectors (tile.ts) until some lane must
 * stop or reach maxSteps; the step where that happens is resolved lane by lane, stopped lanes are
 * refilled at the block boundary, and the vector loop resumes.
 */
export function sweepSimd(D: i32, n: i32, win: usize, eta: f64, tol: f64, divergeAt: f64, maxSteps: i32,
                          wout: usize, steps: usize, status: usize): f64 {
  if (!begin(D, n, win, eta, tol, divergeAt, maxSteps, wout, steps, status)) return NaN;
  for (let lane = 0; lane < TILE_LANES; lane++) setLaneCell(lane, -1);
  let t: i64 = 0;
  refillLanes(t);
  while (mirrorIdleLanes()) {
    const budget = stepsToDeadline(t);
    let ran: i32;
    if (D == 4) ran = usePairs && tilePairsEqual() ? tileRun4Pairs(budget) : tileRun4(budget);
    else if (D == 2) ran = tileRun2(budget);
    else if (D == 3) ran = tileRun3(budget);
    else ran = tileRunGeneric(budget);
    t += ran;
    const end = nextBoundary(t);
    if (ran < budget) {
      // A lane stops at t: the vector loop already computed everyone's step t.
      resolveStop(t);
      if (t + 1 < end) finishBlock(t + 1, end);
    } else {
      // Some lane reaches maxSteps at t: finish the block with the scalar loop.
      finishBlock(t, end);
    }
    refillLanes(end);
    t = end;
  }
  return <f64>totalSteps;
}
