/**
 * Typed layer over the fully connected network kernels of `assembly/mlp/` (docs/model.md §5): an
 * MLP input → hidden… → output with biases, activation σ on the hidden layers, linear output and
 * the full-batch loss L(θ) = (1/n) Σ ½‖f(x) − y‖². One `MlpEngine` per problem and WASM instance:
 * the constructor validates the shape and data, copies X and Y into the instance once and reserves
 * every buffer the kernels need (no allocation afterwards).
 *
 * The shape, data, their validation and the θ layout are in mlpNetwork.ts; the kernels' problem
 * arguments and the buffer layout in mlpKernels.ts; this module holds the engine's methods: the
 * full-batch loss, gradient, HVP and GD step, and the same over a shard of the batch (rows
 * [start, start + count), normalised by n) that a batch (mlpBatch.ts) sums. The algorithms built
 * on them — GD runs, Lanczos sharpness, RK4 gradient flow, the GFS sharpness — are MlpSolver's
 * (mlpSolver.ts).
 */
import { Arena, instantiate, type RawExports } from '../wasm/module.js';
import type { WasmExports } from '../wasm/abi.js';
import { allocateMlpBuffers, ShardWork, type MlpBuffers, type Net, type Ptr, type ShardKernels } from './mlpKernels.js';
import {
  checkArray,
  checkNetwork,
  checkPositive,
  initialParameters,
  layerOffsets,
  type LayerOffsets,
  type MlpData,
  type MlpShape,
} from './mlpNetwork.js';

export {
  ACTIVATION_CODES,
  ACTIVATIONS,
  DEFAULT_HIDDEN,
  type Activation,
  type LayerOffsets,
  type MlpData,
  type MlpShape,
} from './mlpNetwork.js';

export class MlpEngine implements ShardKernels {
  readonly kernels: WasmExports;
  readonly arena: Arena;
  readonly shape: MlpShape;
  readonly n: number;
  readonly parameterCount: number;
  /** d₀ … d_L. */
  readonly sizes: readonly number[];
  private readonly act: number;
  /** This engine's `Net` arguments. */
  private readonly net: Net;
  private readonly p: MlpBuffers;
  /** Work of the full-batch methods, reserved on first use. */
  private fullWork: Ptr | undefined;
  /** The shards' work areas and what they hold. */
  private readonly shards: ShardWork;

  constructor(shape: MlpShape, data: MlpData, raw: RawExports = instantiate()) {
    const sizes = checkNetwork(shape, data);
    this.kernels = raw;
    this.arena = new Arena(raw);
    this.shape = { ...shape, hidden: [...shape.hidden] };
    this.n = data.n;
    this.sizes = sizes;
    const { net, parameterCount, buffers } = allocateMlpBuffers(this.arena, raw, shape, sizes, data);
    this.net = net;
    this.act = net[2];
    this.parameterCount = parameterCount;
    this.p = buffers;
    this.shards = new ShardWork(
      (rows) => this.arena.alloc(8 * raw.mlpWorkLength(net[0], net[1], rows)),
      data.n,
      'MlpEngine',
    );
  }

  private view(ptr: Ptr, length: number): Float64Array {
    return this.arena.f64(ptr, length);
  }

  private setTheta(theta: Float64Array): void {
    checkArray(theta, this.parameterCount, 'theta');
    this.view(this.p.theta, this.parameterCount).set(theta);
    this.shards.invalidate();
  }

  /** The full-batch work area. */
  private work(): Ptr {
    this.fullWork ??= this.arena.alloc(8 * this.kernels.mlpWorkLength(this.net[0], this.net[1], this.n));
    return this.fullWork;
  }

  /** Offsets of W_l and b_l (l = 1..L) inside θ. */
  layerOffsets(): LayerOffsets[] {
    return layerOffsets(this.sizes);
  }

  /** θ₀ with W_l, b_l entries uniform in ±1/√(fan-in of layer l), seeded (Sfc32, stream 0). */
  initialParameters(seed: number): Float64Array {
    return initialParameters(this.sizes, this.parameterCount, seed);
  }

  loss(theta: Float64Array): number {
    this.setTheta(theta);
    return this.kernels.mlpLoss(...this.net, this.p.theta, this.work());
  }

  gradient(theta: Float64Array): { loss: number; gradient: Float64Array } {
    this.setTheta(theta);
    const { out } = this.p;
    const loss = this.kernels.mlpGradient(...this.net, this.p.theta, this.work(), out);
    return { loss, gradient: this.view(out, this.parameterCount).slice() };
  }

  /** Exact ∇²L(θ)·v (Pearlmutter's R-operator). */
  hessianVectorProduct(theta: Float64Array, v: Float64Array): Float64Array {
    this.setTheta(theta);
    checkArray(v, this.parameterCount, 'v');
    this.view(this.p.v, this.parameterCount).set(v);
    const { out } = this.p;
    this.kernels.mlpHvp(...this.net, this.p.theta, this.p.v, this.work(), out);
    return this.view(out, this.parameterCount).slice();
  }

  /** θ − η∇L(θ). */
  gdStep(theta: Float64Array, eta: number): Float64Array {
    checkPositive(eta, 'eta');
    this.setTheta(theta);
    const { out } = this.p;
    this.kernels.mlpGdStep(...this.net, this.p.theta, eta, this.work(), out);
    return this.view(out, this.parameterCount).slice();
  }

  /** σ^(order)(z) of this engine's activation (order 0, 1 or 2), evaluated by the kernel. */
  activation(z: number, order: 0 | 1 | 2 = 0): number {
    return this.kernels.mlpActivation(this.act, order, z);
  }

  // The shard kernels (ShardKernels of mlpBatch.ts): θ (and v) are set once per operation, then
  // each shard of rows [start, start + count) is computed with the loss normalised by the whole
  // batch size n, so the shards' results sum to the batch's (docs/model.md §5).

  /** θ for the shard calls that follow (an unchanged θ keeps the shards' prepared work). */
  setParameters(theta: Float64Array): void {
    checkArray(theta, this.parameterCount, 'theta');
    this.shards.setParameters(this.view(this.p.theta, this.parameterCount), theta);
  }

  /** The direction v of the shard HVPs that follow. */
  setDirection(v: Float64Array): void {
    checkArray(v, this.parameterCount, 'v');
    this.view(this.p.v, this.parameterCount).set(v);
  }

  /** The kernels' problem arguments restricted to rows [start, start + count). */
  private shardNet(start: number, count: number): Net {
    const [sizes, layers, act, X, Y] = this.net;
    const input = this.sizes[0] as number;
    const output = this.sizes[this.sizes.length - 1] as number;
    return [sizes, layers, act, X + 8 * start * input, Y + 8 * start * output, count, this.n];
  }

  /** Lₛ(θ) = (1/n) Σ_{i ∈ shard} ½‖f(xᵢ) − yᵢ‖² at the θ of setParameters. */
  shardLoss(start: number, count: number): number {
    const area = this.shards.area(start, count);
    this.shards.mark(area, false); // the forward pass overwrites what an HVP would reuse
    return this.kernels.mlpLoss(...this.shardNet(start, count), this.p.theta, area.work);
  }

  /** ∇Lₛ(θ) → out; returns Lₛ(θ) (and leaves the shard prepared for HVPs at θ). */
  shardGradient(start: number, count: number, out: Float64Array): number {
    const area = this.shards.area(start, count);
    const loss = this.kernels.mlpGradient(...this.shardNet(start, count), this.p.theta, area.work, this.p.out);
    this.shards.mark(area, true);
    out.set(this.view(this.p.out, this.parameterCount));
    return loss;
  }

  /** ∇²Lₛ(θ)·v → out at the θ and v set before (the forward pass reused while θ is unchanged). */
  shardHvp(start: number, count: number, out: Float64Array): void {
    const area = this.shards.area(start, count);
    const net = this.shardNet(start, count);
    if (!this.shards.isPrepared(area)) {
      this.kernels.mlpPrepare(...net, this.p.theta, area.work);
      this.shards.mark(area, true);
    }
    this.kernels.mlpHvpPrepared(...net, this.p.theta, this.p.v, area.work, this.p.out);
    out.set(this.view(this.p.out, this.parameterCount));
  }
}
