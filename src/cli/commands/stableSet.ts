/**
 * `eoslab stable-set`: Damian et al.'s stable set ℳ of the depth-3 scalar network on the slice
 * (w₁, w₂, w₃ = fixed) (the paper's Fig 7), with the smallest loss of its non-minimum part;
 * writes .npy arrays, zeros.npy, two figures (PNG + SVG) and manifest.json.
 */
import { join } from 'node:path';
import { OPTIONS } from '../../base/options.js';
import {
  DERIVED_NON_MINIMUM_LOSS_INFIMUM,
  resolveStableSetOptions,
  ROOT_RTOL,
  STABLE_SET_OPTIONS,
  stableSet,
  type StableSetOptions,
} from '../../experiments/stableSet/stableSet.js';
import { writeStableSet } from '../../experiments/stableSet/writer.js';
import { defineCommand } from '../args.js';
import { withCancellation } from '../cancel.js';
import { table, toJson } from '../format.js';
import { createProgress, type Progress } from '../progress.js';

export const stableSetCommand = defineCommand({
  name: 'stable-set',
  summary: "Damian et al.'s stable set ℳ = {S ≤ 2/η, ∇L·u = 0} on a slice of the D = 3 network (Fig 7)",
  usage: 'eoslab stable-set [--eta η] [--fixed w3] [--x-range a,b] [--y-range c,d] [--resolution N] [--out DIR]',
  details:
    'Grid over (w₁, w₂) with w₃ = --fixed (columns w₁, rows w₂). Per cell: the sharpness S, ∇L·u with u\n' +
    'the top Hessian eigenvector (Jacobi), |∇L·u|/‖∇L‖ and the loss. The zeros of ∇L·u (a set of\n' +
    'measure zero) are found as sign changes along every row and column edge, with u oriented\n' +
    'continuously between the edge’s ends, and refined by bisection: a zero is a minimum when its loss\n' +
    `is ≤ --min-loss, a non-minimum zero when |∇L·u| ≤ ${ROOT_RTOL.toExponential()}·‖∇L‖ there. A cell is in ℳ when a zero\n` +
    'with S ≤ 2/η lies in it. Reports the smallest loss of ℳ off the minima on the grid and after\n' +
    '--refine zoom levels (the derived infimum is 1/8: off the minima ℳ needs 0 < π < 1/2).\n' +
    'Writes sharpness.npy, grad_dot_u.npy, grad_dot_u_relative.npy, loss.npy, product.npy, code.npy,\n' +
    'in_stable_set.npy, minimum.npy, zero_loss.npy, x_axis.npy, y_axis.npy, zeros.npy (one row per\n' +
    'zero: w1, w2, loss, S, π, relative residual, kind 1 min / 2 non-min, in ℳ), stable_set.png/.svg,\n' +
    'stable_set_loss.png/.svg and manifest.json.',
  options: {
    ...STABLE_SET_OPTIONS,
    out: { spec: OPTIONS.out, default: 'out/stable-set' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab stable-set --out out/fig7',
    'eoslab stable-set --eta 0.3 --x-range 0,4 --y-range 0,4 --resolution 401',
    'eoslab stable-set --fixed 0.3 --json',
  ],
  async run({ out, json, resolution, rows, cols, ...grid }, io, given) {
    const options: StableSetOptions = grid;
    if (given.has('rows') || given.has('cols')) {
      options.rows = rows ?? cols;
      options.cols = cols ?? rows;
      if (given.has('resolution')) options.resolution = resolution; // a conflict
    } else {
      options.resolution = resolution;
    }
    const resolved = resolveStableSetOptions(options); // all options checked before any work or output
    const bars: Partial<Record<'cells' | 'zeros', Progress>> = {};
    const finish = (): void => {
      bars.cells?.finish();
      bars.zeros?.finish();
    };
    const result = await withCancellation(
      async (signal) =>
        stableSet({
          ...options,
          signal,
          onProgress: (phase, done, total) => {
            if (phase === 'zeros') bars.cells?.finish();
            const bar = (bars[phase] ??= createProgress(
              `stable-set ${phase}`,
              total,
              phase === 'cells' ? 'cells' : 'edges',
            ));
            bar.update(done);
          },
        }),
      { progress: { finish } },
    );
    const files = writeStableSet(out, result);
    const best = result.smallestNonMinimumLoss;
    const refined = result.refinedSmallestNonMinimumLoss;
    const summary = {
      out,
      figure: join(out, 'stable_set.png'),
      grid: { rows: resolved.rows, cols: resolved.cols, fixed: resolved.fixed, eta: resolved.eta },
      counts: result.counts,
      smallestNonMinimumLoss: best,
      refinedSmallestNonMinimumLoss: refined,
      derivedNonMinimumLossInfimum: DERIVED_NON_MINIMUM_LOSS_INFIMUM,
      wallSeconds: result.wallSeconds,
      files,
    };
    if (json) {
      io.out(toJson(summary));
      return 0;
    }
    const where = (b: typeof best): string =>
      b ? `${b.loss} at (w₁, w₂) = (${b.w1}, ${b.w2}), π = ${b.product}, S = ${b.sharpness}` : 'none on this grid';
    const c = result.counts;
    io.out(
      table([
        [
          'slice',
          `(w₁, w₂, ${resolved.fixed}), ${resolved.rows}×${resolved.cols} cells, η = ${resolved.eta}, 2/η = ${2 / resolved.eta}`,
        ],
        ['cells in ℳ', `${c.cellsInSet} (minima ${c.minimum}, non-minimum part ${c.nonMinimum})`],
        ['zeros of ∇L·u', `${c.zeros} (S > 2/η: minima ${c.sharpMinimum} cells, others ${c.sharpZero} cells)`],
        ['cells with S > 2/η', c.unstable],
        ['min loss on ℳ off minima', where(best)],
        ['… refined', where(refined)],
        ['derived infimum', `${DERIVED_NON_MINIMUM_LOSS_INFIMUM} (π → 1/2)`],
        ['wall time', `${result.wallSeconds.toFixed(2)} s`],
        ['figure', join(out, 'stable_set.png')],
        ['data', `${out}/*.npy, stable_set_loss.png, manifest.json`],
      ]),
    );
    return 0;
  },
});
