/**
 * Line charts as SVG: vertically stacked panels, each with its own axes (linear or log y), line or
 * marker series, dashed reference lines and a legend.
 *
 * Data handling: points with non-finite coordinates (or y ≤ 0 on a log axis) break the line into
 * separate path segments and are ignored by automatic ranges; segments are clipped to a box just
 * outside the plot area (a clip path trims the rest), and long series are decimated per pixel
 * column (first/min/max/last of each run of points in the same column), so 10⁵ points cost a few
 * thousand path vertices while the drawn envelope stays identical.
 */
import {
  FONT,
  INK,
  X_AXIS_DECORATION_HEIGHT,
  checkAxisRange,
  drawAxes,
  drawGrid,
  makeScale,
  maxLabelWidth,
  type Rect,
  type Scale,
} from './axes.js';
import { categoricalColor } from './colormap.js';
import { el, estimateTextWidth, fmt, svgDocument, text } from './svg.js';
import { axisTicks, type AxisTicks, type ScaleType } from './ticks.js';

/** One data series of a panel. */
export interface LineSeries {
  /** Legend entry; an empty name keeps the series out of the legend. */
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** CSS colour; defaults to the categorical palette by series index. */
  readonly color?: string;
  readonly dash?: boolean;
  /** Stroke width (line mode) or marker radius − 1 (marker modes); default 1.5. */
  readonly width?: number;
  /** A line, filled circles (`markers`) or open circles (`rings`). */
  readonly mode?: 'line' | 'markers' | 'rings';
}

/** A horizontal reference line across the plot, labelled in the right margin. */
export interface HorizontalLine {
  readonly y: number;
  readonly label: string;
  readonly color?: string;
  /** Dashed unless `false`. */
  readonly dash?: boolean;
  /** Also list the line in the panel's legend under its label (default false). */
  readonly legend?: boolean;
}

/** Corner of the plot area holding the legend; `auto` picks the corner covering the least data. */
export type LegendPosition = 'auto' | 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left';

/** One panel (plot area with its own axes). */
export interface Panel {
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yScale: ScaleType;
  /** x-axis scale; default `linear`. */
  readonly xScale?: ScaleType;
  /** Explicit x range; default: extent of the valid data. */
  readonly xRange?: readonly [number, number];
  /** Explicit y range; default: extent of valid data (inside the x range) and `hlines`, padded. */
  readonly yRange?: readonly [number, number];
  readonly series: readonly LineSeries[];
  readonly hlines?: readonly HorizontalLine[];
  /** Show the legend (default true when some series has a name). */
  readonly legend?: boolean;
  readonly legendPosition?: LegendPosition;
}

/** A figure of vertically stacked panels. */
export interface LineChartSpec {
  /** Total width in user units (default 800). */
  readonly width?: number;
  /** Total height (default: 300 per panel plus the title). */
  readonly height?: number;
  readonly title?: string;
  readonly panels: readonly Panel[];
  /** Prefix of element ids (clip paths); set it when several charts share one HTML page. */
  readonly idPrefix?: string;
}

const FN = 'lineChart';
const DEFAULT_WIDTH = 800;
const DEFAULT_PANEL_HEIGHT = 300;
const FIGURE_TITLE_HEIGHT = 30;
/** Distance in pixels beyond the plot area at which segments are clipped geometrically. */
const CLIP_MARGIN = 20;
/** Pixel column width used by decimation. */
const DECIMATION_COLUMN = 1;
/** Decimals of path coordinates. */
const PATH_DECIMALS = 1;

/** A polyline in pixel coordinates: x0, y0, x1, y1, … */
type Polyline = number[];

/** `Array.isArray` without type narrowing (which would widen readonly arrays to `any[]`). */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** Validates the spec, throwing `RangeError`s that name the offending field. */
function validateSpec(spec: LineChartSpec): void {
  const positive = (field: string, value: number | undefined, min: number): void => {
    if (value !== undefined && !(Number.isFinite(value) && value >= min)) {
      throw new RangeError(`${FN}: ${field} (${value}) must be a finite number ≥ ${min}`);
    }
  };
  positive('width', spec.width, 100);
  positive('height', spec.height, 80);
  if (!isList(spec.panels) || spec.panels.length === 0) {
    throw new RangeError(`${FN}: panels.length (${spec.panels?.length ?? 'undefined'}) must be ≥ 1`);
  }
  if (spec.idPrefix !== undefined && !/^[A-Za-z][\w-]*$/.test(spec.idPrefix)) {
    throw new RangeError(`${FN}: idPrefix (${JSON.stringify(spec.idPrefix)}) must be an XML id`);
  }
  spec.panels.forEach((panel, p) => {
    const at = `panels[${p}]`;
    if (panel.yScale !== 'linear' && panel.yScale !== 'log') {
      throw new RangeError(`${FN}: ${at}.yScale (${String(panel.yScale)}) must be 'linear' or 'log'`);
    }
    const xScale = panel.xScale ?? 'linear';
    if (xScale !== 'linear' && xScale !== 'log') {
      throw new RangeError(`${FN}: ${at}.xScale (${String(xScale)}) must be 'linear' or 'log'`);
    }
    if (panel.xRange) checkAxisRange(FN, `${at}.xRange`, panel.xRange, xScale);
    if (panel.yRange) checkAxisRange(FN, `${at}.yRange`, panel.yRange, panel.yScale);
    if (!isList(panel.series)) {
      throw new RangeError(`${FN}: ${at}.series must be an array`);
    }
    panel.series.forEach((series, s) => {
      const sat = `${at}.series[${s}]`;
      if (series.x.length !== series.y.length) {
        throw new RangeError(
          `${FN}: ${sat}.x.length (${series.x.length}) must equal ${sat}.y.length (${series.y.length})`,
        );
      }
      if (series.width !== undefined && !(Number.isFinite(series.width) && series.width > 0)) {
        throw new RangeError(`${FN}: ${sat}.width (${series.width}) must be finite and positive`);
      }
      if (series.mode !== undefined && series.mode !== 'line' && series.mode !== 'markers' && series.mode !== 'rings') {
        throw new RangeError(`${FN}: ${sat}.mode (${String(series.mode)}) must be 'line', 'markers' or 'rings'`);
      }
    });
    (panel.hlines ?? []).forEach((line, h) => {
      if (!Number.isFinite(line.y) || (panel.yScale === 'log' && line.y <= 0)) {
        throw new RangeError(
          `${FN}: ${at}.hlines[${h}].y (${line.y}) must be finite${panel.yScale === 'log' ? ' and positive' : ''}`,
        );
      }
    });
  });
}

function isShowable(value: number, scale: ScaleType): boolean {
  return Number.isFinite(value) && (scale === 'linear' || value > 0);
}

/** Pads a data extent into an axis domain (5 % each side, in log space for log axes). */
function paddedDomain(lo: number, hi: number, scale: ScaleType, pad: number): [number, number] {
  if (scale === 'log') {
    let l0 = Math.log10(lo);
    let l1 = Math.log10(hi);
    if (l1 - l0 < 1e-12) {
      l0 -= 0.5;
      l1 += 0.5;
    }
    const margin = (l1 - l0) * pad;
    return [10 ** (l0 - margin), 10 ** (l1 + margin)];
  }
  if (hi - lo <= Math.abs(hi) * 1e-12) {
    const half = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - half, hi + half];
  }
  const margin = (hi - lo) * pad;
  return [lo - margin, hi + margin];
}

/** Axis domains of a panel: explicit ranges, else extents of the valid data. */
function panelDomains(panel: Panel): { x: [number, number]; y: [number, number] } {
  const xScale = panel.xScale ?? 'linear';
  let xLo = Infinity;
  let xHi = -Infinity;
  for (const series of panel.series) {
    for (let i = 0; i < series.x.length; i++) {
      const x = series.x[i] as number;
      const y = series.y[i] as number;
      if (isShowable(x, xScale) && isShowable(y, panel.yScale)) {
        if (x < xLo) xLo = x;
        if (x > xHi) xHi = x;
      }
    }
  }
  let x: [number, number];
  if (panel.xRange) x = [panel.xRange[0], panel.xRange[1]];
  else if (xLo > xHi) x = xScale === 'log' ? [1, 10] : [0, 1];
  else x = xLo < xHi ? [xLo, xHi] : paddedDomain(xLo, xHi, xScale, 0);

  if (panel.yRange) return { x, y: [panel.yRange[0], panel.yRange[1]] };
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const series of panel.series) {
    for (let i = 0; i < series.x.length; i++) {
      const xv = series.x[i] as number;
      const yv = series.y[i] as number;
      if (isShowable(xv, xScale) && isShowable(yv, panel.yScale) && xv >= x[0] && xv <= x[1]) {
        if (yv < yLo) yLo = yv;
        if (yv > yHi) yHi = yv;
      }
    }
  }
  for (const line of panel.hlines ?? []) {
    if (line.y < yLo) yLo = line.y;
    if (line.y > yHi) yHi = line.y;
  }
  if (yLo > yHi) return { x, y: panel.yScale === 'log' ? [1, 10] : [0, 1] };
  return { x, y: paddedDomain(yLo, yHi, panel.yScale, 0.05) };
}

/**
 * Liang–Barsky clipping of segment a→b against `box`. Returns the clipped endpoints and whether
 * each end was moved, or `null` if the segment misses the box.
 */
function clipSegment(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  box: Rect,
): [number, number, number, number, boolean, boolean] | null {
  const dx = bx - ax;
  const dy = by - ay;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, ax - box.x],
    [dx, box.x + box.width - ax],
    [-dy, ay - box.y],
    [dy, box.y + box.height - ay],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const r = q / p;
    if (p < 0) {
      if (r > t1) return null;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return null;
      if (r < t1) t1 = r;
    }
  }
  return [ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy, t0 > 0, t1 < 1];
}

/** Splits a series into clipped pixel-space polylines, breaking at unshowable points. */
function seriesPolylines(series: LineSeries, xs: Scale, ys: Scale, box: Rect): Polyline[] {
  const out: Polyline[] = [];
  let current: Polyline | null = null;
  let havePrevious = false;
  let prevX = 0;
  let prevY = 0;
  const flush = (): void => {
    if (current && current.length >= 2) out.push(current);
    current = null;
  };
  const inside = (px: number, py: number): boolean =>
    px >= box.x && px <= box.x + box.width && py >= box.y && py <= box.y + box.height;

  for (let i = 0; i < series.x.length; i++) {
    const px = xs.map(series.x[i] as number);
    const py = ys.map(series.y[i] as number);
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      flush();
      havePrevious = false;
      continue;
    }
    if (!havePrevious) {
      flush();
      if (inside(px, py)) current = [px, py];
    } else {
      const clipped = clipSegment(prevX, prevY, px, py, box);
      if (!clipped) {
        flush();
      } else {
        const [ax, ay, bx, by, aMoved, bMoved] = clipped;
        if (!current || aMoved) {
          flush();
          current = [ax, ay];
        }
        (current as Polyline).push(bx, by);
        if (bMoved) flush();
      }
    }
    havePrevious = true;
    prevX = px;
    prevY = py;
  }
  flush();
  return out;
}

/**
 * Per-pixel-column decimation: each maximal run of consecutive vertices in one column is reduced
 * to its first, lowest, highest and last vertex (in original order). The rasterised envelope is
 * unchanged, and a monotone-x polyline keeps at most four vertices per column.
 */
export function decimatePolyline(line: readonly number[], columnWidth = DECIMATION_COLUMN): number[] {
  const n = line.length / 2;
  if (n <= 4) return line.slice();
  const out: number[] = [];
  let start = 0;
  while (start < n) {
    const column = Math.floor((line[2 * start] as number) / columnWidth);
    let end = start + 1;
    while (end < n && Math.floor((line[2 * end] as number) / columnWidth) === column) end++;
    // run = [start, end)
    let lowIndex = start;
    let highIndex = start;
    for (let i = start + 1; i < end; i++) {
      if ((line[2 * i + 1] as number) < (line[2 * lowIndex + 1] as number)) lowIndex = i;
      if ((line[2 * i + 1] as number) > (line[2 * highIndex + 1] as number)) highIndex = i;
    }
    const keep = [...new Set([start, lowIndex, highIndex, end - 1])].sort((a, b) => a - b);
    for (const i of keep) out.push(line[2 * i] as number, line[2 * i + 1] as number);
    start = end;
  }
  return out;
}

/** SVG path data of polylines; a single-vertex polyline becomes a dot (zero-length segment). */
function polylinesToPath(lines: readonly Polyline[]): string {
  let d = '';
  for (const line of lines) {
    d += `M${fmt(line[0] as number, PATH_DECIMALS)} ${fmt(line[1] as number, PATH_DECIMALS)}`;
    if (line.length === 2) {
      d += 'h0';
      continue;
    }
    d += 'L';
    for (let i = 2; i < line.length; i += 2) {
      if (i > 2) d += ' ';
      d += `${fmt(line[i] as number, PATH_DECIMALS)} ${fmt(line[i + 1] as number, PATH_DECIMALS)}`;
    }
  }
  return d;
}

/** Marker centres inside the plot area, one per occupied pixel. */
function markerCentres(series: LineSeries, xs: Scale, ys: Scale, plot: Rect, radius: number): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (let i = 0; i < series.x.length; i++) {
    const px = xs.map(series.x[i] as number);
    const py = ys.map(series.y[i] as number);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    if (px < plot.x - radius || px > plot.x + plot.width + radius) continue;
    if (py < plot.y - radius || py > plot.y + plot.height + radius) continue;
    const key = Math.round(px) * 100003 + Math.round(py);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(px, py);
  }
  return out;
}

function markersToPath(centres: readonly number[], radius: number): string {
  const r = fmt(radius, 2);
  const diameter = fmt(2 * radius, 2);
  let d = '';
  for (let i = 0; i < centres.length; i += 2) {
    d += `M${fmt((centres[i] as number) - radius, PATH_DECIMALS)} ${fmt(centres[i + 1] as number, PATH_DECIMALS)}`;
    d += `a${r} ${r} 0 1 0 ${diameter} 0a${r} ${r} 0 1 0 -${diameter} 0`;
  }
  return d;
}

/** Pixel sample points along polylines (vertices plus points every ≤ 8 px), for legend placement. */
function samplePoints(lines: readonly Polyline[], out: number[]): void {
  for (const line of lines) {
    for (let i = 0; i + 1 < line.length; i += 2) {
      const x0 = line[i] as number;
      const y0 = line[i + 1] as number;
      out.push(x0, y0);
      if (i + 3 < line.length) {
        const x1 = line[i + 2] as number;
        const y1 = line[i + 3] as number;
        const steps = Math.min(200, Math.floor(Math.hypot(x1 - x0, y1 - y0) / 8));
        for (let k = 1; k < steps; k++) {
          out.push(x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps);
        }
      }
    }
  }
}

interface LegendEntry {
  readonly name: string;
  readonly color: string;
  readonly dash: boolean;
  readonly width: number;
  readonly markers: boolean;
  /** Open circles (the `rings` mode). */
  readonly rings?: boolean;
}

const LEGEND_ROW = 17;
/** Stroke width of open-circle (`rings`) markers. */
const RING_STROKE = 1.6;
const LEGEND_PAD = 6;
const LEGEND_SWATCH = 24;
const LEGEND_INSET = 8;

/** Size of the legend box for `entries`. */
function legendSize(entries: readonly LegendEntry[]): { width: number; height: number } {
  const textWidth = maxLabelWidth(
    entries.map((e) => e.name),
    FONT.legend,
  );
  return {
    width: LEGEND_PAD * 2 + LEGEND_SWATCH + 6 + textWidth,
    height: LEGEND_PAD * 2 + entries.length * LEGEND_ROW - 3,
  };
}

/** Top-left corner of the legend box at `position` inside `plot`. */
function legendOrigin(
  position: Exclude<LegendPosition, 'auto'>,
  plot: Rect,
  size: { width: number; height: number },
): { x: number; y: number } {
  const left = plot.x + LEGEND_INSET;
  const right = plot.x + plot.width - LEGEND_INSET - size.width;
  const top = plot.y + LEGEND_INSET;
  const bottom = plot.y + plot.height - LEGEND_INSET - size.height;
  switch (position) {
    case 'top-left':
      return { x: left, y: top };
    case 'bottom-right':
      return { x: right, y: bottom };
    case 'bottom-left':
      return { x: left, y: bottom };
    default:
      return { x: right, y: top };
  }
}

/** The corner whose legend box would cover the fewest sample points (ties: top-right first). */
function chooseLegendPosition(
  plot: Rect,
  size: { width: number; height: number },
  samples: readonly number[],
): Exclude<LegendPosition, 'auto'> {
  const candidates = ['top-right', 'top-left', 'bottom-right', 'bottom-left'] as const;
  let best: Exclude<LegendPosition, 'auto'> = 'top-right';
  let bestCount = Infinity;
  for (const candidate of candidates) {
    const o = legendOrigin(candidate, plot, size);
    let count = 0;
    for (let i = 0; i < samples.length; i += 2) {
      const x = samples[i] as number;
      const y = samples[i + 1] as number;
      if (x >= o.x - 4 && x <= o.x + size.width + 4 && y >= o.y - 4 && y <= o.y + size.height + 4) {
        count++;
      }
    }
    if (count < bestCount) {
      bestCount = count;
      best = candidate;
    }
  }
  return best;
}

function drawLegend(
  entries: readonly LegendEntry[],
  origin: { x: number; y: number },
  size: { width: number; height: number },
): string {
  const rows = entries.map((entry, i) => {
    const cy = origin.y + LEGEND_PAD + i * LEGEND_ROW + 6;
    const sx = origin.x + LEGEND_PAD;
    const swatch = entry.markers
      ? el('circle', {
          cx: sx + LEGEND_SWATCH / 2,
          cy,
          r: entry.width + 1.5,
          fill: entry.rings ? 'none' : entry.color,
          stroke: entry.rings ? entry.color : undefined,
          'stroke-width': entry.rings ? RING_STROKE : undefined,
        })
      : el('path', {
          d: `M${fmt(sx)} ${fmt(cy)}h${LEGEND_SWATCH}`,
          stroke: entry.color,
          'stroke-width': Math.max(entry.width, 2),
          'stroke-dasharray': entry.dash ? '6 3' : undefined,
          fill: 'none',
        });
    return (
      swatch +
      text(entry.name, {
        x: sx + LEGEND_SWATCH + 6,
        y: cy + FONT.legend * 0.36,
        'font-size': FONT.legend,
        fill: INK.text,
      })
    );
  });
  return el('g', { class: 'legend' }, [
    el('rect', {
      x: origin.x,
      y: origin.y,
      width: size.width,
      height: size.height,
      rx: 3,
      fill: '#ffffff',
      'fill-opacity': 0.88,
      stroke: '#bbbbbb',
      'stroke-width': 0.8,
    }),
    ...rows,
  ]);
}

/** Ticks of one axis for the domain, about one per `pixelsPerTick` pixels. */
function ticksFor(
  scale: ScaleType,
  domain: readonly [number, number],
  pixels: number,
  pixelsPerTick: number,
): AxisTicks {
  const target = Math.max(2, Math.min(8, Math.round(pixels / pixelsPerTick)));
  return axisTicks(scale, domain[0], domain[1], target);
}

/** Vertical positions of right-margin labels, pushed apart so they do not overlap. */
function spreadLabels(ys: readonly number[], minGap: number, lo: number, hi: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  const placed = order.map((o) => o.y);
  for (let k = 1; k < placed.length; k++) {
    placed[k] = Math.max(placed[k] as number, (placed[k - 1] as number) + minGap);
  }
  const overflow = (placed[placed.length - 1] ?? hi) - hi;
  if (overflow > 0) {
    for (let k = placed.length - 1; k >= 0; k--) {
      const limit = k === placed.length - 1 ? hi : (placed[k + 1] as number) - minGap;
      placed[k] = Math.max(lo, Math.min(placed[k] as number, limit));
    }
  }
  const out = new Array<number>(ys.length);
  order.forEach((o, k) => (out[o.i] = placed[k] as number));
  return out;
}

/**
 * Renders a line chart to an SVG string. Throws `RangeError` on invalid specs (field named in the
 * message, e.g. `lineChart: panels[0].series[1].x.length (3) must equal … y.length (4)`).
 */
export function lineChart(spec: LineChartSpec): string {
  validateSpec(spec);
  const width = spec.width ?? DEFAULT_WIDTH;
  const titleHeight = spec.title ? FIGURE_TITLE_HEIGHT : 0;
  const height = spec.height ?? titleHeight + spec.panels.length * DEFAULT_PANEL_HEIGHT + 6;
  const idPrefix = spec.idPrefix ?? 'lc';
  const panelHeight = (height - titleHeight - 6) / spec.panels.length;

  // Domains and ticks first: the left margin depends on the widest y tick label.
  const prepared = spec.panels.map((panel) => {
    const domains = panelDomains(panel);
    const yTicks = ticksFor(panel.yScale, domains.y, panelHeight - 80, 50);
    return { panel, domains, yTicks };
  });
  const widestYLabel = Math.max(...prepared.map((p) => maxLabelWidth(p.yTicks.labels)));
  const left = Math.ceil(8 + FONT.axisLabel + 10 + widestYLabel + 8 + 5);
  const hlineLabelWidth = Math.max(
    0,
    ...spec.panels.flatMap((p) => (p.hlines ?? []).map((h) => estimateTextWidth(h.label, FONT.legend))),
  );
  const right = Math.ceil(hlineLabelWidth > 0 ? hlineLabelWidth + 16 : 20);
  const plotWidth = width - left - right;

  const parts: string[] = [el('rect', { width, height, fill: '#ffffff' })];
  if (spec.title) {
    parts.push(
      text(spec.title, {
        x: width / 2,
        y: 21,
        'text-anchor': 'middle',
        'font-size': FONT.figureTitle,
        'font-weight': 'bold',
        fill: INK.text,
      }),
    );
  }
  const defs: string[] = [];

  prepared.forEach(({ panel, domains, yTicks }, p) => {
    const top = titleHeight + p * panelHeight;
    const titleSpace = panel.title ? 24 : 10;
    const plot: Rect = {
      x: left,
      y: top + titleSpace,
      width: plotWidth,
      height: panelHeight - titleSpace - X_AXIS_DECORATION_HEIGHT - 4,
    };
    if (plot.width < 40 || plot.height < 30) {
      throw new RangeError(
        `${FN}: plot area of panels[${p}] (${Math.round(plot.width)}×${Math.round(plot.height)}) is too small; increase width (${width}) or height (${height})`,
      );
    }
    const xScaleType = panel.xScale ?? 'linear';
    const xs = makeScale(xScaleType, domains.x, [plot.x, plot.x + plot.width]);
    const ys = makeScale(panel.yScale, domains.y, [plot.y + plot.height, plot.y]);
    const xTicks = ticksFor(xScaleType, domains.x, plot.width, 90);
    const axes = {
      plot,
      x: xs,
      y: ys,
      xTicks,
      yTicks,
      xLabel: panel.xLabel,
      yLabel: panel.yLabel,
      yLabelX: 8 + FONT.axisLabel,
    };
    const clipId = `${idPrefix}-clip-${p}`;
    defs.push(
      el('clipPath', { id: clipId }, [el('rect', { x: plot.x, y: plot.y, width: plot.width, height: plot.height })]),
    );
    const box: Rect = {
      x: plot.x - CLIP_MARGIN,
      y: plot.y - CLIP_MARGIN,
      width: plot.width + 2 * CLIP_MARGIN,
      height: plot.height + 2 * CLIP_MARGIN,
    };

    const dataLayer: string[] = [];
    const samples: number[] = [];
    const legendEntries: LegendEntry[] = [];
    panel.series.forEach((series, s) => {
      const color = series.color ?? categoricalColor(s);
      const strokeWidth = series.width ?? 1.5;
      const rings = series.mode === 'rings';
      const markers = series.mode === 'markers' || rings;
      if (markers) {
        const radius = strokeWidth + 1;
        const centres = markerCentres(series, xs, ys, plot, radius);
        for (let i = 0; i < centres.length; i += 2) samples.push(centres[i] as number, centres[i + 1] as number);
        if (centres.length > 0) {
          dataLayer.push(
            el('path', {
              class: 'series',
              'data-series': series.name,
              d: markersToPath(centres, radius),
              fill: rings ? 'none' : color,
              stroke: rings ? color : 'none',
              'stroke-width': rings ? RING_STROKE : undefined,
            }),
          );
        }
      } else {
        const lines = seriesPolylines(series, xs, ys, box).map((line) => decimatePolyline(line));
        samplePoints(lines, samples);
        if (lines.length > 0) {
          dataLayer.push(
            el('path', {
              class: 'series',
              'data-series': series.name,
              d: polylinesToPath(lines),
              fill: 'none',
              stroke: color,
              'stroke-width': strokeWidth,
              'stroke-linejoin': 'round',
              'stroke-linecap': 'round',
              'stroke-dasharray': series.dash ? `${fmt(strokeWidth * 4)} ${fmt(strokeWidth * 2.5)}` : undefined,
            }),
          );
        }
      }
      if (series.name) {
        legendEntries.push({
          name: series.name,
          color,
          dash: series.dash ?? false,
          width: strokeWidth,
          markers,
          rings,
        });
      }
    });

    const hlineLayer: string[] = [];
    const hlineLabels: { y: number; label: string; color: string }[] = [];
    for (const line of panel.hlines ?? []) {
      const py = ys.map(line.y);
      if (!(py >= plot.y - 0.01 && py <= plot.y + plot.height + 0.01)) continue;
      const color = line.color ?? '#555555';
      hlineLayer.push(
        el('path', {
          class: 'hline',
          d: `M${fmt(plot.x)} ${fmt(py)}H${fmt(plot.x + plot.width)}`,
          stroke: color,
          'stroke-width': 1.2,
          'stroke-dasharray': line.dash === false ? undefined : '6 4',
          fill: 'none',
        }),
      );
      for (let x = plot.x; x <= plot.x + plot.width; x += 8) samples.push(x, py);
      hlineLabels.push({ y: py, label: line.label, color });
      if (line.legend)
        legendEntries.push({ name: line.label, color, dash: line.dash !== false, width: 1.2, markers: false });
    }
    const labelYs = spreadLabels(
      hlineLabels.map((h) => h.y),
      FONT.legend + 2,
      plot.y,
      plot.y + plot.height,
    );
    const hlineText = hlineLabels.map((h, i) =>
      text(h.label, {
        class: 'hline-label',
        x: plot.x + plot.width + 6,
        y: (labelYs[i] as number) + FONT.legend * 0.36,
        'font-size': FONT.legend,
        fill: h.color,
      }),
    );

    const group: string[] = [];
    if (panel.title) {
      group.push(
        text(panel.title, {
          x: plot.x + plot.width / 2,
          y: top + 17,
          'text-anchor': 'middle',
          'font-size': FONT.panelTitle,
          'font-weight': 'bold',
          fill: INK.text,
        }),
      );
    }
    group.push(drawGrid(axes));
    group.push(el('g', { 'clip-path': `url(#${clipId})` }, [...hlineLayer, ...dataLayer]));
    group.push(...drawAxes(axes));
    group.push(...hlineText);
    const showLegend = panel.legend ?? legendEntries.length > 0;
    if (showLegend && legendEntries.length > 0) {
      const size = legendSize(legendEntries);
      const requested = panel.legendPosition ?? 'auto';
      const position = requested === 'auto' ? chooseLegendPosition(plot, size, samples) : requested;
      group.push(drawLegend(legendEntries, legendOrigin(position, plot, size), size));
    }
    parts.push(el('g', { class: 'panel', 'data-panel': p }, group));
  });

  return svgDocument(width, height, [el('defs', {}, defs), ...parts]);
}
