/**
 * `eoslab heatmap`: sharpness at convergence over a grid of initialisations (Fig 3), or the
 * invariant-set map (Fig 2c), on a worker pool; writes .npy arrays, a PNG/SVG and manifest.json.
 */
import { join } from 'node:path';
import { conflict, invalidOption } from '../../base/errors.js';
import { TileStore } from '../../experiments/heatmap/tileStore.js';
import { ArrayStore } from '../../experiments/heatmap/arrayStore.js';
import type { HeatmapTimings } from '../../experiments/heatmap/heatmap.js';
import { checkOutputDirectory } from '../../io/atomic.js';
import {
  discardPartial,
  parseShard,
  partialDirectory,
  openResumable,
  runResumable,
  runShard,
  shardDirectory,
  shardFromEnvironment,
} from '../../experiments/heatmap/shards.js';
import {
  checkMemory,
  HEATMAP_OPTIONS,
  resolveHeatmapOptions,
  type HeatmapOptions,
} from '../../experiments/heatmap/resolve.js';
import { writeHeatmapOverlapped } from '../../experiments/heatmap/writer.js';
import { SweepPool } from '../../experiments/heatmap/sweep.js';
import { OPTIONS } from '../../base/options.js';
import { pick } from '../../base/optionSet.js';
import { defineCommand } from '../args.js';
import { withCancellation } from '../cancel.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

/** The manifest's time split in one line (worker seconds are summed over workers). */
function timeSplit(t: HeatmapTimings): string {
  const f = (x: number | undefined): string => (x ?? 0).toFixed(2);
  return (
    `workers: init ${f(t.initSeconds)} s, sweep ${f(t.sweepSeconds)} s, summaries ${f(t.summarySeconds)} s; ` +
    `main: persistence ${f(t.persistSeconds)} s, output ${f(t.outputSeconds)} s; figure ${f(t.figureSeconds)} s`
  );
}

export const heatmapCommand = defineCommand({
  name: 'heatmap',
  summary: 'sharpness at convergence over a grid of initialisations (Fig 3) or the 𝕊 map (Fig 2c)',
  usage: 'eoslab heatmap [--preset fig3] [--resolution N | --rows R --cols C] [--eta η] [--out DIR] …',
  details:
    'Runs GD from every cell of a grid until the loss is below --tol (converged), |π| exceeds\n' +
    '--diverge-at or turns non-finite (diverged), or --max-steps. The default grid is the (φ₀, p₀)\n' +
    'family of docs/model.md §2 (columns φ₀, rows p₀); --slice w1,…,wD --axes i,j --x-range a,b --y-range c,d\n' +
    'sweeps weights i (columns) and j (rows) around a point instead. Writes final_sharpness.npy,\n' +
    'steps.npy, status.npy (0 converged, 1 diverged, 2 max steps, 3 no GFS, 4 non-finite),\n' +
    'init_gfs_sharpness.npy, init_product.npy, x_axis.npy, y_axis.npy, heatmap.png/.svg and\n' +
    'manifest.json; with --map invariant-set: in_invariant_set.npy, gfs_monotone.npy and\n' +
    'invariant_set.png/.svg. Results are bit-identical for any --workers and --tile-size.\n' +
    'Finished tiles are kept in OUT.partial while the run goes: after a kill or Ctrl-C, the same\n' +
    'command resumes where it stopped (--fresh starts over). With --shard i/n (or under a Slurm\n' +
    'array / Kubernetes Indexed Job) only shard i is computed, into OUT/shard-i-of-n; combine\n' +
    'the shards with `eoslab merge OUT --out DIR`.',
  options: {
    ...pick(
      HEATMAP_OPTIONS,
      'preset',
      'resolution',
      'rows',
      'cols',
      'eta',
      'depth',
      'direction',
      'phiRange',
      'productRange',
    ),
    slice: { spec: OPTIONS.slice },
    axes: { spec: OPTIONS.axes },
    xRange: { spec: OPTIONS.xRange },
    yRange: { spec: OPTIONS.yRange },
    ...pick(HEATMAP_OPTIONS, 'maxSteps', 'tol', 'divergeAt', 'map', 'kernel', 'workers', 'tileSize'),
    shard: { spec: OPTIONS.shard },
    shardCount: { spec: OPTIONS.shardCount },
    fresh: { spec: OPTIONS.fresh },
    out: { spec: OPTIONS.out, default: 'out/heatmap' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab heatmap --preset fig3 --resolution 256 --out out/fig3',
    'eoslab heatmap --map invariant-set --resolution 128 --out out/fig2c',
    'eoslab heatmap --depth 6 --phi-range 6.5,40 --product-range 0.1,3 --eta 0.1',
    'eoslab heatmap --slice 1,1,1,1 --axes 1,3 --x-range 0.2,2 --y-range 0.2,2 --out out/slice',
    'eoslab heatmap --resolution 4096 --shard 3/8 --out out/big   # then: eoslab merge out/big --out out/big-merged',
  ],
  async run(o, io, given) {
    const { out, json, fresh, shard: shardText, shardCount, slice, axes, xRange, yRange, ...grid } = o;
    const { resolution, rows, cols, ...run } = grid;
    const options: HeatmapOptions = run;
    if (given.has('rows') || given.has('cols')) {
      if (given.has('resolution')) throw conflict('give either --resolution or --rows/--cols, not both', 'resolution');
      options.rows = rows ?? cols;
      options.cols = cols ?? rows;
    } else {
      options.resolution = resolution;
    }
    if (slice !== undefined) {
      if (axes === undefined || xRange === undefined || yRange === undefined) {
        throw conflict('--slice needs --axes i,j, --x-range a,b and --y-range c,d', 'slice');
      }
      for (const axis of axes) {
        if (axis > slice.length) {
          throw invalidOption(
            '--axes',
            Array.from(axes).join(','),
            `two weight indices in 1..${slice.length} (the depth of --slice)`,
          );
        }
      }
      options.slice = { base: slice, axes: [(axes[0] as number) - 1, (axes[1] as number) - 1], xRange, yRange };
    } else {
      for (const [key, flag] of [
        ['axes', '--axes'],
        ['xRange', '--x-range'],
        ['yRange', '--y-range'],
      ] as const) {
        if (given.has(key)) throw conflict(`${flag} needs --slice`, key);
      }
    }
    const resolved = resolveHeatmapOptions(options); // every option checked before any work or output
    const cells = resolved.grid.rows * resolved.grid.cols;
    const shard = shardText !== undefined ? parseShard(shardText) : shardFromEnvironment(process.env, shardCount);
    if (shardCount !== undefined && shardText === undefined && process.env.JOB_COMPLETION_INDEX === undefined) {
      throw conflict(
        '--shard-count goes with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); otherwise use --shard i/n',
        'shardCount',
      );
    }
    if (!shard) {
      checkMemory(cells, 'a heatmap');
      checkOutputDirectory(out); // refuse a foreign --out before the work, not after it
    }
    if (shard && shardText === undefined && shard.count === 1 && process.env.SLURM_ARRAY_TASK_ID !== undefined) {
      // a resubmitted subset of an array (sbatch --array=3) looks like an array of one task
      io.err(
        'eoslab: note: this Slurm array has one task, so it computes the whole grid; to redo one shard of a larger array, pass --shard i/n\n',
      );
    }
    const progress = createProgress(shard ? `shard ${shard.index}/${shard.count}` : 'heatmap', cells, 'cells');
    const onProgress = (done: number): void => progress.update(done);
    const store = shard ? shardDirectory(out, shard) : partialDirectory(out);
    if (!shard && fresh) discardPartial(out);
    const totalTiles = Math.ceil(cells / resolved.tileSize);
    const resume = (): string => {
      let saved: number;
      try {
        saved = shard ? TileStore.read(store).completed().size : ArrayStore.savedTiles(store);
      } catch {
        saved = 0;
      }
      return `${saved} of ${shard ? 'this shard’s' : totalTiles} tiles are saved in ${store}; run the same command again to resume`;
    };
    if (shard) {
      const summary = await withCancellation((signal) => runShard(resolved, out, shard, { signal, onProgress }), {
        progress,
        resume,
      });
      if (json) {
        io.out(toJson(summary));
      } else {
        io.out(
          table([
            [
              'shard',
              `${shard.index} of ${shard.count}: tiles ${summary.tileRange[0]}–${summary.tileRange[1] - 1} of ${totalTiles}`,
            ],
            [
              'tiles',
              `${summary.tiles.computed} computed, ${summary.tiles.resumed} resumed, ${summary.tiles.retried} retried`,
            ],
            ['cells', summary.cells],
            ['wall time', `${summary.wallSeconds.toFixed(2)} s`],
            ['written', `${summary.dir} (merge all shards with: eoslab merge ${out} --out DIR)`],
          ]),
        );
      }
      return 0;
    }
    // One pool for the sweep and the figure: the figure renders on a worker that is already up
    // (a fresh pool would start a thread and load the modules again after the sweep).
    // The store holds the output arrays themselves: the writer links them instead of writing them.
    const pool = resolved.workers > 0 ? new SweepPool(resolved.workers) : undefined;
    let result: Awaited<ReturnType<typeof runResumable>>;
    let files: string[];
    try {
      const arrays = openResumable(resolved, out);
      try {
        result = await withCancellation(
          (signal) => runResumable(resolved, arrays, { signal, onProgress, ...(pool ? { pool } : {}) }),
          { progress, resume },
        );
        files = await writeHeatmapOverlapped(out, result, {}, pool ?? 0, arrays);
      } finally {
        arrays.close();
      }
    } finally {
      await pool?.close();
    }
    discardPartial(out);
    const figure = result.map === 'sharpness' ? 'heatmap.png' : 'invariant_set.png';
    const summary = {
      out,
      figure: join(out, figure),
      cells,
      counts: result.counts,
      totalSteps: result.arrays.totalSteps,
      kernelSeconds: result.arrays.kernelSeconds,
      wallSeconds: result.wallSeconds,
      timings: result.timings,
      workers: result.workers,
      tiles: result.tiles,
      files,
    };
    if (json) {
      io.out(toJson(summary));
      return 0;
    }
    const countText = Object.entries(result.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    io.out(
      table([
        ['grid', `${resolved.grid.rows}×${resolved.grid.cols} = ${cells} cells, ${result.workers} workers`],
        ['cells', countText],
        ...(result.map === 'sharpness'
          ? ([
              [
                'GD steps',
                `${result.arrays.totalSteps} (${(result.arrays.totalSteps / Math.max(result.arrays.kernelSeconds, 1e-9) / 1e6).toFixed(0)} Msteps/s per worker)`,
              ],
            ] as [string, unknown][])
          : []),
        ['wall time', `${result.wallSeconds.toFixed(2)} s`],
        ['time split', timeSplit(result.timings)],
        ...(result.tiles && result.tiles.resumed > 0
          ? ([['tiles', `${result.tiles.computed} computed, ${result.tiles.resumed} resumed from ${store}`]] as [
              string,
              unknown,
            ][])
          : []),
        ['figure', join(out, figure)],
        ['data', `${out}/*.npy, manifest.json`],
      ]),
    );
    return 0;
  },
});
