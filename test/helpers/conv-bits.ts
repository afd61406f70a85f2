/**
 * Bit fingerprints of the WASM convolutional engine: the loss, full gradient and Hessian-vector
 * product of small nets at a fixed θ and v, as SHA-256 digests of their Float64Array bytes. A
 * kernel rewrite that must not change a single bit (e.g. the f64x2 batch norm, whose lanes keep
 * every scalar operation order) is checked against digests recorded before it
 * (test/fixtures/conv-bits.json, written by scripts/conv-bits.ts; test/conv-bits.test.ts).
 * The nets cover even and odd channel counts (2, 3, 4, 5, 11, 19: the f64x2 pairs, their scalar
 * tail, several blocks of 8 channels) and one and several shards (batch norm's partial sums).
 */
import { createHash } from 'node:crypto';
import { ConvEngine } from '../../src/engines/conv/engine.js';
import { ConvReference } from '../../src/engines/conv/referenceNet.js';
import type { ConvLayer, ConvNetSpec } from '../../src/engines/conv/spec.js';
import { Sfc32 } from '../../src/base/random.js';
import type { RawExports } from '../../src/wasm/module.js';
import { gaussians } from './conv-fixtures.js';
import { dataFor, paperResidualBlock, parametersFor, residualBlock, vggLike } from './conv-nets.js';

/**
 * batch norm on the 3-channel input, then conv 5→BN→ReLU→conv 5→BN + the ReLU's output (a residual
 * addition), ReLU, GAP, dense; 6×6×3 input, 3 outputs.
 */
export function oddChannels(): ConvNetSpec {
  const layers: ConvLayer[] = [
    { kind: 'batchNorm', input: -1, epsilon: 1e-5 }, // 0: 3 channels
    { kind: 'conv', input: 0, channels: 5, kernel: 3, stride: 1, padding: 1, bias: true }, // 1
    { kind: 'batchNorm', input: 1, epsilon: 1e-5 }, // 2: 5 channels
    { kind: 'activation', input: 2, activation: 'relu' }, // 3
    { kind: 'conv', input: 3, channels: 5, kernel: 3, stride: 1, padding: 1, bias: false }, // 4
    { kind: 'batchNorm', input: 4, epsilon: 1e-5 }, // 5
    { kind: 'add', input: 5, other: 3 }, // 6
    { kind: 'activation', input: 6, activation: 'relu' }, // 7
    { kind: 'globalAvgPool', input: 7 }, // 8
    { kind: 'dense', input: 8, features: 3, bias: true }, // 9
  ];
  return { input: { height: 6, width: 6, channels: 3 }, layers };
}

/**
 * conv 19→BN→ReLU→conv 11→BN→ReLU→GAP→dense on a 5×5×2 input, 2 outputs: batch norm over more than
 * one block of 8 channels (8 + 8 + 3 and 8 + 3, the last with an odd tail).
 */
export function wideChannels(): ConvNetSpec {
  const layers: ConvLayer[] = [
    { kind: 'conv', input: -1, channels: 19, kernel: 3, stride: 1, padding: 1, bias: false }, // 0
    { kind: 'batchNorm', input: 0, epsilon: 1e-5 }, // 1
    { kind: 'activation', input: 1, activation: 'relu' }, // 2
    { kind: 'conv', input: 2, channels: 11, kernel: 3, stride: 1, padding: 1, bias: false }, // 3
    { kind: 'batchNorm', input: 3, epsilon: 1e-5 }, // 4
    { kind: 'activation', input: 4, activation: 'relu' }, // 5
    { kind: 'globalAvgPool', input: 5 }, // 6
    { kind: 'dense', input: 6, features: 2, bias: true }, // 7
  ];
  return { input: { height: 5, width: 5, channels: 2 }, layers };
}

export interface BitsCase {
  name: string;
  spec: () => ConvNetSpec;
  n: number;
  shards: number;
}

export const BITS_CASES: BitsCase[] = [
  { name: 'vgg-like (3, 4 channels), 1 shard', spec: () => vggLike(), n: 5, shards: 1 },
  { name: 'vgg-like (3, 4 channels), 3 shards', spec: () => vggLike(), n: 5, shards: 3 },
  { name: 'vgg-like tanh, 2 shards', spec: () => vggLike('tanh'), n: 4, shards: 2 },
  { name: 'residual block (2, 3 channels), 2 shards', spec: residualBlock, n: 4, shards: 2 },
  { name: "paper's residual block (2, 4 channels), 1 shard", spec: paperResidualBlock, n: 4, shards: 1 },
  { name: 'odd channels (3, 5), 1 shard', spec: oddChannels, n: 3, shards: 1 },
  { name: 'odd channels (3, 5), 3 shards', spec: oddChannels, n: 7, shards: 3 },
  { name: 'wide channels (19, 11), 2 shards', spec: wideChannels, n: 6, shards: 2 },
];

const digest = (values: Float64Array): string =>
  createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');

/**
 * SHA-256 of the loss, the gradient and the HVP of one case at its fixed θ (seed 11) and v (seed
 * 12); `flipLastBit` > 0 flips the lowest mantissa bit of that many of θ's first entries (a control).
 */
export function fingerprint(
  c: BitsCase,
  flipLastBit = 0,
  raw?: RawExports,
): { loss: string; gradient: string; hvp: string } {
  const spec = c.spec();
  const data = dataFor(spec, c.n, 10);
  const reference = new ConvReference(spec, data);
  const theta = parametersFor(reference, 11);
  const bits = new BigUint64Array(theta.buffer);
  for (let i = 0; i < flipLastBit; i++) bits[i] = (bits[i] as bigint) ^ 1n;
  const v = gaussians(new Sfc32(12, 3), theta.length);
  const engine = new ConvEngine(spec, data, { shards: c.shards, ...(raw ? { raw } : {}) });
  const { loss, gradient } = engine.gradient(theta);
  return {
    loss: digest(Float64Array.of(loss)),
    gradient: digest(gradient),
    hvp: digest(engine.hessianVectorProduct(theta, v)),
  };
}

/** Every case's fingerprint, by name (raw: the instance to run, default a fresh release build). */
export function fingerprints(raw?: RawExports): Record<string, ReturnType<typeof fingerprint>> {
  return Object.fromEntries(BITS_CASES.map((c) => [c.name, fingerprint(c, 0, raw)]));
}
