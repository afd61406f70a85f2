/**
 * The WASM layer kernels of assembly/conv/ (through src/engines/conv/layer.ts) against the
 * plain-TypeScript reference (src/engines/conv/reference.ts), layer by layer, on the tiny shapes of
 * the finite-difference tests: forward, R-forward, backward and R-backward, in one shard and in
 * several (batch norm's partial sums then cross shards), with an im2col chunk that cuts images
 * apart. Then what NaN and ±Inf do, and the argument checks.
 */
import { describe, expect, it } from 'vitest';
import { Sfc32 } from '../src/base/random.js';
import { ConvLayerRunner } from '../src/engines/conv/layer.js';
import type { ReferenceLayer } from '../src/engines/conv/reference.js';
import {
  gaussians,
  img,
  LAYER_CASES,
  type LayerCase,
  maxAbs,
  pointOf,
  relativeToLargest,
  single,
} from './helpers/conv-fixtures.js';

/**
 * WASM vs reference, relative to the largest entry: both are float64 evaluations of the same sums
 * in different orders (GEMM blocks vs nested loops, shard sums vs one pass), a few K·ε apart with
 * K ≤ 27 terms per sum and ≤ 3 sums chained: ≤ 100·27·ε ≈ 6e-13.
 */
const TOL_WASM = 1e-12;

const VARIANTS = [
  { label: 'one shard', shards: 1, chunkRows: undefined },
  { label: 'shards of 1 sample, 5-row im2col chunks', shards: 2, chunkRows: 5 },
] as const;

function compare(c: LayerCase, wasm: ReferenceLayer): void {
  const ref = pointOf(c, 23);
  const q = pointOf(c, 23, wasm);
  const pairs: [string, Float64Array, Float64Array][] = [];
  pairs.push(['forward', q.layer.forward(q.x, q.other, q.p), ref.layer.forward(ref.x, ref.other, ref.p)]);
  pairs.push([
    'R-forward',
    q.layer.rForward(q.x, q.other, q.p, q.rx, q.rOther, q.rp),
    ref.layer.rForward(ref.x, ref.other, ref.p, ref.rx, ref.rOther, ref.rp),
  ]);
  const b = q.layer.backward(q.x, q.other, q.p, q.gy);
  const rb = ref.layer.backward(ref.x, ref.other, ref.p, ref.gy);
  pairs.push(['backward x', b.x, rb.x], ['backward p', b.p, rb.p]);
  if (rb.other) pairs.push(['backward other', b.other as Float64Array, rb.other]);
  const r = q.layer.rBackward(q.x, q.other, q.p, q.rx, q.rOther, q.rp, q.gy, q.rgy);
  const rr = ref.layer.rBackward(ref.x, ref.other, ref.p, ref.rx, ref.rOther, ref.rp, ref.gy, ref.rgy);
  pairs.push(['R-backward x', r.x, rr.x], ['R-backward p', r.p, rr.p]);
  if (rr.other) pairs.push(['R-backward other', r.other as Float64Array, rr.other]);
  for (const [what, got, want] of pairs) {
    expect(got.length, what).toBe(want.length);
    if (maxAbs(want) === 0) {
      expect(maxAbs(got), what).toBe(0); // e.g. ∂x of a batch norm with γ = 0
      continue;
    }
    expect(relativeToLargest(got, want), what).toBeLessThan(TOL_WASM);
  }
}

describe.each(LAYER_CASES)('WASM layer vs reference: $name', (c) => {
  it.each(VARIANTS)('$label', ({ shards, chunkRows }) => {
    const runner = new ConvLayerRunner(c.resolved, c.n, { shards: Math.min(shards, c.n), chunkRows });
    compare(c, runner.asFunctions());
  });
});

describe('WASM layers: a wrong kernel is caught', () => {
  it('a reference with the batch-norm coupling removed differs from the kernels by far more than TOL_WASM', () => {
    const c = LAYER_CASES.find((x) => x.name === 'batch norm') as LayerCase;
    const wasm = new ConvLayerRunner(c.resolved, c.n).asFunctions();
    const q = pointOf(c, 23, wasm);
    const C = c.resolved.in.channels;
    const got = wasm.backward(q.x, q.other, q.p, q.gy).x;
    // ∂x = γ s ∂y: what a backward that treats μ and σ² as constants would return
    const s = Array.from({ length: C }, (_, ch) => {
      const values = q.x.filter((_, k) => k % C === ch);
      const mu = values.reduce((u, v) => u + v, 0) / values.length;
      return 1 / Math.sqrt(values.reduce((u, v) => u + (v - mu) ** 2, 0) / values.length + 1e-5);
    });
    const naive = q.gy.map((g, k) => (q.p[k % C] as number) * (s[k % C] as number) * g);
    expect(relativeToLargest(naive, got)).toBeGreaterThan(1e3 * TOL_WASM);
  });
});

describe('non-finite values propagate through the kernels', () => {
  const rng = new Sfc32(31, 1);

  it('batch norm: a NaN or ∞ in one sample makes that channel NaN in every sample of the batch', () => {
    const resolved = single(img(2, 2, 2), { kind: 'batchNorm', input: -1, epsilon: 1e-5 });
    const f = new ConvLayerRunner(resolved, 3, { shards: 3 }).asFunctions();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const x = gaussians(rng, 24);
      x[5] = bad; // sample 0, channel 1 (Σx = ∞ gives x − μ = ∞ − ∞ = NaN)
      const y = f.forward(x, undefined, Float64Array.of(1, 1, 0, 0));
      expect(y.filter((_, k) => k % 2 === 1).every(Number.isNaN)).toBe(true);
      expect(y.filter((_, k) => k % 2 === 0).every(Number.isFinite)).toBe(true);
    }
  });

  it('ReLU keeps NaN (σ, σ′ and σ″ are NaN at NaN) and passes ±∞', () => {
    const resolved = single(img(1, 1, 4), { kind: 'activation', input: -1, activation: 'relu' });
    const f = new ConvLayerRunner(resolved, 1).asFunctions();
    const x = Float64Array.of(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2);
    expect(Array.from(f.forward(x, undefined, new Float64Array(0)))).toEqual([Number.NaN, Infinity, 0, 2]);
    const g = f.backward(x, undefined, new Float64Array(0), Float64Array.of(1, 1, 1, 1)).x;
    expect(Array.from(g)).toEqual([Number.NaN, 1, 0, 1]);
  });

  it('max-pool chooses a NaN in its window, and the gradient follows it', () => {
    const resolved = single(img(2, 2, 1), { kind: 'maxPool', input: -1 });
    const f = new ConvLayerRunner(resolved, 1).asFunctions();
    const x = Float64Array.of(5, Number.NaN, 7, 1);
    expect(Number.isNaN(f.forward(x, undefined, new Float64Array(0))[0] as number)).toBe(true);
    expect(Array.from(f.backward(x, undefined, new Float64Array(0), Float64Array.of(3)).x)).toEqual([0, 3, 0, 0]);
    expect(Array.from(f.forward(Float64Array.of(5, 2, 7, 1), undefined, new Float64Array(0)))).toEqual([7]);
  });

  it('max-pool, two channels at a time: a NaN wins in its channel only; ties go to the first', () => {
    const resolved = single(img(2, 2, 3), { kind: 'maxPool', input: -1 });
    const f = new ConvLayerRunner(resolved, 1).asFunctions();
    // positions (0,0), (0,1), (1,0), (1,1); channels 0, 1 (SIMD pair) and 2 (scalar tail)
    const x = Float64Array.of(1, 4, 2, 3, Number.NaN, 2, 3, 9, 2, 3, 1, 1);
    const y = f.forward(x, undefined, new Float64Array(0));
    expect(Array.from(y)).toEqual([3, Number.NaN, 2]);
    const g = f.backward(x, undefined, new Float64Array(0), Float64Array.of(10, 20, 30)).x;
    expect(Array.from(g)).toEqual([0, 0, 30, 10, 20, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a NaN weight of a convolution makes its whole output channel NaN, padding included (0·NaN = NaN)', () => {
    const c = LAYER_CASES[0] as LayerCase;
    const runner = new ConvLayerRunner(c.resolved, c.n);
    const q = pointOf(c, 3, runner.asFunctions());
    const p = Float64Array.from(q.p);
    p[0] = Number.NaN; // output channel 0, tap (0, 0), input channel 0
    const y = q.layer.forward(q.x, undefined, p);
    const cout = c.resolved.out.channels;
    expect(y.filter((_, k) => k % cout === 0).every(Number.isNaN)).toBe(true);
    expect(y.filter((_, k) => k % cout !== 0).every(Number.isFinite)).toBe(true);
  });
});

describe('layer runner: argument checks', () => {
  const resolved = single(img(2, 2, 2), { kind: 'batchNorm', input: -1, epsilon: 1e-5 });
  it('refuses n < 1 and more shards than samples, naming the option', () => {
    expect(() => new ConvLayerRunner(resolved, 0)).toThrow(/invalid n/);
    expect(() => new ConvLayerRunner(resolved, 2, { shards: 3 })).toThrow(/invalid shards/);
  });
  it('has no `other` buffer except for add', () => {
    expect(() => new ConvLayerRunner(resolved, 2).buffer('other')).toThrow(/invalid buffer/);
  });
});
