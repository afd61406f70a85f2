/**
 * `eoslab trajectory`: a GD run recording loss, S, φ, π and status per step (SPEC §1.4–§1.5),
 * written as CSV + manifest + a figure reproducing the paper's Fig 2a/2b with Fig 8's zoom.
 */
import { join } from 'node:path';
import {
  defaultDirection,
  resolveTrajectoryOptions,
  trajectory,
  type Trajectory,
  type TrajectoryOptions,
} from '../../api.js';
import { conflict } from '../../base/errors.js';
import { checkOutputDirectory, writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeCsv } from '../../io/csv.js';
import { writeManifest } from '../../io/manifest.js';
import { DEFAULTS, OPTIONS } from '../../options.js';
import { TRAJECTORY_PRESETS } from '../../base/presets.js';
import { lineChart, QUANTITY_COLORS, QUANTITY_NAMES, svgToPng } from '../../plot/index.js';
import { statusLabel } from '../../base/status.js';
import type { Command } from '../args.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

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

export const trajectoryCommand: Command = {
  name: 'trajectory',
  summary: 'GD trajectory with loss, sharpness S, GFS sharpness φ and product per step',
  usage: 'eoslab trajectory (--preset fig2 | --w w1,...,wD | --phi0 φ₀ --p0 p₀) [--eta η] [--steps T] [--out DIR]',
  details:
    'Writes DIR/trajectory.csv (step,loss,sharpness,gfs_sharpness,product,status), DIR/manifest.json,\n' +
    'and DIR/trajectory.svg + .png (Fig 2a/2b of Kreisler et al. 2023, and Fig 8 as a zoom).\n' +
    'Row t is the iterate after t steps (t = 0..T). A run whose |π| exceeds --diverge-at or turns\n' +
    'non-finite stops there with status "diverged"; with --tol > 0 it stops once the loss is below tol.',
  options: [
    { spec: OPTIONS.trajectoryPreset },
    { spec: OPTIONS.w, help: 'initial weights w⁽⁰⁾ (instead of --phi0/--p0)' },
    { spec: OPTIONS.phi0 },
    { spec: OPTIONS.p0 },
    { spec: OPTIONS.direction, help: 'balance direction c of the (φ₀, p₀) family [default: (1,…,1,−…) with Σc = 0]' },
    { spec: OPTIONS.depth, help: 'depth D for --phi0/--p0 [default: 4]' },
    { spec: OPTIONS.eta, help: 'GD step size η [default: the preset’s, else required]' },
    { spec: OPTIONS.steps, help: `number of GD steps T [default: the preset’s, else ${DEFAULTS.trajectorySteps}]` },
    { spec: OPTIONS.tol, default: DEFAULTS.trajectoryTol },
    { spec: OPTIONS.divergeAt, default: DEFAULTS.divergeAt },
    { spec: OPTIONS.zoom, help: 'steps shown in the zoom panel (Fig 8) [default: T/10, at least 100]' },
    { spec: OPTIONS.out, default: 'out/trajectory' },
    { spec: OPTIONS.json, help: 'print the summary as JSON' },
  ],
  examples: [
    'eoslab trajectory --preset fig2 --out out/fig2',
    'eoslab trajectory --phi0 30 --p0 0.5 --eta 0.1 --steps 5000 --out out/custom',
    'eoslab trajectory --w 1.5,1.2,0.5,0.4 --eta 0.1 --steps 2000',
  ],
  async run(values, io, given) {
    const presetName = values.get('preset') as string | undefined;
    if (presetName !== undefined && (given.has('direction') || given.has('depth'))) {
      throw conflict('--preset fixes the depth and direction: drop --preset to choose them', 'preset');
    }
    if (given.has('w') && (given.has('phi0') || given.has('p0') || given.has('direction') || given.has('depth'))) {
      throw conflict('give either --w or --phi0/--p0 (with --direction/--depth), not both', 'w');
    }
    if (!given.has('w') && presetName === undefined && !given.has('phi0') && !given.has('p0')) {
      throw conflict('give --preset, --w, or --phi0 with --p0 (see eoslab trajectory --help)', 'preset');
    }
    if (presetName === undefined && !given.has('eta')) {
      throw conflict('--eta is required without a preset (e.g. --eta 0.1)', 'eta');
    }
    const options: TrajectoryOptions = {};
    if (presetName !== undefined) options.preset = presetName;
    for (const key of ['phi0', 'p0', 'direction', 'depth', 'eta', 'steps', 'tol', 'divergeAt'] as const) {
      const v = values.get(key);
      if (v !== undefined) (options as Record<string, unknown>)[key] = v;
    }
    const w = values.get('w') as Float64Array | undefined;
    if (w !== undefined) {
      // a preset with --w supplies only its η and step count
      options.w0 = w;
      options.preset = undefined;
      const preset = presetName !== undefined ? TRAJECTORY_PRESETS[presetName] : undefined;
      options.eta ??= preset?.eta;
      options.steps ??= preset?.steps;
    }
    // Validate everything before anything is written.
    const resolved = resolveTrajectoryOptions(options);
    const eta = typeof resolved.eta === 'number' ? resolved.eta : (resolved.eta[0] as number);
    const zoom = (values.get('zoom') as number | undefined) ?? Math.max(100, Math.floor(resolved.steps / 10));
    const out = values.get('out') as string;
    checkOutputDirectory(out); // a foreign --out is refused before the work

    const progress = createProgress('trajectory', resolved.steps + 1, 'steps');
    const started = performance.now();
    const t = trajectory({ ...options, onProgress: (done) => progress.update(done) });
    const kernelSeconds = (performance.now() - started) / 1000;
    progress.finish();

    const labels = Array.from(t.status, (s) => statusLabel(s));
    const title =
      `GD on the depth-${t.w0.length} scalar network, η = ${eta}` +
      (resolved.phi0 !== undefined ? `, φ₀ = ${resolved.phi0}, p₀ = ${resolved.p0}` : '') +
      (resolved.direction && !sameValues(resolved.direction, defaultDirection(resolved.direction.length))
        ? `, direction (${Array.from(resolved.direction).join(', ')})`
        : '');
    const crossing = thresholdCrossing(t, eta);
    const figure = presetName !== undefined && w === undefined ? TRAJECTORY_PRESETS[presetName]?.figure : undefined;
    const svg = trajectoryFigure(
      t,
      eta,
      zoom,
      `${figure !== undefined ? `${figure} · ` : ''}${title}`,
      figure,
      crossing,
    );
    const last = t.rows - 1;
    const summary = {
      rows: t.rows,
      outcome: t.outcome,
      initialGfsSharpness: t.gfsSharpness[0],
      finalSharpness: t.sharpness[last],
      finalGfsSharpness: t.gfsSharpness[last],
      finalLoss: t.loss[last],
      stabilityThreshold: 2 / eta,
      /** S∞/(2/η): the final sharpness as a fraction of the stability threshold. */
      finalSharpnessRatio: ((t.sharpness[last] as number) * eta) / 2,
      gfsSharpnessIncreases: countIncreases(t.gfsSharpness),
      /** The first step with φ ≤ 2/η after starting above (null: φ₀ ≤ 2/η or never). */
      crossingStep: crossing?.step ?? null,
      /** The loss at that step (Fig 9: large here predicts a final S well below 2/η). */
      lossAtCrossing: crossing?.loss ?? null,
      finalWeights: t.final,
    };
    writeOutputDirectory(out, (dir) => {
      writeCsv(
        join(dir, 'trajectory.csv'),
        [
          { name: 'step', values: Float64Array.from({ length: t.rows }, (_, i) => i) },
          { name: 'loss', values: t.loss },
          { name: 'sharpness', values: t.sharpness },
          { name: 'gfs_sharpness', values: t.gfsSharpness },
          { name: 'product', values: t.product },
          { name: 'status', labels },
        ],
        t.rows,
      );
      writeFileAtomic(join(dir, 'trajectory.svg'), svg);
      writeFileAtomic(join(dir, 'trajectory.png'), svgToPng(svg, { width: 900 }));
      writeManifest(dir, {
        command: 'trajectory',
        options: { ...resolved, zoom, out },
        timings: { kernelSeconds, wallSeconds: (performance.now() - started) / 1000 },
        outputs: ['trajectory.csv', 'trajectory.svg', 'trajectory.png'],
        summary,
      });
    });
    if (values.get('json')) {
      io.out(toJson({ out, ...summary }));
    } else {
      io.out(
        table([
          ['outcome', `${t.outcome} after ${t.rows - 1} steps`],
          ['φ initial → final', `${summary.initialGfsSharpness} → ${summary.finalGfsSharpness}`],
          ['final S, S/(2/η)', `${summary.finalSharpness}, ${summary.finalSharpnessRatio}`],
          ['final loss', summary.finalLoss],
          ['φ increases', summary.gfsSharpnessIncreases],
          [
            'φ crosses 2/η',
            crossing
              ? `at step ${crossing.step}, loss there ${crossing.loss.toPrecision(6)}`
              : 'no (φ₀ ≤ 2/η or never)',
          ],
          ['wrote', `${join(out, 'trajectory.csv')}, trajectory.svg, trajectory.png, manifest.json`],
        ]),
      );
    }
    return 0;
  },
};

/**
 * The first step at which φ is at or below 2/η after starting above it (Fig 9): its index and the
 * loss there. A large loss at the crossing predicts a final sharpness well below 2/η (Theorem 3.3).
 */
export function thresholdCrossing(t: Trajectory, eta: number): { step: number; loss: number } | null {
  const threshold = 2 / eta;
  if (!((t.gfsSharpness[0] as number) > threshold)) return null;
  for (let i = 1; i < t.rows; i++) {
    if ((t.gfsSharpness[i] as number) <= threshold) return { step: i, loss: t.loss[i] as number };
  }
  return null;
}

/** φ is recomputed from scratch at every step: changes below this relative size are rounding. */
export const INCREASE_RTOL = 1e-12;

/** Number of steps at which φ increased by more than rounding (Theorem 3.2 says none inside 𝕊). */
export function countIncreases(values: Float64Array, rtol = INCREASE_RTOL): number {
  let n = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] as number) > (values[i - 1] as number) * (1 + rtol)) n++;
  }
  return n;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
}
