/**
 * The class legend of raster figures: one swatch and label per categorical class (with its cell
 * count when given), laid out left to right below the plot and wrapped into rows.
 */
import { FONT, INK } from './axes.js';
import type { CategoryClass } from './heatmapSpec.js';
import { el, estimateTextWidth, text } from './svg.js';

const LEGEND_ROW = 20;
const LEGEND_SWATCH = 13;

/** One legend item below the plot. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
}

function legendItemWidth(item: LegendItem): number {
  return LEGEND_SWATCH + 6 + estimateTextWidth(item.label, FONT.legend) + 18;
}

/** Legend items laid out left-to-right, wrapping at `availableWidth`; returns rows of items. */
export function layoutLegend(items: readonly LegendItem[], availableWidth: number): LegendItem[][] {
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

/** Draws legend `rows`, the first starting at x0 with its swatches' top at y0. */
export function drawLegendRows(rows: readonly LegendItem[][], x0: number, y0: number): string {
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

/** Legend items of categorical classes: `label (count)` when the count is given. */
export function classLegendItems(classes: readonly CategoryClass[]): LegendItem[] {
  return classes.map((cls) => ({
    label: cls.count === undefined ? cls.label : `${cls.label} (${cls.count})`,
    color: cls.color,
  }));
}

/** Height taken below the x axis by legend `rows` (0 without a legend). */
export function legendHeight(rows: readonly LegendItem[][]): number {
  return rows.length > 0 ? 8 + rows.length * LEGEND_ROW : 0;
}
