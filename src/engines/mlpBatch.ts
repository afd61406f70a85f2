/**
 * Full-batch operations of a fully connected network (an `MlpBatch`, the fully connected kind of
 * `NetworkBatch`, networkBatch.ts): the loss, gradient and Hessian-vector product as sums over a
 * FIXED partition of the batch into shards, summed in shard order in float64 (networkBatch.ts,
 * docs/model.md §5), so results do not depend on how many threads share the work
 * (pool/mlpTeam.ts computes the shards on pool workers, `LocalBatch` here in the calling thread).
 *
 * Precision: 'f64' computes the shards with the float64 kernels; 'f32' with the float32 kernels
 * (θ and v rounded to float32 on the way in, the partial results widened to float64 on the way
 * out), while the sums over shards and everything built on them (GD, RK4, Lanczos) stay float64.
 */
import { MlpEngine } from './mlp.js';
import { MlpEngine32 } from './mlp32.js';
import type { ShardKernels } from './mlpKernels.js';
import type { MlpData, MlpShape } from './mlpNetwork.js';
import {
  defaultShards,
  shardRanges,
  sumInOrder,
  sumScalarsInOrder,
  type NetworkBatch,
  type Precision,
} from './networkBatch.js';

export type { ShardKernels };
// the shard arithmetic every network shares, where the fully connected path has always found it
export {
  defaultShards,
  MAX_SHARDS,
  shardRanges,
  sumInOrder,
  sumScalarsInOrder,
  sumSliceInOrder,
  type NetworkBatch,
  type Precision,
} from './networkBatch.js';

/** A network and its data: what every thread computing shards builds its kernels from. */
export interface MlpProblem {
  readonly shape: MlpShape;
  readonly data: MlpData;
}

/** The full-batch operations of a fully connected network: a `NetworkBatch` that knows its layer sizes. */
export interface MlpBatch extends NetworkBatch {
  /** Layer sizes d₀ … d_L of the network. */
  readonly sizes: readonly number[];
}

/** The shard kernels of `precision` for `problem`, in this thread's own WASM instance. */
export function buildShardKernels(problem: MlpProblem, precision: Precision): ShardKernels {
  if (precision === 'f64') return new MlpEngine(problem.shape, problem.data);
  if (precision === 'f32') return new MlpEngine32(problem.shape, problem.data);
  throw new RangeError(`precision ${String(precision)} is not one of f64, f32`);
}

export type ShardOp = 'loss' | 'gradient' | 'hvp';

/**
 * Computes the shards `mine` (indices into `ranges`) of one operation with `kernels`, writing
 * shard k's partial vector into partials[k] and its partial loss into losses[k]. Shared by the
 * calling-thread batch and the pool workers, so both run the very same code.
 */
export function computeShards(
  kernels: ShardKernels,
  ranges: readonly { start: number; count: number }[],
  mine: readonly number[],
  op: ShardOp,
  theta: Float64Array,
  v: Float64Array | undefined,
  partials: readonly Float64Array[],
  losses: Float64Array,
): void {
  if (mine.length === 0) return;
  kernels.setParameters(theta);
  if (op === 'hvp') kernels.setDirection(v as Float64Array);
  for (const k of mine) {
    const { start, count } = ranges[k] as { start: number; count: number };
    if (op === 'loss') losses[k] = kernels.shardLoss(start, count);
    else if (op === 'gradient') losses[k] = kernels.shardGradient(start, count, partials[k] as Float64Array);
    else kernels.shardHvp(start, count, partials[k] as Float64Array);
  }
}

/** The batch computed in the calling thread, shard after shard (workers: 0). */
export class LocalBatch implements MlpBatch {
  readonly sizes: readonly number[];
  readonly parameterCount: number;
  readonly shards: number;
  private readonly ranges: { start: number; count: number }[];
  private readonly partials: Float64Array[];
  private readonly losses: Float64Array;
  private readonly all: number[];

  constructor(
    private readonly kernels: ShardKernels,
    readonly precision: Precision,
    shards = defaultShards(kernels.n),
  ) {
    this.sizes = kernels.sizes;
    this.parameterCount = kernels.parameterCount;
    this.ranges = shardRanges(kernels.n, shards);
    this.shards = this.ranges.length;
    this.partials = this.ranges.map(() => new Float64Array(this.parameterCount));
    this.losses = new Float64Array(this.shards);
    this.all = this.ranges.map((_, k) => k);
  }

  /** A batch over `engine`'s float64 kernels. */
  static of(engine: MlpEngine, shards = defaultShards(engine.n)): LocalBatch {
    return new LocalBatch(engine, 'f64', shards);
  }

  async loss(theta: Float64Array): Promise<number> {
    computeShards(this.kernels, this.ranges, this.all, 'loss', theta, undefined, this.partials, this.losses);
    return sumScalarsInOrder(this.losses);
  }

  async gradient(theta: Float64Array, out: Float64Array): Promise<number> {
    computeShards(this.kernels, this.ranges, this.all, 'gradient', theta, undefined, this.partials, this.losses);
    sumInOrder(this.partials, out);
    return sumScalarsInOrder(this.losses);
  }

  async hvp(theta: Float64Array, v: Float64Array, out: Float64Array): Promise<void> {
    computeShards(this.kernels, this.ranges, this.all, 'hvp', theta, v, this.partials, this.losses);
    sumInOrder(this.partials, out);
  }

  async close(): Promise<void> {}
}
