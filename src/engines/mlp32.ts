/**
 * The float32 shard kernels of a fully connected network (docs/model.md §5; issue 13's f32 mode):
 * `MlpEngine32` wraps `assembly/mlp32/` (f32 storage, f32x4 products) behind the ShardKernels
 * interface of mlpBatch.ts, so an f32 batch is built exactly like an f64 one. Like MlpEngine
 * (mlp.ts), one engine per problem and WASM instance: the constructor validates the shape and
 * data (checkNetwork), copies X and Y into the instance once, rounded to float32, and reserves
 * every buffer the kernels need, so no call allocates afterwards.
 *
 * Precision at the boundary: θ and v arrive as float64 and are rounded to nearest float32 on the
 * way in (a non-finite or out-of-range entry becomes ±Inf/NaN and propagates to a non-finite
 * result); the kernels' f32 partial gradient and HVP are widened exactly into the caller's
 * Float64Array; the loss is accumulated and returned in float64.
 */
import { instantiate, Arena, type RawExports } from '../wasm/module.js';
import type { Ptr, WasmExports } from '../wasm/abi.js';
import { ACTIVATION_CODES, checkArray, checkNetwork, type MlpData, type MlpShape } from './mlpNetwork.js';
import { ShardWork, type Net, type ShardKernels } from './mlpKernels.js';

export class MlpEngine32 implements ShardKernels {
  readonly kernels: WasmExports;
  readonly shape: MlpShape;
  readonly n: number;
  readonly parameterCount: number;
  /** d₀ … d_L. */
  readonly sizes: readonly number[];
  private readonly arena: Arena;
  private readonly net: Net;
  private readonly inputWidth: number;
  private readonly outputWidth: number;
  /** Byte offsets of θ, v and the result (P floats each). */
  private readonly theta: Ptr;
  private readonly v: Ptr;
  private readonly out: Ptr;
  /** The shards' work areas (mlp32WorkLength floats each) and what they hold. */
  private readonly shards: ShardWork;
  /** Float32 views of θ, v and the result; re-taken only if the memory ever grows. */
  private views: { buffer: ArrayBufferLike; theta: Float32Array; v: Float32Array; out: Float32Array } | undefined;

  constructor(shape: MlpShape, data: MlpData, raw: RawExports = instantiate()) {
    const sizes = checkNetwork(shape, data);
    this.kernels = raw;
    this.arena = new Arena(raw);
    this.shape = { ...shape, hidden: [...shape.hidden] };
    this.n = data.n;
    this.sizes = sizes;
    this.inputWidth = shape.input;
    this.outputWidth = shape.output;
    const layers = sizes.length - 1;
    const sizesPtr = this.arena.alloc(4 * sizes.length);
    this.arena.i32(sizesPtr, sizes.length).set(sizes);
    const P = raw.mlpParameterCount(sizesPtr, layers);
    this.parameterCount = P;
    const f = (count: number): Ptr => this.arena.alloc(count * 4);
    const X = f(data.n * shape.input);
    const Y = f(data.n * shape.output);
    this.theta = f(P);
    this.v = f(P);
    this.out = f(P);
    // 16-byte aligned (Arena), as the kernels' f64 sums require
    this.shards = new ShardWork((rows) => f(raw.mlp32WorkLength(sizesPtr, layers, rows)), data.n, 'MlpEngine32');
    const buffer = raw.memory.buffer;
    new Float32Array(buffer, X, data.n * shape.input).set(data.X);
    new Float32Array(buffer, Y, data.n * shape.output).set(data.Y);
    this.net = [sizesPtr, layers, ACTIVATION_CODES[shape.activation], X, Y, data.n, data.n];
  }

  private float32(): { theta: Float32Array; v: Float32Array; out: Float32Array } {
    const buffer = this.kernels.memory.buffer;
    if (this.views === undefined || this.views.buffer !== buffer) {
      const P = this.parameterCount;
      this.views = {
        buffer,
        theta: new Float32Array(buffer, this.theta, P),
        v: new Float32Array(buffer, this.v, P),
        out: new Float32Array(buffer, this.out, P),
      };
    }
    return this.views;
  }

  /** θ (rounded to float32) for the shard calls that follow (unchanged: the shards stay prepared). */
  setParameters(theta: Float64Array): void {
    checkArray(theta, this.parameterCount, 'theta');
    this.shards.setParameters(this.float32().theta, theta);
  }

  /** The direction v (rounded to float32) of the shard HVPs that follow. */
  setDirection(v: Float64Array): void {
    checkArray(v, this.parameterCount, 'v');
    this.float32().v.set(v);
  }

  /** The kernels' problem arguments restricted to rows [start, start + count). */
  private shardNet(start: number, count: number): Net {
    const [sizes, layers, act, X, Y] = this.net;
    return [sizes, layers, act, X + 4 * start * this.inputWidth, Y + 4 * start * this.outputWidth, count, this.n];
  }

  /** Lₛ(θ) = (1/n) Σ_{i ∈ shard} ½‖f(xᵢ) − yᵢ‖² at the θ of setParameters (f32 network, f64 sum). */
  shardLoss(start: number, count: number): number {
    const area = this.shards.area(start, count);
    this.shards.mark(area, false);
    return this.kernels.mlp32Loss(...this.shardNet(start, count), this.theta, area.work);
  }

  /** ∇Lₛ(θ) → out (widened from float32); returns Lₛ(θ). */
  shardGradient(start: number, count: number, out: Float64Array): number {
    checkArray(out, this.parameterCount, 'out');
    const area = this.shards.area(start, count);
    const loss = this.kernels.mlp32Gradient(...this.shardNet(start, count), this.theta, area.work, this.out);
    this.shards.mark(area, true);
    out.set(this.float32().out);
    return loss;
  }

  /** ∇²Lₛ(θ)·v → out (widened from float32) at the θ and v set before (forward pass reused). */
  shardHvp(start: number, count: number, out: Float64Array): void {
    checkArray(out, this.parameterCount, 'out');
    const area = this.shards.area(start, count);
    const net = this.shardNet(start, count);
    if (!this.shards.isPrepared(area)) {
      this.kernels.mlp32Prepare(...net, this.theta, area.work);
      this.shards.mark(area, true);
    }
    this.kernels.mlp32HvpPrepared(...net, this.theta, this.v, area.work, this.out);
    out.set(this.float32().out);
  }
}
