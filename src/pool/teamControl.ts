/**
 * The main-thread side of a team of pool workers serving operations through shared memory (the
 * network teams of mlpTeam.ts and convTeam.ts): each worker runs one long task that waits on the
 * control block's sequence word; an operation writes its inputs, resets the counters, sets the
 * operation code and bumps the sequence, then waits — without blocking the event loop
 * (Atomics.waitAsync) — until every worker has counted itself finished. One operation at a time:
 * concurrent callers queue. A worker that fails raises the error flag and counts itself finished
 * before its task ends with the error, which the caller gets.
 */
import { EoslabError } from '../base/errors.js';
import type { TaskName } from './protocol.js';
import { WorkerPool } from './pool.js';

/** Where the words of a team's control block are. */
export interface ControlWords {
  readonly sequence: number;
  readonly op: number;
  readonly error: number;
  /** Counters set to 0 before each operation. */
  readonly reset: readonly number[];
  /** The counter every worker increments when it has finished its part of the operation. */
  readonly finished: number;
}

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

export class TeamControl {
  private readonly pool: WorkerPool;
  private readonly serving: Promise<unknown>;
  private failure: unknown;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Starts one `task` per input on a pool of as many threads. */
  constructor(
    readonly control: Int32Array,
    private readonly words: ControlWords,
    task: TaskName,
    inputs: readonly unknown[],
  ) {
    this.pool = new WorkerPool(inputs.length);
    this.serving = this.pool
      .runJobs({ task, jobs: inputs, onResult: () => undefined, what: 'the network team' })
      .catch((error: unknown) => {
        this.failure ??= error;
      });
  }

  get workers(): number {
    return this.pool.size;
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Runs operation `op` after `write` has put its inputs in shared memory (queued behind the others). */
  run(op: number, write: () => void): Promise<void> {
    const c = this.control;
    const w = this.words;
    const operation = async (): Promise<void> => {
      if (this.closed) throw new EoslabError('E_WORKER', 'the network team was closed');
      this.rethrow();
      write();
      for (const word of w.reset) Atomics.store(c, word, 0);
      Atomics.store(c, w.op, op);
      Atomics.add(c, w.sequence, 1);
      Atomics.notify(c, w.sequence);
      const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
      for (let done = Atomics.load(c, w.finished); done < this.workers; done = Atomics.load(c, w.finished)) {
        const wait = waitAsync(c, w.finished, done);
        if (wait.async) await Promise.race([wait.value, this.serving]);
        this.rethrow();
      }
      if (Atomics.load(c, w.error) !== 0) {
        await this.serving; // the failing worker's task ends with its error
        this.rethrow();
        throw new EoslabError('E_WORKER', 'a network team worker failed');
      }
    };
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Sends `exitOp`, waits for the workers' tasks to end and closes the pool. */
  async close(exitOp: number): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    Atomics.store(this.control, this.words.op, exitOp);
    Atomics.add(this.control, this.words.sequence, 1);
    Atomics.notify(this.control, this.words.sequence);
    await this.serving;
    await this.pool.close();
  }
}
