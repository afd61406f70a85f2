/**
 * Series geometry of line charts: axis domains from the valid data, Liang–Barsky clipping of
 * segments to a box just outside the plot area, per-pixel-column decimation, SVG path data of
 * lines and markers, and the pixel sample points used to place the legend.
 *
 * Points with non-finite coordinates (or y ≤ 0 on a log axis) break a line into separate segments
 * and are ignored by automatic ranges.
 */
import type { Rect, Scale } from './axes.js';
import type { LineSeries, Panel } from './lineSpec.js';
import { fmt } from './svg.js';
import type { ScaleType } from './ticks.js';

/** Pixel column width used by decimation. */
const DECIMATION_COLUMN = 1;
/** Decimals of path coordinates. */
const PATH_DECIMALS = 1;

/** A polyline in pixel coordinates: x0, y0, x1, y1, … */
export type Polyline = number[];

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
export function panelDomains(panel: Panel): { x: [number, number]; y: [number, number] } {
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
export function seriesPolylines(series: LineSeries, xs: Scale, ys: Scale, box: Rect): Polyline[] {
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
export function polylinesToPath(lines: readonly Polyline[]): string {
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
export function markerCentres(series: LineSeries, xs: Scale, ys: Scale, plot: Rect, radius: number): number[] {
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

export function markersToPath(centres: readonly number[], radius: number): string {
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
export function samplePoints(lines: readonly Polyline[], out: number[]): void {
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
