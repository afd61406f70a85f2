/**
 * Output of `heatmap` and `merge`: the .npy arrays, the figure (PNG + SVG) and manifest.json,
 * written into a staging directory and swapped into place as one set.
 */
import { join } from 'node:path';
import { Status, STATUS_LABELS } from '../../wasm/status.js';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import { svgSize, svgToPng } from '../../plot/index.js';
import { heatmapSvg, invariantSetSvg } from './figures.js';
import { axisLabels, cellCount, xRangeOf, yRangeOf } from './grid.js';
import { INVARIANT_CLASSES, invariantClasses, type HeatmapResult } from './heatmap.js';

/**
 * Writes the .npy arrays, the figure (PNG + SVG) and manifest.json into `out` as one set (staged,
 * then swapped into place). Returns the file names.
 */
export function writeHeatmap(out: string, r: HeatmapResult, extra: Record<string, unknown> = {}): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (staging) => {
    files = writeHeatmapFiles(staging, r, extra);
  });
  return files;
}

function writeHeatmapFiles(dir: string, r: HeatmapResult, extra: Record<string, unknown>): string[] {
  const shape = [r.rows, r.cols];
  const files: string[] = [];
  const npy = (name: string, data: Float64Array | Int32Array | Uint8Array, dims: readonly number[] = shape): void => {
    writeNpy(join(dir, name), data, dims);
    files.push(name);
  };
  npy('init_gfs_sharpness.npy', r.arrays.initGfsSharpness);
  npy('init_product.npy', r.arrays.initProduct);
  npy('x_axis.npy', r.xAxis, [r.cols]);
  npy('y_axis.npy', r.yAxis, [r.rows]);
  let svg: string;
  let figure: string;
  if (r.arrays.map === 'sharpness') {
    npy('final_sharpness.npy', r.arrays.finalSharpness);
    npy('steps.npy', r.arrays.steps);
    npy('status.npy', r.arrays.status);
    npy('gd_status.npy', r.arrays.gdStatus);
    svg = heatmapSvg(r);
    figure = 'heatmap';
  } else {
    npy('in_invariant_set.npy', r.arrays.member);
    npy('gfs_monotone.npy', r.arrays.monotone);
    npy('gd_status.npy', r.arrays.gdStatus);
    npy(
      'map_class.npy',
      invariantClasses(r.arrays.member, r.arrays.monotone, r.arrays.gdStatus, r.arrays.initGfsSharpness),
    );
    svg = invariantSetSvg(r);
    figure = 'invariant_set';
  }
  writeFileAtomic(join(dir, `${figure}.svg`), svg);
  writeFileAtomic(join(dir, `${figure}.png`), svgToPng(svg, { width: 2 * svgSize(svg).width }));
  files.push(`${figure}.svg`, `${figure}.png`);
  writeManifest(dir, {
    command: 'heatmap',
    options: {
      preset: r.preset ?? null,
      grid: r.grid,
      run: r.run,
      map: r.map,
      kernel: r.kernel,
      workers: r.workers,
      tileSize: r.tileSize,
      axes: {
        x: { label: axisLabels(r.grid).x, range: xRangeOf(r.grid) },
        y: { label: axisLabels(r.grid).y, range: yRangeOf(r.grid) },
      },
      ...extra,
    },
    timings: { kernelSeconds: r.arrays.kernelSeconds, wallSeconds: r.wallSeconds },
    outputs: files,
    summary: {
      cells: cellCount(r.grid),
      counts: r.counts,
      layout: 'row i = second axis (y), column j = first axis (x); arrays are C-order (rows, cols)',
      codes:
        r.arrays.map === 'sharpness'
          ? {
              'status.npy': Object.fromEntries(STATUS_LABELS.slice(0, Status.running).map((l, i) => [i, l])),
              'gd_status.npy': { 0: 'converged', 1: 'diverged', 2: 'max-steps' },
            }
          : {
              'in_invariant_set.npy': { 0: 'not in 𝕊', 1: 'in 𝕊' },
              'gfs_monotone.npy': { 0: 'φ increased', 1: 'φ non-increasing', 2: 'π ≤ 0 at some step (φ undefined)' },
              'gd_status.npy': { 0: 'converged', 1: 'diverged', 2: 'max-steps' },
              'map_class.npy': Object.fromEntries(INVARIANT_CLASSES.map((c) => [c.code, c.label])),
            },
      ...(r.tiles ? { tiles: r.tiles } : {}),
      ...(r.arrays.map === 'sharpness'
        ? {
            totalSteps: r.arrays.totalSteps,
            kernelSecondsNote: 'kernelSeconds is summed over workers (time inside the GD sweep kernel)',
            mstepsPerSecondPerWorker:
              r.arrays.kernelSeconds > 0 ? r.arrays.totalSteps / r.arrays.kernelSeconds / 1e6 : null,
          }
        : {}),
    },
  });
  files.push('manifest.json');
  return files;
}
