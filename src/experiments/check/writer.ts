/**
 * `eoslab check --out`: the per-run arrays (npy), the Theorem 3.3 figure and the manifest, written
 * as one set.
 */
import { join } from 'node:path';
import { writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import type { CheckResult } from './check.js';
import { thm33Points, writeThm33Figure } from './figure.js';
import { GPGD_COLUMNS, GPGD_STRIDE, RUN_COLUMNS, RUN_STRIDE } from './record.js';
import { GPGD_DISTRIBUTION } from './sampling.js';

/**
 * Writes the check's arrays, figure, summary and manifest into `out` as one set (staged, then
 * swapped in): runs.npy (samples × RUN_STRIDE), samples.npy (samples × 2: φ₀, p₀), gpgd.npy
 * (samples × GPGD_STRIDE, when the Lemma 3.13 band is not empty), thm33-crossing.svg/.png and
 * manifest.json.
 */
export function writeCheck(out: string, r: CheckResult): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (staging) => {
    files = writeCheckFiles(staging, r);
  });
  return files;
}

function writeCheckFiles(dir: string, r: CheckResult): string[] {
  writeNpy(join(dir, 'runs.npy'), r.runs, [r.samples, RUN_STRIDE]);
  writeNpy(join(dir, 'samples.npy'), r.initial, [r.samples, 2]);
  const files = ['runs.npy', 'samples.npy'];
  if (r.gpgd.length > 0) {
    writeNpy(join(dir, 'gpgd.npy'), r.gpgd, [r.samples, GPGD_STRIDE]);
    files.push('gpgd.npy');
  }
  const t = r.summary.theorem33;
  files.push(
    ...writeThm33Figure(dir, thm33Points(r), {
      depth: r.depth,
      eta: r.eta,
      smallLoss: t.smallLoss,
      gapConstant: t.gapConstant,
      dropConstant: Math.max(t.small.maxDropOverSqrtLoss, t.large.maxDropOverSqrtLoss),
    }),
  );
  writeManifest(dir, {
    command: 'check',
    options: {
      depth: r.depth,
      eta: r.eta,
      samples: r.samples,
      steps: r.steps,
      tol: r.tol,
      divergeAt: r.divergeAt,
      lemma312Constant: r.lemma312Constant,
      thm33SmallLoss: r.thm33SmallLoss,
      thm33GapConstant: r.thm33GapConstant,
      gpgdBand: r.gpgdBand,
      gpgdNeighbourhood: r.gpgdNeighbourhood,
      gpgdSteps: r.gpgdSteps,
      workers: r.workers,
      phiMax: r.phiMax,
      productRange: r.productRange,
    },
    seeds: [r.seed],
    timings: { wallSeconds: r.wallSeconds },
    outputs: [...files, 'manifest.json'],
    summary: {
      ...r.summary,
      distribution: r.distribution,
      gpgdDistribution: GPGD_DISTRIBUTION,
      tolerances: r.tolerances,
      runsColumns: RUN_COLUMNS,
      samplesColumns: ['φ₀', 'p₀'],
      gpgdColumns: GPGD_COLUMNS,
    },
  });
  return [...files, 'manifest.json'];
}
