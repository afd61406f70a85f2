/**
 * The cell inspector's display (the numbers come from its worker, web/cellInspection.ts): the
 * summary of `eoslab trajectory` (src/experiments/trajectory/summary.ts), membership in 𝕊, the
 * loss (log axis) and S, φ, 2/η charts with the step where φ first reaches 2/η, and the run as
 * `eoslab trajectory` writes trajectory.csv.
 */
import type { Trajectory } from '../src/api.js';
import { toCsv } from '../src/io/csv.js';
import { QUANTITY_COLORS as C, QUANTITY_NAMES as N } from '../src/plot/colormap.js';
import { statusLabel } from '../src/wasm/status.js';
import type { Inspection } from './cellInspection.js';
import { drawChart } from './chart.js';

/** The run as `eoslab trajectory` writes trajectory.csv. */
export function trajectoryCsv(t: Trajectory): string {
  return toCsv(
    [
      { name: 'step', values: Float64Array.from({ length: t.rows }, (_, i) => i) },
      { name: 'loss', values: t.loss },
      { name: 'sharpness', values: t.sharpness },
      { name: 'gfs_sharpness', values: t.gfsSharpness },
      { name: 'product', values: t.product },
      { name: 'status', labels: Array.from(t.status, (s) => statusLabel(s)) },
    ],
    t.rows,
  );
}

/** Full precision (shortest round-trip), or a dash. */
function show(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : String(v);
}

/** Empties a chart (a new inspection is on its way). */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}

/** Fills the inspector's summary list and draws its two charts. */
export function renderInspection(
  x: Inspection,
  summary: HTMLElement,
  lossCanvas: HTMLCanvasElement,
  sharpCanvas: HTMLCanvasElement,
): void {
  const s = x.summary;
  const start: [string, string, string] =
    x.start.kind === 'family'
      ? ['φ₀, p₀', `${x.start.phi0}, ${x.start.p0}`, 'start']
      : ['w₀', Array.from(x.start.w0).join(', '), 'start'];
  const rows: [string, string, string][] = [
    ['cell', `row ${x.cell.i}, column ${x.cell.j}`, 'cell'],
    start,
    ['outcome', `${s.outcome} after ${s.rows - 1} steps`, 'outcome'],
    ['in 𝕊 at start', x.member ? 'yes' : 'no', 'member'],
    ['final φ', show(s.finalGfsSharpness), 'final-phi'],
    ['final S', show(s.finalSharpness), 'final-s'],
    ['S∞ / (2/η)', show(s.finalSharpnessRatio), 'ratio'],
    ['final loss', show(s.finalLoss), 'final-loss'],
    [
      'φ reaches 2/η',
      s.crossingStep === null ? 'no (φ₀ ≤ 2/η or never)' : `step ${s.crossingStep}, loss ${show(s.lossAtCrossing)}`,
      'crossing',
    ],
    ['φ increases', String(s.gfsSharpnessIncreases), 'increases'],
  ];
  summary.replaceChildren(
    ...rows.flatMap(([term, value, key]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      dd.dataset.key = key;
      return [dt, dd];
    }),
  );
  const t = x.trajectory;
  const threshold = 2 / x.eta;
  const marker =
    s.crossingStep === null ? undefined : { step: s.crossingStep, name: 'φ first ≤ 2/η', color: C.gfsSharpness };
  drawChart(lossCanvas, {
    title: 'loss (log scale)',
    yLabel: 'loss L',
    log: true,
    series: [{ name: N.loss, y: t.loss, color: C.loss }],
    ...(marker ? { marker } : {}),
  });
  drawChart(sharpCanvas, {
    title: 'sharpness S and GFS sharpness φ',
    yLabel: 'S, φ',
    series: [
      { name: N.sharpness, y: t.sharpness, color: C.sharpness },
      { name: N.gfsSharpness, y: t.gfsSharpness, color: C.gfsSharpness },
    ],
    lines: [{ y: threshold, name: N.threshold, color: C.threshold }],
    ...(marker ? { marker } : {}),
  });
}
