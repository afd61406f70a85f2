/**
 * Typed layer over the convolutional kernels of assembly/conv/ (docs/model.md §7): a network given
 * as a list of layers (spec.ts) on a full batch, with the loss L(θ) = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖², its
 * gradient and exact Hessian-vector products (Pearlmutter's R-operator through every layer,
 * batch norm's batch statistics included). One engine per network, batch and WASM instance: the
 * constructor validates, copies its samples of X and Y in once and reserves every buffer (no
 * allocation later).
 *
 * The batch is cut into a FIXED list of shards (ranges of whole samples). An operation (`steps`)
 * is a list of steps run on every shard the engine holds, some ending in a reduction whose totals
 * are the shard-order sums of every shard's partials (kernels.ts): batch norm's statistics, the
 * loss and the parameter gradient. By default an engine holds every shard and does the reductions
 * itself (`loss`, `gradient`, `hessianVectorProduct`). An engine created with `held` holds only
 * those shards' samples: a team of such engines, one per thread, runs the same steps in lockstep
 * and sums the partials of all shards between steps — the same bits as one engine holding all
 * (test/conv-team.test.ts checks it). The arithmetic is fixed by (network,
 * batch, shards, chunkRows), never by the number of threads.
 *
 * NaN or ±Inf in θ or v propagate to the loss, gradient and HVP (never an exception): batch norm
 * spreads one sample's NaN over its channel in the whole batch, ReLU and max-pool keep NaN. A
 * driver's status is "non-finite" when the loss is not finite. Bad data (non-finite X or Y, wrong
 * lengths) is an error naming the field.
 */
import { invalidOption } from '../../base/errors.js';
import type { Ptr, WasmExports } from '../../wasm/abi.js';
import { Arena, instantiate, type RawExports } from '../../wasm/module.js';
import { checkArray } from '../mlpNetwork.js';
import {
  layerSteps,
  reductionOf,
  runSteps,
  type LayerPlan,
  type PassContext,
  type Shard,
  type Step,
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
  /** Indices of the shards this engine computes (default: all), ascending. */
  held?: readonly number[];
  /** Rows of the im2col scratch per GEMM (default DEFAULT_CHUNK_ROWS). */
  chunkRows?: number;
  /** The WASM instance (default: a fresh release instance). */
  raw?: RawExports;
}

/** The operations an engine's steps implement ('hvp' needs the state a 'gradient' at θ left). */
export type ConvOperation = 'loss' | 'gradient' | 'hvp';

/**
 * Rows of patches per chunk of a convolution's GEMMs (the im2col scratch holds that many rows of
 * K values). Each chunk's GEMMs re-read or re-pack the c_out × K weights: 2·rows·K·c_out flops per
 * 8·K·c_out bytes, 64 flops per byte at 256 rows. Measured at N = 64 (3×3 convolutions, K = 144 to
 * 1152, forward + backward): 128–256 rows are the fastest, within 3 % of each other and of 32;
 * the whole batch in one chunk is 10–20 % slower (the patch matrix no longer in cache).
 */
export const DEFAULT_CHUNK_ROWS = 256;

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

/** Largest k·k·c_in of the network's convolutions (1 without any). */
export function widestPatchOf(layout: ConvLayout): number {
  return Math.max(
    1,
    ...layout.layers.map(({ layer, in: x }) => (layer.kind === 'conv' ? layer.kernel * layer.kernel * x.channels : 1)),
  );
}

export class ConvEngine {
  readonly layout: ConvLayout;
  readonly parameterCount: number;
  /** The batch size (every statistic and the loss are over all n samples). */
  readonly n: number;
  /** Every shard of the batch, and the indices of those this engine holds. */
  readonly shards: readonly Shard[];
  readonly held: readonly number[];
  readonly chunkRows: number;
  readonly kernels: WasmExports;
  private readonly arena: Arena;
  private readonly plans: LayerPlan[];
  private readonly ctx: PassContext;
  private readonly X: Ptr;
  private readonly Y: Ptr;
  private readonly theta: Ptr;
  private readonly v: Ptr;
  /** One P-vector per held shard; the loss of each held shard; the totals of both. */
  private readonly partials: Ptr[];
  private readonly shardLosses: Ptr;
  private readonly lossTotal: Ptr;
  private readonly result: Ptr;
  /** Whether the buffers hold the forward and backward passes (and ∇L) at the θ in WASM memory. */
  private prepared = false;
  private preparedLoss = Number.NaN;
  private readonly preparedGradient: Float64Array;
  /** The step lists, built once per operation. */
  private readonly stepCache = new Map<ConvOperation, Step[]>();

  constructor(spec: ConvNetSpec, data: ConvData, options: ConvEngineOptions = {}) {
    const layout = layoutOf(spec);
    if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'a ConvData object');
    const n = checkBatchSize(layout, data.n);
    const shardCount = options.shards ?? 1;
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > n) {
      throw invalidOption('shards', shardCount, `an integer in [1, n = ${n}]`);
    }
    const held = options.held ?? Array.from({ length: shardCount }, (_, s) => s);
    const ascending = held.every(
      (s, i) => Number.isInteger(s) && s >= 0 && s < shardCount && (i === 0 || s > (held[i - 1] as number)),
    );
    if (!Array.isArray(held) || held.length === 0 || !ascending) {
      throw invalidOption('held', held, `ascending distinct shard indices in [0, ${shardCount})`);
    }
    const widestPatch = widestPatchOf(layout);
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    if (!Number.isInteger(chunkRows) || chunkRows < 1)
      throw invalidOption('chunkRows', chunkRows, 'a positive integer');
    this.layout = layout;
    this.parameterCount = layout.parameterCount;
    this.n = n;
    this.shards = sampleShards(n, shardCount);
    this.held = [...held];
    this.chunkRows = chunkRows;
    // this engine's samples, shard after shard, and the held shards at their local offsets
    const local: Shard[] = [];
    let samples = 0;
    for (const s of this.held) {
      const { count } = this.shards[s] as Shard;
      local.push({ start: samples, count });
      samples += count;
    }
    const P = layout.parameterCount;
    const bytes = ConvEngine.memoryBytes(layout, samples, local.length, chunkRows * widestPatch);
    if (bytes > MAX_MEMORY_BYTES) {
      const gib = (bytes / 2 ** 30).toFixed(1);
      throw invalidOption('n', n, `a batch whose buffers fit WASM's 4 GiB (this one needs ${gib} GiB)`);
    }
    checkData(layout, data);
    const raw = options.raw ?? instantiate();
    this.kernels = raw;
    this.arena = new Arena(raw);
    const f = (count: number): Ptr => this.arena.alloc(8 * Math.max(1, count));
    this.X = f(samples * layout.inputSize);
    this.Y = f(samples * layout.outputSize);
    this.theta = f(P);
    this.v = f(P);
    this.partials = local.map(() => f(P));
    this.shardLosses = f(local.length);
    this.lossTotal = f(1);
    this.result = f(P);
    const col = f(chunkRows * widestPatch);
    this.plans = this.allocatePlans(samples, local.length, f);
    this.preparedGradient = new Float64Array(P);
    this.held.forEach((s, i) => {
      const { start, count } = this.shards[s] as Shard;
      const at = (local[i] as Shard).start;
      const copy = (to: Ptr, from: Float64Array, width: number): void =>
        this.view(to + 8 * at * width, count * width).set(from.subarray(start * width, (start + count) * width));
      copy(this.X, data.X, layout.inputSize);
      copy(this.Y, data.Y, layout.outputSize);
    });
    this.ctx = {
      k: raw,
      f64: (ptr, length) => this.arena.f64(ptr, length),
      shards: local,
      n,
      theta: this.theta,
      v: this.v,
      partial: (s) => this.partials[s] as Ptr,
      col,
      chunkRows,
    };
  }

  /** Bytes of the buffers of an engine holding `samples` samples in `shards` shards. */
  static memoryBytes(layout: ConvLayout, samples: number, shards: number, colEntries: number): number {
    let entries = samples * (layout.inputSize + layout.outputSize) + (3 + shards) * layout.parameterCount + colEntries;
    for (const l of layout.layers) {
      const size = samples * sizeOf(l.out);
      entries += 4 * size;
      if (l.layer.kind === 'batchNorm') entries += 2 * size + (8 + 2 * shards) * l.in.channels;
      if (l.layer.kind === 'maxPool') entries += size / 2;
    }
    return 8 * entries;
  }

  /** Every layer's buffers; a layer's x, ∂x, R{x}, R{∂x} are its input layer's y, ∂y, R{y}, R{∂y}. */
  private allocatePlans(samples: number, shards: number, f: (count: number) => Ptr): LayerPlan[] {
    const outputs = this.layout.layers.map((l) => {
      const size = samples * sizeOf(l.out);
      return { y: f(size), g: f(size), ry: f(size), rg: f(size) };
    });
    return this.layout.layers.map((l, k) => {
      const out = outputs[k] as { y: Ptr; g: Ptr; ry: Ptr; rg: Ptr };
      const source = (index: number) =>
        index === NETWORK_INPUT ? { y: this.X, g: 0, ry: 0, rg: 0 } : (outputs[index] as typeof out);
      const input = source(l.layer.input);
      const other = l.layer.kind === 'add' ? source(l.layer.other) : { y: 0, g: 0, ry: 0, rg: 0 };
      const isBn = l.layer.kind === 'batchNorm';
      const C = l.in.channels;
      const size = samples * sizeOf(l.out);
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
        shardSums: isBn ? f(2 * C * shards) : 0,
        argmax: l.layer.kind === 'maxPool' ? this.arena.alloc(4 * size) : 0,
      };
    });
  }

  private view(ptr: Ptr, length: number): Float64Array {
    return this.arena.f64(ptr, length);
  }

  /** θ₀ by the paper's reference implementations' conventions (initialConvParameters of spec.ts). */
  initialParameters(seed: number): Float64Array {
    return initialConvParameters(this.layout, seed);
  }

  /** θ for the operations that follow (an unchanged θ keeps the prepared passes). */
  setParameters(theta: Float64Array): void {
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

  /** The direction v of the HVPs that follow. */
  setDirection(v: Float64Array): void {
    checkArray(v, this.parameterCount, 'v');
    this.view(this.v, this.parameterCount).set(v);
  }

  /**
   * The steps of an operation at the θ (and v) set before: 'loss' the forward pass, 'gradient' the
   * forward and backward passes, 'hvp' the R-passes (after a 'gradient' at this θ). After them,
   * `lossValue()` holds L(θ) (loss, gradient) and `resultVector()` ∇L or ∇²L·v.
   */
  steps(operation: ConvOperation): Step[] {
    let steps = this.stepCache.get(operation);
    if (!steps) {
      steps = this.buildSteps(operation);
      this.stepCache.set(operation, steps);
    }
    return steps;
  }

  private buildSteps(operation: ConvOperation): Step[] {
    const { ctx, plans } = this;
    const steps: Step[] = [];
    const last = plans.at(-1) as LayerPlan;
    const out = this.layout.outputSize;
    const each = (f: (start: number, count: number, s: number) => void) => () =>
      ctx.shards.forEach(({ start, count }, s) => f(8 * start * out, count * out, s));
    const zero = (ptrs: (p: LayerPlan) => Ptr) => () => {
      for (const p of plans)
        this.view(ptrs(p), ctx.shards.reduce((a, sh) => a + sh.count, 0) * sizeOf(p.resolved.out)).fill(0);
      for (const p of this.partials) this.view(p, this.parameterCount).fill(0);
    };
    const sumPartials: Step = {
      run: () => {},
      reduction: reductionOf(ctx, this.parameterCount, (s) => this.partials[s] as Ptr, this.result),
    };
    if (operation === 'loss' || operation === 'gradient') {
      for (const p of plans) steps.push(...layerSteps(ctx, p, 'forward'));
      const losses = this.view(this.shardLosses, ctx.shards.length);
      steps.push({
        run: each((o, count, s) => (losses[s] = this.kernels.mseLoss(count, last.y + o, this.Y + o, this.n))),
        reduction: reductionOf(ctx, 1, (s) => this.shardLosses + 8 * s, this.lossTotal),
      });
    }
    if (operation === 'gradient') {
      steps.push({ run: zero((p) => p.g) });
      steps.push({
        run: each((o, count) => this.kernels.mseBackward(count, last.y + o, this.Y + o, this.n, last.g + o)),
      });
      for (let k = plans.length - 1; k >= 0; k--) steps.push(...layerSteps(ctx, plans[k] as LayerPlan, 'backward'));
      steps.push(sumPartials);
    }
    if (operation === 'hvp') {
      for (const p of plans) steps.push(...layerSteps(ctx, p, 'rForward'));
      steps.push({ run: zero((p) => p.rg) });
      steps.push({ run: each((o, count) => this.kernels.mseRBackward(count, last.ry + o, this.n, last.rg + o)) });
      for (let k = plans.length - 1; k >= 0; k--) steps.push(...layerSteps(ctx, plans[k] as LayerPlan, 'rBackward'));
      steps.push(sumPartials);
    }
    return steps;
  }

  /** L(θ) after a 'loss' or 'gradient' operation's steps. */
  lossValue(): number {
    return this.view(this.lossTotal, 1)[0] as number;
  }

  /** A copy of ∇L(θ) or ∇²L(θ)·v after a 'gradient' or 'hvp' operation's steps. */
  resultVector(): Float64Array {
    return this.view(this.result, this.parameterCount).slice();
  }

  /** Refuses the whole-batch methods on an engine holding only some shards. */
  private requireAllShards(): void {
    if (this.held.length !== this.shards.length) {
      throw invalidOption('held', this.held, 'every shard (this engine is one of a team: drive its steps)');
    }
  }

  /** Forward and backward at θ (and ∇L) unless already there; returns L(θ). */
  private prepare(theta: Float64Array): number {
    this.requireAllShards();
    this.setParameters(theta);
    if (!this.prepared) {
      runSteps(this.steps('gradient'));
      this.preparedLoss = this.lossValue();
      this.preparedGradient.set(this.view(this.result, this.parameterCount));
      this.prepared = true;
    }
    return this.preparedLoss;
  }

  loss(theta: Float64Array): number {
    this.requireAllShards();
    this.setParameters(theta);
    if (this.prepared) return this.preparedLoss;
    runSteps(this.steps('loss'));
    return this.lossValue();
  }

  gradient(theta: Float64Array): { loss: number; gradient: Float64Array } {
    const loss = this.prepare(theta);
    return { loss, gradient: this.preparedGradient.slice() };
  }

  /** Exact ∇²L(θ)·v (forward and backward passes reused while θ is unchanged). */
  hessianVectorProduct(theta: Float64Array, v: Float64Array): Float64Array {
    checkArray(v, this.parameterCount, 'v');
    this.prepare(theta);
    this.setDirection(v);
    runSteps(this.steps('hvp'));
    return this.resultVector();
  }

  /** Copies of every layer's output at θ (forward pass), for inspection and tests. */
  layerOutputs(theta: Float64Array): Float64Array[] {
    this.prepare(theta);
    return this.plans.map((p) => this.view(p.y, this.n * sizeOf(p.resolved.out)).slice());
  }
}
