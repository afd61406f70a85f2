/**
 * `eoslab net`: GD at the edge of stability on networks over images — the fully connected network
 * (fc), VGG11-BN and ResNet20 — with S and the GFS sharpness φ (RK4 flow + Lanczos) every k steps
 * and the threshold-sensitivity report (the paper's Fig 6 / 12 / 13, Kreisler et al. 2023, Sec.
 * 4.2); `--figure fig6|fig13` runs the three networks and draws them side by side. `eoslab fcnet`
 * is `eoslab net --arch fc` (its options without --arch, --width and --figure).
 */
import { join } from 'node:path';
import { checkOutputDirectory } from '../../io/atomic.js';
import {
  NET_OPTIONS,
  SENSITIVITY_FACTOR,
  netExperiment,
  resolveNetOptions,
  discardCheckpoint,
  type NetExperiment,
} from '../../experiments/net/experiment.js';
import { figureStems, formatThreshold, runSummary, writeNet } from '../../experiments/net/figures.js';
import { paperFigureExperiment, resolvePaperFigure, writePaperFigure } from '../../experiments/net/paperFigure.js';
import { OPTIONS } from '../../base/options.js';
import { omit } from '../../base/optionSet.js';
import { partialDirectory } from '../../experiments/heatmap/shards.js';
import { defineCommand, type CliIo } from '../args.js';
import { withCancellation } from '../cancel.js';
import { table, toJson } from '../format.js';
import { createProgress, type Progress } from '../progress.js';

/** x.toPrecision(digits), or its plain text for NaN / ±Infinity (no records, a diverged run). */
const precise = (x: number, digits = 5): string => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));
const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

const DETAILS =
  'GD with constant η on a network over the first n images of --data: mnist (the mnist package,\n' +
  'default), cifar10:DIR (CIFAR-10 binary batches data_batch_1.bin …) or npy:DIR (images.npy +\n' +
  'labels.npy). --arch fc: an MLP C·H·W → 200 → 200 → classes (biases; --hidden), each image one row;\n' +
  '--arch vgg11-bn / resnet20: the convolutional networks of the paper (batch norm over the whole\n' +
  'batch, ReLU; --width scales every channel count; vgg11-bn needs a side that is a multiple of 32:\n' +
  'its default --input-size 32 zero-pads the 28×28 digits). --data-offset skips images (--data-offset\n' +
  'n: the next n, disjoint), --data-classes keeps some labels, --input-size reduces (centre crop, block\n' +
  'average) or zero-pads the images. Each channel is standardised (its mean and population std over\n' +
  'the n images), one-hot targets, L = (1/n) Σ ½‖f(x) − y‖². GD records L every step, S = λmax(∇²L)\n' +
  '(Lanczos) every --s-every steps and, every --gfs-every steps, the GFS sharpness φ: RK4 gradient\n' +
  'flow with h = α/S until L < --loss-threshold τ (at most --flow-steps RK4 steps; if the budget runs\n' +
  'out φ is S at the flow end and its status is max-steps), then Lanczos there. τ must lie well below\n' +
  "GD's loss over the whole run (the summary prints the ratio). The defaults depend on --arch (README,\n" +
  '"Fully connected networks", "Convolutional networks"). For --sensitivity-records records (first,\n' +
  'middle, last) the flow continues to τ/10 and φ is evaluated again; both values are printed and in\n' +
  'manifest.json. Fig 12: --activation tanh --eta 0.05 --loss-threshold 3e-5; --activation relu\n' +
  '--eta 0.1 --loss-threshold 1e-6. --figure fig6 runs fc, vgg11-bn and resnet20 at their defaults\n' +
  'and draws them side by side (fig6.png, each network in its own subdirectory); --figure fig13 does\n' +
  'the same on the second data set (the next n digits; SVHN as --data npy:DIR).\n' +
  'Every gradient and HVP is split into fixed batch shards (about one per 125 images, 2 to 8): the\n' +
  'results are bit-identical for any --workers. Below 500 images the workers take whole tasks (GD\n' +
  'chunks, flows); from 500 on they share every gradient. Finished tasks are kept in OUT.partial while\n' +
  'the run goes: after a kill or Ctrl-C the same command resumes from the last record. Writes\n' +
  'fig6-fc-hardtanh / fig6-vgg11-bn / fig6-resnet20 / fig12-fc-tanh … (.png/.svg), records.csv,\n' +
  'sharpness.csv, loss.csv, summary.csv and manifest.json.';

/** The CLI table of one experiment's runs. */
function summaryRows(experiment: NetExperiment, prefix = ''): [string, string | number][] {
  const rows: [string, string | number][] = [];
  for (const run of experiment.runs) {
    const s = runSummary(run, experiment);
    rows.push([
      `${prefix}${s.activation}, η = ${s.eta}`,
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
    `${prefix}data`,
    `${experiment.n} ${images.title} (${images.shape.join('×')}, ${images.classes} classes), per-channel mean ${perChannel(images.mean)}, std ${perChannel(images.std)}, max |x| ${precise(images.maxAbsInput, 4)}`,
  ]);
  rows.push([
    `${prefix}wall time`,
    `${experiment.wallSeconds.toFixed(1)} s${experiment.resumedTasks ? ` (${experiment.resumedTasks} tasks resumed)` : ''}`,
  ]);
  return rows;
}

/** What --json prints of one experiment. */
function experimentJson(experiment: NetExperiment, figures: string[]): Record<string, unknown> {
  return {
    arch: experiment.arch,
    figures,
    runs: experiment.runs.map((run) => runSummary(run, experiment)),
    lossThreshold: experiment.lossThreshold,
    sensitivityThreshold: SENSITIVITY_FACTOR * experiment.lossThreshold,
    data: { source: experiment.data, ...experiment.images },
    wallSeconds: experiment.wallSeconds,
    resumedTasks: experiment.resumedTasks,
  };
}

/** One network (the fcnet command and `net` without --figure). */
async function runOne(
  name: string,
  out: string,
  json: boolean,
  options: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  resolveNetOptions(options); // validate before any work or output
  checkOutputDirectory(out); // a foreign --out is refused before the work
  const checkpoint = partialDirectory(out);
  let progress: Progress | undefined;
  const experiment = await withCancellation(
    (signal) =>
      netExperiment({
        ...options,
        checkpoint,
        signal,
        onProgress: (done, total) => {
          // Flows may stop long before their RK4 budget: the total (and the ETA) is an upper bound.
          progress ??= createProgress(name, Math.round(total), 'gradients', process.stderr, true);
          progress.update(Math.round(done), Math.round(total));
        },
      }),
    {
      progress: { finish: () => progress?.finish() },
      resume: () => `finished tasks are kept in ${checkpoint}; run the same command again to resume`,
    },
  );
  writeNet(out, experiment);
  discardCheckpoint(checkpoint);
  const figures = figureStems(experiment).map((stem) => join(out, `${stem}.png`));
  if (json) {
    io.out(toJson({ out, ...experimentJson(experiment, figures) }));
    return 0;
  }
  io.out(table([...summaryRows(experiment), ['figures', figures.join(', ')]]));
  return 0;
}

/** --figure: the three networks, one after the other, then the figure. */
async function runFigure(out: string, json: boolean, options: Record<string, unknown>, io: CliIo): Promise<number> {
  const figure = options['figure'] as 'fig6' | 'fig13';
  resolvePaperFigure({ ...options, figure }); // validate every network before any work
  checkOutputDirectory(out);
  const checkpoint = partialDirectory(out);
  // the networks run one after the other: a new network ends the previous one's bar
  let currentArch: string | undefined;
  let current: Progress | undefined;
  const result = await withCancellation(
    (signal) =>
      paperFigureExperiment({
        ...options,
        figure,
        checkpoint,
        signal,
        onProgress: (arch, done, total) => {
          if (arch !== currentArch || current === undefined) {
            current?.finish();
            current = createProgress(`net ${arch}`, Math.round(total), 'gradients', process.stderr, true);
            currentArch = arch;
          }
          current.update(Math.round(done), Math.round(total));
        },
      }),
    {
      progress: { finish: () => current?.finish() },
      resume: () => `finished tasks are kept in ${checkpoint}; run the same command again to resume`,
    },
  );
  current?.finish();
  writePaperFigure(out, result);
  discardCheckpoint(checkpoint);
  const second = figure === 'fig13';
  const png = join(out, `${figure}.png`);
  if (json) {
    io.out(
      toJson({
        out,
        figure: png,
        networks: result.experiments.map((e) =>
          experimentJson(
            e,
            figureStems(e, second).map((stem) => join(out, e.arch, `${stem}.png`)),
          ),
        ),
        wallSeconds: result.wallSeconds,
      }),
    );
    return 0;
  }
  const rows = result.experiments.flatMap((e) => summaryRows(e, `${e.arch}: `));
  rows.push(['wall time (all)', `${result.wallSeconds.toFixed(1)} s`]);
  rows.push(['figure', png]);
  io.out(table(rows));
  return 0;
}

export const netCommand = defineCommand({
  name: 'net',
  summary: 'fc, VGG11-BN or ResNet20 on MNIST digits (or --data): S and φ along GD (Fig 6/12/13)',
  usage:
    'eoslab net [--arch fc|vgg11-bn|resnet20] [--width W] [--activation …] [--n N] [--data mnist] [--eta η] [--steps K] [--figure fig6|fig13] [--out DIR]',
  details: DETAILS,
  options: {
    ...NET_OPTIONS,
    figure: { spec: OPTIONS.netFigure, defaultText: 'none (one network, --arch)' },
    out: { spec: OPTIONS.out, default: 'out/net' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab net --arch vgg11-bn --out out/fig6-vgg',
    'eoslab net --arch resnet20 --out out/fig6-resnet',
    'eoslab net --figure fig6 --out out/fig6',
    'eoslab net --figure fig13 --out out/fig13',
    'eoslab net --arch vgg11-bn --data cifar10:cifar-10-batches-bin --n 64 --out out/vgg-cifar',
  ],
  async run({ out, json, figure, ...options }, io, given) {
    if (figure !== undefined) {
      // each network's own defaults: only what the user typed goes to the three experiments
      const typed = Object.fromEntries(
        Object.entries(options).filter(([key]) => (given as ReadonlySet<string>).has(key)),
      );
      return runFigure(out, Boolean(json), { ...typed, figure }, io);
    }
    return runOne(`net ${options.arch ?? 'fc'}`, out, Boolean(json), options, io);
  },
});

export const fcnetCommand = defineCommand({
  name: 'fcnet',
  summary: 'eoslab net --arch fc: the fully connected network (Fig 6/12)',
  usage:
    'eoslab fcnet [--activation hardtanh] [--n 100] [--data mnist] [--eta 0.03] [--steps 600] [--gfs-every 50] [--loss-threshold 5e-5] [--out DIR]',
  details: `The same as eoslab net --arch fc (its defaults, files and resumption).\n${DETAILS}`,
  options: {
    ...omit(NET_OPTIONS, 'arch', 'width'),
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
    return runOne('fcnet', out, Boolean(json), { ...options, arch: 'fc' }, io);
  },
});
