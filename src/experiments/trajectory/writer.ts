/**
 * The files of a GD run (Kreisler et al. 2023, Fig 2): trajectory.csv (step, loss, sharpness,
 * gfs_sharpness, product, status per row), trajectory.svg + .png and manifest.json, written
 * together into the output directory.
 */
import { join } from 'node:path';
import type { Trajectory } from '../../api.js';
import { statusLabel } from '../../wasm/status.js';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeCsv } from '../../io/csv.js';
import { writeManifest } from '../../io/manifest.js';
import { svgToPng } from '../../plot/index.js';

/** Writes the run's CSV, its figure (PNG 900 px wide) and the manifest into `out`. */
export function writeTrajectoryOutputs(
  out: string,
  t: Trajectory,
  svg: string,
  manifest: {
    options: Record<string, unknown>;
    kernelSeconds: number;
    /** performance.now() at the start of the run, for the wall time. */
    started: number;
    summary: Record<string, unknown>;
  },
): void {
  const labels = Array.from(t.status, (s) => statusLabel(s));
  writeOutputDirectory(out, (dir) => {
    writeCsv(
      join(dir, 'trajectory.csv'),
      [
        { name: 'step', values: Float64Array.from({ length: t.rows }, (_, i) => i) },
        { name: 'loss', values: t.loss },
        { name: 'sharpness', values: t.sharpness },
        { name: 'gfs_sharpness', values: t.gfsSharpness },
        { name: 'product', values: t.product },
        { name: 'status', labels },
      ],
      t.rows,
    );
    writeFileAtomic(join(dir, 'trajectory.svg'), svg);
    writeFileAtomic(join(dir, 'trajectory.png'), svgToPng(svg, { width: 900 }));
    writeManifest(dir, {
      command: 'trajectory',
      options: manifest.options,
      timings: { kernelSeconds: manifest.kernelSeconds, wallSeconds: (performance.now() - manifest.started) / 1000 },
      outputs: ['trajectory.csv', 'trajectory.svg', 'trajectory.png'],
      summary: manifest.summary,
    });
  });
}
