/**
 * Raster figures as SVG: `heatmapFigure` (values through viridis, with categorical override
 * classes such as "diverged" or "no GFS", a colour bar and a class legend) and `categoricalMap`
 * (purely categorical masks with a legend).
 *
 * The cells are encoded as a PNG (one pixel per cell, row 0 of the data at the bottom) embedded as
 * a base64 data URI and scaled up with nearest-neighbour sampling, so cells stay crisp in resvg
 * (which honours `image-rendering: optimizeSpeed`) and in browsers (`pixelated`).
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
import { NAN_COLOR, VIRIDIS_ANCHORS, parseHex, toHex, viridis } from './colormap.js';
import { encodePng, pngDataUri } from './png.js';
import { el, estimateTextWidth, fmt, svgDocument, text } from './svg.js';
import { axisTicks, linearTicks, formatTick } from './ticks.js';

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

/** Fields shared by {@link HeatmapSpec} and {@link CategoricalMapSpec}. */
interface RasterSpecBase {
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

const DEFAULT_WIDTH = 640;
const TITLE_HEIGHT = 32;
const COLORBAR_GAP = 16;
const COLORBAR_WIDTH = 16;
const LEGEND_ROW = 20;
const LEGEND_SWATCH = 13;
const REFERENCE_COLOR = '#e41a1c';
const MAX_CELLS = 1 << 24;

type Rgba = [number, number, number, number];

function checkDimensions(fn: string, spec: RasterSpecBase): void {
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
function classColors(fn: string, field: string, classes: readonly CategoryClass[]): Map<number, Rgba> {
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

/** Data extent (cell edges) along one axis. */
function edgeDomain(range: readonly [number, number], cells: number, extent: RangeMeaning): [number, number] {
  if (extent === 'edges') return [range[0], range[1]];
  const half = (range[1] - range[0]) / (cells - 1) / 2;
  return [range[0] - half, range[1] + half];
}

/**
 * RGBA raster (top row first) for a grid whose data row 0 is at the bottom: image row r holds data
 * row `rows − 1 − r`.
 */
function rasterize(rows: number, cols: number, colorOf: (cell: number) => Rgba): Uint8Array {
  const rgba = new Uint8Array(rows * cols * 4);
  for (let r = 0; r < rows; r++) {
    const dataRow = rows - 1 - r;
    for (let c = 0; c < cols; c++) {
      const color = colorOf(dataRow * cols + c);
      rgba.set(color, (r * cols + c) * 4);
    }
  }
  return rgba;
}

/** One legend item below the plot. */
interface LegendItem {
  readonly label: string;
  readonly color: string;
}

function legendItemWidth(item: LegendItem): number {
  return LEGEND_SWATCH + 6 + estimateTextWidth(item.label, FONT.legend) + 18;
}

/** Legend items laid out left-to-right, wrapping at `availableWidth`; returns rows of items. */
function layoutLegend(items: readonly LegendItem[], availableWidth: number): LegendItem[][] {
  const rows: LegendItem[][] = [];
  let row: LegendItem[] = [];
  let used = 0;
  for (const item of items) {
    const w = legendItemWidth(item);
    if (row.length > 0 && used + w > availableWidth) {
      rows.push(row);
      row = [];
      used = 0;
    }
    row.push(item);
    used += w;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

function drawLegendRows(rows: readonly LegendItem[][], x0: number, y0: number): string {
  const out: string[] = [];
  rows.forEach((row, r) => {
    let x = x0;
    const cy = y0 + r * LEGEND_ROW + LEGEND_SWATCH / 2;
    for (const item of row) {
      out.push(
        el('rect', {
          x,
          y: cy - LEGEND_SWATCH / 2,
          width: LEGEND_SWATCH,
          height: LEGEND_SWATCH,
          fill: item.color,
          stroke: '#666666',
          'stroke-width': 0.6,
        }),
      );
      out.push(
        text(item.label, {
          x: x + LEGEND_SWATCH + 6,
          y: cy + FONT.legend * 0.36,
          'font-size': FONT.legend,
          fill: INK.text,
        }),
      );
      x += legendItemWidth(item);
    }
  });
  return el('g', { class: 'legend' }, out);
}

function classLegendItems(classes: readonly CategoryClass[]): LegendItem[] {
  return classes.map((cls) => ({
    label: cls.count === undefined ? cls.label : `${cls.label} (${cls.count})`,
    color: cls.color,
  }));
}

interface ColorbarSpec {
  readonly valueRange: readonly [number, number];
  readonly label: string;
}

interface RasterFigureSpec {
  readonly fn: string;
  readonly base: RasterSpecBase;
  readonly rgba: Uint8Array;
  readonly legend: readonly LegendItem[];
  readonly colorbar?: ColorbarSpec;
}

function colorbarTicks(valueRange: readonly [number, number]): {
  values: number[];
  labels: string[];
} {
  const values = linearTicks(valueRange[0], valueRange[1], 5);
  const step = values.length >= 2 ? (values[1] as number) - (values[0] as number) : undefined;
  return { values, labels: values.map((v) => formatTick(v, step)) };
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
  const right = cbTicks
    ? Math.ceil(
        COLORBAR_GAP + COLORBAR_WIDTH + TICK_LENGTH + 4 + maxLabelWidth(cbTicks.labels) + 10 + FONT.axisLabel + 8,
      )
    : 40;
  const plotWidth = width - left - right;
  if (plotWidth < 60) {
    throw new RangeError(`${fn}: width (${width}) leaves a plot area ${Math.round(plotWidth)} wide (< 60)`);
  }
  const legendRows = layoutLegend(spec.legend, width - left - 8);
  const legendHeight = legendRows.length > 0 ? 8 + legendRows.length * LEGEND_ROW : 0;
  const top = TITLE_HEIGHT;
  const bottom = X_AXIS_DECORATION_HEIGHT + legendHeight + 8;
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
  const href = pngDataUri(encodePng(spec.rgba, base.cols, base.rows));
  parts.push(
    el('image', {
      class: 'raster',
      x: plot.x,
      y: plot.y,
      width: plot.width,
      height: plot.height,
      preserveAspectRatio: 'none',
      'image-rendering': 'optimizeSpeed',
      // Last declaration wins where understood: resvg knows only optimizeSpeed, browsers both.
      style: 'image-rendering:pixelated;image-rendering:optimizeSpeed',
      href,
    }),
  );

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
    const [vmin, vmax] = spec.colorbar.valueRange;
    const bar: Rect = {
      x: plot.x + plot.width + COLORBAR_GAP,
      y: plot.y,
      width: COLORBAR_WIDTH,
      height: plot.height,
    };
    const last = VIRIDIS_ANCHORS.length - 1;
    defs.push(
      el(
        'linearGradient',
        { id: gradientId, x1: 0, y1: 1, x2: 0, y2: 0 },
        VIRIDIS_ANCHORS.map((rgb, i) => el('stop', { offset: fmt(i / last, 4), 'stop-color': toHex(rgb) })),
      ),
    );
    const cb: string[] = [
      el('rect', {
        class: 'colorbar',
        x: bar.x,
        y: bar.y,
        width: bar.width,
        height: bar.height,
        fill: `url(#${gradientId})`,
        stroke: INK.axis,
        'stroke-width': 1,
      }),
    ];
    let ticks = '';
    cbTicks.values.forEach((value, i) => {
      const py = bar.y + bar.height - ((value - vmin) / (vmax - vmin)) * bar.height;
      ticks += `M${fmt(bar.x + bar.width)} ${fmt(py)}h${TICK_LENGTH}`;
      cb.push(
        text(cbTicks.labels[i] ?? '', {
          x: bar.x + bar.width + TICK_LENGTH + 3,
          y: py + FONT.tickLabel * 0.36,
          'font-size': FONT.tickLabel,
          fill: INK.text,
        }),
      );
    });
    cb.push(el('path', { d: ticks, stroke: INK.axis, 'stroke-width': 1, fill: 'none' }));
    const labelX = bar.x + bar.width + TICK_LENGTH + 4 + maxLabelWidth(cbTicks.labels) + 8 + FONT.axisLabel * 0.8;
    const labelY = bar.y + bar.height / 2;
    cb.push(
      text(spec.colorbar.label, {
        x: labelX,
        y: labelY,
        'text-anchor': 'middle',
        'font-size': FONT.axisLabel,
        fill: INK.text,
        transform: `rotate(-90 ${fmt(labelX)} ${fmt(labelY)})`,
      }),
    );
    parts.push(el('g', { class: 'colorbar' }, cb));
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
