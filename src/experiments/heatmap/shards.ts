/**
 * Scale-out: shards of a heatmap (tile ranges computed on different machines, e.g. Slurm array
 * tasks or Kubernetes Indexed Job pods), their merge into the outputs of an unsharded run (bit for
 * bit), and the resumable local run. All three rest on the tile store (tileStore.ts).
 *
 * Shard i of n (1-based) covers tiles [⌊(i−1)T/n⌋, ⌊iT/n⌋) of the T tiles of the grid; its
 * directory is OUT/shard-<i>-of-<n>/ with job.json, tiles/ and, once complete, manifest.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { conflict, invalidOption } from '../../base/errors.js';
import { assembler, computeTiles, type PoolOptions, type SweepPool, type TileAccounting } from './sweep.js';
import { cellCount, tiles } from './grid.js';
import { partialDirectory, removeJobDirectory } from '../../io/store.js';
import { TileStore } from './tileStore.js';
import { ArrayStore } from './arrayStore.js';
import { heatmapResult, runHeatmap, type HeatmapResult } from './heatmap.js';
import { checkMemory, type ResolvedHeatmap } from './resolve.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { buildManifest, jsonReplacer } from '../../io/manifest.js';

export interface Shard {
  /** 1-based index. */
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string, label = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index >= 1) || index > count) {
    throw invalidOption(label, text, '"i/n" with 1 ≤ i ≤ n (shard i of n)');
  }
  return { index, count };
}

/**
 * The shard of this process from a scheduler's environment, when not given explicitly:
 * Slurm job arrays (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or with
 * SLURM_ARRAY_TASK_MIN/MAX), Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX, 0-based, with the
 * count from --shard-count). Undefined when neither is present.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv, shardCount?: number): Shard | undefined {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v.trim())) throw invalidOption(name, v, 'a non-negative integer (from the scheduler)');
    return Number(v);
  };
  const id = int('SLURM_ARRAY_TASK_ID');
  if (id !== undefined) {
    const min = int('SLURM_ARRAY_TASK_MIN') ?? 1;
    const max = int('SLURM_ARRAY_TASK_MAX');
    const count = int('SLURM_ARRAY_TASK_COUNT') ?? (max !== undefined ? max - min + 1 : undefined);
    if (count === undefined) {
      throw conflict('SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX', 'shard');
    }
    // arrays may be numbered from 0 or 1 (or any MIN): shard = position in the array
    return parseShard(`${id - min + 1}/${count}`, 'SLURM_ARRAY_TASK_ID');
  }
  const k8s = int('JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    if (shardCount === undefined) {
      throw conflict('JOB_COMPLETION_INDEX is set: give the number of completions with --shard-count n', 'shardCount');
    }
    return parseShard(`${k8s + 1}/${shardCount}`, 'JOB_COMPLETION_INDEX');
  }
  return undefined;
}

/** Tile indices [first, last) of a shard. */
export function shardRange(totalTiles: number, shard: Shard): [number, number] {
  return [
    Math.floor(((shard.index - 1) * totalTiles) / shard.count),
    Math.floor((shard.index * totalTiles) / shard.count),
  ];
}

export function shardDirectory(out: string, shard: Shard): string {
  const width = String(shard.count).length;
  return join(out, `shard-${String(shard.index).padStart(width, '0')}-of-${shard.count}`);
}

type Hooks = Pick<PoolOptions, 'signal' | 'onProgress'> & { pool?: SweepPool };

function poolOptions(resolved: ResolvedHeatmap, hooks: Hooks): PoolOptions & { pool?: SweepPool } {
  return {
    workers: resolved.workers,
    tileSize: resolved.tileSize,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.pool ? { pool: hooks.pool } : {}),
  };
}

export interface ShardSummary {
  dir: string;
  shard: Shard;
  tileRange: [number, number];
  cells: number;
  totalSteps: number;
  tiles: TileAccounting;
  wallSeconds: number;
}

/** Computes one shard into OUT/shard-i-of-n (resuming its own finished tiles). */
export async function runShard(
  resolved: ResolvedHeatmap,
  out: string,
  shard: Shard,
  hooks: Hooks = {},
): Promise<ShardSummary> {
  const started = performance.now();
  const total = tiles(cellCount(resolved.grid), resolved.tileSize);
  const range = shardRange(total.length, shard);
  const dir = shardDirectory(out, shard);
  const store = TileStore.open(dir, resolved);
  const shardCells = total.slice(range[0], range[1]).reduce((a, t) => a + t.count, 0);
  let done = 0;
  let totalSteps = 0;
  const accounting = await computeTiles(resolved, poolOptions(resolved, hooks), { store, range }, (tile) => {
    done += tile.count;
    if (tile.map === 'sharpness') totalSteps += tile.totalSteps;
    hooks.onProgress?.(done, shardCells);
  });
  const summary: ShardSummary = {
    dir,
    shard,
    tileRange: range,
    cells: shardCells,
    totalSteps,
    tiles: accounting,
    wallSeconds: (performance.now() - started) / 1000,
  };
  const manifest = buildManifest({
    command: 'heatmap --shard',
    options: {
      grid: resolved.grid,
      run: resolved.run,
      map: resolved.map,
      kernel: resolved.kernel,
      tileSize: resolved.tileSize,
      workers: resolved.workers,
    },
    timings: { wallSeconds: summary.wallSeconds },
    outputs: ['job.json', 'tiles/'],
    summary: { complete: true, gridHash: store.job.hash, tilesTotal: total.length, ...summary },
  });
  writeFileAtomic(join(dir, 'manifest.json'), `${JSON.stringify(manifest, jsonReplacer, 2)}\n`);
  return summary;
}

export { partialDirectory };

/** A resumable unsharded run: finished tiles live in `partialDirectory(out)` until the outputs are written. */
export async function runResumable(
  resolved: ResolvedHeatmap,
  store: ArrayStore,
  hooks: Hooks = {},
): Promise<HeatmapResult> {
  return runHeatmap(resolved, { ...hooks, store });
}

/**
 * The store of a resumable run into `out`: OUT.partial holding the output arrays themselves
 * (arrayStore.ts), which the writer then links into OUT.
 */
export function openResumable(resolved: ResolvedHeatmap, out: string): ArrayStore {
  return ArrayStore.open(partialDirectory(out), resolved);
}

/** Removes the tile store of a run whose outputs have been written. */
export function discardPartial(out: string): void {
  removeJobDirectory(partialDirectory(out));
}

/** Shard directories named by the user: each is a shard, or a directory holding shard-* dirs. */
export function expandShardDirectories(paths: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw invalidOption('dirs', path, 'an existing shard directory');
    }
    if (!isDir) throw invalidOption('dirs', path, 'a directory');
    let hasJob = true;
    try {
      statSync(join(path, 'job.json'));
    } catch {
      hasJob = false;
    }
    if (hasJob) {
      dirs.push(path);
      continue;
    }
    const children = readdirSync(path)
      .filter((name) => /^shard-\d+-of-\d+$/.test(name))
      .sort()
      .map((name) => join(path, name));
    if (children.length === 0)
      throw invalidOption('dirs', path, 'a shard directory or a directory containing shard-* directories');
    dirs.push(...children);
  }
  return dirs;
}

export interface MergeResult {
  result: HeatmapResult;
  shards: { dir: string; tiles: number; shard: Shard | null }[];
}

/**
 * Merges shard directories: all must hold the same job (grid hash) and together cover every tile
 * exactly once; the result is what an unsharded run computes, bit for bit.
 */
export function mergeShards(paths: readonly string[], workers = 0): MergeResult {
  const started = performance.now();
  const dirs = expandShardDirectories(paths);
  const stores = dirs.map((d) => TileStore.read(d));
  const first = stores[0] as TileStore;
  for (const s of stores) {
    if (s.job.hash !== first.job.hash) {
      throw conflict(
        `${s.dir} belongs to another sweep or eoslab build (grid hash ${s.job.hash.slice(0, 12)}…, build ${s.job.build.version}/${s.job.build.wasmSha256.slice(0, 8)}) than ${first.dir} (${first.job.hash.slice(0, 12)}…, build ${first.job.build.version}/${first.job.build.wasmSha256.slice(0, 8)})`,
        'dirs',
      );
    }
  }
  const job = first.job;
  const cells = cellCount(job.grid);
  checkMemory(cells, 'merging a heatmap');
  const all = tiles(cells, job.tileSize);
  const owner = new Map<number, string>();
  for (const s of stores) {
    for (const start of s.completed()) {
      const previous = owner.get(start);
      if (previous !== undefined) {
        throw conflict(`tile at cell ${start} is in two shards: ${previous} and ${s.dir} (overlapping shards)`, 'dirs');
      }
      owner.set(start, s.dir);
    }
  }
  const missing = all.filter((t) => !owner.has(t.start));
  if (missing.length > 0) {
    const firstMissing = missing[0] as { start: number };
    throw conflict(
      `${missing.length} of ${all.length} tiles are missing (first at cell ${firstMissing.start}): a shard is absent or unfinished`,
      'dirs',
    );
  }
  if (owner.size !== all.length) throw conflict('shards hold tiles that are not part of this grid', 'dirs');
  const resolved: ResolvedHeatmap = {
    grid: job.grid,
    run: job.run,
    map: job.map,
    kernel: job.kernel,
    workers,
    tileSize: job.tileSize,
  };
  const { out, place } = assembler(resolved);
  for (const s of stores) for (const start of s.completed()) place(s.read(start));
  const result = heatmapResult(resolved, out, (performance.now() - started) / 1000);
  result.tiles = { computed: 0, resumed: all.length, retried: 0, damaged: 0 };
  return {
    result,
    shards: stores.map((s) => {
      let shard: Shard | null;
      try {
        const m = JSON.parse(readFileSync(join(s.dir, 'manifest.json'), 'utf8')) as { summary?: { shard?: Shard } };
        shard = m.summary?.shard ?? null;
      } catch {
        shard = null;
      }
      return { dir: s.dir, tiles: s.completed().size, shard };
    }),
  };
}
