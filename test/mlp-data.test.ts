/**
 * The digits loader (model.md §5 "Data [ours]", issue 6 item 2): shapes, one-hot targets, the
 * round-robin class order (class-balanced prefixes), per-channel standardisation (one mean, one std
 * over all pixels of the n digits, against a plain two-pass computation),
 * determinism, and clear errors for a bad n.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { loadDigits } from '../src/data/digits.js';
import { availableDigits } from '../src/data/mnist.js';
import { standardizeChannel } from '../src/data/transform.js';

const TOL_MEAN = 1e-12; // mean of all standardised values, absolute
const TOL_STD = 1e-12; // standard deviation of all standardised values, |std − 1|
const TOL_STAT = 1e-12; // loader's mean and std vs a plain two-pass computation, relative
const TOL_ENTRY = 1e-12; // each standardised entry vs (raw − mean)/std, absolute
const MAX_ABS_INPUT = 4; // largest |x| after per-channel standardisation (measured ≈ 2.8)

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
    expect(typeof data.mean).toBe('number');
    expect(typeof data.std).toBe('number');
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
        const x = (data.X[i * 784 + p] as number) * data.std + data.mean;
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

  it.each([1000, 37])('standardises per channel: one mean, one std over all pixels of the n = %i digits', (n) => {
    const data = loadDigits(n);
    // Plain two-pass reference over the raw package values (read here, not through the loader).
    const values: number[] = [];
    for (let i = 0; i < n; i++) for (let p = 0; p < 784; p++) values.push(raw(i % 10, Math.floor(i / 10), p));
    let sum = 0;
    for (const x of values) sum += x;
    const mean = sum / values.length;
    let ss = 0;
    for (const x of values) ss += (x - mean) ** 2;
    const std = Math.sqrt(ss / values.length);
    expect(Math.abs(data.mean - mean)).toBeLessThan(TOL_STAT * mean);
    expect(Math.abs(data.std - std)).toBeLessThan(TOL_STAT * std);
    // Every entry is (raw − mean)/std with the one pair of statistics.
    let worst = 0;
    let maxAbs = 0;
    for (let k = 0; k < values.length; k++) {
      const x = data.X[k] as number;
      worst = Math.max(worst, Math.abs(x - ((values[k] as number) - mean) / std));
      maxAbs = Math.max(maxAbs, Math.abs(x));
    }
    expect(worst).toBeLessThan(TOL_ENTRY);
    // The standardised set has mean 0 and std 1 over all its entries.
    let m = 0;
    for (let k = 0; k < data.X.length; k++) m += data.X[k] as number;
    m /= data.X.length;
    let s2 = 0;
    for (let k = 0; k < data.X.length; k++) s2 += ((data.X[k] as number) - m) ** 2;
    expect(Math.abs(m)).toBeLessThan(TOL_MEAN);
    expect(Math.abs(Math.sqrt(s2 / data.X.length) - 1)).toBeLessThan(TOL_STD);
    // Raw values lie in [0, 1], so no entry exceeds max(mean, 1 − mean)/std (≈ 2.8 for MNIST), far
    // from the tens of σ a per-pixel standardisation gives rarely-inked pixels.
    expect(maxAbs).toBeLessThanOrEqual(Math.max(mean, 1 - mean) / std + TOL_ENTRY);
    expect(maxAbs).toBeLessThan(MAX_ABS_INPUT);
    // A blank pixel (raw 0) has the same value in every image: spatial structure is kept.
    expect(data.X[0]).toBe(-data.mean / data.std);
  });

  it('the 1000-digit statistics are those of MNIST digits (mean ≈ 0.13, std ≈ 0.31)', () => {
    const data = loadDigits(1000);
    expect(data.mean).toBeGreaterThan(0.1);
    expect(data.mean).toBeLessThan(0.16);
    expect(data.std).toBeGreaterThan(0.28);
    expect(data.std).toBeLessThan(0.34);
  });

  it('n = 1 (one real digit) is standardised like any other set', () => {
    const one = loadDigits(1);
    expect(one.std).toBeGreaterThan(0);
    expect(one.labels[0]).toBe(0);
    let m = 0;
    for (let k = 0; k < 784; k++) m += one.X[k] as number;
    expect(Math.abs(m / 784)).toBeLessThan(TOL_MEAN);
  });

  it('standardizeChannel: equal values give std 0 and all-zero entries; otherwise mean 0, std 1', () => {
    const flat = new Float64Array(50).fill(0.25);
    expect(standardizeChannel(flat)).toEqual({ mean: 0.25, std: 0 });
    expect(Array.from(flat).every((x) => x === 0)).toBe(true);
    const x = Float64Array.from([0, 1, 2, 3]); // mean 1.5, population variance 1.25
    const { mean, std } = standardizeChannel(x);
    expect(mean).toBe(1.5);
    expect(Math.abs(std - Math.sqrt(1.25))).toBeLessThan(TOL_STAT);
    expect(Math.abs((x[0] as number) + 1.5 / Math.sqrt(1.25))).toBeLessThan(TOL_ENTRY);
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
