/**
 * The pointer level of the convolutional engine (docs/model.md §7): one layer's four passes —
 * forward, R-forward, backward, R-backward — as calls of the kernels of assembly/conv/ over a
 * FIXED list of shards (ranges of whole samples), in WASM memory the host reserved. A pass is a
 * list of steps (`layerSteps`); a step runs on every shard of the context and may end in a
 * *reduction*: each shard has left a partial vector, and the batch's totals (the partials of ALL
 * shards summed in shard order, ((p₀ + p₁) + p₂ …, float64) must be in `totals()` before the next
 * step runs. Per-sample layers are one step without reduction; batch norm has its sync points
 * (model.md §7.3). `runSteps` does the reductions for a context that holds the whole batch; a
 * team of workers, each holding some shards, runs the same steps in lockstep and sums every
 * shard's partials between them (test/conv-team.test.ts does it with several instances). Parameter
 * gradients go into one P-vector per shard (partial(s)), summed in shard order at the end.
 *
 * A `LayerPlan` names every buffer of one layer (base pointers of the buffers of the samples the
 * context holds; a shard's rows start at base + 8·start·(values per sample), `start` counted in
 * those samples). `x`, `gx`, `rx`, `rgx` are the producing layer's y, ∂y, R{y},
 * R{∂y} (or the data and 0 for the network input), so a tensor read by several layers collects
 * every path's gradient (the kernels add).
 */
import type { Ptr, WasmExports } from '../../wasm/abi.js';
import { ACTIVATION_CODES } from '../mlpNetwork.js';
import { sumInOrder } from '../networkBatch.js';
import { sizeOf, type ResolvedLayer } from './spec.js';

export interface Shard {
  /** First sample and sample count. */
  start: number;
  count: number;
}

/** Buffers of one layer (0: absent). */
export interface LayerPlan {
  resolved: ResolvedLayer;
  /** Input (and, for `add`, the other input) and their gradient, R and R-gradient tensors. */
  x: Ptr;
  gx: Ptr;
  rx: Ptr;
  rgx: Ptr;
  other: Ptr;
  gOther: Ptr;
  rOther: Ptr;
  rgOther: Ptr;
  /** This layer's output y, ∂L/∂y, R{y}, R{∂L/∂y}. */
  y: Ptr;
  g: Ptr;
  ry: Ptr;
  rg: Ptr;
  /** Batch norm: x̂, R{x̂} (like y); [Σx | Σ(x−μ)²], [ΣR{x} | Σx̂R{x}], [∂γ | ∂β], [R{∂γ} | R{∂β}] totals (2C each). */
  xhat: Ptr;
  rxhat: Ptr;
  stats: Ptr;
  rStats: Ptr;
  gTotals: Ptr;
  rgTotals: Ptr;
  /** Batch norm: one 2C block per shard for the forward-phase partial sums. */
  shardSums: Ptr;
  /** Max-pool: the chosen input of every output (i32, relative to the shard's x). */
  argmax: Ptr;
}

/** Everything a pass reads besides the plan. */
export interface PassContext {
  k: WasmExports;
  /** f64 view of WASM memory (taken after the last allocation). */
  f64(ptr: Ptr, length: number): Float64Array;
  shards: readonly Shard[];
  /** Batch size (the statistics' and the loss's normaliser is over all of it). */
  n: number;
  theta: Ptr;
  v: Ptr;
  /** Shard s's parameter-gradient (or HVP) vector. */
  partial(s: number): Ptr;
  /** im2col scratch of chunkRows × (largest k·k·c_in) entries. */
  col: Ptr;
  chunkRows: number;
}

const at = (base: Ptr, index: number): Ptr => (base === 0 ? 0 : base + 8 * index);

/** Entries of a NHWC tensor of `shape` per sample, and rows (positions) per sample. */
function perSample(l: ResolvedLayer): { inSize: number; outSize: number; inRows: number } {
  return { inSize: sizeOf(l.in), outSize: sizeOf(l.out), inRows: l.in.height * l.in.width };
}

/** The end of a step: per-shard partials whose sum over the batch's shards the next step reads. */
export interface Reduction {
  length: number;
  /** Views of the partials of the context's shards, in their order. */
  parts(): Float64Array[];
  /** View of where the batch's totals go. */
  totals(): Float64Array;
}

export interface Step {
  /** Runs the step on every shard of the context. */
  run(): void;
  reduction?: Reduction;
}

export type Pass = 'forward' | 'rForward' | 'backward' | 'rBackward';

/** A reduction over the context's shards of `length` values at part(s), totals at `totals`. */
export function reductionOf(ctx: PassContext, length: number, part: (s: number) => Ptr, totals: Ptr): Reduction {
  return {
    length,
    parts: () => ctx.shards.map((_, s) => ctx.f64(part(s), length)),
    totals: () => ctx.f64(totals, length),
  };
}

/** Runs steps in a context that holds every shard of the batch (reductions by sumInOrder). */
export function runSteps(steps: readonly Step[]): void {
  for (const step of steps) {
    step.run();
    if (step.reduction) sumInOrder(step.reduction.parts(), step.reduction.totals());
  }
}

/** The steps of one pass of one layer. */
export function layerSteps(ctx: PassContext, p: LayerPlan, pass: Pass): Step[] {
  if (p.resolved.layer.kind === 'batchNorm') return batchNormSteps(ctx, p, pass);
  const run = { forward: forwardLayer, rForward: rForwardLayer, backward: backwardLayer, rBackward: rBackwardLayer }[
    pass
  ];
  return [{ run: () => run(ctx, p) }];
}

/** Batch norm's steps: reductions over shards, then the elementwise kernel (model.md §7.3). */
function batchNormSteps(ctx: PassContext, p: LayerPlan, pass: Pass): Step[] {
  const { k, shards } = ctx;
  const l = p.resolved;
  if (l.layer.kind !== 'batchNorm') throw new Error(`not a batch norm: ${l.layer.kind}`);
  const eps = l.layer.epsilon;
  const C = l.in.channels;
  const size = sizeOf(l.in);
  const inRows = l.in.height * l.in.width;
  const M = ctx.n * inRows;
  const params = at(ctx.theta, l.offset);
  const rParams = at(ctx.v, l.offset);
  const block = (s: number): Ptr => at(p.shardSums, 2 * C * s);
  const slice = (s: number): Ptr => at(ctx.partial(s), l.offset);
  /** Calls f(rows, offset into the tensors) for every shard. */
  const each = (f: (rows: number, o: number, s: number) => void) => () =>
    shards.forEach((sh, s) => f(sh.count * inRows, sh.start * size, s));
  switch (pass) {
    case 'forward':
      return [
        {
          run: each((rows, o, s) => k.batchNormSums(rows, C, at(p.x, o), block(s))),
          reduction: reductionOf(ctx, C, block, p.stats),
        },
        {
          run: each((rows, o, s) => k.batchNormCentredSquares(rows, C, at(p.x, o), M, p.stats, block(s))),
          reduction: reductionOf(ctx, C, block, at(p.stats, C)),
        },
        {
          run: each((rows, o) =>
            k.batchNormForward(rows, C, M, eps, p.stats, params, at(p.x, o), at(p.xhat, o), at(p.y, o)),
          ),
        },
      ];
    case 'backward':
      return [
        {
          run: each((rows, o, s) => k.batchNormBackwardSums(rows, C, at(p.g, o), at(p.xhat, o), slice(s))),
          reduction: reductionOf(ctx, 2 * C, slice, p.gTotals),
        },
        {
          run: each((rows, o) => {
            if (p.gx !== 0)
              k.batchNormBackward(rows, C, M, eps, p.stats, params, p.gTotals, at(p.xhat, o), at(p.g, o), at(p.gx, o));
          }),
        },
      ];
    case 'rForward':
      return [
        {
          run: each((rows, o, s) => k.batchNormRForwardSums(rows, C, at(p.rx, o), at(p.xhat, o), block(s))),
          reduction: reductionOf(ctx, 2 * C, block, p.rStats),
        },
        {
          run: each((rows, o) =>
            k.batchNormRForward(
              rows,
              C,
              M,
              eps,
              p.stats,
              params,
              rParams,
              p.rStats,
              at(p.xhat, o),
              at(p.rx, o),
              at(p.rxhat, o),
              at(p.ry, o),
            ),
          ),
        },
      ];
    case 'rBackward':
      return [
        {
          run: each((rows, o, s) =>
            k.batchNormRBackwardSums(rows, C, at(p.xhat, o), at(p.rxhat, o), at(p.g, o), at(p.rg, o), slice(s)),
          ),
          reduction: reductionOf(ctx, 2 * C, slice, p.rgTotals),
        },
        {
          run: each((rows, o) => {
            if (p.rgx === 0) return;
            k.batchNormRBackward(
              rows,
              C,
              M,
              eps,
              p.stats,
              params,
              rParams,
              p.rStats,
              p.gTotals,
              p.rgTotals,
              at(p.xhat, o),
              at(p.rxhat, o),
              at(p.g, o),
              at(p.rg, o),
              at(p.rgx, o),
            );
          }),
        },
      ];
  }
}

function convArgs(l: ResolvedLayer, count: number): [number, number, number, number, number, number, number, number] {
  const layer = l.layer;
  if (layer.kind === 'dense') return [count, 1, 1, sizeOf(l.in), layer.features, 1, 1, 0];
  if (layer.kind !== 'conv') throw new Error(`not a convolution: ${layer.kind}`);
  return [count, l.in.height, l.in.width, l.in.channels, layer.channels, layer.kernel, layer.stride, layer.padding];
}

/** Pointers of W and b (b = 0 without bias) inside a parameter-shaped vector. */
function weightsAndBias(l: ResolvedLayer, vector: Ptr): [Ptr, Ptr] {
  const layer = l.layer;
  const hasBias = (layer.kind === 'conv' || layer.kind === 'dense') && layer.bias;
  const cout = layer.kind === 'conv' ? layer.channels : layer.kind === 'dense' ? layer.features : 0;
  return [at(vector, l.offset), hasBias ? at(vector, l.offset + l.count - cout) : 0];
}

function forwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  if (layer.kind === 'batchNorm') throw new Error('batch norm runs through layerSteps');
  for (const { start, count } of shards) {
    const x = at(p.x, start * inSize);
    const y = at(p.y, start * outSize);
    switch (layer.kind) {
      case 'conv':
      case 'dense': {
        const [W, b] = weightsAndBias(l, ctx.theta);
        k.conv2dForward(...convArgs(l, count), x, W, b, y, ctx.col, ctx.chunkRows);
        break;
      }
      case 'activation':
        k.activationForward(ACTIVATION_CODES[layer.activation], count * inSize, x, y);
        break;
      case 'maxPool':
        k.maxPoolForward(count, l.in.height, l.in.width, l.in.channels, x, y, p.argmax + 4 * start * outSize);
        break;
      case 'globalAvgPool':
        k.globalAvgPoolForward(count, inRows, l.in.channels, x, y);
        break;
      case 'add':
        k.tensorAdd(count * inSize, x, at(p.other, start * inSize), y);
        break;
      case 'subsample':
        k.subsampleForward(count, l.in.height, l.in.width, l.in.channels, layer.stride, x, y);
        break;
      case 'padChannels':
        k.padChannelsForward(count * inRows, l.in.channels, layer.channels, x, y);
        break;
    }
  }
}

function rForwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  if (layer.kind === 'batchNorm') throw new Error('batch norm runs through layerSteps');
  for (const { start, count } of shards) {
    const x = at(p.x, start * inSize);
    const rx = at(p.rx, start * inSize);
    const ry = at(p.ry, start * outSize);
    switch (layer.kind) {
      case 'conv':
      case 'dense': {
        const [W] = weightsAndBias(l, ctx.theta);
        const [V, c] = weightsAndBias(l, ctx.v);
        k.conv2dRForward(...convArgs(l, count), x, rx, W, V, c, ry, ctx.col, ctx.chunkRows);
        break;
      }
      case 'activation':
        k.activationRForward(ACTIVATION_CODES[layer.activation], count * inSize, x, at(p.y, start * outSize), rx, ry);
        break;
      case 'maxPool':
        k.maxPoolRForward(count * outSize, rx, p.argmax + 4 * start * outSize, ry);
        break;
      case 'globalAvgPool':
        if (rx === 0) ctx.f64(ry, count * outSize).fill(0);
        else k.globalAvgPoolForward(count, inRows, l.in.channels, rx, ry);
        break;
      case 'add': {
        const ro = at(p.rOther, start * inSize);
        const values = count * inSize;
        if (rx !== 0 && ro !== 0) k.tensorAdd(values, rx, ro, ry);
        else if (rx !== 0 || ro !== 0) ctx.f64(ry, values).set(ctx.f64(rx !== 0 ? rx : ro, values));
        else ctx.f64(ry, values).fill(0);
        break;
      }
      case 'subsample':
      case 'padChannels':
        if (rx === 0) ctx.f64(ry, count * outSize).fill(0);
        else if (layer.kind === 'subsample')
          k.subsampleForward(count, l.in.height, l.in.width, l.in.channels, layer.stride, rx, ry);
        else k.padChannelsForward(count * inRows, l.in.channels, layer.channels, rx, ry);
        break;
    }
  }
}

function backwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize } = perSample(l);
  if (layer.kind === 'batchNorm') throw new Error('batch norm runs through layerSteps');
  shards.forEach(({ start, count }, s) => {
    const x = at(p.x, start * inSize);
    const gx = at(p.gx, start * inSize);
    const g = at(p.g, start * outSize);
    switch (layer.kind) {
      case 'conv':
      case 'dense': {
        const [W] = weightsAndBias(l, ctx.theta);
        const [gW, gb] = weightsAndBias(l, ctx.partial(s));
        k.conv2dBackward(...convArgs(l, count), x, W, g, gx, gW, gb, ctx.col, ctx.chunkRows);
        break;
      }
      case 'activation':
        if (gx !== 0)
          k.activationBackward(ACTIVATION_CODES[layer.activation], count * inSize, x, at(p.y, start * outSize), g, gx);
        break;
      default:
        adjointOfLinear(ctx, p, start, count, p.g, p.gx, p.gOther);
    }
  });
}

function rBackwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize } = perSample(l);
  if (layer.kind === 'batchNorm') throw new Error('batch norm runs through layerSteps');
  shards.forEach(({ start, count }, s) => {
    const x = at(p.x, start * inSize);
    const rx = at(p.rx, start * inSize);
    const rgx = at(p.rgx, start * inSize);
    const g = at(p.g, start * outSize);
    const rg = at(p.rg, start * outSize);
    switch (layer.kind) {
      case 'conv':
      case 'dense': {
        const [W] = weightsAndBias(l, ctx.theta);
        const [V] = weightsAndBias(l, ctx.v);
        const [rgW, rgb] = weightsAndBias(l, ctx.partial(s));
        k.conv2dRBackward(...convArgs(l, count), x, rx, W, V, g, rg, rgx, rgW, rgb, ctx.col, ctx.chunkRows);
        break;
      }
      case 'activation':
        if (rgx !== 0) {
          k.activationRBackward(
            ACTIVATION_CODES[layer.activation],
            count * inSize,
            x,
            at(p.y, start * outSize),
            g,
            rx,
            rg,
            rgx,
          );
        }
        break;
      default:
        // a linear layer without parameters: R{Jᵀ g} = Jᵀ R{g}
        adjointOfLinear(ctx, p, start, count, p.rg, p.rgx, p.rgOther);
    }
  });
}

/**
 * gx += Jᵀ gy over the samples [start, start + count) of a layer without parameters that is linear
 * in its input — max-pool (at the argmax its forward pass recorded), global average pooling, the
 * residual addition (also gOther += gy), subsampling, zero channels — and so, given R{g}, also its
 * R-backward. Pointers are the layer's whole-batch buffers (0: absent, nothing to add).
 */
function adjointOfLinear(
  ctx: PassContext,
  p: LayerPlan,
  start: number,
  count: number,
  gyBase: Ptr,
  gxBase: Ptr,
  gOtherBase: Ptr,
): void {
  const { k } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  const gy = at(gyBase, start * outSize);
  const gx = at(gxBase, start * inSize);
  switch (layer.kind) {
    case 'maxPool':
      if (gx !== 0) k.maxPoolBackward(count * outSize, gy, p.argmax + 4 * start * outSize, gx);
      break;
    case 'globalAvgPool':
      if (gx !== 0) k.globalAvgPoolBackward(count, inRows, l.in.channels, gy, gx);
      break;
    case 'add': {
      if (gx !== 0) k.tensorAccumulate(count * inSize, gy, gx);
      const gOther = at(gOtherBase, start * inSize);
      if (gOther !== 0) k.tensorAccumulate(count * inSize, gy, gOther);
      break;
    }
    case 'subsample':
      if (gx !== 0) k.subsampleBackward(count, l.in.height, l.in.width, l.in.channels, layer.stride, gy, gx);
      break;
    case 'padChannels':
      if (gx !== 0) k.padChannelsBackward(count * l.in.height * l.in.width, l.in.channels, layer.channels, gy, gx);
      break;
  }
}
