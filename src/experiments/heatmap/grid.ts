/**
 * Grid specifications for sweeps (model.md §2, §3 Fig 3/2c). Plain, structured-clonable data: the
 * same object travels to every worker. Axes are inclusive linspaces; cell k = i·cols + j, column j
 * on the first axis (x: φ₀ or weight `axes[0]`), row i on the second (y: p₀ or weight `axes[1]`).
 */
import { linspace } from '../../base/linspace.js';

/** The (φ₀, p₀) family of model.md §2 with balance direction c. */
export interface FamilyGrid {
  readonly kind: 'family';
  readonly depth: number;
  readonly direction: readonly number[];
  /** φ₀ range (columns). */
  readonly phiRange: readonly [number, number];
  /** p₀ range (rows). */
  readonly productRange: readonly [number, number];
  readonly rows: number;
  readonly cols: number;
}

/** A 2-D slice of weight space: weights axes[0] (columns) and axes[1] (rows) vary, the rest fixed. */
export interface SliceGrid {
  readonly kind: 'slice';
  readonly depth: number;
  readonly base: readonly number[];
  readonly axes: readonly [number, number];
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly rows: number;
  readonly cols: number;
}

export type GridSpec = FamilyGrid | SliceGrid;

/** GD settings of a sweep. */
export interface RunSpec {
  readonly eta: number;
  readonly tol: number;
  readonly divergeAt: number;
  readonly maxSteps: number;
}

/** What each cell computes: final sharpness (Fig 3) or 𝕊 membership + φ monotonicity (Fig 2c). */
export type MapKind = 'sharpness' | 'invariant-set';

/** Which sweep kernel runs GD: SIMD (default) or the scalar reference (bit-identical). */
export type KernelKind = 'simd' | 'scalar';

export function cellCount(grid: GridSpec): number {
  return grid.rows * grid.cols;
}

export function xRangeOf(grid: GridSpec): readonly [number, number] {
  return grid.kind === 'family' ? grid.phiRange : grid.xRange;
}

export function yRangeOf(grid: GridSpec): readonly [number, number] {
  return grid.kind === 'family' ? grid.productRange : grid.yRange;
}

/** The inclusive linspace lo + (hi − lo)·k/(count − 1), with the kernels' arithmetic. */
export { linspace };

export function axisLabels(grid: GridSpec): { x: string; y: string } {
  if (grid.kind === 'family') return { x: 'initial GFS sharpness φ₀', y: 'initial product p₀' };
  return { x: `w${grid.axes[0] + 1}`, y: `w${grid.axes[1] + 1}` };
}

/** Bounds of the default tile size (cells): a tile is a pool task and a file of the tile store. */
export const MIN_AUTO_TILE = 1024;
export const MAX_AUTO_TILE = 65536;
/** Tiles per grid the default tile size aims at (load balance, checkpoint granularity). */
export const AUTO_TILES = 256;

/**
 * The default tile size, from the grid alone (so a resumed or sharded run finds the same tiles
 * whatever its worker count): about AUTO_TILES tiles, a power of two in [MIN_AUTO_TILE,
 * MAX_AUTO_TILE] — 1024 up to 256² cells, 16 384 at 2048², 65 536 from 4096². Large tiles keep
 * the per-tile costs (task messages, tile files) a small share of the work; there are still
 * enough of them to balance the workers and to checkpoint often.
 */
export function autoTileSize(cells: number): number {
  let size = MIN_AUTO_TILE;
  while (size < MAX_AUTO_TILE && size * AUTO_TILES < cells) size *= 2;
  return size;
}

/** Contiguous tiles [start, start + count) covering the grid in order. */
export function tiles(total: number, tileSize: number): { start: number; count: number }[] {
  const out: { start: number; count: number }[] = [];
  for (let start = 0; start < total; start += tileSize) out.push({ start, count: Math.min(tileSize, total - start) });
  return out;
}
