/**
 * The heatmap's per-cell kernels that were made faster must keep the bits of the scalar routines
 * they replace (the .npy outputs are compared bit for bit across versions):
 *  - `sharpnessCells` (assembly/scalar/sweep/finalSharpness.ts: four cells per pass in two f64x2
 *    vectors, lanes frozen when they stop, terms of repeated weights reused) equals `sharpness`
 *    (model.ts) cell by cell — on converged-like points (the batch route), with weights in runs of
 *    equal values, and on the cells that take the scalar routes (spread or zero weights,
 *    ρ = π(2π − 1) ≤ 0, NaN/±Inf, negative weights), for every batch remainder;
 *  - `logShiftFromZero` with the logs at s = 0 given, and `logShiftTwo` (two problems in one loop),
 *    equal `logShift` (logShift.ts);
 *  - `initFamilyCells` with its column cache (log uᵢ reused by every cell of a column) equals
 *    `initFromGfsSharpness` (family.ts, no cache) cell by cell, whatever the tile split.
 * Tolerance: none — equality of the IEEE-754 bit patterns (Object.is on every double, so −0 ≠ +0
 * and NaN = NaN).
 */
import { describe, expect, it } from 'vitest';
import { Arena, instantiate } from '../src/wasm/module.js';
import { rng } from './helpers/reference.js';

const raw = instantiate();
const arena = new Arena(raw);

/** Bit patterns, so that a failing comparison prints the differing doubles exactly. */
function bits(values: ArrayLike<number>): string[] {
  const view = new DataView(new ArrayBuffer(8));
  return Array.from(values, (v) => {
    view.setFloat64(0, v);
    return view.getBigUint64(0).toString(16);
  });
}

/** Batched S of n cells (AoS input) and the scalar `sharpness` of each. */
function batchedAndScalar(D: number, cells: Float64Array[]): { batched: string[]; scalar: string[] } {
  const n = cells.length;
  const mark = arena.mark();
  try {
    const soa = arena.alloc(D * n * 8);
    const view = arena.f64(soa, D * n);
    cells.forEach((w, t) => w.forEach((v, d) => (view[d * n + t] = v)));
    const out = arena.alloc(n * 8);
    raw.sharpnessCells(D, n, soa, out);
    const batched = bits(arena.f64(out, n));
    const one = arena.alloc(D * 8);
    const scalar = bits(
      cells.map((w) => {
        arena.f64(one, D).set(w);
        return raw.sharpness(one, D);
      }),
    );
    return { batched, scalar };
  } finally {
    arena.release(mark);
  }
}

/** A point with product 1 + δ: random magnitudes scaled onto the product (GD's converged cells). */
function nearMinimum(random: () => number, D: number, delta: number, spread: number): Float64Array {
  const w = Float64Array.from({ length: D }, () => Math.exp((random() - 0.5) * spread));
  const scale = Math.pow((1 + delta) / w.reduce((p, v) => p * v, 1), 1 / D);
  return w.map((v) => v * scale);
}

describe('final sharpness, four cells per pass', () => {
  it('equals the scalar sharpness bit for bit near minima, for D = 2 … 64 and every batch remainder', () => {
    const random = rng(11);
    for (const D of [2, 3, 4, 5, 8, 16, 64]) {
      for (let n = 1; n <= 13; n++) {
        const cells = Array.from({ length: n }, () =>
          nearMinimum(random, D, (random() - 0.5) * 10 ** -(2 + 12 * random()), 4 * random()),
        );
        const { batched, scalar } = batchedAndScalar(D, cells);
        expect(batched, `D = ${D}, n = ${n}`).toEqual(scalar);
      }
    }
  });

  it('equals it when weights come in runs of equal values (terms reused), alone and mixed with other cells', () => {
    const random = rng(23);
    for (const D of [2, 4, 6, 9]) {
      const runs = (): Float64Array => {
        const w = nearMinimum(random, D, (random() - 0.5) * 1e-7, 3);
        const half = Math.ceil(D / 2);
        for (let i = 1; i < D; i++) if (i !== half) w[i] = w[i - 1] as number; // the default directions' pattern
        return w;
      };
      for (let n = 1; n <= 9; n++) {
        const pure = Array.from({ length: n }, runs);
        const mixed = Array.from({ length: n }, (_, k) => (k % 3 === 1 ? nearMinimum(random, D, 1e-9, 3) : runs()));
        for (const cells of [pure, mixed]) {
          const { batched, scalar } = batchedAndScalar(D, cells);
          expect(batched, `D = ${D}, n = ${n}`).toEqual(scalar);
        }
      }
    }
  });

  it('equals it on the scalar routes and on special values, mixed with batch cells', () => {
    const D = 4;
    const random = rng(5);
    const special: number[][] = [
      [1, 1, 1, 1], // π = 1 exactly: the diagonal vanishes
      [2, 0.5, 1, 1], // ties in d
      [1e-4, 10, 10, 10], // spread weights: Jacobi
      [0, 1, 1, 1], // a zero weight: Jacobi
      [0.5, 1, 1, 1], // π = 0.5: ρ = 0
      [0.3, 1, 1, 1], // ρ < 0
      [-1, -1, 1, 1], // negative weights, π = 1
      [-1, 1, 1, 1], // π = −1
      [Number.NaN, 1, 1, 1],
      [Number.POSITIVE_INFINITY, 1, 1, 1],
      [Number.NEGATIVE_INFINITY, 1, 1, 1],
      [1e200, 1e200, 1e-200, 1e-200], // spread: Jacobi
      [1e150, 1e150, 1e150, 1e150], // π overflows to +∞
      [-0, 1, 1, 1],
    ];
    const cells: Float64Array[] = [];
    for (const s of special) {
      cells.push(Float64Array.from(s));
      for (let extra = 0; extra < Math.floor(random() * 4); extra++) cells.push(nearMinimum(random, D, 1e-8, 3));
    }
    for (let k = 0; k < 200; k++) {
      cells.push(Float64Array.from({ length: D }, () => (random() - 0.3) * 3)); // any π, any sign
    }
    const { batched, scalar } = batchedAndScalar(D, cells);
    expect(batched).toEqual(scalar);
    expect(batched.length).toBe(cells.length);
  });
});

/**
 * The family cache of a one-row grid, filled by initFamilyCells: per column Σ 1/uᵢ, u, log uᵢ (WASM's
 * Math.log) and Σ 1/uᵢ, `familyCacheStride(D)` doubles.
 */
function familyColumns(direction: number[], phiRange: [number, number], cols: number): Float64Array[] {
  const D = direction.length;
  const stride = raw.familyCacheStride(D);
  const mark = arena.mark();
  try {
    const c = arena.alloc(D * 8);
    arena.f64(c, D).set(direction);
    const cache = arena.alloc(cols * stride * 8);
    arena.f64(cache, cols * stride).fill(Number.NaN);
    const out = arena.alloc(D * cols * 8);
    const gfs = arena.alloc(cols * 8);
    raw.initFamilyCells(c, D, phiRange[0], phiRange[1], 1, 1, 1, cols, 0, cols, out, gfs, cache);
    const all = arena.f64(cache, cols * stride);
    return Array.from({ length: cols }, (_, j) => all.slice(j * stride, (j + 1) * stride));
  } finally {
    arena.release(mark);
  }
}

describe('logShift with the logs at s = 0 known', () => {
  it('has logShift’s bits for the family’s columns and any target, and ignores the logs when some aᵢ = 0', () => {
    const random = rng(3);
    const mark = arena.mark();
    try {
      for (const direction of [
        [1, 1, -1, -1],
        [3, 1, -1, -3],
        [2, -1, -1],
        [1, 1, 1, 1, 1, -5],
      ]) {
        const D = direction.length;
        for (const entry of familyColumns(direction, [D + 0.05, 60], 97)) {
          const u = entry.subarray(1, 1 + D);
          const pa = arena.alloc(D * 8);
          arena.f64(pa, D).set(u);
          const logs = arena.alloc((D + 1) * 8);
          arena.f64(logs, D + 1).set(entry.subarray(1 + D));
          const slope = entry[1 + 2 * D] as number;
          for (let k = 0; k < 8; k++) {
            const target = 2 * Math.log(0.01 + 8 * random());
            expect(bits([raw.logShiftFromZero(pa, D, target, logs, slope)])).toEqual(
              bits([raw.logShift(pa, D, target)]),
            );
          }
        }
      }
      // a zero aᵢ: the iteration starts at s = 1, so the logs at 0 (deliberately wrong here) are not used
      const pa = arena.alloc(3 * 8);
      arena.f64(pa, 3).set([0, 2, 5]);
      const wrong = arena.alloc(3 * 8);
      arena.f64(wrong, 3).set([7, 7, 7]);
      for (const target of [-3, 0, 1.5, 40]) {
        expect(bits([raw.logShiftFromZero(pa, 3, target, wrong, 123)])).toEqual(bits([raw.logShift(pa, 3, target)]));
      }
    } finally {
      arena.release(mark);
    }
  });
});

describe('two root finds in one loop', () => {
  it('give each problem logShift’s bits: any targets, zero or equal aᵢ, invalid inputs, D = 1 … 9', () => {
    const random = rng(17);
    const mark = arena.mark();
    try {
      const out = arena.alloc(16);
      const special = [Number.NaN, Number.POSITIVE_INFINITY, -1];
      for (let trial = 0; trial < 3000; trial++) {
        const D = 1 + Math.floor(random() * 9);
        const problem = (): { a: Float64Array; target: number } => {
          const a = Float64Array.from({ length: D }, () => Math.exp((random() - 0.5) * 14));
          if (random() < 0.3) for (let i = 1; i < D; i++) if (random() < 0.5) a[i] = a[i - 1] as number; // runs
          if (random() < 0.05) a[Math.floor(random() * D)] = 0;
          if (random() < 0.02) a[Math.floor(random() * D)] = special[Math.floor(random() * 3)] as number;
          const target = random() < 0.01 ? Number.NaN : (random() - 0.5) * 40;
          return { a, target };
        };
        const [p, q] = [problem(), problem()];
        const pa = arena.alloc(D * 8);
        const qa = arena.alloc(D * 8);
        arena.f64(pa, D).set(p.a);
        arena.f64(qa, D).set(q.a);
        raw.logShiftTwo(pa, qa, D, p.target, q.target, 0, 0, 0, 0, out);
        const expected = [raw.logShift(pa, D, p.target), raw.logShift(qa, D, q.target)];
        expect(bits(arena.f64(out, 2)), `trial ${trial}`).toEqual(bits(expected));
      }
    } finally {
      arena.release(mark);
    }
  });
});

describe('family cells with the column cache', () => {
  it('equal initFromGfsSharpness cell by cell (weights and φ₀), whatever the tile split', () => {
    const cases: { direction: number[]; phi: [number, number]; p: [number, number]; rows: number; cols: number }[] = [
      { direction: [1, 1, -1, -1], phi: [4.05, 34], p: [0.05, 5], rows: 29, cols: 31 },
      { direction: [3, 1, -1, -3], phi: [4.05, 34], p: [0.05, 5], rows: 17, cols: 19 },
      { direction: [2, -1, -1], phi: [3.01, 90], p: [1e-3, 40], rows: 13, cols: 11 },
    ];
    for (const { direction, phi, p, rows, cols } of cases) {
      const D = direction.length;
      const n = rows * cols;
      const mark = arena.mark();
      try {
        const c = arena.alloc(D * 8);
        arena.f64(c, D).set(direction);
        const stride = raw.familyCacheStride(D);
        const cache = arena.alloc(cols * stride * 8);
        arena.f64(cache, cols * stride).fill(Number.NaN);
        const tiled = new Float64Array(D * n);
        const gfs = new Float64Array(n);
        // uneven tiles sharing one cache, as a worker runs them
        for (let start = 0; start < n;) {
          const count = Math.min(n - start, 1 + ((start * 7 + 5) % 23));
          const out = arena.alloc(D * count * 8);
          const g = arena.alloc(count * 8);
          raw.initFamilyCells(c, D, phi[0], phi[1], p[0], p[1], rows, cols, start, count, out, g, cache);
          const w = arena.f64(out, D * count);
          for (let t = 0; t < count; t++)
            for (let d = 0; d < D; d++) tiled[d * n + start + t] = w[d * count + t] as number;
          gfs.set(arena.f64(g, count), start);
          start += count;
        }
        const one = arena.alloc(D * 8);
        const cell = arena.alloc(D * 8);
        arena.f64(one, D).set(direction);
        for (let k = 0; k < n; k++) {
          const i = Math.floor(k / cols);
          const j = k % cols;
          const phi0 = phi[0] + ((phi[1] - phi[0]) * j) / (cols - 1);
          const p0 = p[0] + ((p[1] - p[0]) * i) / (rows - 1);
          raw.initFromGfsSharpness(one, D, phi0, p0, cell);
          const expected = bits(arena.f64(cell, D));
          const actual = bits(Array.from({ length: D }, (_, d) => tiled[d * n + k] as number));
          expect(actual, `cell (${i}, ${j}) of direction ${direction}`).toEqual(expected);
          expect(Math.abs((gfs[k] as number) - phi0) / phi0).toBeLessThan(1e-12);
        }
      } finally {
        arena.release(mark);
      }
    }
  });
});
