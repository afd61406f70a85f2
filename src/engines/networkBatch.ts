/**
 * Full-batch operations of any network (fully connected: mlpBatch.ts; convolutional:
 * conv/batch.ts) as sums over a FIXED partition of the batch into shards (docs/model.md §5, §7):
 * L(θ) = Σₛ Lₛ(θ), ∇L(θ) = Σₛ ∇Lₛ(θ) and ∇²L(θ)v = Σₛ ∇²Lₛ(θ)v, where shard s holds samples
 * [start_s, start_s + count_s) and every Lₛ is normalised by the whole batch size n
 * (Lₛ = (1/n) Σ_{i ∈ s} ½‖f(xᵢ) − yᵢ‖²). The shards' partial results are summed in shard order,
 * ((p₀ + p₁) + p₂) + …, in float64: the same bits whoever computed each shard, so results do not
 * depend on how many threads share the work. The shard count is fixed by the batch size n alone
 * (`defaultShards`), so the arithmetic — and every bit of a run — is fixed by (network, data,
 * shards).
 *
 * `NetworkBatch` is what the solver (networkSolver.ts: GD, RK4 flow, Lanczos) is built on; it
 * needs nothing of the network but its parameter count.
 */

export type Precision = 'f64' | 'f32';

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
 * The full-batch operations of a network over its fixed shards: what the solver needs.
 * Implementations may compute anywhere (this thread, pool workers); they must return exactly the
 * fixed-order shard sums above, and report a non-finite θ through non-finite results, never an
 * exception. The methods are async; only one call runs at a time per batch.
 */
export interface NetworkBatch {
  /** P, the length of θ. */
  readonly parameterCount: number;
  /** Number of shards the batch is cut into (fixes the arithmetic). */
  readonly shards: number;
  /** Precision of the shard kernels (the sums over shards are float64 either way). */
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
