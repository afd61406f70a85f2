/**
 * Raster figures as SVG: `heatmapFigure` (values through viridis, with categorical override
 * classes such as "diverged" or "no GFS", a colour bar and a class legend) and `categoricalMap`
 * (purely categorical masks with a legend).
 *
 * This module lays the figure out and draws the reference lines; the spec types and their
 * validation are in heatmapSpec.ts, the cell raster (a PNG, one pixel per cell, scaled up with
 * nearest-neighbour sampling) in raster.ts, the colour bar in colorbar.ts and the class legend in
 * classLegend.ts.
 */
import {
  FONT,
  INK,
  TICK_LENGTH,
  X_AXIS_DECORATION_HEIGHT,
  drawAxes,
  makeScale,
  maxLabelWidth,
  type Rect,
} from './axes.js';
import { classLegendItems, drawLegendRows, layoutLegend, legendHeight, type LegendItem } from './classLegend.js';
import { colorbarMargin, colorbarTicks, drawColorbar, type ColorbarSpec } from './colorbar.js';
import { NAN_COLOR, parseHex, viridis } from './colormap.js';
import {
  checkDimensions,
  classColors,
  edgeDomain,
  type CategoricalMapSpec,
  type HeatmapSpec,
  type RasterSpecBase,
} from './heatmapSpec.js';
import { rasterImage, rasterize, type Rgba } from './raster.js';
import { el, estimateTextWidth, fmt, svgDocument, text } from './svg.js';
import { axisTicks } from './ticks.js';

export type {
  CategoricalMapSpec,
  Categories,
  CategoryClass,
  HeatmapSpec,
  RangeMeaning,
  ReferenceLine,
} from './heatmapSpec.js';

const DEFAULT_WIDTH = 640;
const TITLE_HEIGHT = 32;
const REFERENCE_COLOR = '#e41a1c';

/** A raster figure to lay out: its validated spec, the encoded cells, legend items and colour bar. */
interface RasterFigureSpec {
  readonly fn: string;
  readonly base: RasterSpecBase;
  readonly rgba: Uint8Array;
  readonly legend: readonly LegendItem[];
  readonly colorbar?: ColorbarSpec;
}

/** Relative luminance of a `#rgb`/`#rrggbb` colour in [0, 1], or `undefined` for other syntaxes. */
function luminance(color: string): number | undefined {
  let rgb: [number, number, number];
  try {
    rgb = parseHex(color);
  } catch {
    return undefined;
  }
  const linear = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (linear[0] as number) + 0.7152 * (linear[1] as number) + 0.0722 * (linear[2] as number);
}

/**
 * A reference-line label on a translucent box that contrasts with the text colour (dark box for
 * light text), so it stays legible over any cell colour. `baseline` is the text baseline.
 */
function boxedLabel(label: string, x: number, baseline: number, alignEnd: boolean, color: string): string {
  const textWidth = estimateTextWidth(label, FONT.legend);
  const boxX = (alignEnd ? x - textWidth : x) - 3;
  const lightText = (luminance(color) ?? 0) > 0.5;
  return el('g', { class: 'reference-label' }, [
    el('rect', {
      x: boxX,
      y: baseline - FONT.legend * 0.95,
      width: textWidth + 6,
      height: FONT.legend * 1.3,
      rx: 2,
      fill: lightText ? '#222222' : '#ffffff',
      'fill-opacity': 0.75,
    }),
    text(label, {
      x,
      y: baseline,
      'text-anchor': alignEnd ? 'end' : 'start',
      'font-size': FONT.legend,
      fill: color,
    }),
  ]);
}

/** Lays out and draws a raster figure (shared by heatmaps and categorical maps). */
function rasterFigure(spec: RasterFigureSpec): string {
  const { base, fn } = spec;
  const width = base.width ?? DEFAULT_WIDTH;
  const extent = base.extent ?? 'edges';
  const clipId = `${base.idPrefix ?? 'hm'}-clip`;
  const gradientId = `${base.idPrefix ?? 'hm'}-colorbar`;
  const xDomain = edgeDomain(base.xRange, base.cols, extent);
  const yDomain = edgeDomain(base.yRange, base.rows, extent);

  const yTicks = axisTicks('linear', yDomain[0], yDomain[1], 5);
  const left = Math.ceil(8 + FONT.axisLabel + 10 + maxLabelWidth(yTicks.labels) + TICK_LENGTH + 3 + 5);
  const cbTicks = spec.colorbar ? colorbarTicks(spec.colorbar.valueRange) : undefined;
  const right = cbTicks ? colorbarMargin(cbTicks) : 40;
  const plotWidth = width - left - right;
  if (plotWidth < 60) {
    throw new RangeError(`${fn}: width (${width}) leaves a plot area ${Math.round(plotWidth)} wide (< 60)`);
  }
  const legendRows = layoutLegend(spec.legend, width - left - 8);
  const top = TITLE_HEIGHT;
  const bottom = X_AXIS_DECORATION_HEIGHT + legendHeight(legendRows) + 8;
  let plotHeight: number;
  let height: number;
  if (base.height !== undefined) {
    height = base.height;
    plotHeight = height - top - bottom;
    if (plotHeight < 60) {
      throw new RangeError(`${fn}: height (${height}) leaves a plot area ${Math.round(plotHeight)} tall (< 60)`);
    }
  } else {
    const square = plotWidth * (base.rows / base.cols);
    plotHeight = Math.round(Math.min(Math.max(square, 160), 1.5 * plotWidth));
    height = top + plotHeight + bottom;
  }
  const plot: Rect = { x: left, y: top, width: plotWidth, height: plotHeight };

  const xs = makeScale('linear', xDomain, [plot.x, plot.x + plot.width]);
  const ys = makeScale('linear', yDomain, [plot.y + plot.height, plot.y]);
  const xTicks = axisTicks('linear', xDomain[0], xDomain[1], Math.max(2, Math.min(8, Math.round(plot.width / 90))));
  const axes = {
    plot,
    x: xs,
    y: ys,
    xTicks,
    yTicks,
    xLabel: base.xLabel,
    yLabel: base.yLabel,
    yLabelX: 8 + FONT.axisLabel,
    grid: false,
  };

  const parts: string[] = [el('rect', { width, height, fill: '#ffffff' })];
  const defs: string[] = [
    el('clipPath', { id: clipId }, [el('rect', { x: plot.x, y: plot.y, width: plot.width, height: plot.height })]),
  ];
  parts.push(
    text(base.title, {
      x: plot.x + plot.width / 2,
      y: 21,
      'text-anchor': 'middle',
      'font-size': FONT.figureTitle,
      'font-weight': 'bold',
      fill: INK.text,
    }),
  );
  parts.push(rasterImage(spec.rgba, base.cols, base.rows, plot));

  const overlay: string[] = [];
  const overlayLabels: string[] = [];
  for (const line of base.referenceLines ?? []) {
    const color = line.color ?? REFERENCE_COLOR;
    const dash = line.dash === false ? undefined : '6 4';
    if (line.orientation === 'vertical') {
      const px = xs.map(line.at);
      if (px < plot.x || px > plot.x + plot.width) continue;
      overlay.push(
        el('path', {
          class: 'reference',
          d: `M${fmt(px)} ${fmt(plot.y)}V${fmt(plot.y + plot.height)}`,
          stroke: color,
          'stroke-width': 1.5,
          'stroke-dasharray': dash,
          fill: 'none',
        }),
      );
      if (line.label) {
        const nearRight = px > plot.x + plot.width - estimateTextWidth(line.label, FONT.legend) - 10;
        overlayLabels.push(
          boxedLabel(line.label, nearRight ? px - 5 : px + 5, plot.y + FONT.legend + 4, nearRight, color),
        );
      }
    } else {
      const py = ys.map(line.at);
      if (py < plot.y || py > plot.y + plot.height) continue;
      overlay.push(
        el('path', {
          class: 'reference',
          d: `M${fmt(plot.x)} ${fmt(py)}H${fmt(plot.x + plot.width)}`,
          stroke: color,
          'stroke-width': 1.5,
          'stroke-dasharray': dash,
          fill: 'none',
        }),
      );
      if (line.label) {
        const nearTop = py < plot.y + FONT.legend + 6;
        overlayLabels.push(
          boxedLabel(line.label, plot.x + plot.width - 5, nearTop ? py + FONT.legend + 3 : py - 5, true, color),
        );
      }
    }
  }
  if (overlay.length > 0) parts.push(el('g', { 'clip-path': `url(#${clipId})` }, overlay));
  parts.push(...drawAxes(axes));
  parts.push(...overlayLabels);

  if (spec.colorbar && cbTicks) {
    const colorbar = drawColorbar(spec.colorbar, cbTicks, plot, gradientId);
    defs.push(colorbar.gradient);
    parts.push(colorbar.group);
  }

  if (legendRows.length > 0) {
    parts.push(drawLegendRows(legendRows, left, plot.y + plot.height + X_AXIS_DECORATION_HEIGHT + 6));
  }
  return svgDocument(width, height, [el('defs', {}, defs), ...parts]);
}

/**
 * Heatmap figure as an SVG string. Cells whose category code is listed in `categories.classes`
 * take the class colour; other cells are viridis((v − vmin)/(vmax − vmin)) clamped to [0, 1], and
 * NaN cells without a class are drawn in {@link NAN_COLOR} (listed in the legend as "no value").
 */
export function heatmapFigure(spec: HeatmapSpec): string {
  const fn = 'heatmapFigure';
  checkDimensions(fn, spec);
  const cells = spec.rows * spec.cols;
  if (!(spec.values instanceof Float64Array)) {
    throw new RangeError(`${fn}: values must be a Float64Array`);
  }
  if (spec.values.length !== cells) {
    throw new RangeError(`${fn}: values.length (${spec.values.length}) must equal rows*cols (${cells})`);
  }
  const [vmin, vmax] = spec.valueRange;
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax) || !(vmin < vmax)) {
    throw new RangeError(`${fn}: valueRange ([${vmin}, ${vmax}]) must be finite with valueRange[0] < valueRange[1]`);
  }
  let overrides = new Map<number, Rgba>();
  let codes: Uint8Array | undefined;
  if (spec.categories) {
    codes = spec.categories.codes;
    if (!(codes instanceof Uint8Array) || codes.length !== cells) {
      throw new RangeError(`${fn}: categories.codes.length (${codes?.length}) must equal rows*cols (${cells})`);
    }
    overrides = classColors(fn, 'categories.classes', spec.categories.classes);
  }
  const nanRgb = parseHex(NAN_COLOR);
  const nanColor: Rgba = [nanRgb[0], nanRgb[1], nanRgb[2], 255];
  let sawUnclassifiedNaN = false;
  const span = vmax - vmin;
  const rgba = rasterize(spec.rows, spec.cols, (cell) => {
    if (codes) {
      const override = overrides.get(codes[cell] as number);
      if (override) return override;
    }
    const value = spec.values[cell] as number;
    if (Number.isNaN(value)) {
      sawUnclassifiedNaN = true;
      return nanColor;
    }
    const [r, g, b] = viridis((value - vmin) / span);
    return [r, g, b, 255];
  });
  const legend = classLegendItems(spec.categories?.classes ?? []);
  if (sawUnclassifiedNaN) legend.push({ label: 'no value (NaN)', color: NAN_COLOR });
  return rasterFigure({
    fn,
    base: spec,
    rgba,
    legend,
    colorbar: { valueRange: spec.valueRange, label: spec.colorbarLabel },
  });
}

/**
 * Purely categorical map (e.g. "in S and monotone" / "in S but not monotone" / "outside S") as an
 * SVG string with a legend and no colour bar. Every cell code must be listed in `classes`.
 */
export function categoricalMap(spec: CategoricalMapSpec): string {
  const fn = 'categoricalMap';
  checkDimensions(fn, spec);
  const cells = spec.rows * spec.cols;
  if (!(spec.codes instanceof Uint8Array) || spec.codes.length !== cells) {
    throw new RangeError(`${fn}: codes.length (${spec.codes?.length}) must equal rows*cols (${cells})`);
  }
  if (spec.classes.length === 0) {
    throw new RangeError(`${fn}: classes.length (0) must be ≥ 1`);
  }
  const colors = classColors(fn, 'classes', spec.classes);
  for (let cell = 0; cell < cells; cell++) {
    const code = spec.codes[cell] as number;
    if (!colors.has(code)) {
      throw new RangeError(`${fn}: codes[${cell}] (${code}) is not listed in classes`);
    }
  }
  const rgba = rasterize(spec.rows, spec.cols, (cell) => colors.get(spec.codes[cell] as number) as Rgba);
  return rasterFigure({ fn, base: spec, rgba, legend: classLegendItems(spec.classes) });
}
