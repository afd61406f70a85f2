/**
 * The digits loader (SPEC §5 "Data [ours]", issue 6 item 2): shapes, one-hot targets, the
 * round-robin class order (class-balanced prefixes), per-pixel standardisation over the n samples,
 * determinism, and clear errors for a bad n.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { availableDigits, loadDigits } from '../src/mlp/data.js';

const TOL_MEAN = 1e-12; // per-pixel mean of standardised values, absolute
const TOL_STD = 1e-12; // per-pixel standard deviation of standardised values, |std − 1|

/** The package's images per class, read independently of the loader. */
const require = createRequire(import.meta.url);
const classSizes = Array.from(
  { length: 10 },
  (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data.length / 784,
);
const raw = (d: number, index: number, pixel: number): number =>
  (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data[index * 784 + pixel] as number;

describe('loadDigits', () => {
  it('counts every image of the package as available', () => {
    expect(availableDigits()).toBe(classSizes.reduce((a, b) => a + b, 0));
    expect(availableDigits()).toBeGreaterThanOrEqual(1000);
  });

  it('has the documented shapes', () => {
    const data = loadDigits(1000);
    expect(data.n).toBe(1000);
    expect(data.inputDim).toBe(784);
    expect(data.classes).toBe(10);
    expect(data.X).toBeInstanceOf(Float64Array);
    expect(data.X.length).toBe(1000 * 784);
    expect(data.Y).toBeInstanceOf(Float64Array);
    expect(data.Y.length).toBe(1000 * 10);
    expect(data.labels).toBeInstanceOf(Uint8Array);
    expect(data.labels.length).toBe(1000);
    expect(data.mean.length).toBe(784);
    expect(data.std.length).toBe(784);
    expect(data.X.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('has one-hot target rows matching the labels', () => {
    const data = loadDigits(250);
    for (let i = 0; i < data.n; i++) {
      const row = Array.from(data.Y.subarray(i * 10, i * 10 + 10));
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
      expect(row.every((y) => y === 0 || y === 1)).toBe(true);
      expect(row.indexOf(1)).toBe(data.labels[i]);
    }
  });

  it('orders samples round-robin over the classes, so every prefix is class-balanced', () => {
    const data = loadDigits(1000);
    for (let i = 0; i < 1000; i++) expect(data.labels[i]).toBe(i % 10);
    const smallest = Math.min(...classSizes);
    const big = loadDigits(10 * smallest);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < big.n; i++) {
      counts[big.labels[i] as number]! += 1;
      if (i % 97 === 0 || i === big.n - 1) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('takes each class in the order of its file (checked through the raw pixels)', () => {
    // sample i = 10r + d is digit d's image r: recover the raw pixel from the standardised one
    const data = loadDigits(40);
    let checked = 0;
    for (let i = 0; i < data.n; i++) {
      const d = i % 10;
      const r = Math.floor(i / 10);
      for (let p = 0; p < 784; p += 7) {
        const s = data.std[p] as number;
        const x = s === 0 ? (data.mean[p] as number) : (data.X[i * 784 + p] as number) * s + (data.mean[p] as number);
        expect(x).toBeCloseTo(raw(d, r, p), 12);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('uses every image once when n is everything available', () => {
    const data = loadDigits(availableDigits());
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < data.n; i++) counts[data.labels[i] as number]! += 1;
    expect(counts).toEqual(classSizes);
  });

  it.each([1000, 37])('standardises each pixel over the n = %i samples', (n) => {
    const data = loadDigits(n);
    let zeroVariance = 0;
    for (let p = 0; p < 784; p++) {
      let mean = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const x = raw(i % 10, Math.floor(i / 10), p);
        mean += x;
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      mean /= n;
      expect(data.mean[p]).toBeCloseTo(mean, 12);
      let m = 0;
      let ss = 0;
      for (let i = 0; i < n; i++) m += data.X[i * 784 + p] as number;
      m /= n;
      for (let i = 0; i < n; i++) ss += ((data.X[i * 784 + p] as number) - m) ** 2;
      const std = Math.sqrt(ss / n);
      if (min === max) {
        zeroVariance++;
        expect(data.std[p]).toBe(0);
        let nonzero = 0;
        for (let i = 0; i < n; i++) if (data.X[i * 784 + p] !== 0) nonzero++;
        expect(nonzero).toBe(0);
      } else {
        expect(data.std[p]).toBeGreaterThan(0);
        expect(Math.abs(m)).toBeLessThan(TOL_MEAN);
        expect(Math.abs(std - 1)).toBeLessThan(TOL_STD);
      }
    }
    // MNIST's borders are blank: some pixels must have zero variance, most must not
    expect(zeroVariance).toBeGreaterThan(0);
    expect(zeroVariance).toBeLessThan(784 / 2);
  });

  it('gives all-zero inputs for n = 1 (every pixel has zero variance)', () => {
    const data = loadDigits(1);
    expect(data.labels[0]).toBe(0);
    expect(Array.from(data.X).every((x) => x === 0)).toBe(true);
    expect(Array.from(data.std).every((s) => s === 0)).toBe(true);
  });

  it('is deterministic and returns fresh arrays', () => {
    const a = loadDigits(300);
    const b = loadDigits(300);
    expect(Array.from(a.X)).toEqual(Array.from(b.X));
    expect(Array.from(a.Y)).toEqual(Array.from(b.Y));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    a.X[0] = 12345;
    expect(loadDigits(300).X[0]).toBe(b.X[0]);
  });

  it.each([0, -1, 2.5, Number.NaN, Infinity, availableDigits() + 1, '100' as unknown as number])(
    'rejects n = %s with an error naming n',
    (n) => {
      let error: unknown;
      try {
        loadDigits(n);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EoslabError);
      expect((error as EoslabError).code).toBe('E_OPTION');
      expect((error as EoslabError).option).toBe('n');
      expect((error as EoslabError).message).toMatch(/^invalid n: /);
      expect((error as EoslabError).message).toContain(String(availableDigits()));
    },
  );
});
