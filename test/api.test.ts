/**
 * The validated library API: option errors that name the option and value, presets, the
 * trajectory driver (chunking, schedules, divergence) and the paper's Fig 2 claims.
 */
import { describe, expect, it } from 'vitest';
import * as eoslab from '../src/index.js';
import { EoslabError } from '../src/base/errors.js';
import { refGdStep, refGfsSharpness, refLoss, refProduct } from './helpers/reference.js';

function errorOf(fn: () => unknown): EoslabError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EoslabError);
    return error as EoslabError;
  }
  throw new Error('expected an EoslabError');
}

describe('option validation (one clear message naming option and value)', () => {
  it.each([
    ['non-numeric weight', () => eoslab.loss(['a', 1] as unknown as number[]), 'w', /invalid w: \[a, 1\]/],
    ['D < 2', () => eoslab.gfs([1.5]), 'w', /invalid w: \[1\.5\] \(expected weights: 2–64/],
    ['D > 64', () => eoslab.sharpness(new Array(65).fill(1)), 'w', /invalid w/],
    ['NaN weight', () => eoslab.gfsSharpness([1, Number.NaN]), 'w', /invalid w: \[1, NaN\]/],
    ['Infinity weight', () => eoslab.gradient([1, Infinity]), 'w', /invalid w: \[1, Infinity\]/],
    ['η = 0', () => eoslab.gdStep([1, 2], 0), 'eta', /invalid eta: 0 \(expected a finite number > 0\)/],
    ['η < 0', () => eoslab.gpgdStep([1, 2], -0.1), 'eta', /invalid eta: -0\.1/],
    ['η NaN', () => eoslab.inInvariantSet([1, 2], Number.NaN), 'eta', /invalid eta: NaN/],
    [
      'steps < 1',
      () => eoslab.trajectory({ w0: [1, 2], eta: 0.1, steps: 0 }),
      'steps',
      /invalid steps: 0 \(expected an integer >= 1/,
    ],
    ['fractional steps', () => eoslab.trajectory({ w0: [1, 2], eta: 0.1, steps: 2.5 }), 'steps', /invalid steps: 2\.5/],
    [
      'unknown preset',
      () => eoslab.trajectory({ preset: 'fig99' }),
      'preset',
      /invalid preset: "fig99" \(expected one of: fig2, fig9\)/,
    ],
    [
      'φ₀ < D',
      () => eoslab.initFromGfsSharpness({ phi0: 3, p0: 1 }),
      'phi0',
      /invalid phi0: 3 \(expected a GFS sharpness >= the depth 4\)/,
    ],
    ['p₀ ≤ 0', () => eoslab.initFromGfsSharpness({ phi0: 5, p0: 0 }), 'p0', /invalid p0: 0/],
    [
      'direction sum ≠ 0',
      () => eoslab.initFromGfsSharpness({ phi0: 5, p0: 1, direction: [1, 1, 1, -1] }),
      'direction',
      /Σ|sum to 0/,
    ],
    [
      'direction vs depth',
      () => eoslab.initFromGfsSharpness({ phi0: 5, p0: 1, direction: [1, -1], depth: 3 }),
      'direction',
      /3 entries/,
    ],
  ])('%s', (_name, fn, option, message) => {
    const error = errorOf(fn);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.exitCode).toBe(2);
  });

  it('accepts typed arrays and plain arrays alike', () => {
    expect(eoslab.loss(new Float64Array([1.2, 0.8]))).toBe(eoslab.loss([1.2, 0.8]));
  });
});

describe('the top-level API agrees with the references', () => {
  it('gfs() reports every quantity', () => {
    const w = [1.2, 0.8, 1.1, 0.9];
    const info = eoslab.gfs(w);
    expect(info.status).toBe('ok');
    expect(info.loss).toBeCloseTo(refLoss(w), 15);
    expect(info.product).toBeCloseTo(refProduct(w), 15);
    expect(info.gfsSharpness).toBeCloseTo(refGfsSharpness(w), 12);
    expect(eoslab.gfs([-1.2, 0.8, 1.1, 0.9]).status).toBe('no-gfs');
    expect(eoslab.stabilityThreshold(0.1)).toBe(20);
  });

  it('gfs() reports non-finite, not ok with NaN values, where the GFS overflows float64', () => {
    for (const w of [
      [1e308, 1e308],
      [1e-200, 1e200],
    ]) {
      const info = eoslab.gfs(w);
      expect(info.status, `gfs(${w})`).toBe('non-finite');
      expect(info.gfsSharpness).toBeNaN();
      expect(info.shift).toBeNaN();
    }
  });

  it('defaultDirection follows model.md §2', () => {
    expect(Array.from(eoslab.defaultDirection(4))).toEqual([1, 1, -1, -1]);
    expect(Array.from(eoslab.defaultDirection(3))).toEqual([1, 1, -2]);
    expect(Array.from(eoslab.defaultDirection(5)).reduce((a, b) => a + b, 0)).toBeCloseTo(0, 14);
  });
});

describe('trajectory driver', () => {
  it('fig2 preset: φ never increases (Theorem 3.2) and the final sharpness is in [0.99, 1]·2/η', () => {
    const t = eoslab.trajectory({ preset: 'fig2' });
    expect(t.rows).toBe(3001);
    expect(t.gfsSharpness[0]).toBeCloseTo(26, 10);
    for (let i = 1; i < t.rows; i++) expect(t.gfsSharpness[i]).toBeLessThanOrEqual(t.gfsSharpness[i - 1] as number);
    const threshold = 2 / 0.1;
    const final = t.sharpness[t.rows - 1] as number;
    expect(final / threshold).toBeGreaterThanOrEqual(0.99);
    expect(final / threshold).toBeLessThanOrEqual(1.0);
    // every fig2 iterate stays in 𝕊 (Theorem 3.2), checked on a subsample
    const e = eoslab.engine();
    const w = Float64Array.from(t.w0);
    for (let i = 0; i < 3000; i++) {
      if (i % 100 === 0) expect(e.invariantSet(w, 0.1).member).toBe(true);
      w.set(e.gdStep(w, 0.1));
    }
  });

  it('chunked WASM driver equals a step-by-step loop (bitwise) and a TypeScript GD (1e-9)', () => {
    const steps = eoslab.TRAJECTORY_CHUNK_ROWS * 2 + 17;
    const t = eoslab.trajectory({ phi0: 24, p0: 0.6, eta: 0.1, steps });
    const e = eoslab.engine();
    let w: Float64Array = Float64Array.from(t.w0);
    let ref: Float64Array = Float64Array.from(t.w0);
    for (let i = 0; i <= steps; i++) {
      expect(t.product[i]).toBe(e.product(w));
      expect(t.loss[i]).toBe(e.loss(w));
      expect(Math.abs((t.product[i] as number) - refProduct(ref))).toBeLessThanOrEqual(1e-9);
      if (i === steps) expect(Array.from(t.final)).toEqual(Array.from(w));
      w = e.gdStep(w, 0.1);
      ref = refGdStep(ref, 0.1);
    }
  });

  it('a schedule of step sizes is honoured', () => {
    const steps = 50;
    const schedule = Float64Array.from({ length: steps }, (_, i) => (i < 25 ? 0.05 : 0.1));
    const t = eoslab.trajectory({ w0: [1.4, 0.6, 1.1], eta: schedule, steps });
    let w: Float64Array = Float64Array.from([1.4, 0.6, 1.1]);
    for (let i = 0; i < steps; i++) w = refGdStep(w, schedule[i] as number);
    expect(Math.abs((t.product[steps] as number) - refProduct(w))).toBeLessThan(1e-13);
    expect(() => eoslab.trajectory({ w0: [1, 2], eta: [0.1, 0.1], steps: 5 })).toThrow(/invalid eta/);
  });

  it('divergence is data: the run stops with status diverged', () => {
    const t = eoslab.trajectory({ w0: [3, 3, 3, 3], eta: 0.5, steps: 1000 });
    expect(t.outcome).toBe('diverged');
    expect(t.status[t.rows - 1]).toBe(eoslab.Status.diverged);
    expect(t.rows).toBeLessThan(1001);
  });

  it('with tol > 0 the run stops at convergence; π ≤ 0 rows are no-gfs', () => {
    const t = eoslab.trajectory({ w0: [1.1, 0.95], eta: 0.1, steps: 10_000, tol: 1e-20 });
    expect(t.outcome).toBe('converged');
    expect(t.loss[t.rows - 1]).toBeLessThan(1e-20);
    const saddle = eoslab.trajectory({ w0: [-1, 0.5, 1], eta: 0.1, steps: 5 });
    expect(saddle.status[0]).toBe(eoslab.Status.noGfs);
    expect(saddle.gfsSharpness[0]).toBeNaN();
  });
});
