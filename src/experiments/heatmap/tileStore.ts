/**
 * The heatmap's tile store: a job directory (io/store.ts) whose entries are finished tiles,
 * `tiles/<first cell>.tile` — the unit of resumption, sharding and merging. The job's identity is
 * the grid, the GD settings, the map and the tile size (not the worker count nor the kernel kind,
 * which give the same bits); results are a pure function of (job, tile), so a stored tile is exactly
 * what recomputing it would give.
 *
 * Tile file: "EOSTILE1", u32 header length, JSON header {sha256, map, start, count, totalSteps,
 * kernelSeconds, initSeconds, summarySeconds, arrays: [{name, type, length}]}, padding to 8 bytes, then each array's bytes
 * (little-endian), each padded to 8 bytes. The SHA-256 of the arrays' bytes detects a tile damaged
 * on disk (it is then recomputed).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { conflict, EoslabError } from '../../base/errors.js';
import { JobStore, type StoredJob } from '../../io/store.js';
import type { GridSpec, KernelKind, MapKind, RunSpec } from './grid.js';
import {
  CELL_ARRAY_TYPES,
  CELL_TYPE_BYTES,
  namedCellArrays,
  storedTile,
  type CellArray,
  type TileArrayName,
  type TileResult,
} from './tile.js';

/** What determines every bit of a sweep's results (not the worker count nor the kernel kind). */
export interface TileJob {
  readonly grid: GridSpec;
  readonly run: RunSpec;
  readonly map: MapKind;
  readonly tileSize: number;
}

/** job.json of a tile store (hash: the "grid hash" of the sweep and build). */
export type StoredTileJob = StoredJob<TileJob> & { readonly kernel: KernelKind };

/** Format of the tile stores (2: job.json written by the generic job store, `hash` field). */
const TILE_FORMAT = 'eoslab-tiles/2';

const identity = (job: TileJob): TileJob => ({ grid: job.grid, run: job.run, map: job.map, tileSize: job.tileSize });

const tileKey = (start: number): string => `tiles/${start}.tile`;

const MAGIC = 'EOSTILE1';
const pad8 = (n: number): number => (n + 7) & ~7;

/** SHA-256 of the arrays' bytes, in order (detects a tile damaged on disk). */
function arraysDigest(arrays: readonly CellArray[]): string {
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex');
}

/** A tile file as chunks (header, then each array's own bytes and padding): written without a copy. */
export function encodeTileChunks(tile: TileResult): Uint8Array[] {
  const arrays = namedCellArrays(tile);
  const header = JSON.stringify({
    sha256: arraysDigest(arrays.map(([, a]) => a)),
    map: tile.map,
    start: tile.start,
    count: tile.count,
    totalSteps: tile.map === 'sharpness' ? tile.totalSteps : 0,
    kernelSeconds: tile.kernelSeconds,
    initSeconds: tile.initSeconds,
    summarySeconds: tile.summarySeconds,
    arrays: arrays.map(([name, a]) => ({
      name,
      type: CELL_ARRAY_TYPES[name],
      length: a.length,
    })),
  });
  const headerBytes = Buffer.from(header, 'utf8');
  const dataStart = pad8(MAGIC.length + 4 + headerBytes.length);
  const head = new Uint8Array(dataStart);
  head.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(head.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  head.set(headerBytes, MAGIC.length + 4);
  const chunks: Uint8Array[] = [head];
  for (const [, a] of arrays) {
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const padding = pad8(a.byteLength) - a.byteLength;
    if (padding > 0) chunks.push(new Uint8Array(padding));
  }
  return chunks;
}

export function decodeTile(bytes: Uint8Array, source: string): TileResult {
  const bad = (why: string): EoslabError =>
    new EoslabError('E_IO', `corrupt tile file ${source}: ${why}`, 'tile', source);
  if (bytes.length < MAGIC.length + 4 || Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1') !== MAGIC) {
    throw bad('not an eoslab tile');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  let header: {
    sha256: string;
    map: MapKind;
    start: number;
    count: number;
    totalSteps: number;
    kernelSeconds: number;
    initSeconds?: number;
    summarySeconds?: number;
    arrays: { name: TileArrayName; type: 'f64' | 'i32' | 'u8'; length: number }[];
  };
  try {
    header = JSON.parse(
      Buffer.from(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)).toString('utf8'),
    );
  } catch {
    throw bad('unreadable header');
  }
  let offset = pad8(MAGIC.length + 4 + headerLength);
  const arrays: Partial<Record<TileArrayName, CellArray>> = {};
  for (const a of header.arrays) {
    const size = CELL_TYPE_BYTES[a.type];
    const byteLength = a.length * size;
    if (a.length !== header.count || offset + byteLength > bytes.length) throw bad(`array ${a.name} is truncated`);
    // a Buffer's slice is a view into a shared pool: copy into an ArrayBuffer of its own
    const copy = new ArrayBuffer(byteLength);
    new Uint8Array(copy).set(bytes.subarray(offset, offset + byteLength));
    arrays[a.name] =
      a.type === 'f64' ? new Float64Array(copy) : a.type === 'i32' ? new Int32Array(copy) : new Uint8Array(copy);
    offset += pad8(byteLength);
  }
  if (arraysDigest(header.arrays.map((a) => arrays[a.name] as Float64Array)) !== header.sha256) {
    throw bad('checksum mismatch');
  }
  return storedTile(
    header.map,
    {
      start: header.start,
      count: header.count,
      totalSteps: header.totalSteps,
      kernelSeconds: header.kernelSeconds,
      initSeconds: header.initSeconds ?? 0,
      summarySeconds: header.summarySeconds ?? 0,
    },
    (name) => arrays[name] ?? fail(bad(`missing array ${name}`)),
  );
}

function fail(error: Error): never {
  throw error;
}

/**
 * Where a sweep keeps its finished tiles and resumes from: a TileStore (a file per tile: shards)
 * or an ArrayStore (the output arrays themselves: a resumable run, arrayStore.ts).
 */
export interface TileRepository {
  readonly dir: string;
  /** First cells of the tiles held. */
  completed(): Set<number>;
  /** A held tile; E_IO when it is damaged (it is then discarded and recomputed). */
  read(start: number): TileResult;
  discard(start: number): void;
  /** Stores a finished tile (durable at the next checkpoint). */
  write(tile: TileResult): void;
  /** Makes the tiles stored so far durable, off the event loop. */
  checkpoint(): Promise<void>;
}

/**
 * A directory of finished tiles of one sweep. Tiles are written whole (temp file + rename: a kill
 * never leaves a partial one) but fsync'ed in batches: `checkpoint()` makes every tile written
 * since the last one durable. A machine crash loses at most the tiles since the last checkpoint;
 * one torn by it fails its checksum when read and is recomputed.
 */
export class TileStore implements TileRepository {
  /** Tiles written since the last checkpoint. */
  private pending: string[] = [];

  private constructor(private readonly store: JobStore<TileJob>) {}

  get dir(): string {
    return this.store.dir;
  }

  get job(): StoredTileJob {
    return this.store.job as StoredTileJob;
  }

  /**
   * Opens `dir` for `job`: creates it (writing job.json) or, when it already holds tiles, checks
   * that they belong to the same sweep and build (same grid hash) — anything else is refused.
   */
  static open(dir: string, job: TileJob & { kernel: KernelKind }): TileStore {
    return new TileStore(
      JobStore.open(dir, {
        format: TILE_FORMAT,
        identity: identity(job),
        describe: { kernel: job.kernel },
        mismatch: 'tiles of a different sweep',
      }),
    );
  }

  /** Opens an existing store read-only (for merging). */
  static read(dir: string): TileStore {
    return new TileStore(JobStore.read(dir, TILE_FORMAT, identity, 'an eoslab shard or tile directory'));
  }

  /** First cells of the tiles stored here. */
  completed(): Set<number> {
    const names = this.store.entries('tiles').filter((n) => /^\d+\.tile$/.test(n));
    return new Set(names.map((n) => Number(n.slice(0, -5))));
  }

  /** Writes a tile (durable at the next checkpoint). */
  write(tile: TileResult): void {
    const key = tileKey(tile.start);
    this.store.write(key, encodeTileChunks(tile), { sync: false });
    this.pending.push(key);
  }

  /** Tiles written since the last checkpoint. */
  get unsynced(): number {
    return this.pending.length;
  }

  /** Makes the tiles written so far durable (fsync, off the event loop). */
  async checkpoint(): Promise<void> {
    const keys = this.pending;
    this.pending = [];
    if (keys.length > 0) await this.store.sync(keys);
  }

  /** Removes a stored tile (a damaged one, to be recomputed). */
  discard(start: number): void {
    this.store.discard(tileKey(start));
  }

  read(start: number): TileResult {
    const path = join(this.dir, tileKey(start));
    const bytes = this.store.read(tileKey(start));
    if (bytes === undefined) throw new EoslabError('E_IO', `tile file ${path} is missing`, 'tile', path);
    const tile = decodeTile(bytes, path);
    if (tile.start !== start || tile.map !== this.job.map)
      throw conflict(`tile file ${path} does not match its name or job`, 'dirs');
    return tile;
  }
}
