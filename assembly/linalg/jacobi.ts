// Cyclic Jacobi eigensolver for a dense symmetric n×n matrix (model.md §1.2: the reference route to
// the sharpness S = λmax(H)). Each rotation J(p,q,θ) zeroes a_pq; A ← Jᵀ A J with
//   θ = (a_qq − a_pp) / (2 a_pq),  t = sign(θ) / (|θ| + √(θ² + 1)),  c = 1/√(t²+1),  s = t c.
// Sweeps stop when the off-diagonal mass is below (ε‖A‖_F)² — Jacobi converges quadratically,
// so this takes about 6–12 sweeps for n ≤ 64; eigenvalues are accurate to O(ε‖A‖).
import { ld, st, SCRATCH_MAT_B } from '../abi';

const MAX_SWEEPS: i32 = 100;

/**
 * Diagonalises the symmetric row-major n×n matrix at `a` in place and returns λmax.
 * With `vecScratch` ≠ 0 (n×n f64) also writes the unit top eigenvector into `vecOut` (largest-
 * magnitude entry positive). NaN/±Inf in the input gives NaN.
 */
export function jacobiEigen(a: usize, n: i32, vecScratch: usize, vecOut: usize): f64 {
  const wantVector = vecScratch != 0;
  const v = vecScratch;
  let frob = 0.0;
  for (let i = 0; i < n * n; i++) {
    const x = ld(a, i);
    frob += x * x;
  }
  if (!isFinite(frob)) return NaN;
  if (wantVector) {
    for (let i = 0; i < n * n; i++) st(v, i, 0.0);
    for (let i = 0; i < n; i++) st(v, i * n + i, 1.0);
  }
  const threshold = frob * 1e-34;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0.0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const x = ld(a, p * n + q);
        off += x * x;
      }
    }
    if (off <= threshold) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = ld(a, p * n + q);
        if (apq == 0.0) continue;
        const app = ld(a, p * n + p);
        const aqq = ld(a, q * n + q);
        const theta = (aqq - app) / (2.0 * apq);
        let t: f64;
        if (Math.abs(theta) > 1e150) {
          t = 0.5 / theta;
        } else {
          t = 1.0 / (Math.abs(theta) + Math.sqrt(theta * theta + 1.0));
          if (theta < 0.0) t = -t;
        }
        const c = 1.0 / Math.sqrt(t * t + 1.0);
        const s = t * c;
        const rowP = a + ((<usize>p * <usize>n) << 3);
        const rowQ = a + ((<usize>q * <usize>n) << 3);
        for (let k = 0; k < n; k++) {
          if (k == p || k == q) continue;
          const akp = ld(rowP, k); // symmetric storage: a_pk = a_kp
          const akq = ld(rowQ, k);
          const nkp = c * akp - s * akq;
          const nkq = s * akp + c * akq;
          st(rowP, k, nkp);
          st(a, k * n + p, nkp);
          st(rowQ, k, nkq);
          st(a, k * n + q, nkq);
        }
        st(rowP, p, app - t * apq);
        st(rowQ, q, aqq + t * apq);
        st(rowP, q, 0.0);
        st(rowQ, p, 0.0);
        if (wantVector) {
          for (let k = 0; k < n; k++) {
            const vkp = ld(v, k * n + p);
            const vkq = ld(v, k * n + q);
            st(v, k * n + p, c * vkp - s * vkq);
            st(v, k * n + q, s * vkp + c * vkq);
          }
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (ld(a, i * n + i) > ld(a, best * n + best)) best = i;
  if (wantVector) {
    let big = 0;
    for (let k = 1; k < n; k++) {
      if (Math.abs(ld(v, k * n + best)) > Math.abs(ld(v, big * n + best))) big = k;
    }
    const sign: f64 = ld(v, big * n + best) < 0.0 ? -1.0 : 1.0;
    for (let k = 0; k < n; k++) st(vecOut, k, sign * ld(v, k * n + best));
  }
  return ld(a, best * n + best);
}


/**
 * Diagonalises the symmetric matrix at `a` in place (row-major, n×n ≤ 64×64; its diagonal ends up
 * holding the eigenvalues). Returns λmax. When `wantVector` ≠ 0, writes the unit eigenvector of λmax
 * into `vecOut` (sign: largest-magnitude entry positive), using the static 64×64 scratch.
 */
export function symmetricEigen(a: usize, n: i32, vecOut: usize, wantVector: i32): f64 {
  return jacobiEigen(a, n, wantVector ? SCRATCH_MAT_B : 0, vecOut);
}
