/**
 * `eoslab check`: counts violations of Theorem 3.2, Lemmas 3.10–3.12 and of the convergence of
 * the sharpness to ≤ 2/η along GD from random initialisations in 𝕊, Theorem 3.3 after φ crosses
 * 2/η, Lemmas 3.13–3.14 on GPGD points, and how often φ is not monotone from initialisations
 * outside 𝕊 and when they enter it (Kreisler et al. 2023). Optional --out writes the per-run data,
 * the Theorem 3.3 figure and a manifest (with the seed).
 */
import { runCheck } from '../../experiments/check/check.js';
import { checkReport, formatCheckTable } from '../../experiments/check/report.js';
import {
  CHECK_DEFAULTS,
  CHECK_TOLERANCES,
  resolveCheckOptions,
  type CheckOptions,
} from '../../experiments/check/settings.js';
import { writeCheck } from '../../experiments/check/writer.js';
import { OPTIONS } from '../../base/options.js';
import type { Command } from '../args.js';
import { toJson } from '../format.js';
import { createProgress } from '../progress.js';

const d = CHECK_DEFAULTS;
const T = CHECK_TOLERANCES;
const sci = (x: number): string => x.toExponential();

export const checkCommand: Command = {
  name: 'check',
  summary: 'checks Theorems 3.2, 3.3 and Lemmas 3.10–3.14 along GD and GPGD from random initialisations',
  usage: 'eoslab check [--depth D] [--eta η] [--samples N] [--seed s] [--steps T] [--json] [--out DIR]',
  details:
    'Draws N initialisations from the (φ₀, p₀) family of SPEC §2 with random directions\n' +
    '(c ~ N(0, I) with Σc = 0, φ₀ ~ U(D, max(1.25·2√2/η, D + 1)], p₀ log-uniform on [0.05, 5]), keeps\n' +
    'those in 𝕊 (Definition 3.1) and runs GD until L < --tol, --steps or divergence, counting at every\n' +
    'step violations of Theorem 3.2 (φ non-increasing, iterate in 𝕊), Lemma 3.10 (GD(w) ⪯_b w),\n' +
    'Lemma 3.11 (all aᵢ < 1) and the derived Lemma 3.12 bound φ⁺ ≥ φ − 2η² max(1, π²) L φ³, and at the\n' +
    'end whether a converged run has S ≤ 2/η. Theorem 3.3, for runs in 𝕊 whose φ crosses 2/η at t₀ with\n' +
    `Lc = max(L(t₀ − 1), L(t₀)) ≤ ${d.thm33SmallLoss}: L(t + 2) ≤ L(t) after t₀, a two-step decay rate < 1, no\n` +
    `divergence and (2/η − S∞)/(2/η) ≤ ${d.thm33GapConstant}·√Lc (our bound; the paper's constants are lost). Outside 𝕊\n` +
    'it counts the runs where φ is not monotone, when they enter 𝕊 and whether φ is monotone from then on.\n' +
    'Lemmas 3.13–3.14 on as many GPGD points (1/η < φ < 2/η, π near 1): π − 1 changes sign and shrinks\n' +
    'geometrically at the local rate |1 − ηφ|, and L(GD²(w)) ≤ L(GPGD²(w)).\n' +
    `Rounding allowances: φ ${sci(T.PHI_RTOL)} relative, balance gaps ${sci(T.BALANCE_RTOL)}·max wᵢ², aᵢ < 1 + ${sci(T.SIGN_RTOL)},\n` +
    `final S ≤ (2/η)(1 + ${sci(T.SHARPNESS_RTOL)}), two-step loss ${sci(T.LOSS_RTOL)} relative. Results are identical for\n` +
    'any --workers. With --out DIR: runs.npy and gpgd.npy (one row per sample, columns in manifest.json),\n' +
    'samples.npy (φ₀, p₀), thm33-crossing.svg/.png (final gap against the loss at the crossing) and\n' +
    'manifest.json.',
  options: [
    { spec: OPTIONS.depth, default: d.depth },
    { spec: OPTIONS.eta, default: d.eta },
    { spec: OPTIONS.samples, default: d.samples },
    { spec: OPTIONS.seed, default: d.seed },
    { spec: OPTIONS.steps, help: 'GD step budget per run', default: d.steps },
    { spec: OPTIONS.tol, help: 'a run has converged when its loss is below tol', default: d.tol },
    { spec: OPTIONS.divergeAt, default: d.divergeAt },
    { spec: OPTIONS.workers, help: `${OPTIONS.workers.description} [default: the number of cores]` },
    {
      spec: OPTIONS.out,
      help: 'also write runs.npy, samples.npy, gpgd.npy, the Theorem 3.3 figure and manifest.json to this directory',
    },
    { spec: OPTIONS.json, help: 'print the report as JSON' },
  ],
  examples: [
    'eoslab check --depth 4 --eta 0.1 --samples 10000',
    'eoslab check --depth 8 --eta 0.1 --samples 2000 --seed 7 --json',
    'eoslab check --depth 3 --eta 0.05 --samples 1000 --out out/check-d3',
  ],
  async run(values, io) {
    const options: CheckOptions = {
      depth: values.get('depth') as number,
      eta: values.get('eta') as number,
      samples: values.get('samples') as number,
      seed: values.get('seed') as number,
      steps: values.get('steps') as number,
      tol: values.get('tol') as number,
      divergeAt: values.get('divergeAt') as number,
    };
    if (values.has('workers')) options.workers = values.get('workers') as number;
    const resolved = resolveCheckOptions(options); // every option checked before any work or output
    const out = values.get('out') as string | undefined;
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const progress = createProgress('check', resolved.samples, 'runs');
    let result;
    try {
      result = await runCheck(resolved, {
        signal: controller.signal,
        onProgress: (done) => progress.update(done),
      });
    } finally {
      process.off('SIGINT', onSigint);
      progress.finish();
    }
    const files = out !== undefined ? writeCheck(out, result) : [];
    if (values.get('json')) {
      io.out(toJson({ ...checkReport(result), ...(out !== undefined ? { out, files } : {}) }));
      return 0;
    }
    io.out(formatCheckTable(result));
    if (out !== undefined) io.out(`wrote ${out}/${files.join(`, ${out}/`)}\n`);
    return 0;
  },
};
