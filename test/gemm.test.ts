/**
 * The dense f64 products of assembly/mlp/gemm.ts (exported as mlpGemmNT / mlpGemmNN / mlpGemmTN)
 * against a plain-JavaScript float64 triple loop, on edge shapes (0, 1, odd, one past the 2×4 /
 * 2×8 tiles, larger than the NT_KB = 128 / MC = 128 / KC = 256 / NC = 256 blocks) and on the Fig 6
 * workload's shapes (shards of m = 125 rows and the full batch m = 1000), always accumulating into a
 * nonzero C, with sentinels after C (nothing outside C is written).
 *
 * Tolerance: per entry, |C − C_ref| ≤ TOL · (|C₀| + Σ_k |a||b|). Kernel and reference round every
 * product identically (mul then add, no FMA), so they differ only in the order of the sum over k;
 * each order's error is below γ_K·Σ|a||b| with γ_K ≈ K·u in the worst case, but for terms of random
 * sign the rounding errors are independent and grow like √K·u (Higham, Accuracy and Stability,
 * §2.8 / §3.1): for K ≤ 1000, √K·u ≈ 3.5e-15, and TOL = 1e-14 leaves a factor ~3 for the difference
 * of two such sums. The largest ratio seen is asserted far below it.
 */
import { describe, expect, it } from 'vitest';
import { Arena, instantiate } from '../src/wasm/module.js';
import { rng } from './helpers/reference.js';

const TOL = 1e-14;
const SENTINEL = 12345.678;

const raw = instantiate();
const arena = new Arena(raw);

type Kind = 'NT' | 'NN' | 'TN';

/**
 * One product C[p×q] += Σ_k a(i, k) b(j, k) over k < r, with the layouts of the kernel:
 * NT (m=p, N=q, K=r): A m×K, B N×K;  NN (m=p, N=q, J=r): A m×J, B J×N;
 * TN (J=p, N=q, m=r): A m×J, B m×N, C J×N. Returns the largest error ratio |ΔC| / bound.
 */
function check(kind: Kind, p: number, q: number, r: number, seed: number): number {
  const random = rng(seed);
  const mark = arena.mark();
  const nA = p * r;
  const nB = q * r;
  const nC = p * q;
  const A = arena.alloc(nA * 8);
  const B = arena.alloc(nB * 8);
  const C = arena.alloc((nC + 2) * 8);
  const a = Float64Array.from({ length: nA }, () => 2 * random() - 1);
  const b = Float64Array.from({ length: nB }, () => 2 * random() - 1);
  const c0 = Float64Array.from({ length: nC }, () => 2 * random() - 1);
  arena.f64(A, nA).set(a);
  arena.f64(B, nB).set(b);
  arena.f64(C, nC + 2).set([...c0, SENTINEL, SENTINEL]);
  const aAt =
    kind === 'TN' ? (i: number, k: number) => a[k * p + i] as number : (i: number, k: number) => a[i * r + k] as number;
  const bAt =
    kind === 'NT' ? (j: number, k: number) => b[j * r + k] as number : (j: number, k: number) => b[k * q + j] as number;
  if (kind === 'NT') raw.mlpGemmNT(A, B, C, p, q, r);
  else if (kind === 'NN') raw.mlpGemmNN(A, B, C, p, q, r);
  else raw.mlpGemmTN(A, B, C, r, p, q);
  const out = arena.f64(C, nC + 2);
  expect([out[nC], out[nC + 1]]).toEqual([SENTINEL, SENTINEL]);
  let worst = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) {
      let s = c0[i * q + j] as number;
      let bound = Math.abs(s);
      for (let k = 0; k < r; k++) {
        const t = aAt(i, k) * bAt(j, k);
        s += t;
        bound += Math.abs(t);
      }
      const err = Math.abs((out[i * q + j] as number) - s);
      const ratio = err === 0 ? 0 : err / bound;
      if (!(ratio <= TOL)) throw new Error(`${kind} (${p},${q},${r}) entry (${i},${j}): error ratio ${ratio}`);
      worst = Math.max(worst, ratio);
    }
  }
  arena.release(mark);
  return worst;
}

const EDGE_DIMS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 17];
const LARGE_DIMS = [129, 300];

describe('gemm kernels (gemm.ts) against a plain float64 reference', () => {
  for (const kind of ['NT', 'NN', 'TN'] as const) {
    it(`${kind}: every combination of small and odd sizes (0, 1, tile ± 1)`, () => {
      let worst = 0;
      let seed = 1;
      for (const p of EDGE_DIMS)
        for (const q of EDGE_DIMS) for (const r of EDGE_DIMS) worst = Math.max(worst, check(kind, p, q, r, seed++));
      expect(worst).toBeLessThan(TOL);
    });

    it(`${kind}: sizes beyond the blocks (KC, MC, NC, NT_KB) with edge remainders`, () => {
      let worst = 0;
      let seed = 100;
      for (const p of [...LARGE_DIMS, 3]) {
        for (const q of [...LARGE_DIMS, 9])
          for (const r of [...LARGE_DIMS, 1]) worst = Math.max(worst, check(kind, p, q, r, seed++));
      }
      expect(worst).toBeLessThan(TOL);
    }, 30_000);
  }

  it('the Fig 6 workload shapes (784 → 200 → 200 → 10), m = 125 and m = 1000', () => {
    let worst = 0;
    for (const m of [125, 1000]) {
      for (const [N, K] of [
        [200, 784],
        [200, 200],
        [10, 200],
      ] as const)
        worst = Math.max(worst, check('NT', m, N, K, m + N + K));
      for (const [N, J] of [
        [200, 200],
        [200, 10],
      ] as const)
        worst = Math.max(worst, check('NN', m, N, J, 7 * m + N + J));
      for (const [J, N] of [
        [200, 784],
        [200, 200],
        [10, 200],
      ] as const)
        worst = Math.max(worst, check('TN', J, N, m, 13 * m + N + J));
    }
    // Observed ≈ 2e-16: an order of magnitude inside the stated tolerance.
    expect(worst).toBeLessThan(TOL / 10);
  }, 60_000);
});
