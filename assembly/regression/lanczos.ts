// Sharpness S = λmax(∇²L(u, v)) of the regression model (model.md §4: "S by Lanczos or a dense
// solver") by Lanczos with full re-orthogonalisation over the exact Hessian-vector product
// (model.ts). With q₀ the unit start vector and Q = [q₀ … q_j] (host scratch `basis`):
//   w = H q_j,  α_j = q_jᵀw,  w ← w − α_j q_j − β_{j−1} q_{j−1},  then w ← w − Q(Qᵀw) twice,
//   β_j = ‖w‖,  q_{j+1} = w/β_j;
// T_j = tridiag(β, α, β), its top eigenpair (θ, s) (eigen.ts); Ritz residual ‖Hy − θy‖ = β_j|s_j|.
// Stops when the residual ≤ tol·max(|θ|, ‖T‖·ε) after at least min(2d, 4) iterations, on an
// invariant subspace (β_j ≈ 0: θ is exact), or after maxIter iterations.
// A warm start (the previous top eigenvector) is mixed with 1e-3 of a fixed pseudo-random vector
// so that no eigendirection is missing from the Krylov space.
import { ld, st } from '../abi';
import { fillRandom } from '../linalg/lanczos';
import { tridiagonalTop } from './eigen';
import { at, offG, offTri, offW } from './layout';
import { hvpWithG, residualAndG } from './model';

const WARM_MIX: f64 = 1e-3;

@inline
function dot(a: usize, b: usize, len: i32): f64 {
  let s = 0.0;
  for (let i = 0; i < len; i++) s += ld(a, i) * ld(b, i);
  return s;
}

/**
 * λmax(∇²L(u, v)). `start` (2d entries, order [u; v]) is the warm-start vector or 0 for a cold
 * start; `vecOut` (2d, may equal start, or 0) receives the unit Ritz vector. `basis` holds
 * regBasisLength(d, maxIter) f64, `work` regWorkLength(n, d). `info` (or 0) receives
 * [iterations, Ritz residual / |θ|]. Non-finite input gives NaN.
 */
export function regLanczos(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, start: usize, maxIter: i32, tol: f64,
  basis: usize, work: usize, vecOut: usize, info: usize,
): f64 {
  const dim = 2 * d;
  let m = maxIter < dim ? maxIter : dim;
  if (m < 1) m = 1;
  residualAndG(X, y, n, d, u, v, work);
  const g = at(work, offG(n, d));
  const w = at(work, offW(n, d));
  const tri = offTri(n, d);
  const alpha = at(work, tri);
  const beta = at(work, tri + dim);
  const s = at(work, tri + 2 * dim);
  const tmp = at(work, tri + 3 * dim);
  for (let j = 0; j < d; j++) {
    if (!isFinite(ld(g, j)) || !isFinite(ld(u, j)) || !isFinite(ld(v, j))) {
      if (info != 0) {
        st(info, 0, 0.0);
        st(info, 1, NaN);
      }
      return NaN;
    }
  }
  // q₀.
  const q0 = basis;
  fillRandom(q0, dim);
  let startNorm = 0.0;
  if (start != 0) startNorm = Math.sqrt(dot(start, start, dim));
  if (start != 0 && startNorm > 0.0 && isFinite(startNorm)) {
    const rnorm = Math.sqrt(dot(q0, q0, dim));
    for (let i = 0; i < dim; i++) st(q0, i, ld(start, i) / startNorm + (WARM_MIX / rnorm) * ld(q0, i));
  }
  let qn = Math.sqrt(dot(q0, q0, dim));
  for (let i = 0; i < dim; i++) st(q0, i, ld(q0, i) / qn);

  let theta = NaN;
  let resid = Infinity;
  let iterations = 0;
  let normT = 0.0;
  const minIter = dim < 4 ? dim : 4;
  for (let j = 0; j < m; j++) {
    const qj = basis + ((<usize>j * <usize>dim) << 3);
    hvpWithG(X, n, d, u, v, g, qj, qj + ((<usize>d) << 3), work, w, w + ((<usize>d) << 3));
    const a = dot(qj, w, dim);
    st(alpha, j, a);
    const bPrev = j > 0 ? ld(beta, j - 1) : 0.0;
    const qPrev = j > 0 ? qj - ((<usize>dim) << 3) : 0;
    for (let i = 0; i < dim; i++) {
      let wi = ld(w, i) - a * ld(qj, i);
      if (j > 0) wi -= bPrev * ld(qPrev, i);
      st(w, i, wi);
    }
    // Full re-orthogonalisation against q₀ … q_j, two passes of classical Gram–Schmidt.
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k <= j; k++) {
        const qk = basis + ((<usize>k * <usize>dim) << 3);
        const c = dot(qk, w, dim);
        for (let i = 0; i < dim; i++) st(w, i, ld(w, i) - c * ld(qk, i));
      }
    }
    const b = Math.sqrt(dot(w, w, dim));
    st(beta, j, b);
    normT = Math.max(normT, Math.abs(a) + b + bPrev);
    iterations = j + 1;
    theta = tridiagonalTop(alpha, beta, j + 1, s, tmp);
    resid = b * Math.abs(ld(s, j));
    const invariant = b <= 1e-14 * normT;
    if (invariant) resid = 0.0;
    if (!isFinite(theta)) break;
    if (invariant || j + 1 == dim) break;
    if (j + 1 >= minIter && resid <= tol * Math.max(Math.abs(theta), 1e-16 * normT)) break;
    if (j + 1 == m) break;
    const qNext = qj + ((<usize>dim) << 3);
    for (let i = 0; i < dim; i++) st(qNext, i, ld(w, i) / b);
  }
  if (vecOut != 0) {
    for (let i = 0; i < dim; i++) st(w, i, 0.0);
    for (let k = 0; k < iterations; k++) {
      const qk = basis + ((<usize>k * <usize>dim) << 3);
      const sk = ld(s, k);
      for (let i = 0; i < dim; i++) st(w, i, ld(w, i) + sk * ld(qk, i));
    }
    qn = Math.sqrt(dot(w, w, dim));
    for (let i = 0; i < dim; i++) st(vecOut, i, ld(w, i) / qn);
  }
  if (info != 0) {
    st(info, 0, <f64>iterations);
    st(info, 1, resid / Math.abs(theta));
  }
  return theta;
}
