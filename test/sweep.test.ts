/**
 * Heatmap sweep kernels `sweepScalar` / `sweepSimd` (assembly/scalar/sweep/, model.md §1.1, §1.4, §2).
 *
 * Per cell: GD wᵢ ← wᵢ − η(π−1)·∏_{j≠i}wⱼ on L = ½(π−1)², stopping before a step when
 * !(|π| < divergeAt) (1), ½(π−1)² < tol (0) or steps ≥ maxSteps (2). Checked here:
 * (a) the two kernels agree bit for bit (weights, steps, status) on random grids with special values,
 *     and on D = 4 cells with equal pairs (w₀ = w₁, w₂ = w₃: the SIMD kernel's equal-pairs step);
 * (b) both equal an independent plain-TypeScript float64 GD using the same formula order
 *     (h = ⌊D/2⌋, π = PL·PR, s = η(π−1), wᵢ −= (s·PR)·Eᵢ on the left half and (s·PL)·Eᵢ on the right,
 *     Eᵢ = product of the half's other weights by prefix/suffix), so equality is exact;
 * (c) a cell gives the same result alone (n = 1) as inside any tile;
 * (d) the reported statuses are true of the reported weights and step counts.
 *
 * The WASM comes from build/release.wasm (`npx asc assembly/index.ts --target release`), or from
 * the file named by EOSLAB_SWEEP_WASM (e.g. assembly/scalar/sweep/sweep.ts compiled alone).
 */
import type { SweepKernel } from '../src/experiments/heatmap/tile.js';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Arena, instantiate, type RawExports } from '../src/wasm/module.js';
import { rng } from './helpers/reference.js';

interface SweepExports extends RawExports {
  sweepScalar: SweepKernel;
  sweepSimd: SweepKernel;
  sweepUsePairs(on: number): void;
}

interface SweepParams {
  eta: number;
  tol: number;
  divergeAt: number;
  maxSteps: number;
}

/** Per-cell results; `w` is struct of arrays like the kernel's (weight d of cell k at d·n + k). */
interface SweepResult {
  w: Float64Array;
  steps: Int32Array;
  status: Uint8Array;
  total: number;
}

const CONVERGED = 0;
const DIVERGED = 1;
const MAX_STEPS = 2;

const DEPTHS = [2, 3, 4, 5, 7, 16, 64];
/** Tile sizes around the kernel's lane count (16) and its refills: odd, below, above, n = 1. */
const SIZES = [1, 3, 15, 17, 101, 333];

let raw: SweepExports;
let arena: Arena;

beforeAll(() => {
  const override = process.env.EOSLAB_SWEEP_WASM;
  raw = instantiate(override ? new WebAssembly.Module(readFileSync(override)) : undefined) as SweepExports;
  if (typeof raw.sweepSimd !== 'function' || typeof raw.sweepScalar !== 'function') {
    throw new Error('the WASM has no sweep kernels: run `npx asc assembly/index.ts --target release`');
  }
  arena = new Arena(raw);
});

function runKernel(kernel: 'sweepScalar' | 'sweepSimd', D: number, win: Float64Array, p: SweepParams): SweepResult {
  const n = win.length / D;
  const mark = arena.mark();
  try {
    const inPtr = arena.alloc(8 * D * n);
    const outPtr = arena.alloc(8 * D * n);
    const stepsPtr = arena.alloc(4 * n);
    const statusPtr = arena.alloc(n);
    arena.f64(inPtr, D * n).set(win);
    arena.f64(outPtr, D * n).fill(12345); // the kernel must overwrite every cell
    const total = raw[kernel](D, n, inPtr, p.eta, p.tol, p.divergeAt, p.maxSteps, outPtr, stepsPtr, statusPtr);
    const untouchedInput = arena.f64(inPtr, D * n);
    expect(bits(untouchedInput)).toEqual(bits(win));
    return {
      w: arena.f64(outPtr, D * n).slice(),
      steps: arena.i32(stepsPtr, n).slice(),
      status: arena.u8(statusPtr, n).slice(),
      total,
    };
  } finally {
    arena.release(mark);
  }
}

/** Raw IEEE bits, so that NaN payloads and signed zeros count. */
function bits(a: Float64Array): BigUint64Array {
  return new BigUint64Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** The neighbouring double of a positive finite x: one ulp up (direction > 0) or down. */
function nextAfter(x: number, direction: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + (direction > 0 ? 1n : -1n));
  return view.getFloat64(0);
}

/** Step sizes that put balanced cells (sharpness ≈ D at π = 1) below 2/η and unbalanced ones above. */
function paramsFor(D: number): SweepParams {
  return { eta: 1.6 / D, tol: 1e-14, divergeAt: 1e6, maxSteps: 1500 };
}

const SPECIAL_CELLS: ((D: number) => number[])[] = [
  (D) => Array.from({ length: D }, () => 1), // π = 1: converged before any step
  (D) => Array.from({ length: D }, (_, i) => (i === 0 ? NaN : 1)),
  (D) => Array.from({ length: D }, (_, i) => (i === D - 1 ? Infinity : 1)),
  (D) => Array.from({ length: D }, (_, i) => (i === 1 ? -Infinity : 0.5)),
  (D) => Array.from({ length: D }, (_, i) => (i === 0 ? 0 : 1.2)), // a zero weight: π/wᵢ would be NaN
  (D) => Array.from({ length: D }, (_, i) => (i < 2 ? -0 : 1)), // two zeros: the gradient vanishes
  (D) => Array.from({ length: D }, (_, i) => (i === 0 ? Infinity : 0)), // π = NaN
  (D) => Array.from({ length: D }, (_, i) => (i % 2 === 0 ? -1.05 : 1.02)), // negative weights
  (D) => Array.from({ length: D }, () => 2e6 ** (1 / D) * 1.01), // |π| ≥ 1e6 at step 0
  (D) => Array.from({ length: D }, (_, i) => (i === 0 ? 1e300 : i === 1 ? 1e-300 : 1)), // extreme but finite
  (D) => Array.from({ length: D }, (_, i) => (i === 0 ? 5e-324 : 1.1)), // subnormal weight
  (D) => Array.from({ length: D }, (_, i) => (i === 0 ? 3 : 1 / 3 + 1e-3)), // strongly unbalanced
];

/**
 * n cells of depth D (struct of arrays): log-normal weights around a random product in [0.05, 5],
 * some with negative signs, and the special cells above spread through the grid.
 */
function grid(D: number, n: number, seed: number, withSpecial = true): Float64Array {
  const random = rng(seed);
  const w = new Float64Array(D * n);
  for (let k = 0; k < n; k++) {
    let cell: number[];
    if (withSpecial && k % 7 === 3) {
      cell = SPECIAL_CELLS[Math.floor(k / 7) % SPECIAL_CELLS.length]!(D);
    } else {
      const product = 0.05 + 4.95 * random();
      const spread = (D > 16 ? 0.12 : 0.6) * random();
      cell = Array.from({ length: D }, () => product ** (1 / D) * Math.exp(spread * (2 * random() - 1)));
      if (random() < 0.1) cell[Math.floor(random() * D)]! *= -1;
    }
    for (let d = 0; d < D; d++) w[d * n + k] = cell[d]!;
  }
  return w;
}

function cellOf(w: Float64Array, D: number, k: number): Float64Array {
  const n = w.length / D;
  return Float64Array.from({ length: D }, (_, d) => w[d * n + k]!);
}

// ---- Independent TypeScript reference ------------------------------------------------------

/** v_i −= σ·E_i in place, E_i = product of v's other entries by prefix/suffix (E = 1 when m = 1). */
function referenceHalfUpdate(v: Float64Array, sigma: number): void {
  const m = v.length;
  if (m === 1) {
    v[0] = v[0]! - sigma;
    return;
  }
  const prefix = new Float64Array(m); // prefix[i] = v0·…·v_{i−1}, i ≥ 1
  prefix[1] = v[0]!;
  for (let i = 2; i < m; i++) prefix[i] = prefix[i - 1]! * v[i - 1]!;
  const suffix = new Float64Array(m + 1); // suffix[i] = v_i·…·v_{m−1}, i ≤ m−1
  suffix[m - 1] = v[m - 1]!;
  for (let i = m - 2; i >= 1; i--) suffix[i] = v[i]! * suffix[i + 1]!;
  const e = Float64Array.from({ length: m }, (_, i) =>
    i === 0 ? suffix[1]! : i === m - 1 ? prefix[m - 1]! : prefix[i]! * suffix[i + 1]!,
  );
  for (let i = 0; i < m; i++) v[i] = v[i]! - sigma * e[i]!;
}

function referenceProduct(w: Float64Array): { left: number; right: number; product: number } {
  const h = w.length >> 1;
  let left = w[0]!;
  for (let d = 1; d < h; d++) left = left * w[d]!;
  let right = w[h]!;
  for (let d = h + 1; d < w.length; d++) right = right * w[d]!;
  return { left, right, product: left * right };
}

function referenceRun(w0: Float64Array, p: SweepParams): { w: Float64Array; steps: number; status: number } {
  const w = Float64Array.from(w0);
  const h = w.length >> 1;
  for (let steps = 0; ; steps++) {
    const { left, right, product } = referenceProduct(w);
    const r = product - 1;
    if (!(Math.abs(product) < p.divergeAt)) return { w, steps, status: DIVERGED };
    if (0.5 * r * r < p.tol) return { w, steps, status: CONVERGED };
    if (steps >= p.maxSteps) return { w, steps, status: MAX_STEPS };
    const s = p.eta * r;
    const lo = w.subarray(0, h);
    const hi = w.subarray(h);
    referenceHalfUpdate(lo, s * right);
    referenceHalfUpdate(hi, s * left);
  }
}

// ---- Checks ---------------------------------------------------------------------------------

function expectBitIdentical(a: SweepResult, b: SweepResult): void {
  expect(a.status).toEqual(b.status);
  expect(a.steps).toEqual(b.steps);
  expect(bits(a.w)).toEqual(bits(b.w));
  expect(a.total).toBe(b.total);
}

function expectMatchesReference(result: SweepResult, win: Float64Array, D: number, p: SweepParams): void {
  const n = win.length / D;
  for (let k = 0; k < n; k++) {
    const ref = referenceRun(cellOf(win, D, k), p);
    const got = cellOf(result.w, D, k);
    const where = `cell ${k} of ${n}, D = ${D}`;
    expect(result.status[k], where).toBe(ref.status);
    expect(result.steps[k], where).toBe(ref.steps);
    for (let d = 0; d < D; d++) {
      if (!Object.is(got[d], ref.w[d])) expect.fail(`${where}, weight ${d}: ${got[d]} ≠ ${ref.w[d]}`);
    }
  }
}

describe('sweep kernels (model.md §1.1, §1.4, §2)', () => {
  describe('(a) sweepScalar and sweepSimd agree bit for bit', () => {
    it.each(DEPTHS)('D = %i, every tile size', (D) => {
      const p = paramsFor(D);
      for (const n of SIZES) {
        const win = grid(D, n, 1000 * D + n);
        expectBitIdentical(runKernel('sweepSimd', D, win, p), runKernel('sweepScalar', D, win, p));
      }
    });

    it('D = 4, the fig3 parameters on a 31 × 31 (φ₀, p₀)-like grid with special cells', () => {
      const p = { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 20000 };
      const win = grid(4, 961, 4);
      const simd = runKernel('sweepSimd', 4, win, p);
      expectBitIdentical(simd, runKernel('sweepScalar', 4, win, p));
      for (const status of [CONVERGED, DIVERGED]) expect(simd.status).toContain(status);
    });

    it('D = 4, cells with w₀ = w₁ and w₂ = w₃ (the equal-pairs step), alone and mixed with others', () => {
      // fig3's default direction gives such cells; tiles whose 16 lanes are all of them take the
      // equal-pairs step, others the full one, switching as lanes are refilled — same bits either way,
      // and the same with the equal-pairs step switched off
      const p = { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 20000 };
      const random = rng(44);
      for (const [n, mixEvery] of [
        [17, 0],
        [200, 0],
        [333, 9],
        [500, 60],
      ] as const) {
        const win = new Float64Array(4 * n);
        for (let k = 0; k < n; k++) {
          const a = 0.3 + 2 * random();
          const c = (0.05 + 4.95 * random()) ** 0.5 / a;
          const cell = mixEvery > 0 && k % mixEvery === 5 ? [a, a * 1.01, c, c] : [a, a, c, c];
          cell.forEach((v, d) => (win[d * n + k] = v));
        }
        const simd = runKernel('sweepSimd', 4, win, p);
        expectBitIdentical(simd, runKernel('sweepScalar', 4, win, p));
        raw.sweepUsePairs(0);
        try {
          expectBitIdentical(runKernel('sweepSimd', 4, win, p), simd);
        } finally {
          raw.sweepUsePairs(1);
        }
        for (const status of [CONVERGED, DIVERGED]) expect(simd.status, `n = ${n}`).toContain(status);
      }
    });

    it('cells stopping at step 0 come back bit for bit (NaN payloads, signalling NaN, −0)', () => {
      for (const D of [2, 3, 4, 9]) {
        const n = 21;
        const win = grid(D, n, 5 + D, false);
        const raw64 = new BigUint64Array(win.buffer);
        const payloads = [0x7ff4000000000001n, 0xfff8000000000123n, 0x7ff8dead0000beefn];
        payloads.forEach((bitsOfNaN, j) => {
          const k = 3 + 5 * j;
          raw64[k] = bitsOfNaN; // weight 0 of cell k
          win[(D - 1) * n + k] = -0;
        });
        for (const kernel of ['sweepSimd', 'sweepScalar'] as const) {
          const result = runKernel(kernel, D, win, paramsFor(D));
          const out64 = bits(result.w);
          payloads.forEach((_, j) => {
            const k = 3 + 5 * j;
            expect(result.status[k]).toBe(DIVERGED);
            expect(result.steps[k]).toBe(0);
            for (let d = 0; d < D; d++) expect(out64[d * n + k]).toBe(raw64[d * n + k]);
          });
        }
      }
    });

    it('edge parameters: tol ≤ 0, tol = ∞, NaN tol, maxSteps 0 or negative, divergeAt = ∞', () => {
      const cases: SweepParams[] = [
        { eta: 0.3, tol: 0, divergeAt: 1e6, maxSteps: 200 },
        { eta: 0.3, tol: -1, divergeAt: 1e6, maxSteps: 200 },
        { eta: 0.3, tol: Infinity, divergeAt: 1e6, maxSteps: 200 },
        { eta: 0.3, tol: NaN, divergeAt: 1e6, maxSteps: 200 },
        { eta: 0.3, tol: 1e-10, divergeAt: Infinity, maxSteps: 200 },
        { eta: 0.3, tol: 0.3, divergeAt: 2, maxSteps: 200 },
        { eta: 0.3, tol: 1e-10, divergeAt: 1e6, maxSteps: 0 },
        { eta: 0.3, tol: 1e-10, divergeAt: 1e6, maxSteps: -5 },
        { eta: 0, tol: 1e-10, divergeAt: 1e6, maxSteps: 50 },
      ];
      for (const p of cases) {
        for (const D of [2, 3, 4, 6]) {
          const win = grid(D, 45, 77 + D);
          const simd = runKernel('sweepSimd', D, win, p);
          expectBitIdentical(simd, runKernel('sweepScalar', D, win, p));
          expectMatchesReference(simd, win, D, p);
        }
      }
    });

    it('tolerances exactly at the convergence boundary: tol = ½r², one ulp above and below', () => {
      const random = rng(99);
      for (let trial = 0; trial < 60; trial++) {
        const D = 2 + (trial % 4);
        // π = 1 + δ with r = π − 1 exact (Sterbenz); the cells (π, 1, …, 1) have exactly that product.
        const products = [0, 1, 2, 3].map(() => 1 + (random() < 0.5 ? -1 : 1) * 10 ** (-9 + 6 * random()));
        const boundary = 0.5 * (products[0]! - 1) * (products[0]! - 1);
        for (const tol of [boundary, nextAfter(boundary, 1), nextAfter(boundary, -1)]) {
          const n = products.length;
          const win = new Float64Array(D * n).fill(1);
          products.forEach((prod, k) => (win[k] = prod));
          const p = { eta: 0.05, tol, divergeAt: 1e6, maxSteps: 5 };
          const simd = runKernel('sweepSimd', D, win, p);
          expectBitIdentical(simd, runKernel('sweepScalar', D, win, p));
          expectMatchesReference(simd, win, D, p);
        }
      }
    });

    it('depth outside [2, 64] is refused with NaN and writes nothing', () => {
      const mark = arena.mark();
      const buffer = arena.alloc(8 * 65 * 4);
      const status = arena.u8(buffer + 8 * 65 * 3, 8).fill(7);
      for (const D of [0, 1, 65]) {
        for (const kernel of ['sweepSimd', 'sweepScalar'] as const) {
          const total = raw[kernel](
            D,
            1,
            buffer,
            0.1,
            1e-14,
            1e6,
            10,
            buffer + 8 * 65,
            buffer + 8 * 130,
            buffer + 8 * 195,
          );
          expect(total).toBeNaN();
        }
      }
      expect([...status]).toEqual(Array(8).fill(7));
      arena.release(mark);
    });
  });

  describe('(b) both kernels equal the plain TypeScript GD exactly', () => {
    it.each(DEPTHS)('D = %i', (D) => {
      const p = paramsFor(D);
      const win = grid(D, D > 16 ? 61 : 163, 31 * D);
      const simd = runKernel('sweepSimd', D, win, p);
      expectMatchesReference(simd, win, D, p);
      expectMatchesReference(runKernel('sweepScalar', D, win, p), win, D, p);
      const seen = new Set(simd.status);
      expect(seen.has(CONVERGED) && seen.has(DIVERGED)).toBe(true);
    });
  });

  describe('(c) a cell does not depend on its tile', () => {
    it.each(DEPTHS)('D = %i: alone (n = 1) as in a tile of 101', (D) => {
      const p = paramsFor(D);
      const win = grid(D, 101, 7 * D);
      const tile = runKernel('sweepSimd', D, win, p);
      for (let k = 0; k < 101; k += 4) {
        const one = cellOf(win, D, k);
        for (const kernel of ['sweepSimd', 'sweepScalar'] as const) {
          const alone = runKernel(kernel, D, one, p);
          expect(alone.status[0]).toBe(tile.status[k]);
          expect(alone.steps[0]).toBe(tile.steps[k]);
          expect(bits(alone.w)).toEqual(bits(cellOf(tile.w, D, k)));
        }
      }
    });

    it('D = 4: reversing the cell order permutes the results and nothing else', () => {
      const p = paramsFor(4);
      const win = grid(4, 257, 5);
      const n = 257;
      const reversed = new Float64Array(win.length);
      for (let d = 0; d < 4; d++) for (let k = 0; k < n; k++) reversed[d * n + k] = win[d * n + (n - 1 - k)]!;
      const a = runKernel('sweepSimd', 4, win, p);
      const b = runKernel('sweepSimd', 4, reversed, p);
      for (let k = 0; k < n; k++) {
        expect(b.steps[n - 1 - k]).toBe(a.steps[k]);
        expect(b.status[n - 1 - k]).toBe(a.status[k]);
        expect(bits(cellOf(b.w, 4, n - 1 - k))).toEqual(bits(cellOf(a.w, 4, k)));
      }
    });
  });

  describe('(d) statuses are true of the returned weights', () => {
    it.each(DEPTHS)('D = %i', (D) => {
      const p = { ...paramsFor(D), maxSteps: 400 };
      const win = grid(D, 203, 11 * D);
      for (const kernel of ['sweepSimd', 'sweepScalar'] as const) {
        const result = runKernel(kernel, D, win, p);
        let total = 0;
        for (let k = 0; k < 203; k++) {
          const { product } = referenceProduct(cellOf(result.w, D, k));
          const loss = 0.5 * (product - 1) * (product - 1);
          const steps = result.steps[k]!;
          total += steps;
          expect(steps).toBeGreaterThanOrEqual(0);
          expect(steps).toBeLessThanOrEqual(p.maxSteps);
          switch (result.status[k]) {
            case CONVERGED:
              expect(Math.abs(product) < p.divergeAt && loss < p.tol).toBe(true);
              break;
            case DIVERGED:
              expect(Math.abs(product) >= p.divergeAt || Number.isNaN(product)).toBe(true);
              break;
            case MAX_STEPS:
              expect(steps).toBe(p.maxSteps);
              expect(Math.abs(product) < p.divergeAt && !(loss < p.tol)).toBe(true);
              break;
            default:
              expect.fail(`cell ${k}: status ${result.status[k]}`);
          }
        }
        expect(result.total).toBe(total);
        expect(new Set(result.status).size).toBe(3);
      }
    });
  });
});
