/**
 * Typed layer over the convolutional kernels of assembly/conv/ (docs/model.md §7): a network given
 * as a list of layers (spec.ts) on a full batch, with the loss L(θ) = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖², its
 * gradient and exact Hessian-vector products (Pearlmutter's R-operator through every layer,
 * batch norm's batch statistics included). One engine per network, batch and WASM instance: the
 * constructor validates, copies X and Y in once and reserves every buffer (no allocation later).
 *
 * The batch is cut into a FIXED list of shards (ranges of whole samples); every layer runs shard
 * by shard, batch norm sums its shards' per-channel partials in shard order between its reduction
 * and elementwise kernels, and the parameter gradient (or HVP) is the shard-order sum of one
 * vector per shard (kernels.ts). So the arithmetic is fixed by (network, batch, shards,
 * chunkRows): a pool running the shards on several threads with the same sync points would get
 * the same bits. HVPs at an unchanged θ reuse the forward and backward passes (what Lanczos does).
 *
 * NaN or ±Inf in θ or v propagate to the loss, gradient and HVP (never an exception): batch norm
 * spreads one sample's NaN over the whole batch, ReLU and max-pool keep NaN. The host's status is
 * "non-finite" when the loss is not finite. Bad data (non-finite X or Y, wrong lengths) is an
 * error naming the field.
 */
import { invalidOption } from '../../base/errors.js';
import type { Ptr, WasmExports } from '../../wasm/abi.js';
import { Arena, instantiate, type RawExports } from '../../wasm/module.js';
import { sumInOrder, sumScalarsInOrder } from '../mlpBatch.js';
import { checkArray } from '../mlpNetwork.js';
import {
  backwardLayer,
  forwardLayer,
  rBackwardLayer,
  rForwardLayer,
  type LayerPlan,
  type PassContext,
  type Shard,
} from './kernels.js';
import {
  checkBatchSize,
  checkData,
  initialConvParameters,
  layoutOf,
  NETWORK_INPUT,
  sizeOf,
  type ConvData,
  type ConvLayout,
  type ConvNetSpec,
} from './spec.js';

export interface ConvEngineOptions {
  /** Number of shards of the batch (≤ n; default 1). */
  shards?: number;
  /** Rows of the im2col scratch per GEMM (default: DEFAULT_COLUMN_BYTES of scratch). */
  chunkRows?: number;
  /** The WASM instance (default: a fresh release instance). */
  raw?: RawExports;
}

/** Default size of the im2col scratch: a chunk of patch rows small enough to stay in L2. */
export const DEFAULT_COLUMN_BYTES = 256 * 1024;
/** WASM32 memory ceiling. */
const MAX_MEMORY_BYTES = 2 ** 32 - 2 ** 26;

/** Sample ranges of `shards` equal-as-possible shards of n samples. */
export function sampleShards(n: number, shards: number): Shard[] {
  const out: Shard[] = [];
  for (let s = 0; s < shards; s++) {
    const start = Math.floor((s * n) / shards);
    out.push({ start, count: Math.floor(((s + 1) * n) / shards) - start });
  }
  return out;
}

export class ConvEngine {
  readonly layout: ConvLayout;
  readonly parameterCount: number;
  readonly n: number;
  readonly shards: readonly Shard[];
  readonly chunkRows: number;
  readonly kernels: WasmExports;
  private readonly arena: Arena;
  private readonly plans: LayerPlan[];
  private readonly X: Ptr;
  private readonly Y: Ptr;
  private readonly theta: Ptr;
  private readonly v: Ptr;
  private readonly partials: Ptr[];
  private readonly col: Ptr;
  private readonly losses: Float64Array;
  /** Whether the buffers hold the forward and backward passes at the θ in WASM memory. */
  private prepared = false;
  private preparedLoss = Number.NaN;
  private preparedGradient: Float64Array;

  constructor(spec: ConvNetSpec, data: ConvData, options: ConvEngineOptions = {}) {
    const layout = layoutOf(spec);
    if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'a ConvData object');
    const n = checkBatchSize(layout, data.n);
    const shardCount = options.shards ?? 1;
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > n) {
      throw invalidOption('shards', shardCount, `an integer in [1, n = ${n}]`);
    }
    const widestPatch = Math.max(
      1,
      ...layout.layers.map(({ layer, in: x }) =>
        layer.kind === 'conv' ? layer.kernel * layer.kernel * x.channels : 1,
      ),
    );
    const chunkRows = options.chunkRows ?? Math.max(1, Math.floor(DEFAULT_COLUMN_BYTES / (8 * widestPatch)));
    if (!Number.isInteger(chunkRows) || chunkRows < 1)
      throw invalidOption('chunkRows', chunkRows, 'a positive integer');
    this.layout = layout;
    this.parameterCount = layout.parameterCount;
    this.n = n;
    this.shards = sampleShards(n, shardCount);
    this.chunkRows = chunkRows;
    this.losses = new Float64Array(shardCount);
    this.preparedGradient = new Float64Array(layout.parameterCount);

    const P = layout.parameterCount;
    const bytes = this.memoryBytes(widestPatch, shardCount);
    if (bytes > MAX_MEMORY_BYTES) {
      throw invalidOption(
        'n',
        n,
        `a batch whose buffers fit WASM's 4 GiB (this one needs ${(bytes / 2 ** 30).toFixed(1)} GiB)`,
      );
    }
    checkData(layout, data);
    const raw = options.raw ?? instantiate();
    this.kernels = raw;
    this.arena = new Arena(raw);
    const f = (count: number): Ptr => this.arena.alloc(8 * Math.max(1, count));
    this.X = f(n * layout.inputSize);
    this.Y = f(n * layout.outputSize);
    this.theta = f(P);
    this.v = f(P);
    this.partials = this.shards.map(() => f(P));
    this.col = f(chunkRows * widestPatch);
    const outputs = layout.layers.map((l) => {
      const size = n * sizeOf(l.out);
      return { y: f(size), g: f(size), ry: f(size), rg: f(size) };
    });
    this.plans = layout.layers.map((l, k) => {
      const out = outputs[k] as { y: Ptr; g: Ptr; ry: Ptr; rg: Ptr };
      const source = (index: number) =>
        index === NETWORK_INPUT ? { y: this.X, g: 0, ry: 0, rg: 0 } : (outputs[index] as typeof out);
      const input = source(l.layer.input);
      const other = l.layer.kind === 'add' ? source(l.layer.other) : { y: 0, g: 0, ry: 0, rg: 0 };
      const isBn = l.layer.kind === 'batchNorm';
      const C = l.in.channels;
      const size = n * sizeOf(l.out);
      return {
        resolved: l,
        x: input.y,
        gx: input.g,
        rx: input.ry,
        rgx: input.rg,
        other: other.y,
        gOther: other.g,
        rOther: other.ry,
        rgOther: other.rg,
        ...out,
        xhat: isBn ? f(size) : 0,
        rxhat: isBn ? f(size) : 0,
        stats: isBn ? f(2 * C) : 0,
        rStats: isBn ? f(2 * C) : 0,
        gTotals: isBn ? f(2 * C) : 0,
        rgTotals: isBn ? f(2 * C) : 0,
        shardSums: isBn ? f(2 * C * shardCount) : 0,
        argmax: l.layer.kind === 'maxPool' ? this.arena.alloc(4 * size) : 0,
      };
    });
    this.view(this.X, n * layout.inputSize).set(data.X);
    this.view(this.Y, n * layout.outputSize).set(data.Y);
  }

  /** Bytes the buffers take (before alignment). */
  private memoryBytes(widestPatch: number, shards: number): number {
    const { n, layout } = this;
    let entries = n * (layout.inputSize + layout.outputSize) + (2 + shards) * layout.parameterCount;
    entries += this.chunkRows * widestPatch;
    for (const l of layout.layers) {
      const size = n * sizeOf(l.out);
      entries += 4 * size;
      if (l.layer.kind === 'batchNorm') entries += 2 * size + (8 + 2 * shards) * l.in.channels;
      if (l.layer.kind === 'maxPool') entries += size / 2;
    }
    return 8 * entries;
  }

  private view(ptr: Ptr, length: number): Float64Array {
    return this.arena.f64(ptr, length);
  }

  private context(): PassContext {
    return {
      k: this.kernels,
      f64: (ptr, length) => this.arena.f64(ptr, length),
      shards: this.shards,
      n: this.n,
      theta: this.theta,
      v: this.v,
      partial: (s) => this.partials[s] as Ptr,
      col: this.col,
      chunkRows: this.chunkRows,
    };
  }

  /** θ₀ by the paper's reference implementations' conventions (initialConvParameters of spec.ts). */
  initialParameters(seed: number): Float64Array {
    return initialConvParameters(this.layout, seed);
  }

  /** Copies θ in (invalidating the prepared passes when it changed). */
  private setTheta(theta: Float64Array): void {
    checkArray(theta, this.parameterCount, 'theta');
    const current = this.view(this.theta, this.parameterCount);
    for (let i = 0; i < current.length; i++) {
      if (!Object.is(current[i], theta[i])) {
        current.set(theta);
        this.prepared = false;
        return;
      }
    }
  }

  private zeroPartials(): void {
    for (const p of this.partials) this.view(p, this.parameterCount).fill(0);
  }

  /** Forward pass; returns L(θ) (the shards' losses summed in order). */
  private forward(): number {
    const ctx = this.context();
    for (const plan of this.plans) forwardLayer(ctx, plan);
    const last = this.plans.at(-1) as LayerPlan;
    const out = this.layout.outputSize;
    this.shards.forEach(({ start, count }, s) => {
      this.losses[s] = this.kernels.mseLoss(count * out, last.y + 8 * start * out, this.Y + 8 * start * out, this.n);
    });
    return sumScalarsInOrder(this.losses);
  }

  /** Backward pass after `forward`: every ∂L/∂y and, in the shards' partials, ∇L. */
  private backward(): void {
    const ctx = this.context();
    for (const plan of this.plans) this.view(plan.g, this.n * sizeOf(plan.resolved.out)).fill(0);
    this.zeroPartials();
    const last = this.plans.at(-1) as LayerPlan;
    const out = this.layout.outputSize;
    for (const { start, count } of this.shards) {
      const o = 8 * start * out;
      this.kernels.mseBackward(count * out, last.y + o, this.Y + o, this.n, last.g + o);
    }
    for (let k = this.plans.length - 1; k >= 0; k--) backwardLayer(ctx, this.plans[k] as LayerPlan);
  }

  /** Forward and backward at θ (and ∇L) unless already there; returns L(θ). */
  private prepare(theta: Float64Array): number {
    this.setTheta(theta);
    if (!this.prepared) {
      this.preparedLoss = this.forward();
      this.backward();
      this.sumPartials(this.preparedGradient);
      this.prepared = true;
    }
    return this.preparedLoss;
  }

  /** out ← Σ_s partial(s) in shard order. */
  private sumPartials(out: Float64Array): Float64Array {
    sumInOrder(
      this.partials.map((p) => this.view(p, this.parameterCount)),
      out,
    );
    return out;
  }

  loss(theta: Float64Array): number {
    this.setTheta(theta);
    if (this.prepared) return this.preparedLoss;
    return this.forward();
  }

  gradient(theta: Float64Array): { loss: number; gradient: Float64Array } {
    const loss = this.prepare(theta);
    return { loss, gradient: this.preparedGradient.slice() };
  }

  /** Exact ∇²L(θ)·v (forward and backward passes reused while θ is unchanged). */
  hessianVectorProduct(theta: Float64Array, v: Float64Array): Float64Array {
    checkArray(v, this.parameterCount, 'v');
    this.prepare(theta);
    this.view(this.v, this.parameterCount).set(v);
    const ctx = this.context();
    for (const plan of this.plans) rForwardLayer(ctx, plan);
    for (const plan of this.plans) this.view(plan.rg, this.n * sizeOf(plan.resolved.out)).fill(0);
    this.zeroPartials();
    const last = this.plans.at(-1) as LayerPlan;
    const out = this.layout.outputSize;
    for (const { start, count } of this.shards) {
      const o = 8 * start * out;
      this.kernels.mseRBackward(count * out, last.ry + o, this.n, last.rg + o);
    }
    for (let k = this.plans.length - 1; k >= 0; k--) rBackwardLayer(ctx, this.plans[k] as LayerPlan);
    return this.sumPartials(new Float64Array(this.parameterCount));
  }

  /** Copies of every layer's output at θ (forward pass), for inspection and tests. */
  layerOutputs(theta: Float64Array): Float64Array[] {
    this.prepare(theta);
    return this.plans.map((p) => this.view(p.y, this.n * sizeOf(p.resolved.out)).slice());
  }
}
