// SIMD fast path of the heatmap sweep: one tile of TILE_LANES cells (8 f64x2 vectors) stepping GD
// in lockstep for as long as no lane has to stop.
//
// Formula (model.md §1.1, §1.4; stopping rule of model.md §2): exactly the per-lane arithmetic of cell.ts —
// π = PL·PR, r = π − 1, s = η·r, sL = s·PR, sR = s·PL, wᵢ −= σ·Eᵢ — two lanes per instruction.
// IEEE multiplication and subtraction give the same bits in f64x2 and f64 lanes (WASM has no fused
// multiply-add), so every lane computes exactly what `advance*` computes for that cell.
//
// Why no lane ever needs a mask: each iteration reads the tile from `cur`, writes the stepped tile
// to `nxt` and only then looks at the may-step masks; if every lane may step, the buffers swap,
// otherwise the loop ends with `cur` untouched and `nxt` holding the step each lane *would* take.
// The driver then records the lanes that stop and keeps `nxt` for the others (sweep.ts). Lanes
// without a cell mirror a live lane, so they never end the loop on their own; max-steps stops are
// kept out of the loop by `budget` (steps until the earliest lane deadline).
//
// Why memory and not registers for the weights: 16 weight vectors plus constants exceed the 16 XMM
// registers V8 allocates from, and its spills cost more than plain loads and stores. With each
// vector's step self-contained, the out-of-order core overlaps the independent vectors' ~25-cycle
// dependency chains (load → w₀w₁ → π → r → s → sL → sL·w₁ → store); 8 vectors per step keep the
// two multiply pipes busy (10 multiplications per vector for D = 4), 4 left them waiting.
import { SWEEP_MAX_DEPTH, sweepDepth, sweepDivergeAt, sweepEta, sweepTheta } from './cell';

/** Cells per tile (8 f64x2 vectors). Measured on fig3 against 8, 10, 12, 20, 24, 32: 12–16 is best. */
export const TILE_LANES: i32 = 16;

/** Bytes between weight d and weight d+1 of a lane (one row of the tile). */
export const TILE_ROW: usize = <usize>TILE_LANES * 8;

/** The two tile buffers, struct of arrays: weight d of lane l at buffer + d·TILE_ROW + 8·l. */
const TILE_A: usize = memory.data(SWEEP_MAX_DEPTH * TILE_LANES * 8, 16);
const TILE_B: usize = memory.data(SWEEP_MAX_DEPTH * TILE_LANES * 8, 16);
/** Generic depth: prefix products, one row each (left half rows 1…h, right half rows h+1…D). */
const TILE_PRE: usize = memory.data((SWEEP_MAX_DEPTH + 1) * TILE_LANES * 8, 16);
/** Generic depth, one row each: the running suffix product and the two half scales s·PR, s·PL. */
const TILE_SUF: usize = memory.data(TILE_LANES * 8, 16);
const TILE_SCALE_LEFT: usize = memory.data(TILE_LANES * 8, 16);
const TILE_SCALE_RIGHT: usize = memory.data(TILE_LANES * 8, 16);
/** After a loop ended on a stop: all-ones (may step) or 0 (stops now), one i64 per lane. */
export const TILE_MASK: usize = memory.data(TILE_LANES * 8, 16);
/** 1.0 and the |x| mask, read from memory inside the loops: V8 otherwise rebuilds them every step. */
const TILE_CONST: usize = memory.data<u64>([0x3ff0000000000000, 0x3ff0000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff], 16);

/** Buffer holding the committed tile state. */
export let tileCurrent: usize = TILE_A;

/** Buffer that is not `tileCurrent`: after a loop ended on a stop, the step every lane would take. */
@inline
export function tileTentative(): usize {
  return tileCurrent == TILE_A ? TILE_B : TILE_A;
}

/** Makes the tentative buffer the committed one (the driver's resolution of a stop). */
export function commitTentative(): void {
  tileCurrent = tileTentative();
}

/** May-step mask: |π| < divergeAt (false for NaN) and not |r| < θ. */
@inline
function mayStep(p: v128, r: v128, big: v128, theta: v128, absMask: v128): v128 {
  return v128.andnot(f64x2.lt(v128.and(p, absMask), big), f64x2.lt(v128.and(r, absMask), theta));
}

/** D = 2, one vector from `cur` to `nxt`: w₀ −= s·w₁, w₁ −= s·w₀. Returns the may-step mask. */
@inline
function step2(cur: usize, nxt: usize, eta: v128, big: v128, theta: v128, one: v128, absMask: v128): v128 {
  const a = v128.load(cur, 0), b = v128.load(cur, TILE_ROW);
  const p = f64x2.mul(a, b);
  const r = f64x2.sub(p, one);
  const s = f64x2.mul(eta, r);
  v128.store(nxt, f64x2.sub(a, f64x2.mul(s, b)), 0);
  v128.store(nxt, f64x2.sub(b, f64x2.mul(s, a)), TILE_ROW);
  return mayStep(p, r, big, theta, absMask);
}

/** D = 3, one vector: PR = w₁w₂; w₀ −= s·PR, w₁ −= (s·w₀)·w₂, w₂ −= (s·w₀)·w₁. */
@inline
function step3(cur: usize, nxt: usize, eta: v128, big: v128, theta: v128, one: v128, absMask: v128): v128 {
  const a = v128.load(cur, 0), b = v128.load(cur, TILE_ROW), c = v128.load(cur, 2 * TILE_ROW);
  const q = f64x2.mul(b, c);
  const p = f64x2.mul(a, q);
  const r = f64x2.sub(p, one);
  const s = f64x2.mul(eta, r);
  const sr = f64x2.mul(s, a);
  v128.store(nxt, f64x2.sub(a, f64x2.mul(s, q)), 0);
  v128.store(nxt, f64x2.sub(b, f64x2.mul(sr, c)), TILE_ROW);
  v128.store(nxt, f64x2.sub(c, f64x2.mul(sr, b)), 2 * TILE_ROW);
  return mayStep(p, r, big, theta, absMask);
}

/** D = 4, one vector: PL = w₀w₁, PR = w₂w₃; w₀ −= (s·PR)·w₁, w₁ −= (s·PR)·w₀, w₂ −= (s·PL)·w₃, w₃ −= (s·PL)·w₂. */
@inline
function step4(cur: usize, nxt: usize, eta: v128, big: v128, theta: v128, one: v128, absMask: v128): v128 {
  const a = v128.load(cur, 0), b = v128.load(cur, TILE_ROW), c = v128.load(cur, 2 * TILE_ROW), d = v128.load(cur, 3 * TILE_ROW);
  const l = f64x2.mul(a, b), q = f64x2.mul(c, d);
  const p = f64x2.mul(l, q);
  const r = f64x2.sub(p, one);
  const s = f64x2.mul(eta, r);
  const sl = f64x2.mul(s, q), sr = f64x2.mul(s, l);
  v128.store(nxt, f64x2.sub(a, f64x2.mul(sl, b)), 0);
  v128.store(nxt, f64x2.sub(b, f64x2.mul(sl, a)), TILE_ROW);
  v128.store(nxt, f64x2.sub(c, f64x2.mul(sr, d)), 2 * TILE_ROW);
  v128.store(nxt, f64x2.sub(d, f64x2.mul(sr, c)), 3 * TILE_ROW);
  return mayStep(p, r, big, theta, absMask);
}

/**
 * D = 4 when every lane has w₀ = w₁ and w₂ = w₃ (bit for bit), as the default balance directions'
 * cells do: step4 on such a vector computes w₀′ and w₁′ by the same operations on the same values
 * (and w₂′, w₃′ alike), so they stay equal; this computes each pair once — 8 multiplications instead
 * of 10, two loads instead of four — and stores it in both rows. The same bits as step4.
 */
@inline
function step4Pairs(cur: usize, nxt: usize, eta: v128, big: v128, theta: v128, one: v128, absMask: v128): v128 {
  const a = v128.load(cur, 0), c = v128.load(cur, 2 * TILE_ROW);
  const l = f64x2.mul(a, a), q = f64x2.mul(c, c);
  const p = f64x2.mul(l, q);
  const r = f64x2.sub(p, one);
  const s = f64x2.mul(eta, r);
  const sl = f64x2.mul(s, q), sr = f64x2.mul(s, l);
  const a1 = f64x2.sub(a, f64x2.mul(sl, a));
  const c1 = f64x2.sub(c, f64x2.mul(sr, c));
  v128.store(nxt, a1, 0);
  v128.store(nxt, a1, TILE_ROW);
  v128.store(nxt, c1, 2 * TILE_ROW);
  v128.store(nxt, c1, 3 * TILE_ROW);
  return mayStep(p, r, big, theta, absMask);
}

/** Whether every lane of the committed D = 4 tile has w₀ = w₁ and w₂ = w₃ bit for bit (step4Pairs applies). */
export function tilePairsEqual(): bool {
  const cur = tileCurrent;
  let same = i64x2.splat(-1);
  for (let col: usize = 0; col < TILE_ROW; col += 16) {
    same = v128.and(same, i64x2.eq(v128.load(cur + col), v128.load(cur + TILE_ROW + col)));
    same = v128.and(same, i64x2.eq(v128.load(cur + 2 * TILE_ROW + col), v128.load(cur + 3 * TILE_ROW + col)));
  }
  return i64x2.all_true(same);
}

// The specialised loops differ only in the step function: one loop, inlined into each export with
// its step as a constant (`kind`), so every export compiles to a loop around its own step.
const STEP2: i32 = 2;
const STEP3: i32 = 3;
const STEP4: i32 = 4;
const STEP4_PAIRS: i32 = 5;

@inline
function stepKind(kind: i32, cur: usize, nxt: usize, eta: v128, big: v128, theta: v128, one: v128, absMask: v128): v128 {
  if (kind == STEP2) return step2(cur, nxt, eta, big, theta, one, absMask);
  if (kind == STEP3) return step3(cur, nxt, eta, big, theta, one, absMask);
  if (kind == STEP4) return step4(cur, nxt, eta, big, theta, one, absMask);
  return step4Pairs(cur, nxt, eta, big, theta, one, absMask);
}

/** Steps the whole tile until some lane must stop or `budget` steps are taken; returns the steps taken (≤ budget), the committed state left in `tileCurrent`. */
@inline
function tileRunWith(kind: i32, budget: i32): i32 {
  const eta = f64x2.splat(sweepEta), big = f64x2.splat(sweepDivergeAt), theta = f64x2.splat(sweepTheta);
  let cur = tileCurrent;
  let nxt = tileTentative();
  let ran = 0;
  while (ran < budget) {
    const one = v128.load(TILE_CONST, 0), absMask = v128.load(TILE_CONST, 16);
    let okAll = stepKind(kind, cur, nxt, eta, big, theta, one, absMask);
    for (let col: usize = 16; col < TILE_ROW; col += 16) okAll = v128.and(okAll, stepKind(kind, cur + col, nxt + col, eta, big, theta, one, absMask));
    if (i64x2.bitmask(okAll) != 3) break;
    const t = cur;
    cur = nxt;
    nxt = t;
    ran++;
  }
  if (ran < budget) {
    // Ended on a stop: redo the (identical) last step once more to keep every lane's may-step mask.
    const one = v128.load(TILE_CONST, 0), absMask = v128.load(TILE_CONST, 16);
    for (let col: usize = 0; col < TILE_ROW; col += 16) v128.store(TILE_MASK + col, stepKind(kind, cur + col, nxt + col, eta, big, theta, one, absMask));
  }
  tileCurrent = cur;
  return ran;
}

export function tileRun2(budget: i32): i32 {
  return tileRunWith(STEP2, budget);
}

export function tileRun3(budget: i32): i32 {
  return tileRunWith(STEP3, budget);
}

export function tileRun4(budget: i32): i32 {
  return tileRunWith(STEP4, budget);
}

export function tileRun4Pairs(budget: i32): i32 {
  return tileRunWith(STEP4_PAIRS, budget);
}

// Generic depth. One step works row by row over the whole tile (all vectors of a row, then the next
// row), so the long product chains of different lanes run side by side instead of one after the
// other; the per-lane arithmetic and its order are those of `advanceGeneric` (cell.ts).

/** pre_k of the half starting at row `lo`: pre_1 = w_lo, pre_k = pre_{k−1}·w_{lo+k−1}; pre_m = the half's product. */
@inline
function prefixRows(cur: usize, lo: i32, m: i32, preBase: usize): void {
  const first = preBase + TILE_ROW;
  const from = cur + <usize>lo * TILE_ROW;
  for (let col: usize = 0; col < TILE_ROW; col += 16) v128.store(first + col, v128.load(from + col));
  for (let k = 2; k <= m; k++) {
    const pre = preBase + <usize>k * TILE_ROW;
    const w = from + <usize>(k - 1) * TILE_ROW;
    for (let col: usize = 0; col < TILE_ROW; col += 16) {
      v128.store(pre + col, f64x2.mul(v128.load(pre - TILE_ROW + col), v128.load(w + col)));
    }
  }
}

/** v_i −= σ·E_i for the half [lo, lo + m), E_i = pre_i·suf_{i+1} (E₀ = suf₁, E_{m−1} = pre_{m−1}). */
@inline
function updateHalfRows(cur: usize, nxt: usize, lo: i32, m: i32, preBase: usize, scale: usize): void {
  const from = cur + <usize>lo * TILE_ROW;
  const to = nxt + <usize>lo * TILE_ROW;
  if (m == 1) {
    for (let col: usize = 0; col < TILE_ROW; col += 16) {
      v128.store(to + col, f64x2.sub(v128.load(from + col), v128.load(scale + col)));
    }
    return;
  }
  const last = <usize>(m - 1) * TILE_ROW;
  for (let col: usize = 0; col < TILE_ROW; col += 16) {
    const suf = v128.load(from + last + col);
    v128.store(TILE_SUF + col, suf);
    v128.store(to + last + col, f64x2.sub(suf, f64x2.mul(v128.load(scale + col), v128.load(preBase + last + col))));
  }
  for (let i = m - 2; i >= 1; i--) {
    const at = <usize>i * TILE_ROW;
    for (let col: usize = 0; col < TILE_ROW; col += 16) {
      const old = v128.load(from + at + col);
      const suf = v128.load(TILE_SUF + col);
      const e = f64x2.mul(v128.load(preBase + at + col), suf);
      v128.store(TILE_SUF + col, f64x2.mul(old, suf));
      v128.store(to + at + col, f64x2.sub(old, f64x2.mul(v128.load(scale + col), e)));
    }
  }
  for (let col: usize = 0; col < TILE_ROW; col += 16) {
    v128.store(to + col, f64x2.sub(v128.load(from + col), f64x2.mul(v128.load(scale + col), v128.load(TILE_SUF + col))));
  }
}

/** Any depth: runs like the specialised loops; the may-step masks go to TILE_MASK on every step. */
export function tileRunGeneric(budget: i32): i32 {
  const D = sweepDepth;
  const h = D >> 1;
  const preLeft = TILE_PRE; // rows 1 … h: pre_k of the left half (row h = PL)
  const preRight = TILE_PRE + <usize>h * TILE_ROW; // rows h+1 … D: pre_k of the right half (row D = PR)
  const eta = f64x2.splat(sweepEta), big = f64x2.splat(sweepDivergeAt), theta = f64x2.splat(sweepTheta);
  const one = v128.load(TILE_CONST, 0), absMask = v128.load(TILE_CONST, 16);
  let cur = tileCurrent;
  let nxt = tileTentative();
  let ran = 0;
  while (ran < budget) {
    prefixRows(cur, 0, h, preLeft);
    prefixRows(cur, h, D - h, preRight);
    let okAll = i64x2.splat(-1);
    const rowPL = preLeft + <usize>h * TILE_ROW, rowPR = preRight + <usize>(D - h) * TILE_ROW;
    for (let col: usize = 0; col < TILE_ROW; col += 16) {
      const pl = v128.load(rowPL + col), pr = v128.load(rowPR + col);
      const p = f64x2.mul(pl, pr);
      const r = f64x2.sub(p, one);
      const ok = mayStep(p, r, big, theta, absMask);
      v128.store(TILE_MASK + col, ok);
      okAll = v128.and(okAll, ok);
      const s = f64x2.mul(eta, r);
      v128.store(TILE_SCALE_LEFT + col, f64x2.mul(s, pr));
      v128.store(TILE_SCALE_RIGHT + col, f64x2.mul(s, pl));
    }
    updateHalfRows(cur, nxt, 0, h, preLeft, TILE_SCALE_LEFT);
    updateHalfRows(cur, nxt, h, D - h, preRight, TILE_SCALE_RIGHT);
    if (i64x2.bitmask(okAll) != 3) break;
    const t = cur;
    cur = nxt;
    nxt = t;
    ran++;
  }
  tileCurrent = cur;
  return ran;
}
