/**
 * The resumable run's store (src/experiments/heatmap/arrayStore.ts): OUT.partial holds the output
 * .npy arrays themselves and a log of finished tiles. Checked here, against a run that never
 * touches a store (`heatmap` in memory, written by writeHeatmap):
 *  - the store's arrays are the .npy files the writer would write, byte for byte, and the writer
 *    links them into the output directory;
 *  - a partly finished store resumes: stored tiles are read back (not recomputed), the rest is
 *    computed once, and the outputs are identical;
 *  - damage is detected by the tiles' checksums and only the damaged tiles are recomputed: a byte
 *    changed in an array, a log line without its cells (a machine crash before the data reached
 *    the disk), a torn last line, a missing or truncated array file;
 *  - a directory of another sweep, or of the per-tile format, is refused with a message naming it.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heatmap, resolveHeatmapOptions, writeHeatmap } from '../src/index.js';
import { ArrayStore } from '../src/experiments/heatmap/arrayStore.js';
import { runHeatmap } from '../src/experiments/heatmap/heatmap.js';
import type { ResolvedHeatmap } from '../src/experiments/heatmap/resolve.js';
import { computeTiles } from '../src/experiments/heatmap/sweep.js';
import { TileStore } from '../src/experiments/heatmap/tileStore.js';
import { writeHeatmapOverlapped } from '../src/experiments/heatmap/writer.js';
import { CELL_ARRAY_FILES, TILE_ARRAYS } from '../src/experiments/heatmap/tile.js';

const scratch = mkdtempSync(join(tmpdir(), 'eoslab-arrays-'));
const options = { rows: 23, cols: 29, tileSize: 41, maxSteps: 3000 };
/** ⌈23·29 / 41⌉ */
const TILES = 17;
const NPY = Object.values(CELL_ARRAY_FILES).filter((f) => TILE_ARRAYS.sharpness.some((n) => CELL_ARRAY_FILES[n] === f));

function sameBytes(a: string, b: string, names: readonly string[]): void {
  for (const name of names) expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name))), name).toBe(true);
}

let referenceDir: string | undefined;
/** The in-memory run's outputs (no store anywhere). */
async function reference(): Promise<string> {
  if (referenceDir === undefined) {
    referenceDir = join(scratch, 'reference');
    writeHeatmap(referenceDir, await heatmap({ ...options, workers: 0 }));
  }
  return referenceDir;
}

/** Runs the sweep on the store in `dir` (opened afresh, as a new process would) and writes `out`. */
async function resume(resolved: ResolvedHeatmap, dir: string, out: string) {
  const store = ArrayStore.open(dir, resolved);
  try {
    const r = await runHeatmap(resolved, { store });
    await writeHeatmapOverlapped(out, r, {}, 0, store);
    return r.tiles;
  } finally {
    store.close();
  }
}

describe('array store', () => {
  it('holds the writer’s .npy files byte for byte; the writer links them; a finished store computes nothing', async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    const dir = join(scratch, 'whole.partial');
    const tiles = await resume(resolved, dir, join(scratch, 'whole'));
    expect(tiles).toEqual({ computed: TILES, resumed: 0, retried: 0, damaged: 0 });
    sameBytes(await reference(), dir, NPY);
    sameBytes(await reference(), join(scratch, 'whole'), [...NPY, 'x_axis.npy', 'y_axis.npy', 'heatmap.png']);
    for (const name of NPY)
      expect(statSync(join(scratch, 'whole', name)).ino, name).toBe(statSync(join(dir, name)).ino);
    expect(ArrayStore.savedTiles(dir)).toBe(TILES);
    expect(await resume(resolved, dir, join(scratch, 'whole-again'))).toEqual({
      computed: 0,
      resumed: TILES,
      retried: 0,
      damaged: 0,
    });
    sameBytes(await reference(), join(scratch, 'whole-again'), NPY);
  });

  it('resumes a partly finished store on a pool: stored tiles read back, the rest computed once', async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 2 });
    const dir = join(scratch, 'partly.partial');
    const first = ArrayStore.open(dir, resolved);
    await computeTiles(resolved, resolved, { store: first, range: [3, 9] }, () => undefined);
    first.close();
    expect(ArrayStore.savedTiles(dir)).toBe(6);
    const tiles = await resume(resolved, dir, join(scratch, 'partly'));
    expect(tiles).toEqual({ computed: TILES - 6, resumed: 6, retried: 0, damaged: 0 });
    sameBytes(await reference(), join(scratch, 'partly'), NPY);
  });

  it('recomputes exactly the damaged tiles: a changed byte, a line without its cells, a torn line', async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    const dir = join(scratch, 'damaged.partial');
    const first = ArrayStore.open(dir, resolved);
    await computeTiles(resolved, resolved, { store: first, range: [0, 10] }, () => undefined);
    first.close();
    // a byte of tile 4's cells in steps.npy (after its header; 4 bytes per cell)
    const steps = join(dir, 'steps.npy');
    const bytes = readFileSync(steps);
    const at = 10 + bytes.readUInt16LE(8) + 4 * (4 * 41 + 7);
    bytes[at] = (bytes[at] as number) ^ 0x55;
    writeFileSync(steps, bytes);
    // a line for tile 12 whose cells never reached the disk, then a line cut short
    const log = join(dir, 'tiles.log');
    const line = JSON.parse(readFileSync(log, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
    appendFileSync(log, `${JSON.stringify({ ...line, start: 12 * 41 })}\n{"start": 533, "cou`);
    const tiles = await resume(resolved, dir, join(scratch, 'damaged'));
    expect(tiles).toEqual({ computed: TILES - 9, resumed: 9, retried: 0, damaged: 2 });
    sameBytes(await reference(), join(scratch, 'damaged'), NPY);
  });

  it('recomputes every tile of a missing or truncated array file', async () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    for (const [name, harm] of [
      ['missing', (path: string): void => rmSync(path)],
      ['truncated', (path: string): void => truncateSync(path, 200)],
    ] as const) {
      const dir = join(scratch, `${name}.partial`);
      const first = ArrayStore.open(dir, resolved);
      await computeTiles(resolved, resolved, { store: first }, () => undefined);
      first.close();
      harm(join(dir, 'final_sharpness.npy'));
      const tiles = await resume(resolved, dir, join(scratch, name));
      expect(tiles, name).toEqual({ computed: TILES, resumed: 0, retried: 0, damaged: TILES });
      sameBytes(await reference(), join(scratch, name), NPY);
    }
  });

  it('refuses a store of another sweep and one in the per-tile format', () => {
    const resolved = resolveHeatmapOptions({ ...options, workers: 0 });
    const dir = join(scratch, 'other.partial');
    ArrayStore.open(dir, resolved).close();
    expect(() => ArrayStore.open(dir, resolveHeatmapOptions({ ...options, maxSteps: 10, workers: 0 }))).toThrow(
      /holds tiles of a different sweep/,
    );
    const tileDir = join(scratch, 'tiles.partial');
    TileStore.open(tileDir, resolved);
    expect(() => ArrayStore.open(tileDir, resolved)).toThrow(/another format \(eoslab-tiles\/2/);
  });
});
