/**
 * The store of a resumable `eoslab heatmap` run (OUT.partial/): the output arrays themselves, so
 * that no cell is written twice. The directory holds
 *   job.json                the job (io/store.ts: grid hash and build, as for tile stores),
 *   <array>.npy             each per-cell output array at full size (final_sharpness.npy, …), header
 *                           written and the rest allocated when the store is created,
 *   tiles.log               one JSON line per finished tile: its first cell, cell count, the SHA-256
 *                           of its cells' bytes (arrays in TILE_ARRAYS order) and its timings.
 * A finished tile writes its cells at their offsets in every array (pwrite, from the result arrays'
 * own memory), then appends its line. Checkpoints (every CHECKPOINT_SECONDS) fsync the arrays, then
 * the log. A tile counts as stored when its line is in the log and its cells still have the line's
 * checksum: a run killed mid-tile left no line; a machine crash may leave a line whose cells did not
 * reach the disk, or a torn last line — the first fails its checksum and is recomputed, the second
 * is skipped. When every tile is stored the writer links the arrays into the output directory
 * (`linkArray`) instead of writing them again; the .npy bytes are the writer's own (same header).
 * Shards keep per-tile files (tileStore.ts): they are merged from several directories.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  fstatSync,
  fsync,
  ftruncateSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EoslabError, ioError, messageOf } from '../../base/errors.js';
import { npyDtype, npyHeaderOf } from '../../io/npyEncode.js';
import { JobStore } from '../../io/store.js';
import { syncDirectory } from '../../io/atomic.js';
import type { KernelKind } from './grid.js';
import { cellCount } from './grid.js';
import {
  CELL_ARRAY_FILES,
  cellArray,
  namedCellArrays,
  storedTile,
  TILE_ARRAYS,
  type CellArray,
  type TileArrayName,
  type TileResult,
} from './tile.js';
import type { TileJob } from './tileStore.js';

/** Format of the array stores (job.json). */
const ARRAY_FORMAT = 'eoslab-arrays/1';
const LOG = 'tiles.log';
const fsyncAsync = promisify(fsync);

/** One line of tiles.log. */
interface TileRecord {
  start: number;
  count: number;
  sha256: string;
  totalSteps: number;
  kernelSeconds: number;
  initSeconds: number;
  summarySeconds: number;
}

interface ArrayFile {
  readonly name: TileArrayName;
  readonly path: string;
  readonly fd: number;
  /** Bytes before the data (the .npy header). */
  readonly offset: number;
  readonly bytesPerCell: number;
}

/** The records of a log's text: the last line per first cell wins; unreadable lines are skipped. */
function parseLog(text: string): Map<number, TileRecord> {
  const records = new Map<number, TileRecord>();
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    let r: TileRecord;
    try {
      r = JSON.parse(line) as TileRecord;
    } catch {
      continue; // a line torn by a crash: its tile is recomputed
    }
    if (Number.isSafeInteger(r.start) && Number.isSafeInteger(r.count) && typeof r.sha256 === 'string') {
      records.set(r.start, r);
    }
  }
  return records;
}

function readLog(dir: string): Map<number, TileRecord> {
  try {
    return parseLog(readFileSync(join(dir, LOG), 'utf8'));
  } catch {
    return new Map();
  }
}

export class ArrayStore {
  /** Whether anything was written since the last checkpoint. */
  private dirty = false;
  private closed = false;
  /** Whether the directory entries of the files have been made durable. */
  private entriesSynced = false;

  private constructor(
    private readonly store: JobStore<TileJob>,
    private readonly files: readonly ArrayFile[],
    private readonly logFd: number,
    private readonly records: Map<number, TileRecord>,
  ) {}

  get dir(): string {
    return this.store.dir;
  }

  /**
   * Opens `dir` for `job`: creates it (job.json, the arrays, an empty log) or resumes it when it
   * holds the same job and build (anything else is refused, as for tile stores). An array file that
   * is missing or of the wrong size is recreated: the tiles it held fail their checksums.
   */
  static open(dir: string, job: TileJob & { kernel: KernelKind }): ArrayStore {
    const store = JobStore.open(dir, {
      format: ARRAY_FORMAT,
      identity: { grid: job.grid, run: job.run, map: job.map, tileSize: job.tileSize },
      describe: { kernel: job.kernel },
      mismatch: 'tiles of a different sweep',
    });
    const cells = cellCount(job.grid);
    const shape = [job.grid.rows, job.grid.cols];
    const opened: number[] = [];
    try {
      const files = TILE_ARRAYS[job.map].map((name): ArrayFile => {
        // dtype and header as the writer's writeNpy makes them, so the file is the output itself
        const sample = cellArray(name, 0);
        const header = npyHeaderOf(npyDtype(sample), shape);
        const path = join(dir, CELL_ARRAY_FILES[name]);
        const size = header.length + cells * sample.BYTES_PER_ELEMENT;
        let fd: number;
        try {
          fd = openSync(path, 'r+');
        } catch {
          fd = openSync(path, 'w+');
        }
        opened.push(fd);
        if (fstatSync(fd).size !== size) {
          ftruncateSync(fd, 0);
          ftruncateSync(fd, size);
        }
        writeSync(fd, header, 0, header.length, 0);
        return { name, path, fd, offset: header.length, bytesPerCell: sample.BYTES_PER_ELEMENT };
      });
      const records = readLog(dir);
      const logFd = openSync(join(dir, LOG), 'a');
      return new ArrayStore(store, files, logFd, records);
    } catch (error) {
      for (const fd of opened) closeSync(fd);
      throw ioError(`cannot open the arrays in ${dir}: ${messageOf(error)}`, dir, error);
    }
  }

  /** Tiles recorded in `dir`'s log (checksums not verified): what a resumed run starts from. */
  static savedTiles(dir: string): number {
    return readLog(dir).size;
  }

  /** First cells of the tiles recorded as finished. */
  completed(): Set<number> {
    return new Set(this.records.keys());
  }

  /** Writes a finished tile's cells into the arrays and records it (durable at the next checkpoint). */
  write(tile: TileResult): void {
    const arrays = namedCellArrays(tile);
    const hash = createHash('sha256');
    arrays.forEach(([, values], i) => {
      const file = this.files[i] as ArrayFile;
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      hash.update(bytes);
      let done = 0;
      const at = file.offset + tile.start * file.bytesPerCell;
      while (done < bytes.length) done += writeSync(file.fd, bytes, done, bytes.length - done, at + done);
    });
    const record: TileRecord = {
      start: tile.start,
      count: tile.count,
      sha256: hash.digest('hex'),
      totalSteps: tile.map === 'sharpness' ? tile.totalSteps : 0,
      kernelSeconds: tile.kernelSeconds,
      initSeconds: tile.initSeconds,
      summarySeconds: tile.summarySeconds,
    };
    writeSync(this.logFd, `${JSON.stringify(record)}\n`);
    this.records.set(tile.start, record);
    this.dirty = true;
  }

  /** Makes the tiles written so far durable: the arrays' data first, then the log (off the event loop). */
  async checkpoint(): Promise<void> {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    const sync = async (fd: number, path: string): Promise<void> => {
      try {
        await fsyncAsync(fd);
      } catch (error) {
        throw ioError(`cannot sync ${path}: ${messageOf(error)}`, path, error);
      }
    };
    await Promise.all(this.files.map((f) => sync(f.fd, f.path)));
    await sync(this.logFd, join(this.dir, LOG));
    // the files' directory entries, created when the store was opened: once
    if (!this.entriesSynced) {
      await syncDirectory(this.dir);
      this.entriesSynced = true;
    }
  }

  /** Forgets a tile (damaged: it is recomputed and recorded again). */
  discard(start: number): void {
    this.records.delete(start);
  }

  /** A recorded tile, read back from the arrays; E_IO when its cells no longer have its checksum. */
  read(start: number): TileResult {
    const record = this.records.get(start);
    const damaged = (why: string): EoslabError =>
      new EoslabError('E_IO', `tile at cell ${start} in ${this.dir} is damaged: ${why}`, 'tile', this.dir);
    if (record === undefined) throw damaged('not recorded');
    const hash = createHash('sha256');
    const arrays: Partial<Record<TileArrayName, CellArray>> = {};
    for (const file of this.files) {
      const values = cellArray(file.name, record.count);
      const bytes = new Uint8Array(values.buffer);
      let done = 0;
      const at = file.offset + start * file.bytesPerCell;
      while (done < bytes.length) {
        const n = readSync(file.fd, bytes, done, bytes.length - done, at + done);
        if (n === 0) throw damaged(`${CELL_ARRAY_FILES[file.name]} is truncated`);
        done += n;
      }
      hash.update(bytes);
      arrays[file.name] = values;
    }
    if (hash.digest('hex') !== record.sha256) throw damaged('checksum mismatch');
    return storedTile(this.store.job.map, record, (name) => arrays[name] as CellArray);
  }

  /**
   * Puts the array `name` at `path` (a new name in the same file system): a hard link to the store's
   * file, or a copy where links are not supported. Call after the final checkpoint, with every tile
   * stored. Returns false when the store does not hold that array.
   */
  linkArray(name: TileArrayName, path: string): boolean {
    const file = this.files.find((f) => f.name === name);
    if (file === undefined) return false;
    try {
      linkSync(file.path, path);
    } catch {
      copyFileSync(file.path, path);
    }
    return true;
  }

  /** Closes the files (the directory stays until the outputs are written). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.files) closeSync(f.fd);
    closeSync(this.logFd);
  }
}
