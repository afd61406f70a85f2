/**
 * What a raster figure is: the spec types of `heatmapFigure` and `categoricalMap` (grid size and
 * ranges, reference lines, categorical classes) and their validation, which throws `RangeError`s
 * naming the offending field.
 */
import { parseHex } from './colormap.js';
import type { Rgba } from './raster.js';

/** A categorical class: cells whose code equals `code` are painted `color`. */
export interface CategoryClass {
  /** Integer code in [0, 255], as stored in the per-cell `codes` array. */
  readonly code: number;
  readonly label: string;
  /** `#rgb` or `#rrggbb`. */
  readonly color: string;
  /** Optional cell count, shown in the legend as `label (count)`. */
  readonly count?: number;
}

/** Per-cell class codes and the classes that override the colour map. */
export interface Categories {
  /** One code per cell, row-major like `values`. Codes not listed in `classes` use the colour map. */
  readonly codes: Uint8Array;
  readonly classes: readonly CategoryClass[];
}

/** A reference line drawn over the raster (in data units). */
export interface ReferenceLine {
  /** `horizontal`: y = at; `vertical`: x = at. */
  readonly orientation: 'horizontal' | 'vertical';
  readonly at: number;
  readonly label?: string;
  readonly color?: string;
  /** Dashed unless `false`. */
  readonly dash?: boolean;
}

/**
 * How `xRange`/`yRange` relate to the cells: `edges` (default) — the ranges are the outer edges of
 * the grid, cell j spans [a + j·Δ, a + (j+1)·Δ] with Δ = (b − a)/cols; `centers` — the ranges are
 * the centres of the first and last cells (grid points of a parameter sweep), Δ = (b − a)/(cols − 1).
 */
export type RangeMeaning = 'edges' | 'centers';

/** Data extent (cell edges) along one axis. */
export function edgeDomain(range: readonly [number, number], cells: number, extent: RangeMeaning): [number, number] {
  if (extent === 'edges') return [range[0], range[1]];
  const half = (range[1] - range[0]) / (cells - 1) / 2;
  return [range[0] - half, range[1] + half];
}

/** Fields shared by {@link HeatmapSpec} and {@link CategoricalMapSpec}. */
export interface RasterSpecBase {
  /** Total width in user units (default 640). */
  readonly width?: number;
  /** Total height (default: chosen so cells are square, within limits). */
  readonly height?: number;
  readonly title: string;
  readonly rows: number;
  readonly cols: number;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly referenceLines?: readonly ReferenceLine[];
  readonly extent?: RangeMeaning;
  /** Prefix of element ids (clip path, gradient); set it when several figures share a page. */
  readonly idPrefix?: string;
}

/** A heatmap of `values` (row-major; row i is y index i, drawn from the bottom). */
export interface HeatmapSpec extends RasterSpecBase {
  readonly values: Float64Array;
  /** Values are mapped through viridis over [vmin, vmax] (clamped). */
  readonly valueRange: readonly [number, number];
  readonly colorbarLabel: string;
  readonly categories?: Categories;
}

/** A purely categorical map: every cell's code must be listed in `classes`. */
export interface CategoricalMapSpec extends RasterSpecBase {
  readonly codes: Uint8Array;
  readonly classes: readonly CategoryClass[];
}

/** Largest number of cells of one figure. */
const MAX_CELLS = 1 << 24;

/** Validates the fields shared by both figure kinds (`fn` names the figure in messages). */
export function checkDimensions(fn: string, spec: RasterSpecBase): void {
  for (const field of ['rows', 'cols'] as const) {
    const value = spec[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${fn}: ${field} (${value}) must be a positive integer`);
    }
  }
  if (spec.rows * spec.cols > MAX_CELLS) {
    throw new RangeError(`${fn}: rows*cols (${spec.rows * spec.cols}) must not exceed ${MAX_CELLS}`);
  }
  if (spec.width !== undefined && !(Number.isFinite(spec.width) && spec.width >= 200)) {
    throw new RangeError(`${fn}: width (${spec.width}) must be a finite number ≥ 200`);
  }
  if (spec.height !== undefined && !(Number.isFinite(spec.height) && spec.height >= 150)) {
    throw new RangeError(`${fn}: height (${spec.height}) must be a finite number ≥ 150`);
  }
  if (spec.idPrefix !== undefined && !/^[A-Za-z][\w-]*$/.test(spec.idPrefix)) {
    throw new RangeError(`${fn}: idPrefix (${JSON.stringify(spec.idPrefix)}) must be an XML id`);
  }
  const extent = spec.extent ?? 'edges';
  if (extent !== 'edges' && extent !== 'centers') {
    throw new RangeError(`${fn}: extent (${String(extent)}) must be 'edges' or 'centers'`);
  }
  for (const [field, count] of [
    ['xRange', spec.cols],
    ['yRange', spec.rows],
  ] as const) {
    const [a, b] = spec[field];
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
      throw new RangeError(`${fn}: ${field} ([${a}, ${b}]) must be finite with ${field}[0] < ${field}[1]`);
    }
    if (extent === 'centers' && count < 2) {
      throw new RangeError(`${fn}: extent 'centers' needs at least 2 cells along ${field} (got ${count})`);
    }
  }
  (spec.referenceLines ?? []).forEach((line, i) => {
    if (line.orientation !== 'horizontal' && line.orientation !== 'vertical') {
      throw new RangeError(
        `${fn}: referenceLines[${i}].orientation (${String(line.orientation)}) must be 'horizontal' or 'vertical'`,
      );
    }
    if (!Number.isFinite(line.at)) {
      throw new RangeError(`${fn}: referenceLines[${i}].at (${line.at}) must be finite`);
    }
  });
}

/** Validates classes and returns code → RGBA. */
export function classColors(fn: string, field: string, classes: readonly CategoryClass[]): Map<number, Rgba> {
  const colors = new Map<number, Rgba>();
  classes.forEach((cls, i) => {
    if (!Number.isInteger(cls.code) || cls.code < 0 || cls.code > 255) {
      throw new RangeError(`${fn}: ${field}[${i}].code (${cls.code}) must be an integer in [0, 255]`);
    }
    if (colors.has(cls.code)) {
      throw new RangeError(`${fn}: ${field}[${i}].code (${cls.code}) is listed twice`);
    }
    if (cls.count !== undefined && !(Number.isInteger(cls.count) && cls.count >= 0)) {
      throw new RangeError(`${fn}: ${field}[${i}].count (${cls.count}) must be a non-negative integer`);
    }
    let rgb: [number, number, number];
    try {
      rgb = parseHex(cls.color);
    } catch {
      throw new RangeError(`${fn}: ${field}[${i}].color (${JSON.stringify(cls.color)}) must be #rgb or #rrggbb`);
    }
    colors.set(cls.code, [rgb[0], rgb[1], rgb[2], 255]);
  });
  return colors;
}
