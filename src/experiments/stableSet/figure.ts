/**
 * The figures of Damian et al.'s stable set ℳ on a slice of the depth-3 scalar network (the
 * paper's Fig 7; computation in stableSet.ts): the S/(2/η) map with ℳ's classes drawn over it and
 * the smallest loss off the minima marked, and the loss at every zero of ∇L·u against its product.
 */
import { el, estimateTextWidth, heatmapFigure, lineChart, text } from '../../plot/index.js';
import { STABLE_SET_CLASSES, type StableSetResult, type StableSetZero } from './stableSet.js';

const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));

/** Inserts a ringed marker with a boxed label at data point (x, y) of a heatmapFigure SVG. */
function markPoint(svg: string, res: StableSetResult, x: number, y: number, label: string): string {
  const raster = /<image class="raster" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  if (!raster) return svg;
  const [px0, py0, pw, ph] = raster.slice(1, 5).map(Number) as [number, number, number, number];
  const hx = (res.xRange[1] - res.xRange[0]) / (res.cols - 1);
  const hy = (res.yRange[1] - res.yRange[0]) / (res.rows - 1);
  const x0 = res.xRange[0] - hx / 2;
  const y0 = res.yRange[0] - hy / 2;
  const px = px0 + ((x - x0) / (res.xRange[1] - res.xRange[0] + hx)) * pw;
  const py = py0 + ph - ((y - y0) / (res.yRange[1] - res.yRange[0] + hy)) * ph;
  const fontSize = 12.5;
  const width = estimateTextWidth(label, fontSize) + 18;
  const right = px + 12 + width <= px0 + pw;
  const bx = right ? px + 12 : px - 12 - width;
  const by = Math.max(py0 + 4, Math.min(py - 30, py0 + ph - 22));
  const marker = el('g', { class: 'smallest-loss' }, [
    el('circle', { cx: px, cy: py, r: 7, fill: 'none', stroke: '#ffffff', 'stroke-width': 4 }),
    el('circle', { cx: px, cy: py, r: 7, fill: 'none', stroke: '#e31a1c', 'stroke-width': 2.2 }),
    el('rect', { x: bx, y: by, width, height: 20, rx: 3, fill: '#ffffff', 'fill-opacity': 0.9, stroke: '#e31a1c' }),
    text(label, { x: bx + 5, y: by + 14.5, 'font-size': fontSize, fill: '#b10026' }),
  ]);
  return svg.replace(/<\/svg>\s*$/, `${marker}</svg>`);
}

/** Fig 7: S/(2/η) with ℳ's minima and non-minimum part (and the zeros outside ℳ) drawn over it. */
export function stableSetSvg(res: StableSetResult): string {
  const best = res.refinedSmallestNonMinimumLoss ?? res.smallestNonMinimumLoss;
  const ratio = Float64Array.from(res.arrays.sharpness, (s) => (s * res.eta) / 2);
  const svg = heatmapFigure({
    width: 860,
    title: `Fig 7 · stable set ℳ = {S ≤ 2/η, ∇L·u = 0}, D = 3, slice w₃ = ${res.fixed}, η = ${res.eta}`,
    rows: res.rows,
    cols: res.cols,
    values: ratio,
    xRange: res.xRange,
    yRange: res.yRange,
    extent: 'centers',
    xLabel: 'w₁',
    yLabel: 'w₂',
    valueRange: [0, 1],
    colorbarLabel: 'sharpness S / (2/η)',
    categories: {
      codes: res.arrays.code,
      classes: STABLE_SET_CLASSES.map((c) => ({
        code: c.code,
        label: c.label,
        color: c.color,
        count: res.counts[c.key] ?? 0,
      })),
    },
    idPrefix: 'fig7',
  });
  if (!best) return svg;
  const grid = res.smallestNonMinimumLoss;
  const label =
    `smallest loss on ℳ off the minima: ${fmt(best.loss, 8)} at (${fmt(best.w1, 5)}, ${fmt(best.w2, 5)})` +
    (grid && res.refinedSmallestNonMinimumLoss ? ` (grid ${fmt(grid.loss, 5)})` : '');
  return markPoint(svg, res, best.w1, best.w2, label);
}

/** Loss at every zero of ∇L·u against its product: minima at L = 0, the rest at π < 1/2, L > 1/8. */
export function stableSetLossSvg(res: StableSetResult): string {
  const pick = (pred: (z: StableSetZero) => boolean): { x: Float64Array; y: Float64Array } => {
    const sel = res.zeros.filter(pred);
    return { x: Float64Array.from(sel, (z) => z.product), y: Float64Array.from(sel, (z) => z.loss) };
  };
  const minima = pick((z) => z.kind === 'minimum' && z.inSet);
  const nonMinima = pick((z) => z.kind === 'non-minimum' && z.inSet);
  const outside = pick((z) => !z.inSet);
  const best = res.refinedSmallestNonMinimumLoss ?? res.smallestNonMinimumLoss;
  let lowest = 0;
  for (const z of res.zeros) lowest = Math.min(lowest, z.product);
  const hlines = [
    ...(best ? [{ y: best.loss, label: `min ${fmt(best.loss, 8)}`, color: '#e31a1c' }] : []),
    { y: 0, label: 'L = 0', color: '#555555', dash: false },
  ];
  return lineChart({
    width: 860,
    height: 420,
    title: `Loss on the zeros of ∇L·u (Fig 7 slice w₃ = ${res.fixed}, η = ${res.eta})`,
    panels: [
      {
        xLabel: 'product π = w₁w₂w₃ at the zero',
        yLabel: 'loss L',
        yScale: 'linear',
        xRange: [lowest - 0.03, 1.05],
        series: [
          {
            name: `ℳ: minima (${minima.x.length} zeros)`,
            x: minima.x,
            y: minima.y,
            color: '#1f78b4',
            mode: 'markers',
            width: 2,
          },
          {
            name: `ℳ: non-minimum part (${nonMinima.x.length} zeros)`,
            x: nonMinima.x,
            y: nonMinima.y,
            color: '#e31a1c',
            mode: 'markers',
            width: 2,
          },
          {
            name: `zeros with S > 2/η, not in ℳ (${outside.x.length})`,
            x: outside.x,
            y: outside.y,
            color: '#ff7f00',
            mode: 'markers',
            width: 2,
          },
        ],
        hlines,
        legendPosition: 'top-right',
      },
    ],
    idPrefix: 'fig7loss',
  });
}
