/**
 * Data-parallel full-batch operations of a fully connected network (an `MlpBatch`,
 * engines/mlpBatch.ts) on the worker pool: a team of W pool workers, each holding the network and
 * the data, computes the batch's fixed shards — worker w the shards k ≡ w (mod W) — and the main
 * thread sums the partial results in shard order. The sums are those of the calling-thread batch
 * bit for bit, whatever W (the shards, not the workers, fix the arithmetic).
 *
 * Protocol (shared memory, no message per operation): every team worker runs one long task,
 * `mlpTeam` of the worker entry, that waits on a control word. For each operation the main thread
 * writes θ (and v) into shared float64 vectors, sets the operation and bumps the sequence number.
 * Each worker computes its shards into its slots of the shared partial results and counts itself
 * `done`; once all W are done (a barrier on the same word), worker w sums the partial vectors over
 * its slice of the P coordinates — shard order within every coordinate, so the bits are those of
 * sumInOrder — into the shared result and counts itself `reduced`. The main thread waits for W
 * reductions without blocking its event loop (Atomics.waitAsync), sums the S partial losses and
 * copies the result out. One operation at a time: concurrent callers queue. A worker that fails
 * raises the error flag, counts itself done and reduced and ends its task with the error, which
 * the main thread rethrows.
 * Shared memory against messages: per operation this copies θ (and v) in and one result vector
 * out, and the reduction is spread over the workers; `npm run bench:mlp` measures the transport
 * alone at a fraction of transferring θ and the partial vectors in messages (README, Performance).
 */
import { invalidOption } from '../base/errors.js';
import {
  buildShardKernels,
  computeShards,
  shardRanges,
  sumScalarsInOrder,
  sumSliceInOrder,
  defaultShards,
  LocalBatch,
  type MlpBatch,
  type MlpProblem,
  type Precision,
  type ShardOp,
} from '../engines/mlpBatch.js';
import { MlpSolver } from '../engines/mlpSolver.js';
import { checkNetwork, parameterCountOf } from '../engines/mlpNetwork.js';
import { TeamControl, type ControlWords } from './teamControl.js';

/** Words of the control block. */
export const CONTROL = { sequence: 0, op: 1, done: 2, error: 3, reduced: 4, length: 5 } as const;
/** Operation codes. */
export const OP = { loss: 1, gradient: 2, hvp: 3, exit: 4 } as const;
/** The main thread waits for every worker's reduction. */
const TEAM_WORDS: ControlWords = {
  sequence: CONTROL.sequence,
  op: CONTROL.op,
  error: CONTROL.error,
  reset: [CONTROL.done, CONTROL.reduced],
  finished: CONTROL.reduced,
};

/** What a team worker receives once: the shared memory, its shards and the problem. */
export interface TeamInput {
  readonly control: SharedArrayBuffer;
  readonly theta: SharedArrayBuffer;
  readonly v: SharedArrayBuffer;
  /** S partial vectors of P float64 each, shard after shard. */
  readonly partials: SharedArrayBuffer;
  /** Their sum in shard order (P float64). */
  readonly result: SharedArrayBuffer;
  /** Team size W and this worker's index w (it reduces coordinates [⌊wP/W⌋, ⌊(w+1)P/W⌋)). */
  readonly workers: number;
  readonly index: number;
  /** S partial losses. */
  readonly losses: SharedArrayBuffer;
  readonly ranges: readonly { start: number; count: number }[];
  /** The shards this worker computes. */
  readonly mine: readonly number[];
  readonly problem: MlpProblem;
  readonly precision: Precision;
}

/** The batch of a team of `workers` pool threads (≥ 1) over `problem`'s data. */
export class TeamBatch implements MlpBatch {
  readonly shards: number;
  readonly sizes: readonly number[];
  private readonly control: Int32Array;
  private readonly thetaShared: Float64Array;
  private readonly vShared: Float64Array;
  private readonly result: Float64Array;
  private readonly losses: Float64Array;
  private readonly team: TeamControl;

  private constructor(
    readonly parameterCount: number,
    readonly precision: Precision,
    readonly workers: number,
    problem: MlpProblem,
    shards: number,
  ) {
    // each worker receives the problem once (a structured clone of the data) and builds its own kernels
    const P = parameterCount;
    this.sizes = [problem.shape.input, ...problem.shape.hidden, problem.shape.output];
    const ranges = shardRanges(problem.data.n, shards);
    this.shards = ranges.length;
    const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(bytes);
    const control = sab(4 * CONTROL.length);
    const theta = sab(8 * P);
    const v = sab(8 * P);
    const partials = sab(8 * P * this.shards);
    const result = sab(8 * P);
    const losses = sab(8 * this.shards);
    this.control = new Int32Array(control);
    this.thetaShared = new Float64Array(theta);
    this.vShared = new Float64Array(v);
    this.result = new Float64Array(result);
    this.losses = new Float64Array(losses);
    const inputs: TeamInput[] = Array.from({ length: workers }, (_, w) => ({
      control,
      theta,
      v,
      partials,
      result,
      losses,
      ranges,
      workers,
      index: w,
      mine: ranges.map((_, k) => k).filter((k) => k % workers === w),
      problem,
      precision,
    }));
    this.team = new TeamControl(this.control, TEAM_WORDS, 'mlpTeam', inputs);
  }

  /** Starts a team of `workers` pool threads; P is the network's parameter count. */
  static start(
    problem: MlpProblem,
    parameterCount: number,
    workers: number,
    precision: Precision = 'f64',
    shards = defaultShards(problem.data.n),
  ): TeamBatch {
    if (!Number.isInteger(workers) || workers < 1) throw invalidOption('workers', workers, 'an integer ≥ 1');
    return new TeamBatch(parameterCount, precision, workers, problem, shards);
  }

  /** Runs one operation on the team (queued behind the previous ones). */
  private request(op: ShardOp, theta: Float64Array, v?: Float64Array): Promise<void> {
    return this.team.run(OP[op], () => {
      this.thetaShared.set(theta);
      if (v !== undefined) this.vShared.set(v);
    });
  }

  async loss(theta: Float64Array): Promise<number> {
    await this.request('loss', theta);
    return sumScalarsInOrder(this.losses);
  }

  async gradient(theta: Float64Array, out: Float64Array): Promise<number> {
    await this.request('gradient', theta);
    out.set(this.result);
    return sumScalarsInOrder(this.losses);
  }

  async hvp(theta: Float64Array, v: Float64Array, out: Float64Array): Promise<void> {
    await this.request('hvp', theta, v);
    out.set(this.result);
  }

  /** Ends the workers' tasks and the pool. */
  async close(): Promise<void> {
    await this.team.close(OP.exit);
  }
}

/**
 * In a team worker (the `mlpTeam` task of the worker entry): builds the shard kernels once, then
 * serves operations until told to exit (see the protocol above). A failing operation raises the
 * error flag and counts this worker done before the error propagates.
 */
export function serveTeam(input: TeamInput): void {
  const c = new Int32Array(input.control);
  const count = (word: number): void => {
    Atomics.add(c, word, 1);
    Atomics.notify(c, word);
  };
  // A failure to build ends this task with its error, which wakes the main thread (it races every
  // wait against the team's tasks).
  const kernels = buildShardKernels(input.problem, input.precision);
  const P = kernels.parameterCount;
  const theta = new Float64Array(input.theta);
  const v = new Float64Array(input.v);
  const partials = input.ranges.map((_, k) => new Float64Array(input.partials, 8 * P * k, P));
  const result = new Float64Array(input.result);
  const losses = new Float64Array(input.losses);
  const from = Math.floor((input.index * P) / input.workers);
  const to = Math.floor(((input.index + 1) * P) / input.workers);
  const names: Record<number, ShardOp> = { [OP.loss]: 'loss', [OP.gradient]: 'gradient', [OP.hvp]: 'hvp' };
  let seen = 0;
  for (;;) {
    Atomics.wait(c, CONTROL.sequence, seen);
    seen = Atomics.load(c, CONTROL.sequence);
    const op = Atomics.load(c, CONTROL.op);
    if (op === OP.exit) return;
    const name = names[op] as ShardOp;
    try {
      computeShards(kernels, input.ranges, input.mine, name, theta, v, partials, losses);
    } catch (error) {
      Atomics.store(c, CONTROL.error, 1);
      count(CONTROL.done);
      count(CONTROL.reduced);
      throw error;
    }
    count(CONTROL.done);
    if (name !== 'loss') {
      // barrier: every shard's partial vector is written
      for (let d = Atomics.load(c, CONTROL.done); d < input.workers; d = Atomics.load(c, CONTROL.done)) {
        Atomics.wait(c, CONTROL.done, d);
      }
      if (Atomics.load(c, CONTROL.error) === 0) sumSliceInOrder(partials, result, from, to);
    }
    count(CONTROL.reduced);
  }
}

/** Options of `createMlpSolver`. */
export interface MlpSolverOptions {
  /** Pool threads computing the batch's shards; 0: this thread (default 0). */
  workers?: number;
  /** Kernels of the shards (default 'f64'); sums, GD, RK4 and Lanczos are float64 either way. */
  precision?: Precision;
  /** Shards of the batch (default defaultShards(n): 2 to 8): fixes the arithmetic, whatever the worker count. */
  shards?: number;
  /** Aborts long operations (GD, flows, Lanczos) between two batch operations. */
  signal?: AbortSignal;
  /** Named in the E_ABORTED error (default 'the network solver'). */
  what?: string;
}

/**
 * A solver (GD, RK4 flow, Lanczos, GFS sharpness) for a network on its data whose full-batch
 * gradients and HVPs run on `workers` pool threads (or this thread), bit-identical for any worker
 * count. Close it to end the threads.
 */
export function createMlpSolver(problem: MlpProblem, options: MlpSolverOptions = {}): MlpSolver {
  const workers = options.workers ?? 0;
  const precision = options.precision ?? 'f64';
  const shards = options.shards ?? defaultShards(problem.data.n);
  if (!Number.isInteger(workers) || workers < 0) throw invalidOption('workers', workers, 'an integer ≥ 0');
  if (precision !== 'f64' && precision !== 'f32') throw invalidOption('precision', precision, "'f64' or 'f32'");
  if (!Number.isInteger(shards) || shards < 1) throw invalidOption('shards', shards, 'a positive integer');
  let batch: MlpBatch;
  if (workers > 0) {
    // validated here, with a clear error, before any thread starts; the workers build the kernels
    const P = parameterCountOf(checkNetwork(problem.shape, problem.data));
    batch = TeamBatch.start(problem, P, workers, precision, shards);
  } else {
    batch = new LocalBatch(buildShardKernels(problem, precision), precision, shards);
  }
  return new MlpSolver(batch, { signal: options.signal, what: options.what });
}
