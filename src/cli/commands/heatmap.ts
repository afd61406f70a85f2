/**
 * `eoslab heatmap`: sharpness at convergence over a grid of initialisations (Fig 3), or the
 * invariant-set map (Fig 2c), on a worker pool; writes .npy arrays, a PNG/SVG and manifest.json.
 */
import { join } from 'node:path';
import { conflict, EoslabError, invalidOption } from '../../base/errors.js';
import { TileStore } from '../../experiments/heatmap/tileStore.js';
import { checkOutputDirectory } from '../../io/atomic.js';
import {
  discardPartial,
  parseShard,
  partialDirectory,
  runResumable,
  runShard,
  shardDirectory,
  shardFromEnvironment,
} from '../../experiments/heatmap/shards.js';
import {
  checkMemory,
  DEFAULT_RESOLUTION,
  resolveHeatmapOptions,
  type HeatmapOptions,
} from '../../experiments/heatmap/resolve.js';
import { writeHeatmap } from '../../experiments/heatmap/writer.js';
import { DEFAULTS, OPTIONS } from '../../base/options.js';
import { heatmapPreset } from '../../base/presets.js';
import type { Command } from '../args.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

const fig3 = heatmapPreset('fig3');

export const heatmapCommand: Command = {
  name: 'heatmap',
  summary: 'sharpness at convergence over a grid of initialisations (Fig 3) or the 𝕊 map (Fig 2c)',
  usage: 'eoslab heatmap [--preset fig3] [--resolution N | --rows R --cols C] [--eta η] [--out DIR] …',
  details:
    'Runs GD from every cell of a grid until the loss is below --tol (converged), |π| exceeds\n' +
    '--diverge-at or turns non-finite (diverged), or --max-steps. The default grid is the (φ₀, p₀)\n' +
    'family of SPEC §2 (columns φ₀, rows p₀); --slice w1,…,wD --axes i,j --x-range a,b --y-range c,d\n' +
    'sweeps weights i (columns) and j (rows) around a point instead. Writes final_sharpness.npy,\n' +
    'steps.npy, status.npy (0 converged, 1 diverged, 2 max steps, 3 no GFS, 4 non-finite),\n' +
    'init_gfs_sharpness.npy, init_product.npy, x_axis.npy, y_axis.npy, heatmap.png/.svg and\n' +
    'manifest.json; with --map invariant-set: in_invariant_set.npy, gfs_monotone.npy and\n' +
    'invariant_set.png/.svg. Results are bit-identical for any --workers and --tile-size.\n' +
    'Finished tiles are kept in OUT.partial while the run goes: after a kill or Ctrl-C, the same\n' +
    'command resumes where it stopped (--fresh starts over). With --shard i/n (or under a Slurm\n' +
    'array / Kubernetes Indexed Job) only shard i is computed, into OUT/shard-i-of-n; combine\n' +
    'the shards with `eoslab merge OUT --out DIR`.',
  options: [
    { spec: OPTIONS.heatmapPreset, default: 'fig3' },
    { spec: OPTIONS.resolution, default: DEFAULT_RESOLUTION },
    { spec: OPTIONS.rows },
    { spec: OPTIONS.cols },
    { spec: OPTIONS.eta, default: fig3.eta },
    { spec: OPTIONS.depth, help: `depth D of the (φ₀, p₀) family [default: ${fig3.depth}]` },
    { spec: OPTIONS.direction },
    { spec: OPTIONS.phiRange, help: `${OPTIONS.phiRange.description} [default: ${fig3.phiRange.join(',')}]` },
    {
      spec: OPTIONS.productRange,
      help: `${OPTIONS.productRange.description} [default: ${fig3.productRange.join(',')}]`,
    },
    { spec: OPTIONS.slice },
    { spec: OPTIONS.axes },
    { spec: OPTIONS.xRange },
    { spec: OPTIONS.yRange },
    { spec: OPTIONS.maxSteps, default: fig3.maxSteps },
    { spec: OPTIONS.tol, default: fig3.tol },
    { spec: OPTIONS.divergeAt, default: fig3.divergeAt },
    { spec: OPTIONS.map, default: 'sharpness' },
    { spec: OPTIONS.kernel, default: 'simd' },
    { spec: OPTIONS.workers, help: `${OPTIONS.workers.description} [default: the number of cores]` },
    { spec: OPTIONS.tileSize, default: DEFAULTS.tileSize },
    { spec: OPTIONS.shard },
    { spec: OPTIONS.shardCount },
    { spec: OPTIONS.fresh },
    { spec: OPTIONS.out, default: 'out/heatmap' },
    { spec: OPTIONS.json, help: 'print the summary as JSON' },
  ],
  examples: [
    'eoslab heatmap --preset fig3 --resolution 256 --out out/fig3',
    'eoslab heatmap --map invariant-set --resolution 128 --out out/fig2c',
    'eoslab heatmap --depth 6 --phi-range 6.5,40 --product-range 0.1,3 --eta 0.1',
    'eoslab heatmap --slice 1,1,1,1 --axes 1,3 --x-range 0.2,2 --y-range 0.2,2 --out out/slice',
    'eoslab heatmap --resolution 4096 --shard 3/8 --out out/big   # then: eoslab merge out/big --out out/big-merged',
  ],
  async run(values, io, given) {
    const options: HeatmapOptions = {
      preset: values.get('preset') as string,
      eta: values.get('eta') as number,
      maxSteps: values.get('maxSteps') as number,
      tol: values.get('tol') as number,
      divergeAt: values.get('divergeAt') as number,
      map: values.get('map') as HeatmapOptions['map'] & string,
      kernel: values.get('kernel') as HeatmapOptions['kernel'] & string,
      tileSize: values.get('tileSize') as number,
    };
    if (given.has('rows') || given.has('cols')) {
      if (given.has('resolution')) throw conflict('give either --resolution or --rows/--cols, not both', 'resolution');
      options.rows = (values.get('rows') ?? values.get('cols')) as number;
      options.cols = (values.get('cols') ?? values.get('rows')) as number;
    } else {
      options.resolution = values.get('resolution') as number;
    }
    if (given.has('workers')) options.workers = values.get('workers') as number;
    if (given.has('depth')) options.depth = values.get('depth') as number;
    if (given.has('direction')) options.direction = values.get('direction') as Float64Array;
    if (given.has('phiRange')) options.phiRange = values.get('phiRange') as readonly [number, number];
    if (given.has('productRange')) options.productRange = values.get('productRange') as readonly [number, number];
    if (given.has('slice')) {
      const base = values.get('slice') as Float64Array;
      if (!given.has('axes') || !given.has('xRange') || !given.has('yRange')) {
        throw conflict('--slice needs --axes i,j, --x-range a,b and --y-range c,d', 'slice');
      }
      const axes = values.get('axes') as Float64Array;
      for (const axis of axes) {
        if (axis > base.length) {
          throw invalidOption(
            '--axes',
            Array.from(axes).join(','),
            `two weight indices in 1..${base.length} (the depth of --slice)`,
          );
        }
      }
      options.slice = {
        base,
        axes: [(axes[0] as number) - 1, (axes[1] as number) - 1],
        xRange: values.get('xRange') as readonly [number, number],
        yRange: values.get('yRange') as readonly [number, number],
      };
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
    const out = values.get('out') as string;
    const cells = resolved.grid.rows * resolved.grid.cols;
    const shardText = values.get('shard') as string | undefined;
    const shardCount = values.get('shardCount') as number | undefined;
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
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const progress = createProgress(shard ? `shard ${shard.index}/${shard.count}` : 'heatmap', cells, 'cells');
    const hooks = { signal: controller.signal, onProgress: (done: number) => progress.update(done) };
    const store = shard ? shardDirectory(out, shard) : partialDirectory(out);
    if (!shard && values.get('fresh')) discardPartial(out);
    const totalTiles = Math.ceil(cells / resolved.tileSize);
    let result;
    try {
      if (shard) {
        const summary = await runShard(resolved, out, shard, hooks);
        progress.finish();
        if (values.get('json')) {
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
      result = await runResumable(resolved, out, hooks);
    } catch (error) {
      if (error instanceof EoslabError && error.code === 'E_ABORTED') {
        let saved: number;
        try {
          saved = TileStore.read(store).completed().size;
        } catch {
          saved = 0;
        }
        io.err(
          `eoslab: interrupted: ${saved} of ${shard ? 'this shard’s' : totalTiles} tiles are saved in ${store}; run the same command again to resume\n`,
        );
        return 130;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSigint);
      progress.finish();
    }
    const files = writeHeatmap(out, result);
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
      workers: result.workers,
      tiles: result.tiles,
      files,
    };
    if (values.get('json')) {
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
};
