/**
 * The WASM convolutional engine's loss, gradient and HVP keep their bits: SHA-256 digests of the
 * Float64Array bytes of small nets (test/helpers/conv-bits.ts: VGG-like, residual blocks, and a net
 * with 3 and 5 channels for the scalar tail of the f64x2 kernels; one and several shards) at a fixed
 * θ and v, against test/fixtures/conv-bits.json, recorded with the scalar batch-norm kernels before
 * they were vectorised (scripts/conv-bits.ts --wasm <the old release.wasm>); a net with 19 and 11
 * channels covers the reductions' several blocks of 8 channels, and shards of more than 64 rows
 * their chunks. A kernel change that reorders one floating-point
 * operation changes a digest.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BITS_CASES, fingerprint } from './helpers/conv-bits.js';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/conv-bits.json', import.meta.url), 'utf8')) as Record<
  string,
  { loss: string; gradient: string; hvp: string }
>;

describe('conv engine bits (fixture recorded before the f64x2 kernels)', () => {
  it('the fixture has every case, and distinct cases have distinct digests', () => {
    expect(Object.keys(recorded).sort()).toEqual(BITS_CASES.map((c) => c.name).sort());
    const gradients = new Set(Object.values(recorded).map((r) => r.gradient));
    expect(gradients.size).toBe(BITS_CASES.length);
  });

  for (const c of BITS_CASES) {
    it(`${c.name}: loss, gradient and HVP bit for bit`, () => {
      expect(fingerprint(c)).toEqual(recorded[c.name]);
    });
  }

  it('a digest changes when one bit of θ changes (the check can fail)', () => {
    const c = BITS_CASES[5];
    if (c === undefined) throw new Error('missing case');
    const nudged = fingerprint(c, 1);
    const base = recorded[c.name];
    expect(nudged.gradient).not.toBe(base?.gradient);
    expect(nudged.hvp).not.toBe(base?.hvp);
  });
});
