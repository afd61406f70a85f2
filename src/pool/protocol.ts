/**
 * The protocol between the main thread and the worker entry (worker.ts), shared by both sides.
 *
 * - A task is named: the pool runs `piscina.run(input, { name })` and the worker entry exports one
 *   function per name (TaskName). Inputs are structured-cloned into the worker.
 * - A worker always answers with a Reply: `{ ok: result }`, or `{ error: … }` for an EoslabError
 *   (errors lose their class crossing threads, so they travel as data and `unwrap` rethrows them as
 *   EoslabErrors with code, message, option, value and exit code). These are deterministic — the
 *   same input fails the same way — and are never retried.
 * - Any other error thrown by a task (a bug, a RangeError from WASM memory) is not caught: Piscina
 *   rejects the run with it, as when the worker thread dies. The pool may retry such a job.
 * - The typed arrays a task names as large are transferred back (Piscina's move: the worker gives
 *   up their buffers) instead of copied; only plain, distinct ArrayBuffers are moved.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { EoslabError, type ErrorCode } from '../base/errors.js';

/** The named tasks of the worker entry, one per experiment that fans work out. */
export type TaskName =
  'heatmap' | 'heatmapFigure' | 'bifurcation' | 'check' | 'regression' | 'net' | 'mlpTeam' | 'convTeam';

/** An EoslabError as data. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly option?: string;
  readonly value?: unknown;
  readonly exitCode: number;
}

export type Reply<R> = { readonly ok: R } | { readonly error: ErrorData };

/** A value that survives structured cloning (else the error's value is dropped, not the error). */
function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** In a worker: an EoslabError as a Reply; anything else is rethrown (Piscina rejects the run). */
export function errorReply(error: unknown): Reply<never> {
  if (!(error instanceof EoslabError)) throw error;
  const data: ErrorData = {
    code: error.code,
    message: error.message,
    exitCode: error.exitCode,
    ...(error.option !== undefined ? { option: error.option } : {}),
    ...(error.value !== undefined && cloneable(error.value) ? { value: error.value } : {}),
  };
  return { error: data };
}

/**
 * In a worker: a result as a Reply, with the buffers of `arrays` marked for transfer (plain
 * ArrayBuffers only — never a SharedArrayBuffer or WASM memory — each once).
 */
export function resultReply<R>(result: R, arrays: readonly ArrayBufferView[] = []): unknown {
  const reply: Reply<R> = { ok: result };
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) buffers.add(a.buffer);
  }
  if (buffers.size === 0) return reply;
  // Piscina's transferable protocol: the value, plus the buffers to move with it
  const movable = { [transferableSymbol]: [...buffers], [valueSymbol]: reply };
  return move(movable as unknown as Parameters<typeof move>[0]);
}

/** In the main thread: a Reply's result, or its EoslabError rethrown with its class. */
export function unwrap<R>(reply: Reply<R>): R {
  if ('error' in reply) {
    const e = reply.error;
    throw new EoslabError(e.code, e.message, e.option, e.value, e.exitCode);
  }
  return reply.ok;
}
