/**
 * The legend of a line-chart panel: its entries, box size, the four corner positions and the
 * automatic choice of the corner covering the fewest data samples, and its drawing.
 */
import { FONT, INK, maxLabelWidth, type Rect } from './axes.js';
import type { LegendPosition } from './lineSpec.js';
import { el, fmt, text } from './svg.js';

/** One row of a panel legend: a series or a reference line listed with `legend: true`. */
export interface LegendEntry {
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
export const RING_STROKE = 1.6;
const LEGEND_PAD = 6;
const LEGEND_SWATCH = 24;
const LEGEND_INSET = 8;

/** Size of the legend box for `entries`. */
export function legendSize(entries: readonly LegendEntry[]): { width: number; height: number } {
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
export function legendOrigin(
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
export function chooseLegendPosition(
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

export function drawLegend(
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
