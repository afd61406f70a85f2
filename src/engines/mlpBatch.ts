/**
 * Full-batch operations of a fully connected network as sums over a FIXED partition of the batch
 * into shards (docs/model.md §5): L(θ) = Σₛ Lₛ(θ), ∇L(θ) = Σₛ ∇Lₛ(θ) and ∇²L(θ)v = Σₛ ∇²Lₛ(θ)v,
 * where shard s holds rows [start_s, start_s + count_s) and every Lₛ is normalised by the whole
 * batch size n (Lₛ = (1/n) Σ_{i ∈ s} ½‖f(xᵢ) − yᵢ‖²). The shards' partial results are summed in
 * shard order, ((p₀ + p₁) + p₂) + …, in float64: the same bits whoever computed each shard, so
 * results do not depend on how many threads share the work (pool/mlpTeam.ts computes the shards
 * on pool workers, `LocalBatch` here in the calling thread).
 *
 * Precision: 'f64' computes the shards with the float64 kernels; 'f32' with the float32 kernels
 * (θ and v rounded to float32 on the way in, the partial results widened to float64 on the way
 * out), while the sums over shards and everything built on them (GD, RK4, Lanczos) stay float64.
 */
import { MlpEngine } from './mlp.js';
import { MlpEngine32 } from './mlp32.js';
import type { ShardKernels } from './mlpKernels.js';
import type { MlpData, MlpShape } from './mlpNetwork.js';

export type { ShardKernels };

export type Precision = 'f64' | 'f32';

/** A network and its data: what every thread computing shards builds its kernels from. */
export interface MlpProblem {
  readonly shape: MlpShape;
  readonly data: MlpData;
}

/** The most shards a batch is cut into (so up to 8 threads can share a gradient). */
export const MAX_SHARDS = 8;

/**
 * The number of shards of an n-row batch: about one per 125 rows, at least 2 and at most
 * MAX_SHARDS (never more than n). It depends on n only — never on the number of threads — so the
 * arithmetic is fixed by the problem. Each shard costs a few P-sized passes (its gradient buffer,
 * the copy out, its share of the sum) whatever its rows, so small batches get few shards: at
 * n = 100 on the Fig 6 network eight shards of 12 rows spend as long on those passes as on the rows.
 */
export function defaultShards(n: number): number {
  return Math.max(1, Math.min(n, MAX_SHARDS, Math.max(2, Math.round(n / 125))));
}

/** Rows [start, start + count) of each of `shards` shards of an n-row batch, as equal as possible. */
export function shardRanges(n: number, shards: number): { start: number; count: number }[] {
  const s = Math.max(1, Math.min(shards, n));
  const out: { start: number; count: number }[] = [];
  for (let k = 0; k < s; k++) {
    const start = Math.floor((k * n) / s);
    out.push({ start, count: Math.floor(((k + 1) * n) / s) - start });
  }
  return out;
}

/** out ← Σₖ partials[k] in the order k = 0, 1, …: the fixed-order sum every batch uses. */
export function sumInOrder(partials: readonly Float64Array[], out: Float64Array): void {
  sumSliceInOrder(partials, out, 0, out.length);
}

/**
 * out[i] ← Σₖ partials[k][i] in the order k = 0, 1, … for i in [from, to): sumInOrder on a slice
 * of the coordinates (the same bits coordinate by coordinate), so threads can share a reduction.
 */
export function sumSliceInOrder(partials: readonly Float64Array[], out: Float64Array, from: number, to: number): void {
  const first = partials[0];
  if (first === undefined) {
    out.fill(0, from, to);
    return;
  }
  for (let i = from; i < to; i++) out[i] = first[i] as number;
  for (let k = 1; k < partials.length; k++) {
    const p = partials[k] as Float64Array;
    for (let i = from; i < to; i++) out[i] = (out[i] as number) + (p[i] as number);
  }
}

/** Σₖ values[k] in the order k = 0, 1, …. */
export function sumScalarsInOrder(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k] as number;
  return s;
}

/**
 * The full-batch operations the solver (mlpSolver.ts) is built on. Implementations may compute
 * anywhere; they must return exactly the fixed-order shard sums above.
 */
export interface MlpBatch {
  /** Layer sizes d₀ … d_L of the network. */
  readonly sizes: readonly number[];
  readonly parameterCount: number;
  readonly shards: number;
  readonly precision: Precision;
  /** L(θ). */
  loss(theta: Float64Array): Promise<number>;
  /** ∇L(θ) → out; returns L(θ). */
  gradient(theta: Float64Array, out: Float64Array): Promise<number>;
  /** ∇²L(θ)·v → out. */
  hvp(theta: Float64Array, v: Float64Array, out: Float64Array): Promise<void>;
  /** Releases threads or memory the batch holds. */
  close(): Promise<void>;
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
