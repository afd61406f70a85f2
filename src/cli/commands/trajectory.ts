/**
 * `eoslab trajectory`: a GD run recording loss, S, φ, π and status per step (SPEC §1.4–§1.5),
 * written as CSV + manifest + a figure reproducing the paper's Fig 2a/2b with Fig 8's zoom.
 */
import { join } from 'node:path';
import { resolveTrajectoryOptions, trajectory, type Trajectory, type TrajectoryOptions } from '../../api.js';
import { conflict } from '../../errors.js';
import { checkOutputDirectory, writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeCsv } from '../../io/csv.js';
import { writeManifest } from '../../io/manifest.js';
import { DEFAULTS, OPTIONS } from '../../options.js';
import { TRAJECTORY_PRESETS } from '../../presets.js';
import { lineChart, svgToPng } from '../../plot/index.js';
import { statusLabel } from '../../status.js';
import type { Command } from '../args.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

/** The figure: loss (log), S/φ/2η, and the last `zoom` steps of S/φ (Fig 2a, 2b, 8). */
export function trajectoryFigure(t: Trajectory, eta: number, zoom: number, title: string): string {
  const steps = Float64Array.from({ length: t.rows }, (_, i) => i);
  const threshold = 2 / eta;
  const from = Math.max(0, t.rows - zoom);
  const tail = (a: Float64Array): Float64Array => a.subarray(from);
  const xRange: [number, number] = [0, Math.max(1, t.rows - 1)];
  const panels = [
    {
      title: 'Loss (Fig 2a)',
      xLabel: 'step',
      xRange,
      yLabel: 'loss L(w)',
      yScale: 'log' as const,
      series: [{ name: 'loss', x: steps, y: t.loss, color: '#1f3b73' }],
      legend: false,
    },
    {
      title: 'Sharpness and GFS sharpness (Fig 2b)',
      xLabel: 'step',
      xRange,
      yLabel: 'sharpness',
      yScale: 'linear' as const,
      series: [
        { name: 'S(w⁽ᵗ⁾) sharpness', x: steps, y: t.sharpness, color: '#d95f02' },
        { name: 'φ(w⁽ᵗ⁾) GFS sharpness', x: steps, y: t.gfsSharpness, color: '#1b9e77', width: 2.2 },
      ],
      hlines: [{ y: threshold, label: '2/η', color: '#555555', dash: true }],
      legend: true,
    },
    {
      // Fig 8: S and φ only, on their own scale (both sit just below 2/η, which is in the title)
      title: `Last ${t.rows - from} steps (Fig 8): 2/η − S = ${(threshold - (t.sharpness[t.rows - 1] as number)).toPrecision(4)}`,
      xLabel: 'step',
      yLabel: 'sharpness',
      yScale: 'linear' as const,
      series: [
        { name: 'φ(w⁽ᵗ⁾)', x: tail(steps), y: tail(t.gfsSharpness), color: '#1b9e77', width: 3 },
        { name: 'S(w⁽ᵗ⁾)', x: tail(steps), y: tail(t.sharpness), color: '#d95f02', width: 1.2 },
      ],
      legend: true,
    },
  ];
  return lineChart({ width: 900, height: 1050, title, panels });
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
      (resolved.phi0 !== undefined ? `, φ₀ = ${resolved.phi0}, p₀ = ${resolved.p0}` : '');
    const crossing = thresholdCrossing(t, eta);
    const svg = trajectoryFigure(
      t,
      eta,
      zoom,
      crossing ? `${title}; φ ≤ 2/η from step ${crossing.step} (loss ${crossing.loss.toPrecision(3)})` : title,
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
      finalSharpnessOverThreshold: ((t.sharpness[last] as number) * eta) / 2,
      gfsSharpnessIncreases: countIncreases(t.gfsSharpness),
      thresholdCrossing: crossing,
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
          ['final S, S/(2/η)', `${summary.finalSharpness}, ${summary.finalSharpnessOverThreshold}`],
          ['final loss', summary.finalLoss],
          ['φ increases', summary.gfsSharpnessIncreases],
          [
            'φ crosses 2/η',
            summary.thresholdCrossing
              ? `at step ${summary.thresholdCrossing.step}, loss there ${summary.thresholdCrossing.loss.toPrecision(6)}`
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
