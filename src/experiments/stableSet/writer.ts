/**
 * Output of `stable-set` (the paper's Fig 7): the per-cell .npy arrays, zeros.npy, both figures
 * (SVG + PNG) and manifest.json, written into a staging directory and swapped into place.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import { svgToPng } from '../../plot/index.js';
import { stableSetLossSvg, stableSetSvg } from './figure.js';
import { DERIVED_NON_MINIMUM_LOSS_INFIMUM, ROOT_RTOL, STABLE_SET_CLASSES, type StableSetResult } from './stableSet.js';

/** Writes the arrays, zeros, both figures (SVG + PNG) and manifest.json. Returns file names. */
export function writeStableSet(out: string, res: StableSetResult, extra: Record<string, unknown> = {}): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (staging) => {
    files = writeStableSetFiles(staging, res, extra);
  });
  return files;
}

function writeStableSetFiles(dir: string, res: StableSetResult, extra: Record<string, unknown>): string[] {
  const files: string[] = [];
  const shape = [res.rows, res.cols];
  const npy = (name: string, data: Float64Array | Uint8Array, dims: readonly number[] = shape): void => {
    writeNpy(join(dir, name), data, dims);
    files.push(name);
  };
  npy('sharpness.npy', res.arrays.sharpness);
  npy('grad_dot_u.npy', res.arrays.gradDotU);
  npy('grad_dot_u_relative.npy', res.arrays.relGradDotU);
  npy('loss.npy', res.arrays.loss);
  npy('product.npy', res.arrays.product);
  npy('code.npy', res.arrays.code);
  npy('in_stable_set.npy', res.arrays.inSet);
  npy('minimum.npy', res.arrays.minimum);
  npy('zero_loss.npy', res.arrays.zeroLoss);
  npy('x_axis.npy', res.xAxis, [res.cols]);
  npy('y_axis.npy', res.yAxis, [res.rows]);
  const zeros = new Float64Array(res.zeros.length * 8);
  res.zeros.forEach((z, i) => {
    zeros.set(
      [z.w1, z.w2, z.loss, z.sharpness, z.product, z.relativeResidual, z.kind === 'minimum' ? 1 : 2, z.inSet ? 1 : 0],
      i * 8,
    );
  });
  npy('zeros.npy', zeros, [res.zeros.length, 8]);
  const figures: [string, string][] = [
    ['stable_set', stableSetSvg(res)],
    ['stable_set_loss', stableSetLossSvg(res)],
  ];
  for (const [name, svg] of figures) {
    writeFileAtomic(join(dir, `${name}.svg`), svg);
    writeFileAtomic(join(dir, `${name}.png`), svgToPng(svg, { width: 1720 }));
    files.push(`${name}.svg`, `${name}.png`);
  }
  writeManifest(dir, {
    command: 'stable-set',
    options: {
      depth: res.depth,
      eta: res.eta,
      fixed: res.fixed,
      xRange: res.xRange,
      yRange: res.yRange,
      rows: res.rows,
      cols: res.cols,
      minLoss: res.minLoss,
      refine: res.refine,
      rootRtol: ROOT_RTOL,
      ...extra,
    },
    timings: { wallSeconds: res.wallSeconds },
    outputs: [...files, 'manifest.json'],
    summary: {
      counts: res.counts,
      smallestNonMinimumLoss: res.smallestNonMinimumLoss,
      refinedSmallestNonMinimumLoss: res.refinedSmallestNonMinimumLoss,
      derivedNonMinimumLossInfimum: DERIVED_NON_MINIMUM_LOSS_INFIMUM,
      parametrisation:
        'slice (w₁, w₂, w₃ = fixed) of D = 3 weight space; x = columns = w₁, y = rows = w₂ (inclusive linspaces). ' +
        'ℳ is invariant under flipping two signs, so w₁, w₂ ≥ 0 with w₃ > 0 shows all of it. Off the minima ' +
        '∇L·u = 0 exactly where the two smallest |wᵢ| are equal and 0 < π < 1/2 (derived from the ' +
        'diagonal-plus-rank-one Hessian), so this slice cuts the non-minimum part along w₁ = w₂ ≤ w₃, ' +
        'w₁ = w₃ ≤ w₂, w₂ = w₃ ≤ w₁ (ending at π = 1/2, loss 1/8) and the minima along w₁w₂ = 1/w₃.',
      detection:
        'zeros of ∇L·u: sign changes along every row and column edge with the top eigenvector oriented ' +
        'continuously between the two ends (u_a·u_b > 0), refined by 60 bisection steps; a zero is a ' +
        `minimum when its loss ≤ minLoss, a non-minimum zero when |∇L·u| ≤ ${ROOT_RTOL}·‖∇L‖ there, ` +
        'else a discontinuity of u (not a zero). A cell is in ℳ when a zero with S ≤ 2/η lies in it ' +
        '(the zero belongs to the nearer of the edge’s two cell centres).',
      layout: 'row i = w₂ = y_axis[i], column j = w₁ = x_axis[j]; arrays are C-order (rows, cols)',
      codes: Object.fromEntries([[0, 'none (S ≤ 2/η, no zero)'], ...STABLE_SET_CLASSES.map((c) => [c.code, c.label])]),
      zerosColumns: ['w1', 'w2', 'loss', 'sharpness', 'product', 'relative |∇L·u|', 'kind (1 min, 2 non-min)', 'in ℳ'],
    },
  });
  files.push('manifest.json');
  return files;
}
