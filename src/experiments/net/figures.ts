/**
 * Figures and files of the network experiment (the paper's Fig 6 / Fig 12 / Fig 13, Kreisler et
 * al. 2023, Sec. 4.2 and App. B.4–B.5): per run (activation, η) a two-panel figure — S, φ and 2/η
 * versus step; the loss with the flow's loss threshold versus step — and the numbers as CSV beside
 * a manifest; `--figure fig6|fig13` puts the three networks' figures side by side.
 *
 * The paper's assignment: Fig 6 is FC-hardtanh, VGG11-BN and ResNet20 (ReLU), Fig 12 FC-tanh and
 * FC-ReLU, Fig 13 Fig 6's three on a second data set; other activations are ours and their
 * figures say so.
 *
 * φ points whose flow reached the loss threshold τ are filled markers on a line; the sensitivity
 * records' φ with the flow continued to τ/10 are open circles; points whose flow used up its RK4
 * budget are drawn as a separate series ("flow budget reached"): there φ is the sharpness at the
 * flow's end, not yet the GFS sharpness. The title says where φ stands relative to 2/η at the last
 * record, so a run that stops before φ reaches 2/η says so in the figure.
 */
import { defaultShards } from '../../engines/mlpBatch.js';
import { join } from 'node:path';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeCsv } from '../../io/csv.js';
import { writeManifest } from '../../io/manifest.js';
import { lineChart, svgToPng } from '../../plot/index.js';
import { QUANTITY_COLORS, QUANTITY_NAMES } from '../../plot/colormap.js';
import type { Activation } from '../../engines/mlp.js';
import type { NetArchitectureName } from './tasks.js';
import { finiteMax, finiteMin, lastConverged, runSummary } from './summary.js';

export { runSummary, type SensitivityRow } from './summary.js';
import { SENSITIVITY_FACTOR, type NetExperiment, type NetRun } from './experiment.js';

/** How the paper writes each activation. */
const ACTIVATION_NAMES: Readonly<Record<Activation, string>> = {
  hardtanh: 'hardtanh',
  tanh: 'tanh',
  relu: 'ReLU',
  elu: 'ELU',
  softplus: 'softplus',
};

/** The paper's figure of each fully connected network (Kreisler et al. 2023, Fig 6 and Fig 12). */
export const PAPER_FIGURE: Readonly<Partial<Record<Activation, 'Fig 6' | 'Fig 12'>>> = {
  hardtanh: 'Fig 6',
  tanh: 'Fig 12',
  relu: 'Fig 12',
};

/** How figures name each network. */
export const ARCH_NAMES: Readonly<Record<NetArchitectureName, string>> = {
  fc: 'FC',
  'vgg11-bn': 'VGG11-BN',
  resnet20: 'ResNet20',
};

/**
 * The paper's figure of a run ('Fig 6', 'Fig 12'; undefined when the paper has no such run):
 * fc by its activation, the conv nets with ReLU in Fig 6. `second` (Fig 13's second data set)
 * turns Fig 6 into Fig 13.
 */
export function paperFigureOf(arch: NetArchitectureName, activation: Activation, second = false): string | undefined {
  const figure = arch === 'fc' ? PAPER_FIGURE[activation] : activation === 'relu' ? 'Fig 6' : undefined;
  return second && figure === 'Fig 6' ? 'Fig 13' : figure;
}

/**
 * File stem of a run: fig6-fc-hardtanh, fig12-fc-tanh, fig12-fc-relu, fig6-vgg11-bn,
 * fig6-resnet20 (fig13-… on the second data set), fc-elu / vgg11-bn-tanh … (not in the paper),
 * plus -eta<η> when the experiment has several η.
 */
export function figureStem(
  run: Pick<NetRun, 'activation' | 'eta'>,
  severalEtas: boolean,
  arch: NetArchitectureName = 'fc',
  second = false,
): string {
  const figure = paperFigureOf(arch, run.activation, second);
  const name = arch === 'fc' || figure === undefined ? `${arch}-${run.activation}` : arch;
  const base = `${figure !== undefined ? `${figure.replace(' ', '').toLowerCase()}-` : ''}${name}`;
  return severalEtas ? `${base}-eta${run.eta}` : base;
}

/** The network in words, for titles: "FC-hardtanh 784→200→200→10", "VGG11-BN ×1/8 (154 074 parameters)". */
export function networkTitle(
  e: Pick<NetExperiment, 'arch' | 'input' | 'hidden' | 'classes' | 'width' | 'parameterCount'>,
  activation: Activation,
): string {
  if (e.arch === 'fc') return `FC-${ACTIVATION_NAMES[activation]} ${[e.input, ...e.hidden, e.classes].join('→')}`;
  const act = activation === 'relu' ? '' : `-${ACTIVATION_NAMES[activation]}`;
  const w = e.width === 1 ? '' : ` width ×${widthText(e.width)}`;
  return `${ARCH_NAMES[e.arch]}${act}${w} (${e.parameterCount.toLocaleString('en-US')} parameters)`;
}

/** 0.125 → "1/8", 0.5 → "1/2", 2 → "2", 0.3 → "0.3". */
function widthText(w: number): string {
  const inverse = 1 / w;
  return Number.isInteger(inverse) ? `1/${inverse}` : String(w);
}

function masked(values: Float64Array, keep: (k: number) => boolean): Float64Array {
  return values.map((v, k) => (keep(k) ? v : Number.NaN));
}

/** A threshold, short: 0.05, 0.002, 5e-5, 1e-6. */
export function formatThreshold(x: number): string {
  if (x !== 0 && Math.abs(x) < 1e-3) return Number(x.toPrecision(3)).toExponential();
  return Number(x.toPrecision(3)).toString();
}

/** "φ at step 600 (last record) = 1.02 · 2/η", or where the last converged flow was. */
export function lastPhiText(run: NetRun): string {
  const last = lastConverged(run);
  if (!Number.isFinite(last.step)) return 'no flow reached the threshold';
  const where = last.step === run.steps ? 'last record' : `last converged flow; the run ends at ${run.steps}`;
  return `φ at step ${last.step} (${where}) = ${last.ratio.toFixed(2)} · 2/η`;
}

export function netFigureSvg(
  run: NetRun,
  e: Pick<
    NetExperiment,
    'arch' | 'n' | 'hidden' | 'lossThreshold' | 'input' | 'classes' | 'images' | 'width' | 'parameterCount'
  >,
  layout: { second?: boolean; width?: number; height?: number; idPrefix?: string } = {},
): string {
  const r = run.records;
  const steps = Float64Array.from({ length: run.steps + 1 }, (_, t) => t);
  const converged = (k: number): boolean => r.gfsStatus[k] === 'converged';
  const budget = (k: number): boolean => r.gfsStatus[k] === 'max-steps';
  const anyBudget = r.gfsStatus.some((s) => s === 'max-steps');
  const low = SENSITIVITY_FACTOR * e.lossThreshold;
  const lowPhi = Float64Array.from(r.sensitivity, (c) =>
    c !== null && c.status === 'converged' ? c.gfsSharpness : Number.NaN,
  );
  const anyLow = lowPhi.some(Number.isFinite);
  const figure = paperFigureOf(e.arch, run.activation, layout.second) ?? 'not in the paper';
  const shape = e.images.shape;
  const tau = formatThreshold(e.lossThreshold);
  const lossMin = finiteMin(run.loss.filter((l) => l > 0));
  const lossMax = finiteMax(run.loss);
  const drawTau = e.lossThreshold >= lossMin * 1e-3 && e.lossThreshold <= lossMax * 1e3;
  return lineChart({
    width: layout.width ?? 900,
    height: layout.height ?? 780,
    ...(layout.idPrefix !== undefined ? { idPrefix: layout.idPrefix } : {}),
    title:
      `${figure} · ${networkTitle(e, run.activation)}, ${e.n} ${e.images.title}` +
      `${e.arch === 'fc' ? '' : ` ${shape[1]}×${shape[2]}`}, η = ${run.eta}` +
      (run.status === 'diverged' ? ' · diverged' : ''),
    panels: [
      {
        title: `S, φ and 2/η = ${(2 / run.eta).toPrecision(4)} · ${lastPhiText(run)}`,
        xLabel: 'GD step',
        yLabel: 'sharpness',
        yScale: 'linear',
        series: [
          {
            name: QUANTITY_NAMES.sharpness,
            x: run.sharpnessTrace.step,
            y: run.sharpnessTrace.sharpness,
            color: QUANTITY_COLORS.sharpness,
            width: 1.4,
          },
          {
            name: `${QUANTITY_NAMES.gfsSharpness} (RK4 flow to L < τ = ${tau})`,
            x: r.step,
            y: masked(r.gfsSharpness, converged),
            color: QUANTITY_COLORS.gfsSharpness,
            width: 2.2,
          },
          {
            name: '',
            x: r.step,
            y: masked(r.gfsSharpness, converged),
            color: QUANTITY_COLORS.gfsSharpness,
            width: 2.5,
            mode: 'markers',
          },
          ...(anyLow
            ? [
                {
                  name: `φ, flow continued to L < τ/10 = ${formatThreshold(low)}`,
                  x: r.step,
                  y: lowPhi,
                  color: QUANTITY_COLORS.gfsSharpness,
                  width: 4.5,
                  mode: 'rings' as const,
                },
              ]
            : []),
          ...(anyBudget
            ? [
                {
                  name: 'φ, flow budget reached (S at the flow end)',
                  x: r.step,
                  y: masked(r.gfsSharpness, budget),
                  color: QUANTITY_COLORS.gfsSharpness,
                  width: 3,
                  mode: 'rings' as const,
                  dash: true,
                },
              ]
            : []),
        ],
        hlines: [{ y: 2 / run.eta, label: QUANTITY_NAMES.threshold, color: QUANTITY_COLORS.threshold, legend: true }],
      },
      {
        title: `Training loss; the flows stop at L < τ = ${tau}`,
        xLabel: 'GD step',
        yLabel: 'loss L',
        yScale: 'log',
        series: [{ name: QUANTITY_NAMES.loss, x: steps, y: run.loss, color: QUANTITY_COLORS.loss, width: 1.2 }],
        // τ is drawn when it lies within 3 decades of the losses (a τ far outside would squeeze
        // the curve into a sliver; the panel title still names it).
        hlines: drawTau ? [{ y: e.lossThreshold, label: 'τ', color: QUANTITY_COLORS.loss, legend: true }] : [],
      },
    ],
  });
}

/** A CSV with one row per element of `rows`: each column a name and a number or label per row. */
function writeRows<R>(
  path: string,
  rows: readonly R[],
  columns: readonly [string, (row: R) => number | string][],
): void {
  writeCsv(
    path,
    columns.map(([name, f]) => {
      const cells = rows.map(f);
      return typeof cells[0] === 'string'
        ? { name, labels: cells.map(String) }
        : { name, values: Float64Array.from(cells, Number) };
    }),
    rows.length,
  );
}

/** Writes figures, CSVs and manifest.json into `out` as one set. Returns the file names. */
export function writeNet(out: string, e: NetExperiment): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (dir) => {
    files = writeNetFiles(dir, e);
  });
  return files;
}

/** The file stems of an experiment's figures (one per run). */
export function figureStems(e: Pick<NetExperiment, 'arch' | 'etas' | 'runs'>, second = false): string[] {
  return e.runs.map((r) => figureStem(r, e.etas.length > 1, e.arch, second));
}

/**
 * Writes an experiment's figures, CSVs and manifest.json into the directory `dir` (a staging
 * directory: writeNet, or a subdirectory of --figure's); `second`: the runs are Fig 13's.
 */
export function writeNetFiles(dir: string, e: NetExperiment, second = false): string[] {
  const stems = figureStems(e, second);
  const files = [
    ...stems.flatMap((s) => [`${s}.svg`, `${s}.png`]),
    'records.csv',
    'sharpness.csv',
    'loss.csv',
    'summary.csv',
    'manifest.json',
  ];
  {
    e.runs.forEach((run, i) => {
      const svg = netFigureSvg(run, e, { second });
      writeFileAtomic(join(dir, `${stems[i]}.svg`), svg);
      writeFileAtomic(join(dir, `${stems[i]}.png`), svgToPng(svg, { width: 1800 }));
    });
    const rowsOf = <T>(f: (run: NetRun, i: number) => T[]): T[] => e.runs.flatMap(f);
    type Record = { run: NetRun; i: number; k: number };
    const records = rowsOf((run, i) => Array.from(run.records.step, (_, k): Record => ({ run, i, k })));
    const at = (a: ArrayLike<number>, k: number): number => a[k] as number;
    writeRows(join(dir, 'records.csv'), records, [
      ['run', (x) => x.i],
      ['activation', (x) => x.run.activation],
      ['eta', (x) => x.run.eta],
      ['step', (x) => at(x.run.records.step, x.k)],
      ['loss', (x) => at(x.run.records.loss, x.k)],
      ['sharpness', (x) => at(x.run.records.sharpness, x.k)],
      ['gfs_sharpness', (x) => at(x.run.records.gfsSharpness, x.k)],
      ['gfs_status', (x) => x.run.records.gfsStatus[x.k] as string],
      ['flow_steps', (x) => at(x.run.records.flowSteps, x.k)],
      ['flow_time', (x) => at(x.run.records.flowTime, x.k)],
      ['flow_loss', (x) => at(x.run.records.flowLoss, x.k)],
      ['hvps', (x) => at(x.run.records.hvps, x.k)],
      ['lanczos_residual', (x) => at(x.run.records.lanczosResidual, x.k)],
      ['gfs_sharpness_low_threshold', (x) => x.run.records.sensitivity[x.k]?.gfsSharpness ?? Number.NaN],
      ['low_threshold_status', (x) => x.run.records.sensitivity[x.k]?.status ?? 'none'],
      ['low_threshold_extra_flow_steps', (x) => x.run.records.sensitivity[x.k]?.flowSteps ?? Number.NaN],
      ['seconds', (x) => at(x.run.records.seconds, x.k)],
    ]);
    const trace = rowsOf((run, i) => Array.from(run.sharpnessTrace.step, (_, k): Record => ({ run, i, k })));
    writeRows(join(dir, 'sharpness.csv'), trace, [
      ['run', (x) => x.i],
      ['activation', (x) => x.run.activation],
      ['eta', (x) => x.run.eta],
      ['step', (x) => at(x.run.sharpnessTrace.step, x.k)],
      ['sharpness', (x) => at(x.run.sharpnessTrace.sharpness, x.k)],
    ]);
    const steps = rowsOf((run, i) => Array.from(run.loss, (_, k): Record => ({ run, i, k })));
    writeRows(join(dir, 'loss.csv'), steps, [
      ['run', (x) => x.i],
      ['activation', (x) => x.run.activation],
      ['eta', (x) => x.run.eta],
      ['step', (x) => x.k],
      ['loss', (x) => at(x.run.loss, x.k)],
    ]);
    const summaries = e.runs.map((run) => runSummary(run, e));
    writeRows(join(dir, 'summary.csv'), summaries, [
      ['run', (s) => summaries.indexOf(s)],
      ['activation', (s) => s.activation],
      ['eta', (s) => s.eta],
      ['status', (s) => s.status],
      ['steps', (s) => s.steps],
      ['final_loss', (s) => s.finalLoss],
      ['min_loss', (s) => s.minLoss],
      ['min_loss_over_flow_threshold', (s) => s.lossOverThreshold],
      ['max_sharpness_over_2_eta', (s) => s.maxSharpnessOverThreshold],
      ['first_step_sharpness_at_0.95_2_eta', (s) => s.firstStepAtThreshold],
      ['gfs_converged', (s) => s.gfsConverged],
      ['gfs_records', (s) => s.gfsRecords],
      ['gfs_increases', (s) => s.gfsIncreases],
      ['min_flow_steps', (s) => s.minFlowSteps],
      ['max_flow_steps', (s) => s.maxFlowSteps],
      ['first_gfs_sharpness', (s) => s.firstGfsSharpness],
      ['last_gfs_sharpness', (s) => s.lastGfsSharpness],
      ['last_converged_step', (s) => s.lastConvergedStep],
      ['last_gfs_sharpness_over_2_eta', (s) => s.lastGfsOverThreshold],
    ]);
    writeManifest(dir, {
      command: 'net',
      options: {
        arch: e.arch,
        ...(e.arch === 'fc' ? { hidden: e.hidden } : { width: e.width }),
        parameterCount: e.parameterCount,
        activation: e.activations,
        n: e.n,
        data: e.data,
        dataOffset: e.dataOffset,
        dataClasses: e.dataClasses,
        inputSize: e.inputSize,
        eta: e.etas,
        steps: e.steps,
        gfsEvery: e.gfsEvery,
        sEvery: e.sEvery,
        seed: e.seed,
        lossThreshold: e.lossThreshold,
        flowSteps: e.flowSteps,
        rk4Alpha: e.rk4Alpha,
        sharpnessEvery: e.sharpnessEvery,
        divergeAt: e.divergeAt,
        lanczosTol: e.lanczosTol,
        sensitivityRecords: e.sensitivityRecords,
        sensitivityThreshold: SENSITIVITY_FACTOR * e.lossThreshold,
        precision: e.precision,
        shards: defaultShards(e.n),
        workers: e.workers,
        images: `${e.images.description}; ${e.arch === 'fc' ? `each image one row of C·H·W = ${e.input} inputs` : `each image a C×H×W = ${e.shape.join('×')} tensor (NHWC in the engine)`}; one-hot targets over ${e.classes} classes; L = (1/n) Σ ½‖f(x) − y‖²`,
        imageShape: e.images.shape,
        classNames: e.images.classNames,
        dataMean: e.images.mean,
        dataStd: e.images.std,
        maxAbsInput: e.images.maxAbsInput,
        init:
          e.arch === 'fc'
            ? 'W, b uniform in ±1/√fan-in (sfc32, seed)'
            : `conv weights N(0, 2/(k²·c_out)), conv biases 0, dense W, b uniform in ±1/√fan-in, batch norm γ = 1, β = 0${e.arch === 'resnet20' ? " (γ = 0 in each block's second batch norm)" : ''} (sfc32, seed)`,
      },
      seeds: [e.seed],
      timings: { wallSeconds: e.wallSeconds },
      outputs: files.filter((f) => f !== 'manifest.json'),
      summary: { runs: summaries, resumedTasks: e.resumedTasks },
    });
  }
  return files;
}
