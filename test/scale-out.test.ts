/**
 * Scale-out and reliability (issue 7): shards and merge (bit-identical to an unsharded run;
 * overlapping, missing or foreign shards refused), scheduler environments, resumption after
 * SIGKILL and Ctrl-C without computing a tile twice, and a worker killed mid-tile.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heatmap, heatmapSvg, resolveHeatmapOptions, SweepPool, writeHeatmap } from '../src/index.js';
import { FIGURE_MAX_SIDE } from '../src/experiments/heatmap/figures.js';
import { EoslabError } from '../src/base/errors.js';
import { computeTiles } from '../src/experiments/heatmap/sweep.js';
import { TileStore } from '../src/experiments/heatmap/tileStore.js';
import { ArrayStore } from '../src/experiments/heatmap/arrayStore.js';
import { runHeatmap } from '../src/experiments/heatmap/heatmap.js';
import type { ResolvedHeatmap } from '../src/experiments/heatmap/resolve.js';

/** A heatmap resumed from the tile store in `dir`. */
function runResumableInto(resolved: ResolvedHeatmap, dir: string) {
  return runHeatmap(resolved, { store: TileStore.open(dir, resolved) });
}
import {
  mergeShards,
  parseShard,
  runShard,
  shardFromEnvironment,
  shardRange,
} from '../src/experiments/heatmap/shards.js';

const scratch = mkdtempSync(join(tmpdir(), 'eoslab-scale-'));
const BIN = join(import.meta.dirname, '..', 'bin', 'eoslab.js');

function sameFiles(a: string, b: string, names: readonly string[]): void {
  for (const name of names) expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name))), name).toBe(true);
}
const NPY = [
  'final_sharpness.npy',
  'steps.npy',
  'status.npy',
  'gd_status.npy',
  'init_gfs_sharpness.npy',
  'init_product.npy',
  'x_axis.npy',
  'y_axis.npy',
];

describe('shards and merge', () => {
  const options = { rows: 40, cols: 44, tileSize: 37, maxSteps: 4000 };

  it('merging 1, 2, 3 and 7 shards equals the unsharded run bit for bit', async () => {
    const reference = join(scratch, 'unsharded');
    writeHeatmap(reference, await heatmap({ ...options, workers: 0 }));
    const resolved = resolveHeatmapOptions({ ...options, workers: 2 });
    for (const n of [1, 2, 3, 7]) {
      const out = join(scratch, `sharded-${n}`);
      for (let i = 1; i <= n; i++) await runShard({ ...resolved, workers: i % 2 }, out, { index: i, count: n });
      const merged = join(scratch, `merged-${n}`);
      writeHeatmap(merged, mergeShards([out]).result);
      sameFiles(reference, merged, [...NPY, 'heatmap.png', 'heatmap.svg']);
    }
  });

  it('re-running a finished shard computes nothing; a damaged tile is recomputed', async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    const out = join(scratch, 'rerun');
    const first = await runShard(resolved, out, { index: 2, count: 3 });
    expect(first.tiles.computed).toBeGreaterThan(0);
    const again = await runShard(resolved, out, { index: 2, count: 3 });
    expect(again.tiles).toEqual({ computed: 0, resumed: first.tiles.computed, retried: 0, damaged: 0 });
    // damage one stored tile: it is detected by its checksum and recomputed, not trusted
    const tilesDir = join(out, 'shard-2-of-3', 'tiles');
    const victim = join(tilesDir, readdirSync(tilesDir).filter((f) => f.endsWith('.tile'))[0] as string);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
    writeFileSync(victim, bytes);
    const repaired = await runShard(resolved, out, { index: 2, count: 3 });
    expect(repaired.tiles.damaged).toBe(1);
    expect(repaired.tiles.computed).toBe(1);
  });

  it("tiles are fsync'ed at checkpoints; tiles torn by a crash before theirs are recomputed", async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    const dir = join(scratch, 'torn');
    const store = TileStore.open(dir, resolved);
    const written: number[] = [];
    await computeTiles(resolved, resolved, { store }, (tile) => written.push(tile.start));
    expect(store.unsynced).toBe(0); // the last checkpoint covers every tile
    const reference = join(scratch, 'torn-reference');
    writeHeatmap(reference, await heatmap({ ...options, workers: 0 }));
    // what a machine crash may leave of tiles written after the last checkpoint: empty or cut short
    const tilesDir = join(dir, 'tiles');
    const names = readdirSync(tilesDir).filter((f) => f.endsWith('.tile'));
    writeFileSync(join(tilesDir, names[0] as string), '');
    const cut = readFileSync(join(tilesDir, names[1] as string));
    writeFileSync(join(tilesDir, names[1] as string), cut.subarray(0, cut.length >> 1));
    const resumed = await runResumableInto(resolved, dir);
    expect(resumed.tiles).toEqual({ computed: 2, resumed: names.length - 2, retried: 0, damaged: 2 });
    const out = join(scratch, 'torn-out');
    writeHeatmap(out, resumed);
    sameFiles(reference, out, NPY);
  });

  it('refuses overlapping, missing and foreign shards with a clear message', async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    const a = join(scratch, 'a');
    const b = join(scratch, 'b');
    await runShard(resolved, a, { index: 1, count: 2 });
    await runShard(resolved, b, { index: 1, count: 3 }); // overlaps a's shard 1/2
    expect(() => mergeShards([a, b])).toThrow(/tile at cell 0 is in two shards: .*\(overlapping shards\)/);
    expect(() => mergeShards([a])).toThrow(/tiles are missing \(first at cell \d+\): a shard is absent or unfinished/);
    const foreign = join(scratch, 'foreign');
    await runShard(resolveHeatmapOptions({ ...options, eta: 0.09, workers: 0 }), foreign, { index: 2, count: 2 });
    expect(() => mergeShards([a, foreign])).toThrow(/belongs to another sweep or eoslab build \(grid hash/);
    expect(() => mergeShards([join(scratch, 'nowhere')])).toThrow(EoslabError);
  });

  it('shard ranges partition the tiles; scheduler environments give the shard', () => {
    for (const [tiles, n] of [
      [10, 3],
      [7, 7],
      [5, 8],
      [1000, 13],
    ] as const) {
      let next = 0;
      for (let i = 1; i <= n; i++) {
        const [first, last] = shardRange(tiles, { index: i, count: n });
        expect(first).toBe(next);
        next = last;
      }
      expect(next).toBe(tiles);
    }
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(() => parseShard('0/8')).toThrow(/invalid --shard: "0\/8"/);
    expect(() => parseShard('9/8')).toThrow(/1 ≤ i ≤ n/);
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({
      index: 2,
      count: 4,
    });
    expect(
      shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }),
    ).toEqual({
      index: 1,
      count: 4,
    });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' }, 4)).toEqual({ index: 4, count: 4 });
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' })).toThrow(/--shard-count/);
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT/);
    expect(shardFromEnvironment({})).toBeUndefined();
  });
});

/** Runs the CLI, sending `signal` once the run's store (`partial`) records at least `after` tiles. */
function runUntil(args: string[], partial: string, after: number, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; tilesAtKill: number }>(
    (resolve) => {
      // a slowed-down tile (test hook) makes "kill after N tiles" independent of the machine's speed
      const child = spawn(process.execPath, [BIN, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, EOSLAB_TEST_TILE_DELAY_MS: signal === 'SIGKILL' && after === Infinity ? '0' : '10' },
      });
      let stderr = '';
      let tilesAtKill = -1;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setInterval(() => {
        const n = ArrayStore.savedTiles(partial);
        if (n >= after && tilesAtKill < 0) {
          tilesAtKill = n;
          child.kill(signal);
        }
      }, 5);
      child.on('exit', (code, sig) => {
        clearInterval(timer);
        resolve({ code, signal: sig, stderr, tilesAtKill });
      });
    },
  );
}

describe('resume', () => {
  const args = [
    'heatmap',
    '--map',
    'invariant-set',
    '--resolution',
    '64',
    '--tile-size',
    '32',
    '--workers',
    '1',
    '--max-steps',
    '3000',
  ];

  it('after SIGKILL the same command finishes only the missing tiles, with identical outputs', async () => {
    const out = join(scratch, 'killed');
    const killed = await runUntil([...args, '--out', out], `${out}.partial`, 3, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const saved = ArrayStore.savedTiles(`${out}.partial`);
    expect(saved).toBeGreaterThanOrEqual(3);
    expect(saved).toBeLessThan(128);
    const resumed = await runUntil([...args, '--out', out], `${out}.partial`, Infinity, 'SIGKILL');
    expect(resumed.code).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      summary: { tiles: { computed: number; resumed: number; retried: number } };
    };
    // no tile computed twice: what the killed run saved is resumed, the rest computed once
    expect(manifest.summary.tiles.resumed).toBe(saved);
    expect(manifest.summary.tiles.computed + manifest.summary.tiles.resumed).toBe(128);
    const fresh = join(scratch, 'uninterrupted');
    const once = await runUntil([...args, '--out', fresh], `${fresh}.partial`, Infinity, 'SIGKILL');
    expect(once.code).toBe(0);
    sameFiles(fresh, out, [
      'in_invariant_set.npy',
      'gfs_monotone.npy',
      'gd_status.npy',
      'map_class.npy',
      'init_gfs_sharpness.npy',
      'invariant_set.png',
    ]);
  });

  it('Ctrl-C stops cleanly and says how to resume', async () => {
    const out = join(scratch, 'interrupted');
    const r = await runUntil([...args, '--out', out], `${out}.partial`, 2, 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /eoslab: interrupted: \d+ of 128 tiles are saved in .*interrupted\.partial; run the same command again to resume/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('large grids', () => {
  it('figures of grids beyond FIGURE_MAX_SIDE cells per side are drawn subsampled; the arrays are whole', async () => {
    const rows = FIGURE_MAX_SIDE + 76;
    const r = await heatmap({ rows, cols: 8, maxSteps: 10, workers: 0 });
    expect(heatmapSvg(r)).toContain(`drawn at ${FIGURE_MAX_SIDE}×8`);
    if (r.arrays.map !== 'sharpness') throw new Error('map');
    expect(r.arrays.status).toHaveLength(rows * 8);
  });
});

describe('fault tolerance', () => {
  it('a worker killed mid-tile has its tile retried and the results are identical', async () => {
    const options = { resolution: 128, tileSize: 256 };
    const reference = await heatmap({ ...options, workers: 0 });
    const pool = new SweepPool(2);
    await pool.ready();
    let killed = false;
    try {
      const r = await heatmap({
        ...options,
        pool,
        onProgress: () => {
          if (!killed) {
            killed = true;
            void pool.threads[0]?.terminate();
          }
        },
      });
      expect(r.tiles?.retried).toBeGreaterThanOrEqual(1);
      if (r.arrays.map !== 'sharpness' || reference.arrays.map !== 'sharpness') throw new Error('map');
      expect(
        Buffer.from(r.arrays.finalSharpness.buffer).equals(Buffer.from(reference.arrays.finalSharpness.buffer)),
      ).toBe(true);
      expect(Array.from(r.arrays.status)).toEqual(Array.from(reference.arrays.status));
    } finally {
      await pool.close();
    }
  });
});
