/**
 * `eoslab fcnet`: fully connected networks on images — MNIST digits by default, CIFAR-10 or any
 * .npy set with --data (the paper's Fig 6 / Fig 12, Kreisler et al. 2023, Sec. 4.2) — GD at the
 * edge of stability with S and the GFS sharpness φ (RK4 flow + Lanczos) every k steps, and the
 * threshold-sensitivity report.
 */
import { join } from 'node:path';
import { checkOutputDirectory } from '../../io/atomic.js';
import {
  FCNET_OPTIONS,
  SENSITIVITY_FACTOR,
  fcnetExperiment,
  resolveFcnetOptions,
  discardCheckpoint,
} from '../../experiments/fcnet/experiment.js';
import { figureStem, formatThreshold, runSummary, writeFcnet } from '../../experiments/fcnet/figures.js';
import { OPTIONS } from '../../base/options.js';
import { partialDirectory } from '../../experiments/heatmap/shards.js';
import { defineCommand } from '../args.js';
import { withCancellation } from '../cancel.js';
import { table, toJson } from '../format.js';
import { createProgress, type Progress } from '../progress.js';

/** x.toPrecision(digits), or its plain text for NaN / ±Infinity (no records, a diverged run). */
const precise = (x: number, digits = 5): string => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));
const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

export const fcnetCommand = defineCommand({
  name: 'fcnet',
  summary: 'fully connected network on MNIST digits (or --data): S and φ along GD (Fig 6/12)',
  usage:
    'eoslab fcnet [--activation hardtanh] [--n 100] [--data mnist] [--eta 0.03] [--steps 600] [--gfs-every 50] [--loss-threshold 5e-5] [--out DIR]',
  details:
    'An MLP 784 → 200 → 200 → 10 (biases; --hidden changes the widths) on the first n images of --data:\n' +
    'mnist (the mnist package, default), cifar10:DIR (CIFAR-10 binary batches data_batch_1.bin …) or\n' +
    'npy:DIR (images.npy + labels.npy); each image C×H×W is one row of C·H·W inputs (3 072 for CIFAR-10).\n' +
    '--data-offset skips images (--data-offset n: the next n, disjoint), --data-classes keeps some\n' +
    'labels, --input-size reduces the images (centre crop, block average). Each channel is\n' +
    'standardised (its mean and population std over the n images), one-hot targets,\n' +
    'L = (1/n) Σ ½‖f(x) − y‖². GD with constant η records L every step, S = λmax(∇²L)\n' +
    '(Lanczos) every --s-every steps and, every --gfs-every steps, the GFS sharpness φ: RK4 gradient\n' +
    'flow with h = α/S until L < --loss-threshold τ (at most --flow-steps RK4 steps; if the budget runs\n' +
    'out φ is S at the flow end and its status is max-steps), then Lanczos there. τ must lie well below\n' +
    "GD's loss over the whole run (the summary prints the ratio; the default is 18.6× below it).\n" +
    'For --sensitivity-records records (first, middle, last) the flow continues to τ/10 and φ is\n' +
    'evaluated again; both values are printed and in manifest.json. Fig 12:\n' +
    '--activation tanh --eta 0.05 --loss-threshold 3e-5; --activation relu --eta 0.1 --loss-threshold 1e-6.\n' +
    'Every gradient and HVP is split into fixed batch shards (about one per 125 digits, 2 to 8)\n' +
    'that the --workers threads compute and sum in shard order: the results are bit-identical for\n' +
    'any worker count. Several activations and/or step sizes (comma lists) run one after the other.\n' +
    'Finished tasks are kept in OUT.partial while the run goes: after a kill or Ctrl-C the same\n' +
    'command resumes from the last record. Writes fig6-fc-hardtanh / fig12-fc-tanh / fig12-fc-relu\n' +
    '(.png/.svg), records.csv, sharpness.csv, loss.csv, summary.csv and manifest.json.',
  options: {
    ...FCNET_OPTIONS,
    out: { spec: OPTIONS.out, default: 'out/fcnet' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab fcnet --out out/fig6',
    'eoslab fcnet --activation tanh --eta 0.05 --loss-threshold 3e-5 --out out/fig12-tanh',
    'eoslab fcnet --activation relu --eta 0.1 --loss-threshold 1e-6 --out out/fig12-relu',
    'eoslab fcnet --data cifar10:cifar-10-batches-bin --n 100 --input-size 16 --out out/fc-cifar',
  ],
  async run({ out, json, ...options }, io) {
    resolveFcnetOptions(options); // validate before any work or output
    checkOutputDirectory(out); // a foreign --out is refused before the work
    const checkpoint = partialDirectory(out);
    let progress: Progress | undefined;
    const experiment = await withCancellation(
      (signal) =>
        fcnetExperiment({
          ...options,
          checkpoint,
          signal,
          onProgress: (done, total) => {
            // Flows may stop long before their RK4 budget: the total (and the ETA) is an upper bound.
            progress ??= createProgress('fcnet', Math.round(total), 'gradients', process.stderr, true);
            progress.update(Math.round(done), Math.round(total));
          },
        }),
      {
        progress: { finish: () => progress?.finish() },
        resume: () => `finished tasks are kept in ${checkpoint}; run the same command again to resume`,
      },
    );
    writeFcnet(out, experiment);
    discardCheckpoint(checkpoint);
    const summaries = experiment.runs.map((run) => runSummary(run, experiment));
    const stems = experiment.runs.map((r) => join(out, `${figureStem(r, experiment.etas.length > 1)}.png`));
    if (json) {
      io.out(
        toJson({
          out,
          figures: stems,
          runs: summaries,
          lossThreshold: experiment.lossThreshold,
          sensitivityThreshold: SENSITIVITY_FACTOR * experiment.lossThreshold,
          data: { source: experiment.data, ...experiment.images },
          wallSeconds: experiment.wallSeconds,
          resumedTasks: experiment.resumedTasks,
        }),
      );
      return 0;
    }
    const rows: [string, string | number][] = [];
    for (const s of summaries) {
      rows.push([
        `${s.activation}, η = ${s.eta}`,
        `${s.status}, ${s.steps} GD steps, final loss ${s.finalLoss.toPrecision(4)}`,
      ]);
      rows.push(['  max S / (2/η)', fixed(s.maxSharpnessOverThreshold, 4)]);
      rows.push([
        '  S reaches 0.95·2/η at step',
        Number.isNaN(s.firstStepAtThreshold) ? 'never' : s.firstStepAtThreshold,
      ]);
      rows.push([
        '  φ first → last',
        `${precise(s.firstGfsSharpness)} → ${precise(s.lastGfsSharpness)} (2/η = ${precise(2 / s.eta)})`,
      ]);
      rows.push([
        '  φ flows converged',
        `${s.gfsConverged} of ${s.gfsRecords}; φ increased ${s.gfsIncreases} times between them`,
      ]);
      rows.push([
        '  φ at the end',
        Number.isFinite(s.lastConvergedStep)
          ? `${fixed(s.lastGfsOverThreshold, 3)} · 2/η at step ${s.lastConvergedStep}${s.lastConvergedStep === s.steps ? ' (last record)' : ''}`
          : 'no flow converged',
      ]);
      rows.push([
        '  flow threshold τ',
        `${formatThreshold(experiment.lossThreshold)}: GD's smallest loss ${precise(s.minLoss, 4)} (step ${s.minLossStep}) = ${fixed(s.lossOverThreshold, 1)} τ; flows of ${s.minFlowSteps}–${s.maxFlowSteps} RK4 steps`,
      ]);
      for (const c of s.sensitivity) {
        rows.push([
          `  φ at τ → τ/10, step ${c.step}`,
          c.status === 'converged'
            ? `${precise(c.gfsSharpness)} → ${precise(c.lowGfsSharpness)} (${c.relativeChange >= 0 ? '+' : ''}${(100 * c.relativeChange).toFixed(2)} %, ${c.extraFlowSteps} more RK4 steps)`
            : `${precise(c.gfsSharpness)} → ${precise(c.lowGfsSharpness)} (continued flow: ${c.status} after ${c.extraFlowSteps} more RK4 steps)`,
        ]);
      }
    }
    const images = experiment.images;
    const perChannel = (xs: readonly number[]): string => xs.map((x) => precise(x)).join(', ');
    rows.push([
      'data',
      `${experiment.n} ${images.title} (${images.shape.join('×')}, ${images.classes} classes), per-channel mean ${perChannel(images.mean)}, std ${perChannel(images.std)}, max |x| ${precise(images.maxAbsInput, 4)}`,
    ]);
    rows.push([
      'wall time',
      `${experiment.wallSeconds.toFixed(1)} s${experiment.resumedTasks ? ` (${experiment.resumedTasks} tasks resumed)` : ''}`,
    ]);
    rows.push(['figures', stems.join(', ')]);
    io.out(table(rows));
    return 0;
  },
});
