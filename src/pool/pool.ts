/**
 * Worker threads, shared by every command that fans work out (heatmap tiles, GPGD orbits, theorem
 * checks, regression seeds): where the compiled worker files are, how an EoslabError crosses the
 * thread boundary (as data: errors lose their class there), and a transient Piscina pool with
 * abort and error handling.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { aborted, EoslabError, type ErrorCode } from '../base/errors.js';

/**
 * The compiled worker `dist/<path>.js` (path relative to src/, without extension) — also when the
 * calling code runs from src/ under tsx or vitest, where worker threads cannot load TypeScript.
 */
export function compiledWorker(path: string): string {
  const here = import.meta.url;
  // this file is src/pool/pool.ts or dist/pool/pool.js
  return fileURLToPath(here.endsWith('.ts') ? new URL(`../../dist/${path}.js`, here) : new URL(`../${path}.js`, here));
}

/** An EoslabError returned by a worker as data. */
export interface WorkerError {
  error: { code: ErrorCode; message: string; option?: string };
}

/** In a worker: an EoslabError becomes data (rethrown by `fromWorker`); anything else is rethrown. */
export function errorAsData(error: unknown): WorkerError {
  if (error instanceof EoslabError)
    return { error: { code: error.code, message: error.message, option: error.option } };
  throw error;
}

/** In the main thread: a worker's result, or its EoslabError rethrown with its class. */
export function fromWorker<R extends object>(result: R | WorkerError): R {
  if ('error' in result) throw new EoslabError(result.error.code, result.error.message, result.error.option);
  return result;
}

/**
 * Runs `tasks` on a transient pool of `threads` workers executing `file`; `onResult(result, i)`
 * sees each task's result as it arrives. Errors and abort as in `runQueueOnPool`.
 */
export async function runOnPool<T, R extends object>(
  file: string,
  threads: number,
  tasks: readonly T[],
  onResult: (result: R, index: number) => void,
  signal: AbortSignal | undefined,
  what: string,
): Promise<void> {
  let next = 0;
  await runQueueOnPool<number, T, R>(
    file,
    threads,
    () => (next < tasks.length ? next++ : undefined),
    (i) => tasks[i] as T,
    onResult,
    signal,
    what,
  );
}

/**
 * Runs jobs on a transient pool of `threads` workers executing `file`, keeping at most `threads`
 * in flight: `take()` gives the next job (undefined: none for now), `taskOf(job)` what the worker
 * receives, and `onResult(result, job)` sees each result as it arrives — it may make `take` return
 * more jobs (work that grows as results come in). Resolves when no job is running and `take` has
 * none. An abort destroys the pool and rejects with E_ABORTED naming `what` (results still in
 * flight then arrive as pool 'error' events, which are expected); any other pool error, an error
 * thrown by `onResult`, and EoslabErrors returned as data are rethrown.
 */
export async function runQueueOnPool<J, T, R extends object>(
  file: string,
  threads: number,
  take: () => J | undefined,
  taskOf: (job: J) => T,
  onResult: (result: R, job: J) => void,
  signal: AbortSignal | undefined,
  what: string,
): Promise<void> {
  const pool = new Piscina<T, R | WorkerError>({ filename: file, minThreads: threads, maxThreads: threads });
  const onAbort = (): void => void pool.destroy();
  let poolError: unknown;
  pool.on('error', (error: unknown) => {
    if (!signal?.aborted) poolError ??= error;
  });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      let failed = false;
      const fail = (error: unknown): void => {
        failed = true;
        reject(error);
      };
      const pump = (): void => {
        if (failed) return;
        while (inFlight < threads) {
          const job = take();
          if (job === undefined) break;
          inFlight++;
          pool.run(taskOf(job)).then(
            (result) => {
              inFlight--;
              try {
                onResult(fromWorker(result), job);
              } catch (error) {
                fail(error);
                return;
              }
              pump();
            },
            (error: unknown) => fail(signal?.aborted ? aborted(what) : error),
          );
        }
        if (inFlight === 0) resolve();
      };
      pump();
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
  if (poolError !== undefined) throw poolError;
}
