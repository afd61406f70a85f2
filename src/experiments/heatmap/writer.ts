/**
 * Output of `heatmap` and `merge`: the .npy arrays (streamed from the result's own buffers), the
 * figure (PNG + SVG) and manifest.json, written into a staging directory and swapped into place as
 * one set. `writeHeatmapOverlapped` renders the figure in a worker while the arrays are written.
 */
import { join } from 'node:path';
import { Status, STATUS_LABELS } from '../../wasm/status.js';
import { ioError, EoslabError, messageOf } from '../../base/errors.js';
import { stageOutputDirectory, writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import { runJobs, type WorkerPool } from '../../pool/pool.js';
import { axisLabels, cellCount, xRangeOf, yRangeOf } from './grid.js';
import { INVARIANT_CLASSES, invariantClasses, type HeatmapResult } from './heatmap.js';
import { figureInput, renderFigure, type RenderedFigure } from './figureTask.js';
import type { ArrayStore } from './arrayStore.js';
import { CELL_ARRAY_FILES, type CellArray, type TileArrayName } from './tile.js';

const seconds = (since: number): number => (performance.now() - since) / 1000;

/**
 * Writes the .npy arrays, the figure (PNG + SVG) and manifest.json into `out` as one set (staged,
 * then swapped into place), all in this thread. Returns the file names.
 */
export function writeHeatmap(out: string, r: HeatmapResult, extra: Record<string, unknown> = {}): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (staging) => {
    const figure = renderFigure(r);
    const t0 = performance.now();
    files = writeArrays(staging, r);
    files.push(...writeFigure(staging, figure));
    finish(staging, r, extra, files, seconds(t0), figure.seconds);
  });
  return files;
}

/**
 * writeHeatmap with the figure rendered on a worker thread while this thread writes the arrays:
 * the figure's time overlaps the writes. `where`: a pool to render on (e.g. the sweep's, whose
 * workers are already up), a thread count (> 0: a one-thread pool for the figure) or 0 (this thread).
 */
export async function writeHeatmapOverlapped(
  out: string,
  r: HeatmapResult,
  extra: Record<string, unknown> = {},
  where: WorkerPool | number = 1,
  store?: ArrayStore,
): Promise<string[]> {
  const stage = stageOutputDirectory(out);
  let files: string[];
  try {
    let figure: RenderedFigure | undefined;
    const rendering = runJobs(typeof where === 'number' ? Math.min(where, 1) : where, {
      task: 'heatmapFigure',
      jobs: [figureInput(r)],
      local: renderFigure,
      onResult: (f: RenderedFigure) => void (figure = f),
      what: 'the figure',
    });
    rendering.catch(() => undefined); // awaited below, after the arrays are written
    const t0 = performance.now();
    files = writeArrays(stage.dir, r, store);
    let output = seconds(t0);
    await rendering;
    const t1 = performance.now();
    files.push(...writeFigure(stage.dir, figure as RenderedFigure));
    output += seconds(t1);
    finish(stage.dir, r, extra, files, output, (figure as RenderedFigure).seconds);
  } catch (error) {
    stage.discard();
    if (error instanceof EoslabError) throw error;
    throw ioError(`cannot write outputs to ${out}: ${messageOf(error)}`, out, error);
  }
  stage.commit();
  return files;
}

/**
 * The .npy files. With a store that holds the per-cell arrays (a resumable run's, every tile
 * stored), those are linked from it instead of written again: the same bytes.
 */
function writeArrays(dir: string, r: HeatmapResult, store?: ArrayStore): string[] {
  const shape = [r.rows, r.cols];
  const files: string[] = [];
  const npy = (name: string, data: Float64Array | Int32Array | Uint8Array, dims: readonly number[] = shape): void => {
    writeNpy(join(dir, name), data, dims);
    files.push(name);
  };
  const cells = r.arrays as unknown as Record<TileArrayName, CellArray>;
  const cellNpy = (name: TileArrayName): void => {
    const file = CELL_ARRAY_FILES[name];
    if (store?.linkArray(name, join(dir, file))) files.push(file);
    else npy(file, cells[name]);
  };
  cellNpy('initGfsSharpness');
  cellNpy('initProduct');
  npy('x_axis.npy', r.xAxis, [r.cols]);
  npy('y_axis.npy', r.yAxis, [r.rows]);
  if (r.arrays.map === 'sharpness') {
    cellNpy('finalSharpness');
    cellNpy('steps');
    cellNpy('status');
    cellNpy('gdStatus');
  } else {
    cellNpy('member');
    cellNpy('monotone');
    cellNpy('gdStatus');
    npy(
      'map_class.npy',
      invariantClasses(r.arrays.member, r.arrays.monotone, r.arrays.gdStatus, r.arrays.initGfsSharpness),
    );
  }
  return files;
}

function writeFigure(dir: string, figure: RenderedFigure): string[] {
  writeFileAtomic(join(dir, `${figure.name}.svg`), figure.svg);
  writeFileAtomic(join(dir, `${figure.name}.png`), figure.png);
  return [`${figure.name}.svg`, `${figure.name}.png`];
}

/** Records the output timings in the result and writes manifest.json (its name ends `files`). */
function finish(
  dir: string,
  r: HeatmapResult,
  extra: Record<string, unknown>,
  files: string[],
  outputSeconds: number,
  figureSeconds: number,
): void {
  r.timings.outputSeconds = outputSeconds;
  r.timings.figureSeconds = figureSeconds;
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
    timings: { kernelSeconds: r.arrays.kernelSeconds, wallSeconds: r.wallSeconds, ...r.timings },
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
}
