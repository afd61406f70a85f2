/**
 * A lock on an output directory, so that two runs writing the same `--out` do not interleave: the
 * second one stops before any work with one line saying that another run is writing it.
 *
 * The lock is a file beside the directory, `OUT.lock` (the directory itself is swapped in whole
 * by a rename, so it cannot hold it), created atomically (written to a temporary file, then
 * hard-linked to its name, which fails if it exists) and holding {pid, host, process start time,
 * token}. A lock left by a run that was killed (SIGKILL, a lost node) never blocks for good:
 * - on the same host it is stale when its process is gone (`kill(pid, 0)` answers ESRCH) or the
 *   pid now belongs to another process (a different start time in /proc/<pid>/stat);
 * - from another host (a shared volume) liveness cannot be asked, so the holder refreshes the
 *   lock's mtime every {@link LOCK_HEARTBEAT_MS} and a lock not refreshed for
 *   {@link LOCK_STALE_MS} is stale.
 * Within one process a claim is re-entrant (a command checks its `--out` before the work and
 * writes it after). A claim ends with its release function; a claim kept for a whole command
 * ({@link holdOutputDirectory}) ends when the enclosing {@link withOutputClaims} scope does (the CLI
 * runs every command in one) or when the process exits.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { EoslabError, ioError, messageOf } from '../base/errors.js';

/** How often a holder refreshes its lock's mtime. */
export const LOCK_HEARTBEAT_MS = 30_000;
/** A lock from another host not refreshed for this long belongs to a run that is gone. */
export const LOCK_STALE_MS = 10 * 60_000;

interface LockRecord {
  readonly tool: 'eoslab';
  readonly pid: number;
  readonly host: string;
  /** Start time of the process (clock ticks since boot, /proc/<pid>/stat field 22), when known. */
  readonly processStart: string | null;
  readonly since: string;
  readonly token: string;
}

interface Claim {
  count: number;
  readonly token: string;
  readonly heartbeat: ReturnType<typeof setInterval>;
}

const claims = new Map<string, Claim>();
let exitHookInstalled = false;

/** Path of the lock of output directory `dir` (an absolute path). */
export function lockPath(dir: string): string {
  return `${dir}.lock`;
}

/** Field 22 of /proc/<pid>/stat (the process's start time), or null where there is no /proc. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may contain spaces: count after its ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function readLock(path: string): { record: LockRecord | undefined; mtimeMs: number } | undefined {
  let mtimeMs: number;
  let text: string;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  try {
    const record = JSON.parse(text) as LockRecord;
    return { record: record.tool === 'eoslab' && typeof record.pid === 'number' ? record : undefined, mtimeMs };
  } catch {
    return { record: undefined, mtimeMs };
  }
}

/** Whether the run that wrote `lock` is certainly gone. */
function isStale(lock: { record: LockRecord | undefined; mtimeMs: number }): boolean {
  const { record, mtimeMs } = lock;
  if (record === undefined || record.host !== hostname()) return Date.now() - mtimeMs > LOCK_STALE_MS;
  if (record.pid === process.pid) return record.processStart !== processStart(process.pid); // else another thread of ours
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    // EPERM: the process exists (another user's); ESRCH: it is gone
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStart(record.pid);
  return record.processStart !== null && start !== null && start !== record.processStart;
}

function lockedError(out: string, path: string, record: LockRecord | undefined): EoslabError {
  const who =
    record === undefined
      ? 'an unreadable lock'
      : `pid ${record.pid}${record.host === hostname() ? '' : ` on ${record.host}`}, since ${record.since}`;
  const remote =
    record === undefined || record.host !== hostname()
      ? `; a lock from another host counts as abandoned after ${LOCK_STALE_MS / 60_000} minutes without a heartbeat`
      : '';
  return new EoslabError(
    'E_LOCKED',
    `another eoslab run is writing ${out} (${who}; lock ${path}): wait for it to finish or choose another --out${remote}`,
    'out',
    out,
  );
}

/** Creates `path` holding `text` if it does not exist; false if it does. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // a file system without hard links: exclusive create, then write
    try {
      writeFileSync(path, text, { flag: 'wx' });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Moves a stale lock out of the way, unless it was replaced meanwhile by a live one. */
function breakStaleLock(path: string, token: string | undefined): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else removed it first
  }
  const moved = readLock(aside);
  if (token !== undefined && moved?.record?.token !== token) {
    // a new lock appeared between our read and the rename: give it back
    try {
      linkSync(aside, path);
    } catch {
      // its place was taken again; the new holder is live either way
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Claims output directory `dir` for this process (re-entrant) and returns the release function.
 * Throws E_LOCKED naming the holder when another live run holds it, E_IO when the lock cannot be
 * written.
 */
export function claimOutputDirectory(dir: string, out: string = dir): () => void {
  const path = lockPath(dir);
  const held = claims.get(path);
  if (held) {
    held.count++;
    return once(() => release(path));
  }
  const token = randomBytes(8).toString('hex');
  const record: LockRecord = {
    tool: 'eoslab',
    pid: process.pid,
    host: hostname(),
    processStart: processStart(process.pid),
    since: new Date().toISOString(),
    token,
  };
  const text = `${JSON.stringify(record)}\n`;
  for (let attempt = 0; ; attempt++) {
    let created: boolean;
    try {
      created = createExclusive(path, text);
    } catch (error) {
      throw ioError(`cannot lock output directory ${out}: ${messageOf(error)}`, out, error);
    }
    if (created) break;
    const holder = readLock(path);
    if (holder === undefined) continue; // released meanwhile: try again
    if (attempt >= 3 || !isStale(holder)) throw lockedError(out, path, holder.record);
    breakStaleLock(path, holder.record?.token);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // the lock was removed under us; the release will notice
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  claims.set(path, { count: 1, token, heartbeat });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', releaseOutputClaims);
  }
  return once(() => release(path));
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

function release(path: string): void {
  const claim = claims.get(path);
  if (!claim || --claim.count > 0) return;
  drop(path, claim);
}

function drop(path: string, claim: Claim): void {
  clearInterval(claim.heartbeat);
  claims.delete(path);
  const current = readLock(path);
  // remove only our own lock (a stale-lock breaker on another host may have replaced it)
  if (current?.record?.token === claim.token) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

/** Ends every claim of this process (at exit). */
function releaseOutputClaims(): void {
  for (const [path, claim] of [...claims]) drop(path, claim);
}

const scopes = new AsyncLocalStorage<(() => void)[]>();

/**
 * Claims `dir` until the enclosing {@link withOutputClaims} scope ends (or, outside any scope,
 * until the process exits).
 */
export function holdOutputDirectory(dir: string, out: string = dir): void {
  const release = claimOutputDirectory(dir, out);
  scopes.getStore()?.push(release);
}

/** Runs `fn`; the directories it held with {@link holdOutputDirectory} are released when it ends. */
export async function withOutputClaims<T>(fn: () => Promise<T>): Promise<T> {
  const held: (() => void)[] = [];
  try {
    return await scopes.run(held, fn);
  } finally {
    for (const release of held) release();
  }
}

/** Output directories (lock paths) this process holds, for tests. */
export function heldOutputLocks(): string[] {
  return [...claims.keys()];
}
