/**
 * What a line chart is: the spec types of `lineChart` (panels, series, reference lines, legend
 * placement) and their validation, which throws `RangeError`s naming the offending field.
 */
import { checkAxisRange } from './axes.js';
import type { ScaleType } from './ticks.js';

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

/** Prefix of validation and layout error messages. */
export const FN = 'lineChart';

/** `Array.isArray` without type narrowing (which would widen readonly arrays to `any[]`). */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** Validates the spec, throwing `RangeError`s that name the offending field. */
export function validateLineChartSpec(spec: LineChartSpec): void {
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
