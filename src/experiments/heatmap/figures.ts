/**
 * The heatmap figures: Fig 3 (final sharpness / (2/η) in two panels, the non-converged statuses
 * as their own layer) and Fig 2c (membership in 𝕊 and monotone φ), with large grids subsampled
 * for the picture only; the figure number appears in a title only for the paper's setting.
 */
import { defaultDirection } from '../../api.js';
import { heatmapPreset } from '../../base/presets.js';
import { STATUS_LABELS } from '../../wasm/status.js';
import { categoricalMap, heatmapFigure, sideBySide } from '../../plot/index.js';
import { sharpnessScaleMin, STATUS_CLASSES } from '../../plot/statusLayer.js';
import { axisLabels, xRangeOf, yRangeOf } from './grid.js';
import { INVARIANT_CLASSES, invariantClasses, type HeatmapResult } from './heatmap.js';
import type { ResolvedHeatmap } from './resolve.js';

const FIG3 = heatmapPreset('fig3');

function gridTitle(r: HeatmapResult): string {
  const g = r.grid;
  const where = g.kind === 'family' ? `D = ${g.depth}` : `slice of D = ${g.depth}`;
  return `${where}, η = ${r.run.eta}, ${r.rows}×${r.cols}`;
}

/**
 * Largest raster side drawn in a figure; larger grids are subsampled (nearest cell) for the picture
 * only. A panel's raster is ≈ 560 px wide in the SVG and ≈ 1 120 px in the PNG (drawn at twice the
 * width), so 1 024 cells per side are about one cell per PNG pixel; a 2 048² grid is drawn from
 * every second cell (4× less to colour, encode and decode: the figure of a 2 048² run 1.1 → 0.6 s).
 */
export const FIGURE_MAX_SIDE = 1024;

/** Nearest-cell subsampling of a row-major grid to at most `maxSide` cells per side. */
function forFigure<T extends Float64Array | Uint8Array>(
  data: T,
  rows: number,
  cols: number,
  maxSide = FIGURE_MAX_SIDE,
): { data: T; rows: number; cols: number; note: string } {
  if (rows <= maxSide && cols <= maxSide) return { data, rows, cols, note: '' };
  const r = Math.min(rows, maxSide);
  const c = Math.min(cols, maxSide);
  const out = new (data.constructor as { new (n: number): T })(r * c);
  for (let i = 0; i < r; i++) {
    const src = Math.floor(((i + 0.5) * rows) / r);
    for (let j = 0; j < c; j++) out[i * c + j] = data[src * cols + Math.floor(((j + 0.5) * cols) / c)] as number;
  }
  return { data: out, rows: r, cols: c, note: ` (drawn at ${r}×${c})` };
}

/** Lower end of the colour scale of Fig 3's second panel, which separates 0.98 from 1. */
export const EDGE_ZOOM_LOW = 0.95;
/** Largest raster side of that panel (it shows the same cells; a coarser raster is enough). */
const EDGE_ZOOM_MAX_SIDE = 1024;
/** Category code of converged cells below EDGE_ZOOM_LOW in the second panel. */
const BELOW_ZOOM = 250;

/**
 * Fig 3: final sharpness as a fraction of 2/η with the non-converged statuses as their own layer,
 * in two panels: (a) the whole range, (b) the same map with its colour scale on [0.95, 1], where
 * a viridis step of 0.01 is a fifth of the scale, so S∞ = 0.98·2/η and S∞ = 2/η look different.
 */
export function heatmapSvg(r: HeatmapResult): string {
  if (r.arrays.map !== 'sharpness') throw new TypeError('heatmapSvg needs a sharpness map');
  const a = r.arrays;
  // One pass over every cell for what must see all of them (the scale's lower end and the count of
  // cells below the zoomed scale); the colours are computed on the subsampled raster only, with the
  // same arithmetic per cell, so grids within FIGURE_MAX_SIDE draw exactly as before. Plain indexed
  // loops: a map callback or an iterator per cell costs seconds on large grids.
  const n = a.finalSharpness.length;
  const eta = r.run.eta;
  let lo = Infinity;
  let below = 0;
  for (let i = 0; i < n; i++) {
    const v = ((a.finalSharpness[i] as number) * eta) / 2;
    if (Number.isFinite(v) && v < lo) lo = v;
    if (v < EDGE_ZOOM_LOW) below++;
  }
  const asFraction = (sharpness: Float64Array): Float64Array => {
    const out = new Float64Array(sharpness.length);
    for (let i = 0; i < out.length; i++) out[i] = ((sharpness[i] as number) * eta) / 2;
    return out;
  };
  const vmin = sharpnessScaleMin(lo);
  const labels = axisLabels(r.grid);
  const threshold = 2 / r.run.eta;
  const reference =
    r.grid.kind === 'family' && threshold > r.grid.phiRange[0] && threshold < r.grid.phiRange[1]
      ? [{ orientation: 'vertical' as const, at: threshold, label: 'φ₀ = 2/η' }]
      : [];
  const statusClasses = STATUS_CLASSES.map((c) => ({ ...c, count: r.counts[STATUS_LABELS[c.code] as string] ?? 0 }));
  const panel = {
    width: 760,
    xRange: xRangeOf(r.grid),
    yRange: yRangeOf(r.grid),
    extent: 'centers' as const,
    xLabel: labels.x,
    yLabel: labels.y,
    colorbarLabel: 'final sharpness S / (2/η)',
    referenceLines: reference,
  };
  const sampled = forFigure(a.finalSharpness, r.rows, r.cols);
  const values = { ...sampled, data: asFraction(sampled.data) };
  const codes = forFigure(a.status, r.rows, r.cols);
  const whole = heatmapFigure({
    ...panel,
    idPrefix: 'fig3a',
    title: '(a) all converged cells',
    rows: values.rows,
    cols: values.cols,
    values: values.data,
    valueRange: [vmin, 1],
    categories: { codes: codes.data, classes: statusClasses },
  });
  // the second panel draws the same raster as the first unless its side limit differs
  const sameRaster = EDGE_ZOOM_MAX_SIDE === FIGURE_MAX_SIDE;
  const zoomSampled = sameRaster ? sampled : forFigure(a.finalSharpness, r.rows, r.cols, EDGE_ZOOM_MAX_SIDE);
  const zoomValues = sameRaster ? values : { ...zoomSampled, data: asFraction(zoomSampled.data) };
  const zoomCodes = (sameRaster ? codes : forFigure(a.status, r.rows, r.cols, EDGE_ZOOM_MAX_SIDE)).data.slice();
  for (let i = 0; i < zoomValues.data.length; i++) {
    if ((zoomValues.data[i] as number) < EDGE_ZOOM_LOW) zoomCodes[i] = BELOW_ZOOM;
  }
  const edge = heatmapFigure({
    ...panel,
    idPrefix: 'fig3b',
    title: `(b) colour scale on [${EDGE_ZOOM_LOW}, 1]: near the edge of stability`,
    rows: zoomValues.rows,
    cols: zoomValues.cols,
    values: zoomValues.data,
    valueRange: [EDGE_ZOOM_LOW, 1],
    categories: {
      codes: zoomCodes,
      classes: [
        ...statusClasses,
        { code: BELOW_ZOOM, label: `converged, S/(2/η) < ${EDGE_ZOOM_LOW}`, color: '#a8a8a8', count: below },
      ],
    },
  });
  const figure = hasFig3Setting(r) ? 'Fig 3 · ' : '';
  return sideBySide([whole, edge], `${figure}Final sharpness / (2/η) · ${gridTitle(r)}${values.note}`);
}

/**
 * Whether a map uses the paper's Fig 3 setting (the fig3 preset's depth, direction, η, ranges and
 * stopping rule), whatever its resolution: only then do its titles carry a figure number.
 */
function hasFig3Setting(r: ResolvedHeatmap): boolean {
  const g = r.grid;
  const p = FIG3;
  const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
    a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
  return (
    g.kind === 'family' &&
    g.depth === p.depth &&
    same(g.direction, defaultDirection(p.depth)) &&
    same(g.phiRange, p.phiRange) &&
    same(g.productRange, p.productRange) &&
    r.run.eta === p.eta &&
    r.run.tol === p.tol &&
    r.run.maxSteps === p.maxSteps &&
    r.run.divergeAt === p.divergeAt
  );
}

/** Fig 2c: membership of the initialisation in 𝕊 and monotonicity of φ along GD. */
export function invariantSetSvg(r: HeatmapResult): string {
  if (r.arrays.map !== 'invariant-set') throw new TypeError('invariantSetSvg needs an invariant-set map');
  const labels = axisLabels(r.grid);
  const codes = forFigure(
    invariantClasses(r.arrays.member, r.arrays.monotone, r.arrays.gdStatus, r.arrays.initGfsSharpness),
    r.rows,
    r.cols,
  );
  return categoricalMap({
    width: 820,
    title: `${hasFig3Setting(r) ? 'Fig 2c · ' : ''}Invariant set 𝕊 and monotone φ · ${gridTitle(r)}${codes.note}`,
    rows: codes.rows,
    cols: codes.cols,
    codes: codes.data,
    classes: INVARIANT_CLASSES.map((c) => ({ ...c, count: r.counts[c.label] ?? 0 })),
    xRange: xRangeOf(r.grid),
    yRange: yRangeOf(r.grid),
    extent: 'centers',
    xLabel: labels.x,
    yLabel: labels.y,
  });
}
