/**
 * Shared plot-area machinery for the chart modules: data→pixel scales, plot rectangles and the
 * drawing of frames, grid lines, ticks, tick labels and axis labels.
 */
import { el, estimateTextWidth, fmt, text } from './svg.js';
import type { AxisTicks, ScaleType } from './ticks.js';

/** Font sizes (user units) shared by all figures. */
export const FONT = {
  figureTitle: 16,
  panelTitle: 14,
  axisLabel: 13,
  tickLabel: 11.5,
  legend: 12,
} as const;

/** Colours of the non-data ink. */
export const INK = {
  text: '#222222',
  axis: '#444444',
  grid: '#e4e4e4',
  minorTick: '#888888',
} as const;

/** Tick mark length outside the plot frame. */
export const TICK_LENGTH = 5;

/** An axis-aligned rectangle in SVG user units (y grows downward). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Maps data values on one axis to pixel positions. */
export interface Scale {
  readonly type: ScaleType;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Pixel position of `value` (may fall outside `range`; `NaN` for values a log axis cannot show). */
  map(value: number): number;
}

/** A linear or logarithmic scale from `domain` onto `range` (`range` may be descending). */
export function makeScale(type: ScaleType, domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (type === 'log') {
    const l0 = Math.log10(d0);
    const factor = (r1 - r0) / (Math.log10(d1) - l0);
    return {
      type,
      domain,
      range,
      map: (value) => (value > 0 ? r0 + (Math.log10(value) - l0) * factor : Number.NaN),
    };
  }
  const factor = (r1 - r0) / (d1 - d0);
  return { type, domain, range, map: (value) => r0 + (value - d0) * factor };
}

/** Everything {@link drawAxes} needs to decorate one plot rectangle. */
export interface AxesSpec {
  readonly plot: Rect;
  readonly x: Scale;
  readonly y: Scale;
  readonly xTicks: AxisTicks;
  readonly yTicks: AxisTicks;
  readonly xLabel: string;
  readonly yLabel: string;
  /** x position of the rotated y-axis label's baseline centre. */
  readonly yLabelX: number;
  /** Draw light grid lines at the major ticks (default true). */
  readonly grid?: boolean;
}

/** Width of the widest y tick label (estimated), for margin computations. */
export function maxLabelWidth(labels: readonly string[], fontSize: number = FONT.tickLabel): number {
  return labels.reduce((widest, label) => Math.max(widest, estimateTextWidth(label, fontSize)), 0);
}

/** Whether pixel position `p` lies within the closed interval spanned by `range`. */
function withinRange(p: number, range: readonly [number, number]): boolean {
  const lo = Math.min(range[0], range[1]);
  const hi = Math.max(range[0], range[1]);
  return Number.isFinite(p) && p >= lo - 0.01 && p <= hi + 0.01;
}

/** Grid lines drawn beneath the data (returned separately so data can be layered above them). */
export function drawGrid(spec: AxesSpec): string {
  if (spec.grid === false) return '';
  const { plot } = spec;
  let d = '';
  for (const value of spec.xTicks.major) {
    const px = spec.x.map(value);
    if (withinRange(px, spec.x.range)) d += `M${fmt(px)} ${fmt(plot.y)}V${fmt(plot.y + plot.height)}`;
  }
  for (const value of spec.yTicks.major) {
    const py = spec.y.map(value);
    if (withinRange(py, spec.y.range)) d += `M${fmt(plot.x)} ${fmt(py)}H${fmt(plot.x + plot.width)}`;
  }
  return d ? el('path', { d, stroke: INK.grid, 'stroke-width': 1, fill: 'none' }) : '';
}

/** Frame, tick marks, tick labels and axis labels (drawn above the data). */
export function drawAxes(spec: AxesSpec): string[] {
  const { plot } = spec;
  const bottom = plot.y + plot.height;
  const out: string[] = [];
  let major = '';
  let minor = '';
  const xLabels: string[] = [];
  spec.xTicks.major.forEach((value, i) => {
    const px = spec.x.map(value);
    if (!withinRange(px, spec.x.range)) return;
    major += `M${fmt(px)} ${fmt(bottom)}v${TICK_LENGTH}`;
    xLabels.push(
      text(spec.xTicks.labels[i] ?? '', {
        x: px,
        y: bottom + TICK_LENGTH + FONT.tickLabel + 2,
        'text-anchor': 'middle',
      }),
    );
  });
  for (const value of spec.xTicks.minor) {
    const px = spec.x.map(value);
    if (withinRange(px, spec.x.range)) minor += `M${fmt(px)} ${fmt(bottom)}v${TICK_LENGTH * 0.6}`;
  }
  const yLabels: string[] = [];
  spec.yTicks.major.forEach((value, i) => {
    const py = spec.y.map(value);
    if (!withinRange(py, spec.y.range)) return;
    major += `M${fmt(plot.x)} ${fmt(py)}h${-TICK_LENGTH}`;
    yLabels.push(
      text(spec.yTicks.labels[i] ?? '', {
        x: plot.x - TICK_LENGTH - 3,
        y: py + FONT.tickLabel * 0.36,
        'text-anchor': 'end',
      }),
    );
  });
  for (const value of spec.yTicks.minor) {
    const py = spec.y.map(value);
    if (withinRange(py, spec.y.range)) minor += `M${fmt(plot.x)} ${fmt(py)}h${-TICK_LENGTH * 0.6}`;
  }
  out.push(
    el('rect', {
      x: plot.x,
      y: plot.y,
      width: plot.width,
      height: plot.height,
      fill: 'none',
      stroke: INK.axis,
      'stroke-width': 1,
    }),
  );
  if (major) out.push(el('path', { d: major, stroke: INK.axis, 'stroke-width': 1, fill: 'none' }));
  if (minor) out.push(el('path', { d: minor, stroke: INK.minorTick, 'stroke-width': 0.8, fill: 'none' }));
  out.push(el('g', { 'font-size': FONT.tickLabel, fill: INK.text }, [...xLabels, ...yLabels]));
  out.push(
    text(spec.xLabel, {
      x: plot.x + plot.width / 2,
      y: bottom + TICK_LENGTH + FONT.tickLabel + 8 + FONT.axisLabel,
      'text-anchor': 'middle',
      'font-size': FONT.axisLabel,
      fill: INK.text,
    }),
  );
  const yMid = plot.y + plot.height / 2;
  out.push(
    text(spec.yLabel, {
      x: spec.yLabelX,
      y: yMid,
      'text-anchor': 'middle',
      'font-size': FONT.axisLabel,
      fill: INK.text,
      transform: `rotate(-90 ${fmt(spec.yLabelX)} ${fmt(yMid)})`,
    }),
  );
  return out;
}

/** Vertical space the x tick labels and x-axis label need below the plot rectangle. */
export const X_AXIS_DECORATION_HEIGHT = TICK_LENGTH + FONT.tickLabel + 8 + FONT.axisLabel + 6;

/** Checks that an explicit axis range is usable, throwing a `RangeError` naming `field`. */
export function checkAxisRange(fn: string, field: string, range: readonly [number, number], type: ScaleType): void {
  const [a, b] = range;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
    throw new RangeError(`${fn}: ${field} ([${a}, ${b}]) must be finite with ${field}[0] < ${field}[1]`);
  }
  if (type === 'log' && a <= 0) {
    throw new RangeError(`${fn}: ${field}[0] (${a}) must be positive on a log axis`);
  }
}
