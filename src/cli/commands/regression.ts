/**
 * `eoslab regression`: the squared-regression (diagonal linear network) experiment of the paper's
 * Fig 5 (SPEC §4) — GD at the edge of stability with the GFS sharpness φ tracked at every step.
 */
import { join } from 'node:path';
import { checkOutputDirectory } from '../../io/atomic.js';
import { OPTIONS } from '../../options.js';
import { regressionExperiment, REGRESSION_DEFAULTS, resolveRegressionOptions } from '../../regression/experiment.js';
import type { RegressionExperimentOptions } from '../../regression/experiment.js';
import { writeRegression } from '../../regression/figures.js';
import type { Command } from '../args.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

const D = REGRESSION_DEFAULTS;

export const regressionCommand: Command = {
  name: 'regression',
  summary: 'diagonal linear network: φ along GD at the edge of stability (Fig 5)',
  usage: 'eoslab regression [--seeds 8] [--n 10] [--d 100] [--out DIR]',
  details:
    'For each data seed: X, y ~ N(0, 1); the flattest sharpness λ_flat (certified gap ≤ 1e-6);\n' +
    'u₀ = α·1, v₀ = v0·1; two step sizes with 2/η = λ_flat + f·(φ₀ − λ_flat), f = --thresholds;\n' +
    'GD until the loss is below --loss-tol, recording loss, S and φ (the implicit-bias GFS of\n' +
    'Azulay et al. 2021) at every step. Writes fig5a/b/c (.png/.svg), runs.csv, summary.csv and\n' +
    'manifest.json, and prints how often φ decreased and its largest normalised change.',
  options: [
    { spec: OPTIONS.seeds, default: D.seeds },
    { spec: OPTIONS.seed, default: D.seed, help: 'first data seed (seeds seed, seed+1, …)' },
    { spec: OPTIONS.samplesN, default: D.n },
    { spec: OPTIONS.features, default: D.d },
    { spec: OPTIONS.alpha, default: D.alpha },
    { spec: OPTIONS.v0, default: D.v0 },
    { spec: OPTIONS.thresholds, default: D.thresholds },
    { spec: OPTIONS.eta, help: 'a fixed step size for every seed instead of --thresholds' },
    { spec: OPTIONS.lossTol, default: D.lossTol },
    { spec: OPTIONS.maxSteps, default: D.maxSteps },
    { spec: OPTIONS.workers, help: `${OPTIONS.workers.description} [default: the number of cores]` },
    { spec: OPTIONS.out, default: 'out/regression' },
    { spec: OPTIONS.json, help: 'print the summary as JSON' },
  ],
  examples: ['eoslab regression --out out/fig5', 'eoslab regression --seeds 2 --n 5 --d 40 --alpha 1.5'],
  async run(values, io, given) {
    const options: RegressionExperimentOptions = {
      seeds: values.get('seeds') as number,
      seed: values.get('seed') as number,
      n: values.get('n') as number,
      d: values.get('d') as number,
      alpha: values.get('alpha') as number,
      v0: values.get('v0') as number,
      thresholds: values.get('thresholds') as ArrayLike<number>,
      lossTol: values.get('lossTol') as number,
      maxSteps: values.get('maxSteps') as number,
    };
    if (given.has('workers')) options.workers = values.get('workers') as number;
    if (given.has('eta')) options.eta = values.get('eta') as number;
    const resolved = resolveRegressionOptions(options); // validate before any work or output
    const out = values.get('out') as string;
    checkOutputDirectory(out); // a foreign --out is refused before the work
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const progress = createProgress('regression', resolved.seeds, 'seeds');
    let experiment;
    try {
      experiment = await regressionExperiment({
        ...options,
        signal: controller.signal,
        onProgress: (done) => progress.update(done),
      });
    } finally {
      process.off('SIGINT', onSigint);
      progress.finish();
    }
    writeRegression(out, experiment);
    const m = experiment.monotonicity;
    const runs = experiment.results.flatMap((s) => s.runs);
    const summary = {
      out,
      figure: join(out, 'fig5a.png'),
      runs: runs.length,
      converged: runs.filter((r) => r.run.status === 'converged').length,
      totalSteps: runs.reduce((a, r) => a + r.run.steps, 0),
      ...m,
      maxLambdaFlatGap: Math.max(...experiment.results.map((s) => s.flatGap)),
      wallSeconds: experiment.wallSeconds,
    };
    if (values.get('json')) {
      io.out(toJson(summary));
      return 0;
    }
    io.out(
      table([
        [
          'runs',
          `${summary.runs} (${experiment.seeds} seeds × ${experiment.eta === null ? experiment.thresholds.length : 1} step sizes), ${summary.converged} converged`,
        ],
        ['GD steps', summary.totalSteps],
        ['φ non-increasing', `${(100 * m.nonIncreasingShare).toFixed(2)} % of ${m.transitions} steps`],
        ['negative changes', `${(100 * m.negativeShare).toFixed(2)} %`],
        ['max normalised change', m.maxNormalisedChange],
        ['min φ / λ_flat', m.minPhiOverLambdaFlat],
        ['λ_flat gap (max)', summary.maxLambdaFlatGap],
        ['wall time', `${experiment.wallSeconds.toFixed(2)} s`],
        ['figures', `${join(out, 'fig5a.png')}, fig5b.png, fig5c.png`],
      ]),
    );
    return 0;
  },
};
