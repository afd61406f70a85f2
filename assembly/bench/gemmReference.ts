// Bench-only copy of the gemm kernels as they were before issue 13's packed/larger micro-kernels
// (assembly/mlp/gemm.ts at commit 512b301), exported under other names so bench/gemm.bench.ts can
// time old against new in one run. Not part of the release module (assembly/index.ts does not
// import it); built into build/gemm-bench.wasm by `npm run bench:gemm`.
//
// Dense f64 matrix products for the MLP kernels (model.md §5), all row-major and all accumulating
// (C += ·; callers initialise C with zeros or a broadcast bias):
//   gemmNT  C[m×N] += A[m×K] · B[N×K]ᵀ   (forward:  Z = A Wᵀ,        W is d_out × d_in)
//   gemmNN  C[m×N] += A[m×J] · B[J×N]    (backward: E = Δ W)
//   gemmTN  C[J×N] += A[m×J]ᵀ · B[m×N]   (weights:  ∇W = Δᵀ A_prev)
// Each is blocked for cache (K-panels for NT, row panels of m for TN) around a 2×4 (NT) or
// 2×8 (NN/TN) register micro-kernel of f64x2 accumulators; edges fall back to 1-row / scalar
// loops, so any shape (including 1) is valid. WASM has no fused multiply–add: every update is
// mul then add, so the SIMD and scalar paths round identically per term.

/** K-panel width of gemmNT: a panel of B (N × KB doubles) stays in L2, two rows of A in L1. */
const NT_KB: i32 = 128;
/** Row panel of gemmTN: A (MB × J) and an 8-column strip of B (MB × 8) stay in cache. */
const TN_MB: i32 = 64;

@inline
function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline
function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Σ_k a[k]·b[k] for k in [0, len), f64x2 in pairs. */
@inline
function dot(a: usize, b: usize, len: i32): f64 {
  let acc = f64x2.splat(0.0);
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const o = <usize>k << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = hsum(acc);
  if (k < len) s += ld(a, k) * ld(b, k);
  return s;
}

/** y[0..len) += alpha · x[0..len). */
@inline
function axpy(alpha: f64, x: usize, y: usize, len: i32): void {
  const va = f64x2.splat(alpha);
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
  }
  if (k < len) st(y, k, ld(y, k) + alpha * ld(x, k));
}

/** C[m×N] += A[m×K] · B[N×K]ᵀ. */
export function gemmNTReference(A: usize, B: usize, C: usize, m: i32, N: i32, K: i32): void {
  const rowA = <usize>K << 3;
  const rowC = <usize>N << 3;
  for (let k0 = 0; k0 < K; k0 += NT_KB) {
    const kl = min(NT_KB, K - k0);
    const kPairs = kl & ~1;
    const koff = <usize>k0 << 3;
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = A + <usize>i * rowA + koff;
      const a1 = a0 + rowA;
      const c0 = C + <usize>i * rowC;
      const c1 = c0 + rowC;
      let j = 0;
      for (; j + 3 < N; j += 4) {
        const b0 = B + <usize>j * rowA + koff;
        const b1 = b0 + rowA;
        const b2 = b1 + rowA;
        const b3 = b2 + rowA;
        let s00 = f64x2.splat(0.0), s01 = f64x2.splat(0.0), s02 = f64x2.splat(0.0), s03 = f64x2.splat(0.0);
        let s10 = f64x2.splat(0.0), s11 = f64x2.splat(0.0), s12 = f64x2.splat(0.0), s13 = f64x2.splat(0.0);
        for (let k = 0; k < kPairs; k += 2) {
          const o = <usize>k << 3;
          const x0 = v128.load(a0 + o);
          const x1 = v128.load(a1 + o);
          const y0 = v128.load(b0 + o);
          const y1 = v128.load(b1 + o);
          const y2 = v128.load(b2 + o);
          const y3 = v128.load(b3 + o);
          s00 = f64x2.add(s00, f64x2.mul(x0, y0));
          s01 = f64x2.add(s01, f64x2.mul(x0, y1));
          s02 = f64x2.add(s02, f64x2.mul(x0, y2));
          s03 = f64x2.add(s03, f64x2.mul(x0, y3));
          s10 = f64x2.add(s10, f64x2.mul(x1, y0));
          s11 = f64x2.add(s11, f64x2.mul(x1, y1));
          s12 = f64x2.add(s12, f64x2.mul(x1, y2));
          s13 = f64x2.add(s13, f64x2.mul(x1, y3));
        }
        let t00 = hsum(s00), t01 = hsum(s01), t02 = hsum(s02), t03 = hsum(s03);
        let t10 = hsum(s10), t11 = hsum(s11), t12 = hsum(s12), t13 = hsum(s13);
        if (kPairs < kl) {
          const x0 = ld(a0, kPairs), x1 = ld(a1, kPairs);
          const y0 = ld(b0, kPairs), y1 = ld(b1, kPairs), y2 = ld(b2, kPairs), y3 = ld(b3, kPairs);
          t00 += x0 * y0; t01 += x0 * y1; t02 += x0 * y2; t03 += x0 * y3;
          t10 += x1 * y0; t11 += x1 * y1; t12 += x1 * y2; t13 += x1 * y3;
        }
        st(c0, j, ld(c0, j) + t00);
        st(c0, j + 1, ld(c0, j + 1) + t01);
        st(c0, j + 2, ld(c0, j + 2) + t02);
        st(c0, j + 3, ld(c0, j + 3) + t03);
        st(c1, j, ld(c1, j) + t10);
        st(c1, j + 1, ld(c1, j + 1) + t11);
        st(c1, j + 2, ld(c1, j + 2) + t12);
        st(c1, j + 3, ld(c1, j + 3) + t13);
      }
      for (; j < N; j++) {
        const b0 = B + <usize>j * rowA + koff;
        st(c0, j, ld(c0, j) + dot(a0, b0, kl));
        st(c1, j, ld(c1, j) + dot(a1, b0, kl));
      }
    }
    if (i < m) {
      const a0 = A + <usize>i * rowA + koff;
      const c0 = C + <usize>i * rowC;
      for (let j = 0; j < N; j++) st(c0, j, ld(c0, j) + dot(a0, B + <usize>j * rowA + koff, kl));
    }
  }
}

/** C[m×N] += A[m×J] · B[J×N]. */
export function gemmNNReference(A: usize, B: usize, C: usize, m: i32, N: i32, J: i32): void {
  const rowA = <usize>J << 3;
  const rowB = <usize>N << 3;
  const n8 = N & ~7;
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = A + <usize>i * rowA;
    const a1 = a0 + rowA;
    const c0 = C + <usize>i * rowB;
    const c1 = c0 + rowB;
    for (let k = 0; k < n8; k += 8) {
      const ko = <usize>k << 3;
      let p0 = v128.load(c0 + ko), p1 = v128.load(c0 + ko, 16), p2 = v128.load(c0 + ko, 32), p3 = v128.load(c0 + ko, 48);
      let q0 = v128.load(c1 + ko), q1 = v128.load(c1 + ko, 16), q2 = v128.load(c1 + ko, 32), q3 = v128.load(c1 + ko, 48);
      let b = B + ko;
      for (let j = 0; j < J; j++) {
        const x0 = f64x2.splat(ld(a0, j));
        const x1 = f64x2.splat(ld(a1, j));
        const y0 = v128.load(b), y1 = v128.load(b, 16), y2 = v128.load(b, 32), y3 = v128.load(b, 48);
        p0 = f64x2.add(p0, f64x2.mul(x0, y0));
        p1 = f64x2.add(p1, f64x2.mul(x0, y1));
        p2 = f64x2.add(p2, f64x2.mul(x0, y2));
        p3 = f64x2.add(p3, f64x2.mul(x0, y3));
        q0 = f64x2.add(q0, f64x2.mul(x1, y0));
        q1 = f64x2.add(q1, f64x2.mul(x1, y1));
        q2 = f64x2.add(q2, f64x2.mul(x1, y2));
        q3 = f64x2.add(q3, f64x2.mul(x1, y3));
        b += rowB;
      }
      v128.store(c0 + ko, p0); v128.store(c0 + ko, p1, 16); v128.store(c0 + ko, p2, 32); v128.store(c0 + ko, p3, 48);
      v128.store(c1 + ko, q0); v128.store(c1 + ko, q1, 16); v128.store(c1 + ko, q2, 32); v128.store(c1 + ko, q3, 48);
    }
    if (n8 < N) {
      for (let j = 0; j < J; j++) {
        const b = B + <usize>j * rowB;
        const x0 = ld(a0, j), x1 = ld(a1, j);
        for (let k = n8; k < N; k++) {
          const y = ld(b, k);
          st(c0, k, ld(c0, k) + x0 * y);
          st(c1, k, ld(c1, k) + x1 * y);
        }
      }
    }
  }
  if (i < m) {
    const a0 = A + <usize>i * rowA;
    const c0 = C + <usize>i * rowB;
    for (let j = 0; j < J; j++) axpy(ld(a0, j), B + <usize>j * rowB, c0, N);
  }
}

/** C[J×N] += A[m×J]ᵀ · B[m×N]. */
export function gemmTNReference(A: usize, B: usize, C: usize, m: i32, J: i32, N: i32): void {
  const rowA = <usize>J << 3;
  const rowB = <usize>N << 3;
  const n8 = N & ~7;
  for (let i0 = 0; i0 < m; i0 += TN_MB) {
    const ie = min(m, i0 + TN_MB);
    for (let k = 0; k < n8; k += 8) {
      const ko = <usize>k << 3;
      let j = 0;
      for (; j + 1 < J; j += 2) {
        const c0 = C + <usize>j * rowB + ko;
        const c1 = c0 + rowB;
        let p0 = v128.load(c0), p1 = v128.load(c0, 16), p2 = v128.load(c0, 32), p3 = v128.load(c0, 48);
        let q0 = v128.load(c1), q1 = v128.load(c1, 16), q2 = v128.load(c1, 32), q3 = v128.load(c1, 48);
        let a = A + <usize>i0 * rowA + (<usize>j << 3);
        let b = B + <usize>i0 * rowB + ko;
        for (let i = i0; i < ie; i++) {
          const x0 = f64x2.splat(load<f64>(a));
          const x1 = f64x2.splat(load<f64>(a, 8));
          const y0 = v128.load(b), y1 = v128.load(b, 16), y2 = v128.load(b, 32), y3 = v128.load(b, 48);
          p0 = f64x2.add(p0, f64x2.mul(x0, y0));
          p1 = f64x2.add(p1, f64x2.mul(x0, y1));
          p2 = f64x2.add(p2, f64x2.mul(x0, y2));
          p3 = f64x2.add(p3, f64x2.mul(x0, y3));
          q0 = f64x2.add(q0, f64x2.mul(x1, y0));
          q1 = f64x2.add(q1, f64x2.mul(x1, y1));
          q2 = f64x2.add(q2, f64x2.mul(x1, y2));
          q3 = f64x2.add(q3, f64x2.mul(x1, y3));
          a += rowA;
          b += rowB;
        }
        v128.store(c0, p0); v128.store(c0, p1, 16); v128.store(c0, p2, 32); v128.store(c0, p3, 48);
        v128.store(c1, q0); v128.store(c1, q1, 16); v128.store(c1, q2, 32); v128.store(c1, q3, 48);
      }
      if (j < J) {
        const c0 = C + <usize>j * rowB + ko;
        let p0 = v128.load(c0), p1 = v128.load(c0, 16), p2 = v128.load(c0, 32), p3 = v128.load(c0, 48);
        let a = A + <usize>i0 * rowA + (<usize>j << 3);
        let b = B + <usize>i0 * rowB + ko;
        for (let i = i0; i < ie; i++) {
          const x0 = f64x2.splat(load<f64>(a));
          p0 = f64x2.add(p0, f64x2.mul(x0, v128.load(b)));
          p1 = f64x2.add(p1, f64x2.mul(x0, v128.load(b, 16)));
          p2 = f64x2.add(p2, f64x2.mul(x0, v128.load(b, 32)));
          p3 = f64x2.add(p3, f64x2.mul(x0, v128.load(b, 48)));
          a += rowA;
          b += rowB;
        }
        v128.store(c0, p0); v128.store(c0, p1, 16); v128.store(c0, p2, 32); v128.store(c0, p3, 48);
      }
    }
    if (n8 < N) {
      for (let i = i0; i < ie; i++) {
        const a = A + <usize>i * rowA;
        const b = B + <usize>i * rowB;
        for (let j = 0; j < J; j++) {
          const x = ld(a, j);
          const c = C + <usize>j * rowB;
          for (let k = n8; k < N; k++) st(c, k, ld(c, k) + x * ld(b, k));
        }
      }
    }
  }
}
