/**
 * The figure of a GD run on the scalar network (Kreisler et al. 2023, Fig 2a/2b with Fig 8's zoom,
 * or Fig 9's panels): loss, sharpness S, GFS sharpness φ and the stability threshold 2/η per step,
 * and its title.
 */
import { defaultDirection, type ResolvedTrajectoryOptions, type Trajectory } from '../../api.js';
import { lineChart, QUANTITY_COLORS, QUANTITY_NAMES } from '../../plot/index.js';
import { thresholdCrossing } from './summary.js';

/**
 * The figure: loss (log), S/φ/2/η, and the last `zoom` steps of S/φ/2/η. With `figure` = 'Fig 2'
 * the panels are the paper's Fig 2a, 2b and Fig 8 (the zoom); with 'Fig 9' they are Fig 9's loss
 * and sharpness panels; otherwise they carry no figure number. The step where φ first reaches 2/η
 * is marked on the loss curve.
 */
export function trajectoryFigure(
  t: Trajectory,
  eta: number,
  zoom: number,
  title: string,
  figure?: string,
  crossing: { step: number; loss: number } | null = thresholdCrossing(t, eta),
): string {
  const steps = Float64Array.from({ length: t.rows }, (_, i) => i);
  const threshold = 2 / eta;
  const from = Math.max(0, t.rows - zoom);
  const tail = (a: Float64Array): Float64Array => a.subarray(from);
  const xRange: [number, number] = [0, Math.max(1, t.rows - 1)];
  const label = (paper: Record<string, string>, key: string, text: string): string =>
    figure !== undefined && paper[figure] !== undefined ? `${paper[figure]}${key} · ${text}` : text;
  const C = QUANTITY_COLORS;
  const N = QUANTITY_NAMES;
  const thresholdLine = { y: threshold, label: N.threshold, color: C.threshold, dash: true, legend: true };
  const lastGap = threshold - (t.sharpness[t.rows - 1] as number);
  // zoom range: the tail of S and φ and the 2/η line, with head room above the line for the legend
  let lo = threshold;
  let hi = threshold;
  for (const a of [tail(t.sharpness), tail(t.gfsSharpness)]) {
    for (const v of a) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  const span = hi - lo || Math.abs(threshold) * 1e-3;
  const zoomRange: [number, number] = [lo - 0.15 * span, hi + 0.6 * span];
  const panels = [
    {
      title: label({ 'Fig 2': 'Fig 2', 'Fig 9': 'Fig 9' }, figure === 'Fig 2' ? 'a' : '', 'loss'),
      xLabel: 'step',
      xRange,
      yLabel: 'loss L(w)',
      yScale: 'log' as const,
      series: [
        { name: N.loss, x: steps, y: t.loss, color: C.loss },
        ...(crossing && crossing.loss > 0
          ? [
              {
                name: `φ first ≤ 2/η: step ${crossing.step}, L = ${crossing.loss.toPrecision(3)}`,
                x: [crossing.step],
                y: [crossing.loss],
                color: C.gfsSharpness,
                mode: 'markers' as const,
                width: 3,
              },
            ]
          : []),
      ],
    },
    {
      title: label(
        { 'Fig 2': 'Fig 2', 'Fig 9': 'Fig 9' },
        figure === 'Fig 2' ? 'b' : '',
        'sharpness S, GFS sharpness φ and 2/η',
      ),
      xLabel: 'step',
      xRange,
      yLabel: 'sharpness',
      yScale: 'linear' as const,
      series: [
        { name: N.sharpness, x: steps, y: t.sharpness, color: C.sharpness },
        { name: N.gfsSharpness, x: steps, y: t.gfsSharpness, color: C.gfsSharpness, width: 2.2 },
      ],
      hlines: [thresholdLine],
      legend: true,
    },
    {
      // Fig 8: the end of the run on its own scale, with 2/η, so that "S ends slightly below 2/η"
      // is visible; the gap is in the title
      title: label(
        { 'Fig 2': 'Fig 8' },
        '',
        `last ${t.rows - from} steps: 2/η − S = ${lastGap.toPrecision(4)} (S/(2/η) = ${(1 - lastGap / threshold).toPrecision(5)})`,
      ),
      xLabel: 'step',
      yLabel: 'sharpness',
      yScale: 'linear' as const,
      yRange: zoomRange,
      series: [
        { name: N.gfsSharpness, x: tail(steps), y: tail(t.gfsSharpness), color: C.gfsSharpness, width: 3 },
        { name: N.sharpness, x: tail(steps), y: tail(t.sharpness), color: C.sharpness, width: 1.2 },
      ],
      hlines: [thresholdLine],
      legend: true,
    },
  ];
  // a zoom that covers the whole run would repeat the sharpness panel
  const shown = from > 0 ? panels : panels.slice(0, 2);
  return lineChart({ width: 900, height: from > 0 ? 1050 : 720, title, panels: shown });
}

/** The title of a run: depth, η, and the start (φ₀, p₀) and balance direction when not the default. */
export function trajectoryTitle(t: Trajectory, eta: number, resolved: ResolvedTrajectoryOptions): string {
  return (
    `GD on the depth-${t.w0.length} scalar network, η = ${eta}` +
    (resolved.phi0 !== undefined ? `, φ₀ = ${resolved.phi0}, p₀ = ${resolved.p0}` : '') +
    (resolved.direction && !sameValues(resolved.direction, defaultDirection(resolved.direction.length))
      ? `, direction (${Array.from(resolved.direction).join(', ')})`
      : '')
  );
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
}
