/**
 * `eoslab trajectory`: a GD run recording loss, S, φ, π and status per step (docs/model.md §1.4–§1.5),
 * written as CSV + manifest + a figure reproducing the paper's Fig 2a/2b with Fig 8's zoom. This
 * file reads the flags, runs the trajectory and prints; the figure, summary and files are in
 * src/experiments/trajectory/.
 */
import { join } from 'node:path';
import { resolveTrajectoryOptions, trajectory, TRAJECTORY_OPTIONS, type TrajectoryOptions } from '../../api.js';
import { conflict } from '../../base/errors.js';
import { checkOutputDirectory } from '../../io/atomic.js';
import { OPTIONS } from '../../base/options.js';
import { derived } from '../../base/optionSet.js';
import { TRAJECTORY_PRESETS } from '../../base/presets.js';
import { trajectoryFigure, trajectoryTitle } from '../../experiments/trajectory/figure.js';
import { thresholdCrossing, trajectorySummary } from '../../experiments/trajectory/summary.js';
import { writeTrajectoryOutputs } from '../../experiments/trajectory/writer.js';
import { defineCommand } from '../args.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

export const trajectoryCommand = defineCommand({
  name: 'trajectory',
  summary: 'GD trajectory with loss, sharpness S, GFS sharpness φ and product per step',
  usage: 'eoslab trajectory (--preset fig2 | --w w1,...,wD | --phi0 φ₀ --p0 p₀) [--eta η] [--steps T] [--out DIR]',
  details:
    'Writes DIR/trajectory.csv (step,loss,sharpness,gfs_sharpness,product,status), DIR/manifest.json,\n' +
    'and DIR/trajectory.svg + .png (Fig 2a/2b of Kreisler et al. 2023, and Fig 8 as a zoom).\n' +
    'Row t is the iterate after t steps (t = 0..T). A run whose |π| exceeds --diverge-at or turns\n' +
    'non-finite stops there with status "diverged"; with --tol > 0 it stops once the loss is below tol.',
  options: {
    ...TRAJECTORY_OPTIONS,
    zoom: {
      spec: OPTIONS.zoom,
      default: derived('T/10, at least 100', (o: { steps: number }) => Math.max(100, Math.floor(o.steps / 10))),
    },
    out: { spec: OPTIONS.out, default: 'out/trajectory' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab trajectory --preset fig2 --out out/fig2',
    'eoslab trajectory --phi0 30 --p0 0.5 --eta 0.1 --steps 5000 --out out/custom',
    'eoslab trajectory --w 1.5,1.2,0.5,0.4 --eta 0.1 --steps 2000',
  ],
  async run({ w0, zoom, out, json, ...run }, io, given) {
    const presetName = run.preset;
    if (presetName !== undefined && (given.has('direction') || given.has('depth'))) {
      throw conflict('--preset fixes the depth and direction: drop --preset to choose them', 'preset');
    }
    if (given.has('w0') && (given.has('phi0') || given.has('p0') || given.has('direction') || given.has('depth'))) {
      throw conflict('give either --w or --phi0/--p0 (with --direction/--depth), not both', 'w');
    }
    if (!given.has('w0') && presetName === undefined && !given.has('phi0') && !given.has('p0')) {
      throw conflict('give --preset, --w, or --phi0 with --p0 (see eoslab trajectory --help)', 'preset');
    }
    if (presetName === undefined && !given.has('eta')) {
      throw conflict('--eta is required without a preset (e.g. --eta 0.1)', 'eta');
    }
    // a preset with --w supplies only its η (and its step count, the default of --steps)
    const options: TrajectoryOptions =
      w0 === undefined
        ? run
        : {
            ...run,
            w0,
            preset: undefined,
            eta: run.eta ?? (presetName !== undefined ? TRAJECTORY_PRESETS[presetName]?.eta : undefined),
          };
    // Validate everything before anything is written.
    const resolved = resolveTrajectoryOptions(options);
    const eta = typeof resolved.eta === 'number' ? resolved.eta : (resolved.eta[0] as number);
    checkOutputDirectory(out); // a foreign --out is refused before the work

    const progress = createProgress('trajectory', resolved.steps + 1, 'steps');
    const started = performance.now();
    const t = trajectory({ ...options, onProgress: (done) => progress.update(done) });
    const kernelSeconds = (performance.now() - started) / 1000;
    progress.finish();

    const title = trajectoryTitle(t, eta, resolved);
    const crossing = thresholdCrossing(t, eta);
    const figure = presetName !== undefined && w0 === undefined ? TRAJECTORY_PRESETS[presetName]?.figure : undefined;
    const svg = trajectoryFigure(
      t,
      eta,
      zoom,
      `${figure !== undefined ? `${figure} · ` : ''}${title}`,
      figure,
      crossing,
    );
    const summary = trajectorySummary(t, eta, crossing);
    writeTrajectoryOutputs(out, t, svg, { options: { ...resolved, zoom, out }, kernelSeconds, started, summary });
    if (json) {
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
});
