// Initial weights of heatmap cells (model.md §2, §3 Fig 3). Grids are inclusive linspaces; cell
// k = i·cols + j has column j on the first axis and row i on the second:
//   x_j = x₀ + (x₁ − x₀)·j/(cols − 1),   y_i = y₀ + (y₁ − y₀)·i/(rows − 1).
// Family grids: x = φ₀, y = p₀, weights from the (φ₀, p₀) family with direction c.
// Slice grids: a base point with weight `axisX` set to x and weight `axisY` set to y.
// Output is struct-of-arrays: weight d of the t-th cell of the tile at out + 8·(d·n + t).
// Every cell is computed from (i, j) alone, so tiles never change results.
import { ld, st } from '../../abi';
import { familySquares, moveToProductFrom } from '../family';

const CELL: usize = memory.data(64 * 8, 16);

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
  const stride = familyCacheStride(D);
  for (let t = 0; t < n; t++) {
    const k = start + t;
    const i = k / cols;
    const j = k - i * cols;
    const entry = cache + ((<usize>(j * stride)) << 3);
    const u = entry + 8;
    const logs = u + ((<usize>D) << 3);
    if (isNaN(load<f64>(entry))) {
      store<f64>(entry, familySquares(c, D, axisValue(phiLo, phiHi, j, cols), u));
      let inverseSum = 0.0;
      for (let d = 0; d < D; d++) {
        st(logs, d, Math.log(ld(u, d)));
        inverseSum += 1.0 / ld(u, d);
      }
      st(logs, D, inverseSum);
    }
    moveToProductFrom(u, D, axisValue(productLo, productHi, i, rows), logs, ld(logs, D), CELL);
    for (let d = 0; d < D; d++) st(out, d * n + t, ld(CELL, d));
    st(outInitialGfs, t, load<f64>(entry));
  }
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
