/**
 * The one pool helper, used by every experiment that fans work out (heatmap tiles, orbit chunks,
 * theorem-check samples, regression seeds, fcnet GD chunks and GFS evaluations).
 *
 * `runJobs(where, spec)` runs jobs as named tasks of the one worker entry (worker.ts; messages in
 * protocol.ts) and hands each result to `spec.onResult` as it arrives:
 * - `where` is a WorkerPool (kept across runs, e.g. the heatmap's warmed-up SweepPool), a number of
 *   threads (a transient pool, closed at the end), or 0: the jobs run in this thread through
 *   `spec.local`, one after the other with the event loop served in between;
 * - jobs are a list (queued at once: a worker never waits for the main thread between jobs) or a
 *   function giving the next job (asked as late as possible, at most one job per thread in flight,
 *   so it can choose by priority and give more jobs as results come in);
 * - an EoslabError returned by a task is rethrown with its class and never retried; a run rejected
 *   otherwise (the worker died or was killed, or a task threw another error) is retried up to
 *   `spec.attempts` times (default 1: no retry), then `spec.failure` names the job;
 * - an abort destroys the pool and rejects with E_ABORTED naming `spec.what` (results arriving
 *   after it are dropped: the run ends as aborted even when its last jobs were done).
 * Results are placed by the callers from each job's own data, so they do not depend on the worker
 * count or on the order in which jobs finish.
 *
 * Worker threads cannot run TypeScript: the worker is always dist/pool/worker.js. When this module
 * runs from src/ (tsx, vitest), a dist/ older than any source the worker loads is refused.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { aborted, EoslabError } from '../base/errors.js';
import { unwrap, type Reply, type TaskName } from './protocol.js';

export type { TaskName } from './protocol.js';

/** Relative imports of a source file (static, dynamic and side-effect ones). */
const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.\.?\/[^'"]+)\.js['"]/g;
/** Comments starting a line, block or line (they may quote imports). */
const COMMENTS = /^\s*\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;

/** src/-relative paths (no extension) of every module `entry` may load, itself included. */
export function moduleGraph(srcRoot: string, entry: string): string[] {
  const seen = new Set<string>([entry]);
  const pending = [entry];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    let text: string;
    try {
      text = readFileSync(join(srcRoot, `${path}.ts`), 'utf8').replace(COMMENTS, '');
    } catch {
      continue; // not a TypeScript source: nothing to follow
    }
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      const next = relative(srcRoot, join(srcRoot, dirname(path), m[1] as string))
        .split('\\')
        .join('/');
      if (!seen.has(next)) {
        seen.add(next);
        pending.push(next);
      }
    }
  }
  return [...seen].sort();
}

/** The first of `sources` whose compiled file in `distRoot` is missing or older than its source. */
export function staleSource(srcRoot: string, distRoot: string, sources: readonly string[]): string | undefined {
  return sources.find((source) => {
    let sourceTime: number;
    try {
      sourceTime = statSync(join(srcRoot, `${source}.ts`)).mtimeMs;
    } catch {
      return false; // not a TypeScript source (nothing to compare)
    }
    try {
      return statSync(join(distRoot, `${source}.js`)).mtimeMs < sourceTime;
    } catch {
      return true;
    }
  });
}

let workerSources: string[] | undefined;

/**
 * The compiled worker entry: dist/pool/worker.js. When this module runs from src/, a worker
 * module missing from dist/ or older than its source is refused (the pool would run old code).
 */
export function workerEntry(): string {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return fileURLToPath(new URL('./worker.js', here));
  // this file is src/pool/pool.ts
  const src = fileURLToPath(new URL('../', here));
  const dist = fileURLToPath(new URL('../../dist/', here));
  workerSources ??= moduleGraph(src, 'pool/worker');
  const stale = staleSource(src, dist, workerSources);
  if (stale !== undefined) {
    throw new EoslabError('E_WASM', `dist/${stale}.js is missing or older than src/${stale}.ts: run \`npm run build\``);
  }
  return join(dist, 'pool', 'worker.js');
}

export interface WorkerPoolOptions {
  /** Tasks whose per-thread state (engine, warm-up) every worker prepares as it starts. */
  readonly prepare?: readonly TaskName[];
  /** Milliseconds an idle worker is kept before it exits (Piscina's idleTimeout). */
  readonly idleTimeout?: number;
}

export interface JobSpec<J, T, R> {
  /** The worker task that computes a job. */
  readonly task: TaskName;
  /**
   * The jobs: a list (queued at once), or a function giving the next job (undefined: none for
   * now), asked whenever a thread is free — it may give more jobs as results come in.
   */
  readonly jobs: readonly J[] | (() => J | undefined);
  /** What the task receives for a job (default: the job itself). */
  readonly input?: (job: J) => T;
  /** Computes a task in this thread (`where` = 0). */
  readonly local: (input: T) => R | Promise<R>;
  /** Sees every result as it arrives, with its job and the job's index in the order taken. */
  readonly onResult: (result: R, job: J, index: number) => void;
  readonly signal?: AbortSignal | undefined;
  /** Named in the E_ABORTED error ("the sweep was aborted"). */
  readonly what: string;
  /** Attempts per job whose run is rejected (its worker died, or a non-eoslab error); default 1. */
  readonly attempts?: number;
  /** The error after a job's last attempt failed (default: that attempt's error). */
  readonly failure?: (job: J, attempts: number, error: unknown) => unknown;
  /** Options of a transient pool (when `where` is a number of threads). */
  readonly pool?: WorkerPoolOptions;
}

/** Jobs retried after a failed attempt during one runJobs call. */
export interface JobAccounting {
  retried: number;
}

function nextJob<J>(jobs: readonly J[] | (() => J | undefined)): () => J | undefined {
  if (typeof jobs === 'function') return jobs;
  let next = 0;
  return () => (next < jobs.length ? jobs[next++] : undefined);
}

/** A pool of worker threads running the worker entry; reusable across runs until closed. */
export class WorkerPool {
  /** Worker threads. */
  readonly size: number;
  /** Jobs retried after a failed attempt, over the pool's life. */
  retries = 0;
  private readonly piscina: Piscina<unknown, Reply<unknown>>;
  private failure: unknown;
  private expectFailures = false;

  constructor(size: number, options: WorkerPoolOptions = {}) {
    this.size = size;
    this.piscina = new Piscina<unknown, Reply<unknown>>({
      filename: workerEntry(),
      minThreads: size,
      maxThreads: size,
      workerData: { prepare: options.prepare ?? [] },
      ...(options.idleTimeout !== undefined ? { idleTimeout: options.idleTimeout } : {}),
    });
    // Results still in flight when an abort destroys the pool arrive as pool 'error' events
    // ("unexpected message"): expected then, a real failure otherwise.
    this.piscina.on('error', (error: unknown) => {
      if (!this.expectFailures) this.failure ??= error;
    });
  }

  /** The live worker threads (tests kill one mid-task to exercise the retry). */
  get threads(): readonly { terminate(): Promise<number> }[] {
    return this.piscina.threads;
  }

  /** Runs jobs on this pool (see runJobs). Resolves when every job's result has been handled. */
  async runJobs<J, T, R>(spec: Omit<JobSpec<J, T, R>, 'local' | 'pool'>): Promise<JobAccounting> {
    const { signal, what } = spec;
    if (signal?.aborted) throw aborted(what);
    const take = nextJob(spec.jobs);
    const limit = Array.isArray(spec.jobs) ? Infinity : this.size;
    const attempts = spec.attempts ?? 1;
    const input = spec.input ?? ((job: J) => job as unknown as T);
    const retriesBefore = this.retries;
    const onAbort = (): void => {
      this.expectFailures = true;
      void this.piscina.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.failure = undefined; // an earlier run's stray error must not fail this one
    const attempt = async (job: J): Promise<R> => {
      const task = input(job);
      for (let n = 1; ; n++) {
        let reply: Reply<unknown>;
        try {
          reply = await this.piscina.run(task, { name: spec.task });
        } catch (error) {
          if (signal?.aborted) throw aborted(what);
          if (n >= attempts) throw spec.failure ? spec.failure(job, n, error) : error;
          this.retries++;
          continue;
        }
        return unwrap(reply) as R; // an EoslabError returned as data is rethrown, not retried
      }
    };
    try {
      await new Promise<void>((resolve, reject) => {
        let inFlight = 0;
        let index = 0;
        let failed = false;
        const fail = (error: unknown): void => {
          if (failed) return;
          failed = true;
          reject(error);
        };
        const pump = (): void => {
          while (!failed && inFlight < limit) {
            const job = take();
            if (job === undefined) break;
            const i = index++;
            inFlight++;
            attempt(job).then((result) => {
              inFlight--;
              if (failed) return;
              if (signal?.aborted) {
                fail(aborted(what)); // results arriving after an abort are dropped
                return;
              }
              try {
                spec.onResult(result, job, i);
              } catch (error) {
                fail(error);
                return;
              }
              pump();
            }, fail);
          }
          if (inFlight === 0 && !failed) resolve();
        };
        pump();
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (this.failure !== undefined) throw this.failure;
    return { retried: this.retries - retriesBefore };
  }

  async close(): Promise<void> {
    this.expectFailures = true;
    await this.piscina.destroy();
  }
}

/** The jobs in this thread, one after the other, serving the event loop (progress, abort) between them. */
async function runLocal<J, T, R>(spec: JobSpec<J, T, R>): Promise<JobAccounting> {
  const { signal, what } = spec;
  if (signal?.aborted) throw aborted(what);
  const take = nextJob(spec.jobs);
  const input = spec.input ?? ((job: J) => job as unknown as T);
  let index = 0;
  for (let job = take(); job !== undefined; job = take()) {
    spec.onResult(await spec.local(input(job)), job, index++);
    await yieldToEventLoop();
    if (signal?.aborted) throw aborted(what);
  }
  return { retried: 0 };
}

/**
 * Runs jobs on `where`: a WorkerPool, a number of threads (a transient pool with `spec.pool`'s
 * options, closed at the end), or 0 (this thread, through `spec.local`). See the file header.
 */
export async function runJobs<J, T, R>(where: WorkerPool | number, spec: JobSpec<J, T, R>): Promise<JobAccounting> {
  if (spec.signal?.aborted) throw aborted(spec.what);
  if (typeof where !== 'number') return where.runJobs(spec);
  if (where === 0) return runLocal(spec);
  if (Array.isArray(spec.jobs) && spec.jobs.length === 0) return { retried: 0 }; // no pool to start
  const pool = new WorkerPool(where, spec.pool);
  try {
    return await pool.runJobs(spec);
  } finally {
    await pool.close();
  }
}
