// Initial weights of heatmap cells (model.md §2, §3 Fig 3). Grids are inclusive linspaces; cell
// k = i·cols + j has column j on the first axis and row i on the second:
//   x_j = x₀ + (x₁ − x₀)·j/(cols − 1),   y_i = y₀ + (y₁ − y₀)·i/(rows − 1).
// Family grids: x = φ₀, y = p₀, weights from the (φ₀, p₀) family with direction c.
// Slice grids: a base point with weight `axisX` set to x and weight `axisY` set to y.
// Output is struct-of-arrays: weight d of the t-th cell of the tile at out + 8·(d·n + t).
// Every cell is computed from (i, j) alone, so tiles never change results.
import { ld, st } from '../../abi';
import { familySquares, moveToProductFrom } from '../family';
import { logShiftTwo } from '../logShift';

const CELL: usize = memory.data(64 * 8, 16);
const ROOTS: usize = memory.data(16, 16);

@inline
function axisValue(lo: f64, hi: f64, index: i32, count: i32): f64 {
  return lo + ((hi - lo) * <f64>index) / <f64>(count - 1);
}

/** Doubles per column in the family cache: φ₀ = Σ 1/uᵢ, u = w*², log uᵢ, Σ 1/uᵢ again. */
export function familyCacheStride(D: i32): i32 {
  return 2 * D + 2;
}

/**
 * Family cells. The first step of the family (the minimum w* with GFS sharpness φ₀) depends on the
 * column only, so it is solved once per column and kept in `cache` (cols × familyCacheStride(D)
 * doubles: Σ 1/uᵢ, then u = w*², then log uᵢ and Σᵢ 1/uᵢ summed as the root finder's first
 * iteration sums it; an entry whose first value is NaN is computed on first use — the host keeps
 * the cache across the tiles of one grid); each cell then only moves along its GF line to p₀, its
 * root finder's first iteration taken from the column's logs (the same bits, gfs.ts).
 * `outInitialGfs[t]` receives φ(w₀) = Σ 1/uᵢ (w₀ and w* share their GF line, model.md §1.5).
 */
export function initFamilyCells(
  c: usize,
  D: i32,
  phiLo: f64,
  phiHi: f64,
  productLo: f64,
  productHi: f64,
  rows: i32,
  cols: i32,
  start: i32,
  n: i32,
  out: usize,
  outInitialGfs: usize,
  cache: usize,
): void {
  // Two cells per pass: their root finds run side by side in logShiftTwo (each with its own bits).
  let t = 0;
  for (; t + 1 < n; t += 2) {
    const first = columnEntry(c, D, phiLo, phiHi, cols, cache, start + t);
    const second = columnEntry(c, D, phiLo, phiHi, cols, cache, start + t + 1);
    const p0 = rowProduct(productLo, productHi, rows, cols, start + t);
    const p1 = rowProduct(productLo, productHi, rows, cols, start + t + 1);
    const logs0 = first + ((<usize>(D + 1)) << 3);
    const logs1 = second + ((<usize>(D + 1)) << 3);
    logShiftTwo(
      first + 8,
      second + 8,
      D,
      2.0 * Math.log(p0),
      2.0 * Math.log(p1),
      logs0,
      ld(logs0, D),
      logs1,
      ld(logs1, D),
      ROOTS,
    );
    const s0 = ld(ROOTS, 0);
    const s1 = ld(ROOTS, 1);
    for (let d = 0; d < D; d++) {
      st(out, d * n + t, Math.sqrt(ld(first + 8, d) + s0));
      st(out, d * n + t + 1, Math.sqrt(ld(second + 8, d) + s1));
    }
    st(outInitialGfs, t, load<f64>(first));
    st(outInitialGfs, t + 1, load<f64>(second));
  }
  if (t < n) {
    const entry = columnEntry(c, D, phiLo, phiHi, cols, cache, start + t);
    const logs = entry + ((<usize>(D + 1)) << 3);
    moveToProductFrom(entry + 8, D, rowProduct(productLo, productHi, rows, cols, start + t), logs, ld(logs, D), CELL);
    for (let d = 0; d < D; d++) st(out, d * n + t, ld(CELL, d));
    st(outInitialGfs, t, load<f64>(entry));
  }
}

/**
 * Cell k's column entry in the cache (φ₀, u, log u, Σ 1/u), solved on first use: the family's
 * minimum for the column's φ₀, then the logs the root finder's first iteration would compute.
 */
@inline
function columnEntry(c: usize, D: i32, phiLo: f64, phiHi: f64, cols: i32, cache: usize, k: i32): usize {
  const j = k % cols;
  const entry = cache + ((<usize>(j * familyCacheStride(D))) << 3);
  if (isNaN(load<f64>(entry))) {
    const u = entry + 8;
    const logs = u + ((<usize>D) << 3);
    store<f64>(entry, familySquares(c, D, axisValue(phiLo, phiHi, j, cols), u));
    let inverseSum = 0.0;
    for (let d = 0; d < D; d++) {
      st(logs, d, Math.log(ld(u, d)));
      inverseSum += 1.0 / ld(u, d);
    }
    st(logs, D, inverseSum);
  }
  return entry;
}

/** p₀ of cell k's row. */
@inline
function rowProduct(productLo: f64, productHi: f64, rows: i32, cols: i32, k: i32): f64 {
  return axisValue(productLo, productHi, k / cols, rows);
}

export function initSliceCells(
  base: usize,
  D: i32,
  axisX: i32,
  axisY: i32,
  xLo: f64,
  xHi: f64,
  yLo: f64,
  yHi: f64,
  rows: i32,
  cols: i32,
  start: i32,
  n: i32,
  out: usize,
): void {
  for (let t = 0; t < n; t++) {
    const k = start + t;
    const i = k / cols;
    const j = k - i * cols;
    for (let d = 0; d < D; d++) st(out, d * n + t, ld(base, d));
    st(out, axisX * n + t, axisValue(xLo, xHi, j, cols));
    st(out, axisY * n + t, axisValue(yLo, yHi, i, rows));
  }
}
