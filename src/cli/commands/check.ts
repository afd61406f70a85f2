/**
 * `eoslab check`: counts violations of Theorem 3.2, Lemmas 3.10–3.12 and of the convergence of
 * the sharpness to ≤ 2/η along GD from random initialisations in 𝕊, Theorem 3.3 after φ crosses
 * 2/η, Lemmas 3.13–3.14 on GPGD points, and how often φ is not monotone from initialisations
 * outside 𝕊 and when they enter it (Kreisler et al. 2023). Optional --out writes the per-run data,
 * the Theorem 3.3 figure and a manifest (with the seed).
 */
import { runCheck } from '../../experiments/check/check.js';
import { checkReport, formatCheckTable } from '../../experiments/check/report.js';
import { CHECK_OPTIONS, CHECK_TOLERANCES, resolveCheckOptions } from '../../experiments/check/settings.js';
import { writeCheck } from '../../experiments/check/writer.js';
import { OPTIONS } from '../../base/options.js';
import { pick } from '../../base/optionSet.js';
import { defineCommand } from '../args.js';
import { withCancellation } from '../cancel.js';
import { toJson } from '../format.js';
import { createProgress } from '../progress.js';

const d = CHECK_OPTIONS;
const T = CHECK_TOLERANCES;
const sci = (x: number): string => x.toExponential();

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'checks Theorems 3.2, 3.3 and Lemmas 3.10–3.14 along GD and GPGD from random initialisations',
  usage: 'eoslab check [--depth D] [--eta η] [--samples N] [--seed s] [--steps T] [--json] [--out DIR]',
  details:
    'Draws N initialisations from the (φ₀, p₀) family of docs/model.md §2 with random directions\n' +
    '(c ~ N(0, I) with Σc = 0, φ₀ ~ U(D, max(1.25·2√2/η, D + 1)], p₀ log-uniform on [0.05, 5]), keeps\n' +
    'those in 𝕊 (Definition 3.1) and runs GD until L < --tol, --steps or divergence, counting at every\n' +
    'step violations of Theorem 3.2 (φ non-increasing, iterate in 𝕊), Lemma 3.10 (GD(w) ⪯_b w),\n' +
    'Lemma 3.11 (all aᵢ < 1) and the derived Lemma 3.12 bound φ⁺ ≥ φ − 2η² max(1, π²) L φ³, and at the\n' +
    'end whether a converged run has S ≤ 2/η. Theorem 3.3, for runs in 𝕊 whose φ crosses 2/η at t₀ with\n' +
    `Lc = max(L(t₀ − 1), L(t₀)) ≤ ${d.thm33SmallLoss.default}: L(t + 2) ≤ L(t) after t₀, a two-step decay rate < 1, no\n` +
    `divergence and (2/η − S∞)/(2/η) ≤ ${d.thm33GapConstant.default}·√Lc (our bound; the paper's constants are lost). Outside 𝕊\n` +
    'it counts the runs where φ is not monotone, when they enter 𝕊 and whether φ is monotone from then on.\n' +
    'Lemmas 3.13–3.14 on as many GPGD points (1/η < φ < 2/η, π near 1): π − 1 changes sign and shrinks\n' +
    'geometrically at the local rate |1 − ηφ|, and L(GD²(w)) ≤ L(GPGD²(w)).\n' +
    `Rounding allowances: φ ${sci(T.PHI_RTOL)} relative, balance gaps ${sci(T.BALANCE_RTOL)}·max wᵢ², aᵢ < 1 + ${sci(T.SIGN_RTOL)},\n` +
    `final S ≤ (2/η)(1 + ${sci(T.SHARPNESS_RTOL)}), two-step loss ${sci(T.LOSS_RTOL)} relative. Results are identical for\n` +
    'any --workers. With --out DIR: runs.npy and gpgd.npy (one row per sample, columns in manifest.json),\n' +
    'samples.npy (φ₀, p₀), thm33-crossing.svg/.png (final gap against the loss at the crossing) and\n' +
    'manifest.json.',
  options: {
    ...pick(CHECK_OPTIONS, 'depth', 'eta', 'samples', 'seed', 'steps', 'tol', 'divergeAt', 'workers'),
    out: {
      spec: OPTIONS.out,
      help: 'also write runs.npy, samples.npy, gpgd.npy, the Theorem 3.3 figure and manifest.json to this directory',
    },
    json: { spec: OPTIONS.json, help: 'print the report as JSON' },
  },
  examples: [
    'eoslab check --depth 4 --eta 0.1 --samples 10000',
    'eoslab check --depth 8 --eta 0.1 --samples 2000 --seed 7 --json',
    'eoslab check --depth 3 --eta 0.05 --samples 1000 --out out/check-d3',
  ],
  async run({ out, json, ...options }, io) {
    const resolved = resolveCheckOptions(options); // every option checked before any work or output
    const progress = createProgress('check', resolved.samples, 'runs');
    const result = await withCancellation(
      (signal) => runCheck(resolved, { signal, onProgress: (done) => progress.update(done) }),
      { progress },
    );
    const files = out !== undefined ? writeCheck(out, result) : [];
    if (json) {
      io.out(toJson({ ...checkReport(result), ...(out !== undefined ? { out, files } : {}) }));
      return 0;
    }
    io.out(formatCheckTable(result));
    if (out !== undefined) io.out(`wrote ${out}/${files.join(`, ${out}/`)}\n`);
    return 0;
  },
});
