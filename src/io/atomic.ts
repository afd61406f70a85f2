/**
 * Atomic output: every file is written to a temporary sibling and renamed into place, so a
 * reader (or a crash) never sees a half-written file; an output directory is staged beside its
 * place and swapped in whole, under a lock (./lock.ts) so that two runs never write it at once.
 * Errors from the file system become E_IO errors naming the path, with the OS error as `cause`.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { EoslabError, ioError, messageOf } from '../base/errors.js';
import { claimOutputDirectory, holdOutputDirectory } from './lock.js';

let counter = 0;

/** How writeFileAtomic makes a file durable. */
export interface AtomicWriteOptions {
  /**
   * fsync the data before the rename (default). Without it the file is still whole or absent
   * after a kill (the rename is atomic), but a machine crash may leave it truncated until a later
   * `syncFiles` (callers that do this check their files, e.g. the tile store's checksums).
   */
  readonly sync?: boolean;
}

/**
 * Temp names carry the pid and random bytes: pods on a shared volume often all run as PID 1.
 * The data is fsync'ed before the rename, so a machine crash leaves the old file or the new one.
 * `data` may be given as chunks (e.g. a header and a typed array's bytes), written in order
 * without being joined first.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  options: AtomicWriteOptions = {},
): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.${counter++}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      const chunks =
        typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
      for (const bytes of chunks) {
        let offset = 0;
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      }
      if (options.sync ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    removeQuietly(tmp); // the cleanup must not mask the error (e.g. ENOTDIR when dir is a file)
    throw ioError(`cannot write ${path}: ${messageOf(error)}`, path, error);
  }
}

/**
 * Makes files written with `sync: false` durable: fsyncs each file (in the thread pool, off the
 * event loop) and then the directories holding them (so their renames survive a crash). Files
 * removed since are skipped.
 */
export async function syncFiles(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => syncPath(path)));
  await Promise.all([...new Set(paths.map((p) => dirname(p)))].map((dir) => syncPath(dir, true)));
}

/** Makes the entries of `dir` durable (files created or renamed in it); best effort (see syncPath). */
export async function syncDirectory(dir: string): Promise<void> {
  await syncPath(dir, true);
}

/** fsyncs a file (missing: skipped) or a directory (which cannot be opened or synced on every platform, e.g. Windows: best effort). */
async function syncPath(path: string, directory = false): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (directory || (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw ioError(`cannot sync ${path}: ${messageOf(error)}`, path, error);
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!directory) throw ioError(`cannot sync ${path}: ${messageOf(error)}`, path, error);
  } finally {
    await handle.close();
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing to remove where it could not have been created
  }
}

/** Creates the output directory (and parents); fails with E_IO naming it. */
export function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw ioError(`cannot create output directory ${dir}: ${messageOf(error)}`, dir, error);
  }
}

/** True when `dir` holds a manifest.json written by eoslab. */
function isEoslabOutput(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tool?: unknown };
    return manifest.tool === 'eoslab';
  } catch {
    return false;
  }
}

/**
 * Writes a set of outputs into `dir` as a whole: everything goes into a fresh staging directory
 * beside it, which then replaces `dir` — readers never see a mix of old and new files, and a
 * failure leaves the previous outputs untouched. An existing `dir` is replaced only when it is
 * empty or an earlier eoslab output (it has eoslab's manifest.json); anything else is refused.
 */
export function writeOutputDirectory(dir: string, write: (staging: string) => void): void {
  const stage = stageOutputDirectory(dir);
  try {
    write(stage.dir);
  } catch (error) {
    stage.discard();
    if (error instanceof EoslabError) throw error;
    throw ioError(`cannot write outputs to ${dir}: ${messageOf(error)}`, dir, error);
  }
  stage.commit();
}

/**
 * Whether `dir` may receive a set of outputs (absent, empty, or an earlier eoslab output);
 * returns whether it exists. Refuses anything else with E_IO — call it before long work. It also
 * holds `dir` for this process until the enclosing `withOutputClaims` scope ends (the CLI runs
 * every command in one) or the process exits, so that a second run writing the same directory
 * stops now, with E_LOCKED, rather than colliding with this one when the outputs are swapped in.
 */
export function checkOutputDirectory(dir: string): boolean {
  const exists = inspectOutputDirectory(dir);
  holdOutputDirectory(resolve(dir), dir);
  return exists;
}

function inspectOutputDirectory(dir: string): boolean {
  const target = resolve(dir);
  let exists = false;
  try {
    const info = statSync(target);
    exists = true;
    if (!info.isDirectory()) {
      throw new EoslabError('E_IO', `cannot write outputs to ${dir}: it is a file, not a directory`, 'out', dir);
    }
    if (readdirSync(target).length > 0 && !isEoslabOutput(target)) {
      throw new EoslabError(
        'E_IO',
        `refusing to replace ${dir}: it is not empty and not an eoslab output directory (no eoslab manifest.json); choose another --out`,
        'out',
        dir,
      );
    }
  } catch (error) {
    if (error instanceof EoslabError) throw error;
  }
  return exists;
}

/**
 * The staged form of writeOutputDirectory for code that writes a set of files step by step:
 * write into `dir`, then `commit()` swaps it into place (or `discard()` drops it).
 */
export function stageOutputDirectory(out: string): { dir: string; commit(): void; discard(): void } {
  const target = resolve(out);
  const release = claimOutputDirectory(target, out);
  const dir = `${target}.staging-${process.pid}-${counter++}`;
  let exists: boolean;
  try {
    exists = inspectOutputDirectory(out);
    ensureDirectory(dir);
  } catch (error) {
    release();
    throw error;
  }
  return {
    dir,
    commit(): void {
      try {
        if (exists) {
          const old = `${target}.old-${process.pid}-${counter++}`;
          renameSync(target, old);
          renameSync(dir, target);
          rmSync(old, { recursive: true, force: true });
        } else {
          renameSync(dir, target);
        }
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw ioError(`cannot write outputs to ${out}: ${messageOf(error)}`, out, error);
      } finally {
        release();
      }
    },
    discard(): void {
      rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}
