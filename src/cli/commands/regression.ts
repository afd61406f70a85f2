/**
 * `eoslab regression`: the squared-regression (diagonal linear network) experiment of the paper's
 * Fig 5 (Kreisler et al. 2023, §4.1) — GD at the edge of stability with the GFS sharpness φ
 * tracked at every step.
 */
import { join } from 'node:path';
import { checkOutputDirectory } from '../../io/atomic.js';
import { OPTIONS } from '../../base/options.js';
import {
  regressionExperiment,
  REGRESSION_OPTIONS,
  resolveRegressionOptions,
} from '../../experiments/regression/experiment.js';
import type { ExperimentRun } from '../../experiments/regression/experiment.js';
import { runSummary, writeRegression } from '../../experiments/regression/figures.js';
import { omit } from '../../base/optionSet.js';
import { defineCommand } from '../args.js';
import { withCancellation } from '../cancel.js';
import { formatValue, table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

export const regressionCommand = defineCommand({
  name: 'regression',
  summary: 'diagonal linear network: φ along GD at the edge of stability (Fig 5)',
  usage: 'eoslab regression [--seeds 8] [--n 10] [--d 100] [--out DIR]',
  details:
    'For each data seed: X ~ N(--x-mean, 1), y ~ N(0, 1); the flattest sharpness λ_flat (certified\n' +
    'gap ≤ 1e-6); the small initialisation u₀ = α·1, v₀ = v0·1 with sharpness S₀ and GFS sharpness\n' +
    'φ₀; two step sizes with 2/η = λ_flat + f·(φ₀ − λ_flat), f = --thresholds, each kept when\n' +
    'S₀ < 2/η (else the run is listed with status no-valid-eta); GD until the loss is below\n' +
    '--loss-tol, recording loss, S and φ (the implicit-bias GFS of Azulay et al. 2021) at every\n' +
    'step. Writes fig5a/b/c (.png/.svg), runs.csv, summary.csv and manifest.json, and prints one\n' +
    'line per run and how often φ decreased.',
  options: {
    ...omit(REGRESSION_OPTIONS, 'divergeAt'),
    out: { spec: OPTIONS.out, default: 'out/regression' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab regression --out out/fig5',
    'eoslab regression --seeds 2 --n 5 --d 40 --thresholds 0.5',
    'eoslab regression --x-mean 0 --thresholds 0.5,0.7 --json',
  ],
  async run({ out, json, ...options }, io) {
    const resolved = resolveRegressionOptions(options); // validate before any work or output
    checkOutputDirectory(out); // a foreign --out is refused before the work
    const progress = createProgress('regression', resolved.seeds, 'seeds');
    const experiment = await withCancellation(
      (signal) => regressionExperiment({ ...options, signal, onProgress: (done) => progress.update(done) }),
      { progress },
    );
    const files = writeRegression(out, experiment);
    const m = experiment.monotonicity;
    const g = experiment.regime;
    const all = experiment.results.flatMap((s) => s.runs);
    const made = all.filter((r) => r.run !== null);
    const summary = {
      out,
      figure: files.includes('fig5a.png') ? join(out, 'fig5a.png') : null,
      runs: all.length,
      converged: all.filter((r) => r.status === 'converged').length,
      totalSteps: made.reduce((a, r) => a + (r.run?.steps ?? 0), 0),
      ...m,
      regime: g,
      maxLambdaFlatGap: Math.max(...experiment.results.map((s) => s.flatGap)),
      wallSeconds: experiment.wallSeconds,
      perRun: all.map(runSummary),
    };
    if (json) {
      io.out(toJson(summary));
      return 0;
    }
    const f = g.finalPhiOverThreshold;
    const e = g.stepsToEdge;
    const c = g.phiChangeBeforeEdge;
    io.out(
      table([
        [
          'runs',
          `${summary.runs} (${experiment.seeds} seeds × ${experiment.eta === null ? experiment.thresholds.length : 1} step sizes), ${summary.converged} converged` +
            (g.noValidEta > 0 ? `, ${g.noValidEta} without a valid η` : ''),
        ],
        ['S₀ < 2/η', `${g.startsBelowThreshold} of ${g.completed} runs`],
        ['S reached 2/η', `${g.reachedThreshold} of ${g.completed} runs, first at step ${spreadText(e, 0)}`],
        ['φ change before', `${spreadText(c, 3, 100)} % (max |φ/φ₀ − 1| until S first reaches 2/η)`],
        ['final φ / (2/η)', `${spreadText(f, 4)} (min/median/max over converged runs)`],
        ['GD steps', summary.totalSteps],
        ['φ non-increasing', `${(100 * m.nonIncreasingShare).toFixed(2)} % of ${m.transitions} steps`],
        ['negative changes', `${(100 * m.negativeShare).toFixed(2)} %`],
        ['max normalised change', m.maxNormalisedChange],
        [
          'after S ≥ 2/η',
          `${(100 * m.afterEdge.negativeShare).toFixed(2)} % of ${m.afterEdge.transitions} changes negative, max ${formatValue(m.afterEdge.maxNormalisedChange)}`,
        ],
        ['min φ / λ_flat', m.minPhiOverLambdaFlat],
        ['λ_flat gap (max)', summary.maxLambdaFlatGap],
        ['wall time', `${experiment.wallSeconds.toFixed(2)} s`],
        ['figures', summary.figure === null ? 'none (no run was made)' : `${summary.figure}, fig5b.png, fig5c.png`],
      ]) +
        '\n' +
        runTable(all),
    );
    return 0;
  },
});

/** "min/median/max" with `digits` decimals (values scaled by `scale`). */
function spreadText(s: { min: number; median: number; max: number }, digits: number, scale = 1): string {
  const v = (x: number): string => (Number.isNaN(x) ? '—' : (x * scale).toFixed(digits));
  return `${v(s.min)}/${v(s.median)}/${v(s.max)}`;
}

/** One line per run: seed, f, λ_flat, S₀, 2/η, φ₀, final φ, final φ/(2/η), edge step, steps, status. */
function runTable(runs: readonly ExperimentRun[]): string {
  const num = (x: number, digits = 4): string => (Number.isNaN(x) ? '—' : x.toFixed(digits));
  const rows = [
    ['seed', 'f', 'λ_flat', 'S₀', '2/η', 'φ₀', 'φ_end', 'φ_end/(2/η)', 'S≥2/η at', 'steps', 'status'],
    ...runs.map((r) => [
      String(r.seed),
      Number.isNaN(r.fraction) ? '—' : String(r.fraction),
      num(r.lambdaFlat),
      num(r.initialSharpness),
      num(r.stabilityThreshold),
      num(r.initialGfsSharpness),
      num(r.finalGfsSharpness),
      num(r.finalGfsSharpness / r.stabilityThreshold),
      Number.isNaN(r.stepsToEdge) ? '—' : String(r.stepsToEdge),
      String(r.run?.steps ?? 0),
      r.status + (r.reason ? ` (${r.reason})` : r.startsBelowThreshold ? '' : ' (S₀ ≥ 2/η)'),
    ]),
  ];
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, j) => Math.max(w[j] ?? 0, cell.length)), []);
  const line = (row: string[]): string =>
    row.map((cell, j) => (j === row.length - 1 ? cell : cell.padStart(widths[j] as number))).join('  ');
  return `${rows.map(line).join('\n')}\n`;
}
