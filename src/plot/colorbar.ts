/**
 * The viridis colour bar of heatmaps: a vertical gradient beside the plot area with ticks, tick
 * labels and a rotated label, and the right margin it needs.
 */
import { FONT, INK, TICK_LENGTH, maxLabelWidth, type Rect } from './axes.js';
import { VIRIDIS_ANCHORS, toHex } from './colormap.js';
import { el, fmt, text } from './svg.js';
import { formatTick, linearTicks } from './ticks.js';

const COLORBAR_GAP = 16;
const COLORBAR_WIDTH = 16;

/** What a colour bar shows: the value range mapped through viridis, and its label. */
export interface ColorbarSpec {
  readonly valueRange: readonly [number, number];
  readonly label: string;
}

/** Tick values and labels of a colour bar. */
export interface ColorbarTicks {
  readonly values: number[];
  readonly labels: string[];
}

export function colorbarTicks(valueRange: readonly [number, number]): ColorbarTicks {
  const values = linearTicks(valueRange[0], valueRange[1], 5);
  const step = values.length >= 2 ? (values[1] as number) - (values[0] as number) : undefined;
  return { values, labels: values.map((v) => formatTick(v, step)) };
}

/** Width right of the plot area taken by a colour bar with these ticks (gap, bar, labels, title). */
export function colorbarMargin(ticks: ColorbarTicks): number {
  return Math.ceil(
    COLORBAR_GAP + COLORBAR_WIDTH + TICK_LENGTH + 4 + maxLabelWidth(ticks.labels) + 10 + FONT.axisLabel + 8,
  );
}

/**
 * The colour bar right of `plot`: its gradient (for `<defs>`, id `gradientId`) and the group
 * drawing the bar, its ticks and labels.
 */
export function drawColorbar(
  spec: ColorbarSpec,
  cbTicks: ColorbarTicks,
  plot: Rect,
  gradientId: string,
): { gradient: string; group: string } {
  const [vmin, vmax] = spec.valueRange;
  const bar: Rect = {
    x: plot.x + plot.width + COLORBAR_GAP,
    y: plot.y,
    width: COLORBAR_WIDTH,
    height: plot.height,
  };
  const last = VIRIDIS_ANCHORS.length - 1;
  const gradient = el(
    'linearGradient',
    { id: gradientId, x1: 0, y1: 1, x2: 0, y2: 0 },
    VIRIDIS_ANCHORS.map((rgb, i) => el('stop', { offset: fmt(i / last, 4), 'stop-color': toHex(rgb) })),
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
    text(spec.label, {
      x: labelX,
      y: labelY,
      'text-anchor': 'middle',
      'font-size': FONT.axisLabel,
      fill: INK.text,
      transform: `rotate(-90 ${fmt(labelX)} ${fmt(labelY)})`,
    }),
  );
  return { gradient, group: el('g', { class: 'colorbar' }, cb) };
}
