// Lanczos with full re-orthogonalisation, one iteration per call, for any symmetric operator the
// host applies between calls (model.md §5: φ = λmax(∇²L) over exact Hessian-vector products; also S at
// a GD iterate). With q₀ the unit start vector and Q = [q₀ … q_j] (the `basis`, dim-vectors one
// after another), iteration j receives w = H q_j and does
//   α_j = q_jᵀw,  w ← w − α_j q_j − β_{j−1} q_{j−1},  then w ← w − Q(Qᵀw) twice (modified
//   Gram–Schmidt, two passes: "twice is enough"),  β_j = ‖w‖,  q_{j+1} = w/β_j;
// then the top eigenpair (θ, s) of T_j = tridiag(β, α, β) (linalg/tridiagonal.ts). The Ritz
// residual ‖Hy − θy‖ of y = Q s is β_j|s_j|, which the host uses to stop.
// A warm start (e.g. the previous top eigenvector) is mixed with 1e-3 of a fixed pseudo-random
// vector so that no eigendirection is missing from the Krylov space.
import { ld, st } from '../abi';
import { tridiagonalTop } from './tridiagonal';

const WARM_MIX: f64 = 1e-3;

@inline
function vec(basis: usize, dim: i32, k: i32): usize {
  return basis + ((<usize>k * <usize>dim) << 3);
}

function dot(a: usize, b: usize, len: i32): f64 {
  // Two accumulators: independent chains (latency), fixed order (reproducible).
  let s0 = 0.0;
  let s1 = 0.0;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    s0 += ld(a, i) * ld(b, i);
    s1 += ld(a, i + 1) * ld(b, i + 1);
  }
  if (i < len) s0 += ld(a, i) * ld(b, i);
  return s0 + s1;
}

/** y ← y − c·x. */
function axpyMinus(c: f64, x: usize, y: usize, len: i32): void {
  for (let i = 0; i < len; i++) st(y, i, ld(y, i) - c * ld(x, i));
}

/** Fixed pseudo-random entries in [−1, 1) (xorshift32; deterministic; also regression/lanczos.ts). */
export function fillRandom(out: usize, len: i32): void {
  let x: u32 = 0x9e3779b9;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    st(out, i, <f64>x / 2147483648.0 - 1.0);
  }
}

/**
 * q₀ (basis slot 0) from `start` (dim entries, or 0 for a cold start): start/‖start‖ + 1e-3 of the
 * fixed random vector, normalised; the random vector alone when start is 0, zero or non-finite.
 * Returns 1 if the start vector was used, 0 if not.
 */
export function lanczosStart(dim: i32, start: usize, basis: usize): i32 {
  const q0 = basis;
  fillRandom(q0, dim);
  let used = 0;
  if (start != 0) {
    const startNorm = Math.sqrt(dot(start, start, dim));
    if (startNorm > 0.0 && isFinite(startNorm)) {
      const rnorm = Math.sqrt(dot(q0, q0, dim));
      for (let i = 0; i < dim; i++) st(q0, i, ld(start, i) / startNorm + (WARM_MIX / rnorm) * ld(q0, i));
      used = 1;
    }
  }
  const qn = Math.sqrt(dot(q0, q0, dim));
  for (let i = 0; i < dim; i++) st(q0, i, ld(q0, i) / qn);
  return used;
}

/**
 * Iteration j (0-based). On entry `w` (dim) holds H q_j; basis has room for j + 2 vectors.
 * Writes α_j, β_j into alpha[j], beta[j], the top eigenvector of T_j into s (j + 1 entries; tmp:
 * 5(j + 1) f64), q_{j+1} = w/β_j into basis slot j + 1 when β_j > 0, and returns θ_j = λmax(T_j)
 * (NaN if w or T is not finite). w is overwritten.
 */
export function lanczosExtend(
  dim: i32, j: i32, basis: usize, w: usize, alpha: usize, beta: usize, s: usize, tmp: usize,
): f64 {
  const qj = vec(basis, dim, j);
  const a = dot(qj, w, dim);
  st(alpha, j, a);
  const bPrev = j > 0 ? ld(beta, j - 1) : 0.0;
  axpyMinus(a, qj, w, dim);
  if (j > 0) axpyMinus(bPrev, vec(basis, dim, j - 1), w, dim);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k <= j; k++) {
      const qk = vec(basis, dim, k);
      axpyMinus(dot(qk, w, dim), qk, w, dim);
    }
  }
  const b = Math.sqrt(dot(w, w, dim));
  st(beta, j, b);
  if (!isFinite(a) || !isFinite(b)) return NaN;
  if (b > 0.0) {
    const next = vec(basis, dim, j + 1);
    const inv = 1.0 / b;
    for (let i = 0; i < dim; i++) st(next, i, ld(w, i) * inv);
  }
  return tridiagonalTop(alpha, beta, j + 1, s, tmp);
}

/** out (dim) ← Q s / ‖Q s‖ over the first m basis vectors: the unit Ritz vector. */
export function lanczosRitzVector(dim: i32, m: i32, basis: usize, s: usize, out: usize): void {
  for (let i = 0; i < dim; i++) st(out, i, 0.0);
  for (let k = 0; k < m; k++) axpyMinus(-ld(s, k), vec(basis, dim, k), out, dim);
  const norm = Math.sqrt(dot(out, out, dim));
  if (norm > 0.0) for (let i = 0; i < dim; i++) st(out, i, ld(out, i) / norm);
}
