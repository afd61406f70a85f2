/**
 * Job directories: the unit of resumption of long runs (heatmap tiles and shards, fcnet
 * checkpoints). A job directory holds
 * - `job.json`: the store's format, the job's identity (everything that determines every bit of
 *   its results — options and data, not the worker count), the build that computes it (results are
 *   only guaranteed identical within one build), a few descriptive fields, and `hash`, the SHA-256
 *   of the canonical JSON of identity + build;
 * - entries: one file per finished unit of work under a relative key (`tiles/0.tile`,
 *   `run-0/gd-30.json`), each written atomically (temp file + rename), so a killed run leaves only
 *   whole entries behind; fsync'ed before the rename, or — for entries the reader verifies — in
 *   batches at checkpoints (`sync`), so a machine crash loses at most the entries since the last
 *   checkpoint, and a torn one fails its check and is recomputed.
 * Opening a directory for a job creates it, or resumes it when its job.json has the same format and
 * hash; anything else (another job or build, a foreign non-empty directory) is refused. What an
 * entry holds and how it is checked is the experiment's business (heatmap/tileStore.ts,
 * fcnet/checkpoint.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { conflict, EoslabError, ioError, messageOf } from '../base/errors.js';
import { version } from '../base/version.js';
import { wasmHash } from '../wasm/module.js';
import { syncFiles, writeFileAtomic, type AtomicWriteOptions } from './atomic.js';

export interface Build {
  readonly version: string;
  readonly wasmSha256: string;
}

/** This process's build. */
export function currentBuild(): Build {
  return { version: version(), wasmSha256: wasmHash() };
}

/** SHA-256 of the canonical JSON of a job identity and a build. */
export function identityHash(identity: object, build: Build): string {
  const canonical = JSON.stringify({ ...identity, build: { version: build.version, wasmSha256: build.wasmSha256 } });
  return createHash('sha256').update(canonical).digest('hex');
}

/** The contents of job.json: format, hash, the identity's fields, descriptive fields, build. */
export type StoredJob<I> = I & { readonly format: string; readonly hash: string; readonly build: Build };

export interface StoreSpec<I extends object> {
  /** The store's format, e.g. 'eoslab-tiles/2' (a change of entry layout changes it). */
  readonly format: string;
  /** What the results depend on. */
  readonly identity: I;
  /** Fields written to job.json for the reader's information, not hashed (e.g. the kernel). */
  readonly describe?: object;
  /** What a refused directory holds, e.g. "tiles of a different sweep". */
  readonly mismatch: string;
}

/** Temporary files of atomic writes (writeFileAtomic) left by a killed run. */
const isTemporary = (name: string): boolean => name.startsWith('.') && name.endsWith('.tmp');

function readJob(dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8'));
}

/** A job directory: job.json and atomically written entries. */
export class JobStore<I extends object = object> {
  private constructor(
    readonly dir: string,
    readonly job: StoredJob<I>,
  ) {}

  /**
   * Opens `dir` for a job: creates it (writing job.json), or resumes it when it holds the same
   * job (same format and hash). A directory holding another job or build, an unreadable job.json,
   * or files but no job.json is refused.
   */
  static open<I extends object>(dir: string, spec: StoreSpec<I>): JobStore<I> {
    const build = currentBuild();
    const hash = identityHash(spec.identity, build);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = []; // created below
    }
    if (names.includes('job.json')) {
      let existing: { format?: unknown; hash?: unknown };
      try {
        existing = readJob(dir) as typeof existing;
      } catch {
        throw conflict(`${dir} has an unreadable job.json: delete the directory or choose another --out`, 'out');
      }
      if (existing.format !== spec.format) {
        throw conflict(
          `${dir} was written in another format (${String(existing.format)}; this eoslab writes ${spec.format}): delete it or choose another --out`,
          'out',
        );
      }
      if (existing.hash !== hash) {
        throw conflict(
          `${dir} holds ${spec.mismatch} or of another eoslab build (hash ${String(existing.hash).slice(0, 12)}…, this run ${hash.slice(0, 12)}…): delete it or choose another --out`,
          'out',
        );
      }
      return new JobStore(dir, existing as StoredJob<I>);
    }
    if (names.some((name) => !isTemporary(name))) {
      throw new EoslabError(
        'E_IO',
        `refusing to use ${dir} for a resumable run: it is not empty and has no job.json`,
        'out',
        dir,
      );
    }
    const job = { format: spec.format, hash, ...spec.identity, ...spec.describe, build } as StoredJob<I>;
    writeFileAtomic(join(dir, 'job.json'), `${JSON.stringify(job, null, 2)}\n`);
    return new JobStore(dir, job);
  }

  /**
   * Opens an existing job directory read-only (e.g. shards to merge): its job.json must have the
   * format and a hash that matches its identity and build.
   */
  static read<I extends object>(
    dir: string,
    format: string,
    identityOf: (job: StoredJob<I>) => I,
    what: string,
  ): JobStore<I> {
    let job: StoredJob<I>;
    try {
      job = readJob(dir) as StoredJob<I>;
    } catch {
      throw conflict(`${dir} is not ${what} (no readable job.json)`, 'dirs');
    }
    if (job.format !== format || !job.build || job.hash !== identityHash(identityOf(job), job.build)) {
      throw conflict(`${dir}/job.json is not ${what} of this eoslab (format or hash mismatch)`, 'dirs');
    }
    return new JobStore(dir, job);
  }

  private path(key: string): string {
    return join(this.dir, key);
  }

  /**
   * Writes an entry atomically (replacing an earlier one). With `sync: false` the entry is whole
   * or absent after a kill but may be torn by a machine crash until `sync` covers it: only for
   * entries the reader verifies (a checksum), which then recomputes a torn one.
   */
  write(key: string, data: string | Uint8Array | readonly Uint8Array[], options: AtomicWriteOptions = {}): void {
    writeFileAtomic(this.path(key), data, options);
  }

  /** Makes entries written with `sync: false` durable (a checkpoint), off the event loop. */
  async sync(keys: readonly string[]): Promise<void> {
    await syncFiles(keys.map((key) => this.path(key)));
  }

  writeJson(key: string, value: unknown): void {
    this.write(key, JSON.stringify(value));
  }

  /** An entry's bytes, or undefined when it is absent. */
  read(key: string): Buffer | undefined {
    try {
      return readFileSync(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError(`cannot read ${this.path(key)}: ${messageOf(error)}`, this.dir, error);
    }
  }

  /** A JSON entry, or undefined when it is absent or unreadable (then it is recomputed). */
  readJson<T>(key: string): T | undefined {
    const bytes = this.read(key);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Names of the entries in a folder of the store (none when it does not exist). */
  entries(folder: string): string[] {
    try {
      return readdirSync(this.path(folder)).filter((name) => !isTemporary(name));
    } catch {
      return [];
    }
  }

  /** Removes an entry (a damaged one, to be recomputed). */
  discard(key: string): void {
    rmSync(this.path(key), { force: true });
  }
}

/** Where a resumable run into `out` keeps its job directory until the outputs are written. */
export function partialDirectory(out: string): string {
  return `${out.replace(/[/\\]+$/, '')}.partial`;
}

/** Removes a job directory (after the outputs it led to are written). */
export function removeJobDirectory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
