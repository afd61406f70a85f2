/**
 * Line charts as SVG: vertically stacked panels, each with its own axes (linear or log y), line or
 * marker series, dashed reference lines and a legend.
 *
 * Data handling: points with non-finite coordinates (or y ≤ 0 on a log axis) break the line into
 * separate path segments and are ignored by automatic ranges; segments are clipped to a box just
 * outside the plot area (a clip path trims the rest), and long series are decimated per pixel
 * column (first/min/max/last of each run of points in the same column), so 10⁵ points cost a few
 * thousand path vertices while the drawn envelope stays identical.
 *
 * This module is the panel renderer; the spec types and their validation are in lineSpec.ts, the
 * series geometry (domains, clipping, decimation, paths) in lineGeometry.ts and the legend in
 * lineLegend.ts.
 */
import {
  FONT,
  INK,
  X_AXIS_DECORATION_HEIGHT,
  drawAxes,
  drawGrid,
  makeScale,
  maxLabelWidth,
  type Rect,
} from './axes.js';
import { categoricalColor } from './colormap.js';
import {
  decimatePolyline,
  markerCentres,
  markersToPath,
  panelDomains,
  polylinesToPath,
  samplePoints,
  seriesPolylines,
} from './lineGeometry.js';
import {
  chooseLegendPosition,
  drawLegend,
  legendOrigin,
  legendSize,
  RING_STROKE,
  type LegendEntry,
} from './lineLegend.js';
import { FN, validateLineChartSpec, type LineChartSpec } from './lineSpec.js';
import { el, estimateTextWidth, fmt, svgDocument, text } from './svg.js';
import { axisTicks, type AxisTicks, type ScaleType } from './ticks.js';

export { decimatePolyline } from './lineGeometry.js';
export type { HorizontalLine, LegendPosition, LineChartSpec, LineSeries, Panel } from './lineSpec.js';

const DEFAULT_WIDTH = 800;
const DEFAULT_PANEL_HEIGHT = 300;
const FIGURE_TITLE_HEIGHT = 30;
/** Distance in pixels beyond the plot area at which segments are clipped geometrically. */
const CLIP_MARGIN = 20;

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
  validateLineChartSpec(spec);
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
