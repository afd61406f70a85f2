// Dense f32 matrix products for the float32 MLP kernels (model.md §5; network32.ts), row-major and
// accumulating (C += ·; callers initialise C with zeros or a broadcast bias):
//   gemmNN32  C[m×N] += A[m×J] · B[J×N]                 (backward: E = Δ W)
//   gemmNT32  C[m×N] += A[m×K] · B[N×K]ᵀ  = A · (Bᵀ)     (forward:  Z = A Wᵀ)
//   gemmTN32  C[J×N] += A[m×J]ᵀ · B[m×N]  = (Aᵀ) · B     (weights:  ∇W = Δᵀ A_prev)
// All three run the one register micro-kernel of gemmNN32: a 4 × 8 tile of C held in eight f32x4
// accumulators (two per row, interleaved so that consecutive updates are independent), updated per
// inner index j by two vector loads of B's row j and four broadcasts of A[i..i+3, j]. NT and TN
// first transpose their B or A operand into the caller's scratch `T` (Bᵀ: K × N, Aᵀ: J × m), which
// costs one pass over that operand against the product's m·N·K multiply–adds. The inner dimension
// is blocked (NN_JB) so that a block of B rows stays in L2 while the row tiles of A stream past.
// Edges: a 4-column and a scalar column tail, and 1-row tiles; every shape ≥ 1 is valid. WASM has
// no fused multiply–add: each update is one f32 mul then one f32 add, in the SIMD and scalar paths.

/** Inner-dimension block of gemmNN32: NN_JB rows of B (NN_JB × N floats) stay in L2. */
const NN_JB: i32 = 256;

@inline
function ldf(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline
function stf(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/** T[c×r] ← S[r×c]ᵀ (row-major both), in 8 × 8 blocks for cache. */
export function transpose32(S: usize, T: usize, r: i32, c: i32): void {
  for (let i0 = 0; i0 < r; i0 += 8) {
    const ie = min(r, i0 + 8);
    for (let j0 = 0; j0 < c; j0 += 8) {
      const je = min(c, j0 + 8);
      for (let i = i0; i < ie; i++) {
        const s = S + (<usize>(i * c) << 2);
        for (let j = j0; j < je; j++) stf(T, j * r + i, ldf(s, j));
      }
    }
  }
}

/** C[m×N] += A[m×J] · B[J×N]; A has row stride lda (≥ J) floats. */
function nnBlock(A: usize, lda: i32, B: usize, C: usize, m: i32, N: i32, J: i32): void {
  const rowA = <usize>lda << 2;
  const rowB = <usize>N << 2;
  const n8 = N & ~7;
  const n4 = N & ~3;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = A + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const c0 = C + <usize>i * rowB;
    const c1 = c0 + rowB;
    const c2 = c1 + rowB;
    const c3 = c2 + rowB;
    for (let k = 0; k < n8; k += 8) {
      const ko = <usize>k << 2;
      let p0 = v128.load(c0 + ko), p1 = v128.load(c0 + ko, 16);
      let q0 = v128.load(c1 + ko), q1 = v128.load(c1 + ko, 16);
      let r0 = v128.load(c2 + ko), r1 = v128.load(c2 + ko, 16);
      let s0 = v128.load(c3 + ko), s1 = v128.load(c3 + ko, 16);
      let b = B + ko;
      let ja: usize = 0;
      const jEnd = <usize>J << 2;
      for (; ja < jEnd; ja += 4) {
        const y0 = v128.load(b);
        const y1 = v128.load(b, 16);
        const x0 = v128.load32_splat(a0 + ja);
        p0 = f32x4.add(p0, f32x4.mul(x0, y0));
        p1 = f32x4.add(p1, f32x4.mul(x0, y1));
        const x1 = v128.load32_splat(a1 + ja);
        q0 = f32x4.add(q0, f32x4.mul(x1, y0));
        q1 = f32x4.add(q1, f32x4.mul(x1, y1));
        const x2 = v128.load32_splat(a2 + ja);
        r0 = f32x4.add(r0, f32x4.mul(x2, y0));
        r1 = f32x4.add(r1, f32x4.mul(x2, y1));
        const x3 = v128.load32_splat(a3 + ja);
        s0 = f32x4.add(s0, f32x4.mul(x3, y0));
        s1 = f32x4.add(s1, f32x4.mul(x3, y1));
        b += rowB;
      }
      v128.store(c0 + ko, p0); v128.store(c0 + ko, p1, 16);
      v128.store(c1 + ko, q0); v128.store(c1 + ko, q1, 16);
      v128.store(c2 + ko, r0); v128.store(c2 + ko, r1, 16);
      v128.store(c3 + ko, s0); v128.store(c3 + ko, s1, 16);
    }
    if (n8 < n4) {
      const ko = <usize>n8 << 2;
      let p0 = v128.load(c0 + ko), q0 = v128.load(c1 + ko), r0 = v128.load(c2 + ko), s0 = v128.load(c3 + ko);
      let b = B + ko;
      for (let j = 0; j < J; j++) {
        const ja = <usize>j << 2;
        const y0 = v128.load(b);
        p0 = f32x4.add(p0, f32x4.mul(v128.load32_splat(a0 + ja), y0));
        q0 = f32x4.add(q0, f32x4.mul(v128.load32_splat(a1 + ja), y0));
        r0 = f32x4.add(r0, f32x4.mul(v128.load32_splat(a2 + ja), y0));
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(a3 + ja), y0));
        b += rowB;
      }
      v128.store(c0 + ko, p0); v128.store(c1 + ko, q0); v128.store(c2 + ko, r0); v128.store(c3 + ko, s0);
    }
    if (n4 < N) {
      for (let k = n4; k < N; k++) {
        let t0 = ldf(c0, k), t1 = ldf(c1, k), t2 = ldf(c2, k), t3 = ldf(c3, k);
        for (let j = 0; j < J; j++) {
          const y = ldf(B + <usize>j * rowB, k);
          t0 += ldf(a0, j) * y;
          t1 += ldf(a1, j) * y;
          t2 += ldf(a2, j) * y;
          t3 += ldf(a3, j) * y;
        }
        stf(c0, k, t0); stf(c1, k, t1); stf(c2, k, t2); stf(c3, k, t3);
      }
    }
  }
  for (; i < m; i++) {
    const a0 = A + <usize>i * rowA;
    const c0 = C + <usize>i * rowB;
    for (let k = 0; k < n4; k += 4) {
      const ko = <usize>k << 2;
      let p0 = v128.load(c0 + ko);
      let b = B + ko;
      for (let j = 0; j < J; j++) {
        p0 = f32x4.add(p0, f32x4.mul(v128.load32_splat(a0 + (<usize>j << 2)), v128.load(b)));
        b += rowB;
      }
      v128.store(c0 + ko, p0);
    }
    for (let k = n4; k < N; k++) {
      let t0 = ldf(c0, k);
      for (let j = 0; j < J; j++) t0 += ldf(a0, j) * ldf(B + <usize>j * rowB, k);
      stf(c0, k, t0);
    }
  }
}

/** C[m×N] += A[m×J] · B[J×N], the inner dimension in blocks of NN_JB. */
export function gemmNN32(A: usize, B: usize, C: usize, m: i32, N: i32, J: i32): void {
  for (let j0 = 0; j0 < J; j0 += NN_JB) {
    const jl = min(NN_JB, J - j0);
    nnBlock(A + (<usize>j0 << 2), J, B + (<usize>(j0 * N) << 2), C, m, N, jl);
  }
}

/** C[m×N] += A[m×K] · B[N×K]ᵀ; T is scratch of N·K floats (receives Bᵀ). */
export function gemmNT32(A: usize, B: usize, C: usize, m: i32, N: i32, K: i32, T: usize): void {
  transpose32(B, T, N, K);
  gemmNN32(A, T, C, m, N, K);
}

/** C[m×N] += A[m×K] · Bᵀ where T already holds Bᵀ (K × N): gemmNT32 without the transpose. */
export function gemmNTPre32(A: usize, T: usize, C: usize, m: i32, N: i32, K: i32): void {
  gemmNN32(A, T, C, m, N, K);
}

/** C[J×N] += A[m×J]ᵀ · B[m×N]; T is scratch of m·J floats (receives Aᵀ). */
export function gemmTN32(A: usize, B: usize, C: usize, m: i32, J: i32, N: i32, T: usize): void {
  transpose32(A, T, m, J);
  gemmNN32(T, B, C, J, N, m);
}
