/**
 * The pointer level of the convolutional engine (docs/model.md §7): one layer's four passes —
 * forward, R-forward, backward, R-backward — as calls of the kernels of assembly/conv/ over a
 * FIXED list of shards (ranges of whole samples), in WASM memory the host reserved. Per-sample
 * layers run shard after shard; batch norm runs each reduction on every shard, sums the shards'
 * per-channel partials in shard order ((p₀ + p₁) + p₂ …, float64) and only then its elementwise
 * kernel: those sums are the sync points a thread pool would wait at (model.md §7.3). Parameter
 * gradients go into one P-vector per shard (partial(s)), which the caller sums in shard order.
 *
 * A `LayerPlan` names every buffer of one layer (full-batch base pointers; a shard's rows start at
 * base + 8·start·(values per sample)). `x`, `gx`, `rx`, `rgx` are the producing layer's y, ∂y, R{y},
 * R{∂y} (or the data and 0 for the network input), so a tensor read by several layers collects
 * every path's gradient (the kernels add).
 */
import type { Ptr, WasmExports } from '../../wasm/abi.js';
import { ACTIVATION_CODES } from '../mlpNetwork.js';
import { sumInOrder } from '../mlpBatch.js';
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

/** Sum over shards, in order, of the C-or-2C block at offset `block` of each shard's `base(s)`. */
function sumShards(ctx: PassContext, base: (s: number) => Ptr, length: number, out: Ptr): void {
  const parts = ctx.shards.map((_, s) => ctx.f64(base(s), length));
  sumInOrder(parts, ctx.f64(out, length));
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

export function forwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  if (layer.kind === 'batchNorm') {
    const C = l.in.channels;
    const M = ctx.n * inRows;
    const params = at(ctx.theta, l.offset);
    const block = (s: number): Ptr => at(p.shardSums, 2 * C * s);
    shards.forEach((sh, s) => k.batchNormSums(sh.count * inRows, C, at(p.x, sh.start * inSize), block(s)));
    sumShards(ctx, block, C, p.stats);
    shards.forEach((sh, s) =>
      k.batchNormCentredSquares(sh.count * inRows, C, at(p.x, sh.start * inSize), M, p.stats, block(s)),
    );
    sumShards(ctx, block, C, at(p.stats, C));
    for (const sh of shards) {
      const o = sh.start * inSize;
      k.batchNormForward(
        sh.count * inRows,
        C,
        M,
        layer.epsilon,
        p.stats,
        params,
        at(p.x, o),
        at(p.xhat, o),
        at(p.y, o),
      );
    }
    return;
  }
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

export function rForwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  if (layer.kind === 'batchNorm') {
    const C = l.in.channels;
    const M = ctx.n * inRows;
    const block = (s: number): Ptr => at(p.shardSums, 2 * C * s);
    shards.forEach((sh, s) =>
      k.batchNormRForwardSums(
        sh.count * inRows,
        C,
        at(p.rx, sh.start * inSize),
        at(p.xhat, sh.start * inSize),
        block(s),
      ),
    );
    sumShards(ctx, block, 2 * C, p.rStats);
    const params = at(ctx.theta, l.offset);
    const rParams = at(ctx.v, l.offset);
    for (const sh of shards) {
      const o = sh.start * inSize;
      k.batchNormRForward(
        sh.count * inRows,
        C,
        M,
        layer.epsilon,
        p.stats,
        params,
        rParams,
        p.rStats,
        at(p.xhat, o),
        at(p.rx, o),
        at(p.rxhat, o),
        at(p.ry, o),
      );
    }
    return;
  }
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

export function backwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  if (layer.kind === 'batchNorm') {
    const C = l.in.channels;
    const M = ctx.n * inRows;
    shards.forEach((sh, s) =>
      k.batchNormBackwardSums(
        sh.count * inRows,
        C,
        at(p.g, sh.start * inSize),
        at(p.xhat, sh.start * inSize),
        at(ctx.partial(s), l.offset),
      ),
    );
    sumShards(ctx, (s) => at(ctx.partial(s), l.offset), 2 * C, p.gTotals);
    if (p.gx === 0) return;
    const params = at(ctx.theta, l.offset);
    for (const sh of shards) {
      const o = sh.start * inSize;
      k.batchNormBackward(
        sh.count * inRows,
        C,
        M,
        layer.epsilon,
        p.stats,
        params,
        p.gTotals,
        at(p.xhat, o),
        at(p.g, o),
        at(p.gx, o),
      );
    }
    return;
  }
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
      case 'maxPool':
        if (gx !== 0) k.maxPoolBackward(count * outSize, g, p.argmax + 4 * start * outSize, gx);
        break;
      case 'globalAvgPool':
        if (gx !== 0) k.globalAvgPoolBackward(count, inRows, l.in.channels, g, gx);
        break;
      case 'add': {
        if (gx !== 0) k.tensorAccumulate(count * inSize, g, gx);
        const go = at(p.gOther, start * inSize);
        if (go !== 0) k.tensorAccumulate(count * inSize, g, go);
        break;
      }
      case 'subsample':
      case 'padChannels':
        if (gx !== 0) adjointOfReshape(ctx, l, count, g, gx);
        break;
    }
  });
}

export function rBackwardLayer(ctx: PassContext, p: LayerPlan): void {
  const { k, shards } = ctx;
  const l = p.resolved;
  const layer = l.layer;
  const { inSize, outSize, inRows } = perSample(l);
  if (layer.kind === 'batchNorm') {
    const C = l.in.channels;
    const M = ctx.n * inRows;
    shards.forEach((sh, s) => {
      const o = sh.start * inSize;
      k.batchNormRBackwardSums(
        sh.count * inRows,
        C,
        at(p.xhat, o),
        at(p.rxhat, o),
        at(p.g, o),
        at(p.rg, o),
        at(ctx.partial(s), l.offset),
      );
    });
    sumShards(ctx, (s) => at(ctx.partial(s), l.offset), 2 * C, p.rgTotals);
    if (p.rgx === 0) return;
    const params = at(ctx.theta, l.offset);
    const rParams = at(ctx.v, l.offset);
    for (const sh of shards) {
      const o = sh.start * inSize;
      k.batchNormRBackward(
        sh.count * inRows,
        C,
        M,
        layer.epsilon,
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
    }
    return;
  }
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
      case 'maxPool':
        if (rgx !== 0) k.maxPoolBackward(count * outSize, rg, p.argmax + 4 * start * outSize, rgx);
        break;
      case 'globalAvgPool':
        if (rgx !== 0) k.globalAvgPoolBackward(count, inRows, l.in.channels, rg, rgx);
        break;
      case 'add': {
        if (rgx !== 0) k.tensorAccumulate(count * inSize, rg, rgx);
        const ro = at(p.rgOther, start * inSize);
        if (ro !== 0) k.tensorAccumulate(count * inSize, rg, ro);
        break;
      }
      case 'subsample':
      case 'padChannels':
        if (rgx !== 0) adjointOfReshape(ctx, l, count, rg, rgx);
        break;
    }
  });
}

/** gx += Jᵀ gy of a subsample or pad-channels layer over `count` samples (also its R-backward). */
function adjointOfReshape(ctx: PassContext, l: ResolvedLayer, count: number, gy: Ptr, gx: Ptr): void {
  const layer = l.layer;
  if (layer.kind === 'subsample') {
    ctx.k.subsampleBackward(count, l.in.height, l.in.width, l.in.channels, layer.stride, gy, gx);
  } else if (layer.kind === 'padChannels') {
    ctx.k.padChannelsBackward(count * l.in.height * l.in.width, l.in.channels, layer.channels, gy, gx);
  }
}
