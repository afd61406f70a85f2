// Top eigenpair of a symmetric tridiagonal T (diagonal α, off-diagonal β) — the Rayleigh–Ritz
// step of every Lanczos in eoslab (regression/lanczos.ts, linalg/lanczos.ts; model.md §4 and §5):
// top eigenvalue by Sturm-sequence bisection (count of eigenvalues < x from the LDLᵀ pivots
// q₀ = α₀ − x, qᵢ = αᵢ − x − βᵢ₋₁²/qᵢ₋₁), its eigenvector by inverse iteration with (T − θI)
// factorised by Gaussian elimination with partial pivoting (LAPACK dgttrf/dgttrs layout).
import { ld, st } from '../abi';

/** Number of eigenvalues of T below x (Sturm sequence). */
function sturmCount(alpha: usize, beta: usize, m: i32, x: f64, pivmin: f64): i32 {
  let count = 0;
  let q = ld(alpha, 0) - x;
  if (Math.abs(q) < pivmin) q = -pivmin;
  if (q < 0.0) count++;
  for (let i = 1; i < m; i++) {
    const b = ld(beta, i - 1);
    q = ld(alpha, i) - x - (b * b) / q;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0.0) count++;
  }
  return count;
}

/**
 * Top eigenpair of the m×m symmetric tridiagonal matrix (diagonal alpha[0..m), off-diagonal
 * beta[0..m−1)): returns θ = λmax, writes its unit eigenvector into s (m entries).
 * tmp: 5m f64 of scratch.
 */
export function tridiagonalTop(alpha: usize, beta: usize, m: i32, s: usize, tmp: usize): f64 {
  // Gershgorin interval.
  let lo = Infinity;
  let hi = -Infinity;
  let scale = 0.0;
  for (let i = 0; i < m; i++) {
    const left = i > 0 ? Math.abs(ld(beta, i - 1)) : 0.0;
    const right = i < m - 1 ? Math.abs(ld(beta, i)) : 0.0;
    const a = ld(alpha, i);
    lo = Math.min(lo, a - left - right);
    hi = Math.max(hi, a + left + right);
    scale = Math.max(scale, Math.abs(a) + left + right);
  }
  if (!isFinite(lo) || !isFinite(hi)) {
    for (let i = 0; i < m; i++) st(s, i, NaN);
    return NaN;
  }
  const pivmin = Math.max(scale * scale, 1.0) * 2.2250738585072014e-308 * 4.0;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (hi - lo <= 2.220446049250313e-16 * Math.max(Math.abs(lo), Math.abs(hi))) break;
    if (sturmCount(alpha, beta, m, mid, pivmin) >= m) hi = mid;
    else lo = mid;
  }
  const theta = 0.5 * (lo + hi);
  if (m == 1) {
    st(s, 0, 1.0);
    return theta;
  }
  // Inverse iteration: (T − θI)x = s, starting from a vector with all components.
  const dg = tmp;
  const du = tmp + ((<usize>m) << 3);
  const du2 = tmp + ((<usize>(2 * m)) << 3);
  const dl = tmp + ((<usize>(3 * m)) << 3);
  const piv = tmp + ((<usize>(4 * m)) << 3);
  const tiny = 2.220446049250313e-16 * Math.max(scale, 1e-300);
  for (let i = 0; i < m; i++) {
    st(dg, i, ld(alpha, i) - theta);
    st(du2, i, 0.0);
    if (i < m - 1) {
      st(du, i, ld(beta, i));
      st(dl, i, ld(beta, i));
    }
  }
  for (let i = 0; i < m - 1; i++) {
    const di = ld(dg, i);
    const li = ld(dl, i);
    if (Math.abs(di) >= Math.abs(li)) {
      st(piv, i, 0.0);
      if (di != 0.0) {
        const f = li / di;
        st(dl, i, f);
        st(dg, i + 1, ld(dg, i + 1) - f * ld(du, i));
      } else {
        st(dl, i, 0.0);
      }
    } else {
      st(piv, i, 1.0);
      const f = di / li;
      st(dg, i, li);
      st(dl, i, f);
      const temp = ld(du, i);
      st(du, i, ld(dg, i + 1));
      st(dg, i + 1, temp - f * ld(dg, i + 1));
      if (i < m - 2) {
        st(du2, i, ld(du, i + 1));
        st(du, i + 1, -f * ld(du, i + 1));
      }
    }
  }
  for (let i = 0; i < m; i++) if (Math.abs(ld(dg, i)) < tiny) st(dg, i, ld(dg, i) < 0.0 ? -tiny : tiny);
  for (let i = 0; i < m; i++) st(s, i, 1.0 + <f64>i / <f64>m);
  for (let pass = 0; pass < 3; pass++) {
    for (let i = 0; i < m - 1; i++) {
      if (ld(piv, i) == 0.0) {
        st(s, i + 1, ld(s, i + 1) - ld(dl, i) * ld(s, i));
      } else {
        const temp = ld(s, i);
        st(s, i, ld(s, i + 1));
        st(s, i + 1, temp - ld(dl, i) * ld(s, i));
      }
    }
    st(s, m - 1, ld(s, m - 1) / ld(dg, m - 1));
    st(s, m - 2, (ld(s, m - 2) - ld(du, m - 2) * ld(s, m - 1)) / ld(dg, m - 2));
    for (let i = m - 3; i >= 0; i--) {
      st(s, i, (ld(s, i) - ld(du, i) * ld(s, i + 1) - ld(du2, i) * ld(s, i + 2)) / ld(dg, i));
    }
    let norm = 0.0;
    for (let i = 0; i < m; i++) norm += ld(s, i) * ld(s, i);
    norm = Math.sqrt(norm);
    if (!(norm > 0.0) || !isFinite(norm)) {
      // Overflow in a (numerically singular) solve: rescale and continue.
      let big = 0.0;
      for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(ld(s, i)));
      if (!(big > 0.0) || !isFinite(big)) break;
      for (let i = 0; i < m; i++) st(s, i, ld(s, i) / big);
      continue;
    }
    for (let i = 0; i < m; i++) st(s, i, ld(s, i) / norm);
  }
  return theta;
}
