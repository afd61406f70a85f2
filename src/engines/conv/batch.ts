/**
 * The full-batch operations of a convolutional network (a `NetworkBatch`, ../networkBatch.ts) in
 * the calling thread: one ConvEngine (engine.ts) holding every shard of the batch does the loss
 * L(θ) = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖², ∇L(θ) and the exact ∇²L(θ)·v, with batch norm's statistics,
 * the loss and the parameter gradient summed over the shards in shard order (docs/model.md §7.3).
 * The shard count is `defaultShards(n)`, a function of the batch size alone, as on the fully
 * connected path: the bits are fixed by (network, data, shards), so a team of threads holding the
 * same shards (engine.ts, `held`) reproduces them.
 *
 * Same contract as LocalBatch (../mlpBatch.ts): async methods computed synchronously in this
 * thread, one call at a time; NaN or ±Inf in θ or v come back as non-finite results, never as
 * exceptions (a bad length is an error naming theta or v).
 *
 * Images arrive channels first (the data loaders: n × C × H × W, row-major); the engine reads NHWC
 * (spec.ts). `channelsLastImages` is the one transpose between them:
 *   NHWC[((i·H + y)·W + x)·C + c] = NCHW[((i·C + c)·H + y)·W + x].
 */
import { invalidOption } from '../../base/errors.js';
import { checkArray } from '../mlpNetwork.js';
import { defaultShards, type NetworkBatch, type Precision } from '../networkBatch.js';
import { ConvEngine, type ConvEngineOptions } from './engine.js';
import type { ConvData, ConvNetSpec } from './spec.js';

/** A set of images as the loaders give it: X is n × C × H × W (channels first), Y n rows of targets. */
export interface ChannelsFirstImages {
  readonly n: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly X: Float64Array;
  readonly Y: Float64Array;
}

/** n images n × C × H × W (channels first) as n × H × W × C (channels last, the engine's NHWC). */
export function channelsLastImages(
  X: Float64Array,
  n: number,
  channels: number,
  height: number,
  width: number,
): Float64Array {
  for (const [label, value] of [
    ['n', n],
    ['channels', channels],
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw invalidOption(label, value, 'a positive integer');
  }
  checkArray(X, n * channels * height * width, 'X');
  const plane = height * width;
  const out = new Float64Array(X.length);
  for (let i = 0; i < n; i++) {
    const image = i * channels * plane;
    for (let c = 0; c < channels; c++) {
      const from = image + c * plane;
      for (let p = 0; p < plane; p++) out[image + p * channels + c] = X[from + p] as number;
    }
  }
  return out;
}

export interface ConvBatchOptions {
  /** Shards of the batch (default defaultShards(n)); fixes the arithmetic. */
  shards?: number;
  /** Rows of the engine's im2col chunks (default: the engine's). */
  chunkRows?: number;
  /** The WASM instance (default: a fresh one). */
  raw?: ConvEngineOptions['raw'];
}

export class ConvBatch implements NetworkBatch {
  readonly parameterCount: number;
  readonly shards: number;
  /** The engine's kernels are float64. */
  readonly precision: Precision = 'f64';
  readonly engine: ConvEngine;

  /** A batch over `data`, whose X is NHWC (n rows of the input's h·w·c features). */
  constructor(spec: ConvNetSpec, data: ConvData, options: ConvBatchOptions = {}) {
    if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'a ConvData object');
    const shards = options.shards ?? defaultShards(data.n);
    const engineOptions: ConvEngineOptions = { shards };
    if (options.chunkRows !== undefined) engineOptions.chunkRows = options.chunkRows;
    if (options.raw !== undefined) engineOptions.raw = options.raw;
    this.engine = new ConvEngine(spec, data, engineOptions);
    this.parameterCount = this.engine.parameterCount;
    this.shards = this.engine.shards.length;
  }

  /**
   * A batch over images given channels first (the loaders' n × C × H × W), transposed once to
   * NHWC; their shape must be the network's input.
   */
  static ofImages(spec: ConvNetSpec, images: ChannelsFirstImages, options: ConvBatchOptions = {}): ConvBatch {
    const { n, channels, height, width } = images;
    const input = spec.input;
    if (input.channels !== channels || input.height !== height || input.width !== width) {
      throw invalidOption(
        'inputSize',
        `${channels}×${height}×${width}`,
        `images of the network's input shape ${input.channels}×${input.height}×${input.width} (C×H×W)`,
      );
    }
    const X = channelsLastImages(images.X, n, channels, height, width);
    return new ConvBatch(spec, { n, X, Y: images.Y }, options);
  }

  async loss(theta: Float64Array): Promise<number> {
    return this.engine.loss(theta);
  }

  async gradient(theta: Float64Array, out: Float64Array): Promise<number> {
    checkArray(out, this.parameterCount, 'out');
    const { loss, gradient } = this.engine.gradient(theta);
    out.set(gradient);
    return loss;
  }

  async hvp(theta: Float64Array, v: Float64Array, out: Float64Array): Promise<void> {
    checkArray(out, this.parameterCount, 'out');
    out.set(this.engine.hessianVectorProduct(theta, v));
  }

  async close(): Promise<void> {}
}
