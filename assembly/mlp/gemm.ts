// Dense f64 matrix products for the MLP kernels (model.md §5), all row-major and all accumulating
// (C += ·; callers initialise C with zeros or a broadcast bias):
//   gemmNT  C[m×N] += A[m×K] · B[N×K]ᵀ   (forward:  Z = A Wᵀ,        W is d_out × d_in)
//   gemmNN  C[m×N] += A[m×J] · B[J×N]    (backward: E = Δ W)
//   gemmTN  C[J×N] += A[m×J]ᵀ · B[m×N]   (weights:  ∇W = Δᵀ A_prev)
//
// gemmNT is a dot-product kernel: both operands are contiguous along the reduction index k, so a
// 2×4 block of C is 8 f64x2 accumulators over pairs of k, summed horizontally at the end of each
// K-panel (rows of A in L1, a panel of B in L2); leftover columns use a 2×2 / 2×1 block with the
// k loop unrolled so that every edge still has ≥ 4 independent accumulators.
//
// gemmNN and gemmTN are outer-product kernels in the GotoBLAS layout: the reduction is cut into
// blocks of KC, the right operand B of each block is packed into contiguous strips of 8 columns
// (KC × 8, zero-padded; a strip lives in L1), and a 2×8 tile of C (8 f64x2 accumulators, kept in
// registers for the whole block) is updated by two broadcast values of A times four vectors of the
// strip per step. gemmTN also packs A (its two values per step are J apart otherwise) into pairs of
// columns (KC × 2); gemmNN reads A's rows in place. Blocks of MC rows of C keep the A operand in
// L2 while the strips sweep over it. Tiles cut by the edge of C (1 row, < 8 columns) run through a
// 2×8 scratch tile, so any shape (including 0 and 1) is valid.
//
// Packing buffers are static (memory.data below), so the kernels need no memory from the caller;
// they are per instance — a module whose memory were shared between threads would need one set
// per thread.
//
// Rounding: WASM SIMD has no fused multiply–add (relaxed SIMD has one, not enabled in the shipped
// build): every update is mul then add, so the SIMD and scalar paths round identically per term.
// Only the order of the sum over k differs from a plain loop (pairs of k in gemmNT, blocks of KC),
// which stays within the usual K·u·Σ|a||b| bound. A build with relaxed SIMD enabled
// (ASC_FEATURE_RELAXED_SIMD, the bench-only build/gemm-bench-relaxed.wasm) uses f64x2.relaxed_madd
// in the micro-kernels instead, to measure what fusing would buy.

/** K-panel width of gemmNT: a panel of B (N × KB doubles) stays in L2, two rows of A in L1. */
const NT_KB: i32 = 128;
/** Reduction block of gemmNN/gemmTN: a packed strip of B (KC × 8 doubles, 16 KiB) fits L1. */
const KC: i32 = 256;
/** Rows of C per block of gemmNN/gemmTN: the A operand of a block (MC × KC, 256 KiB) stays in L2. */
const MC: i32 = 128;
/** Columns of C per packed panel of B (NC × KC, 512 KiB). */
const NC: i32 = 256;

/** Packed A of gemmTN: ⌈MC/2⌉ pairs of columns, each KC × 2. */
const PACK_A: usize = memory.data(MC * KC * 8, 64);
/** Packed B: ⌈NC/8⌉ strips, each KC × 8 (the last one zero-padded). */
const PACK_B: usize = memory.data(NC * KC * 8, 64);
/** A 2×8 tile of C for edge tiles (row stride 64 bytes). */
const TILE: usize = memory.data(16 * 8, 16);

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

/** acc + x·y: mul then add (fused only in a relaxed-SIMD build, see the header). */
@inline
function madd(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(x, y, acc);
  return f64x2.add(acc, f64x2.mul(x, y));
}

// ---------------------------------------------------------------------------------------------
// gemmNT: dot-product blocks over contiguous rows.

/** C[m×N] += A[m×K] · B[N×K]ᵀ. */
export function gemmNT(A: usize, B: usize, C: usize, m: i32, N: i32, K: i32): void {
  const rowA = <usize>K << 3;
  const rowC = <usize>N << 3;
  for (let k0 = 0; k0 < K; k0 += NT_KB) {
    const kl = min(NT_KB, K - k0);
    const koff = <usize>k0 << 3;
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = A + <usize>i * rowA + koff;
      const c0 = C + <usize>i * rowC;
      let j = 0;
      for (; j + 3 < N; j += 4) ntBlock2x4(a0, rowA, B + <usize>j * rowA + koff, rowA, kl, c0 + (<usize>j << 3), rowC);
      if (j + 1 < N) {
        ntBlock2x2(a0, rowA, B + <usize>j * rowA + koff, rowA, kl, c0 + (<usize>j << 3), rowC);
        j += 2;
      }
      if (j < N) ntBlock2x2(a0, rowA, B + <usize>j * rowA + koff, 0, kl, c0 + (<usize>j << 3), rowC, false);
    }
    if (i < m) {
      // The last row: a 2-row block whose second row is the first again, its C row discarded.
      const a0 = A + <usize>i * rowA + koff;
      const c0 = C + <usize>i * rowC;
      let j = 0;
      for (; j + 1 < N; j += 2) ntBlock2x2(a0, 0, B + <usize>j * rowA + koff, rowA, kl, c0 + (<usize>j << 3), 0, true, false);
      if (j < N) ntBlock2x2(a0, 0, B + <usize>j * rowA + koff, 0, kl, c0 + (<usize>j << 3), 0, false, false);
    }
  }
}

/** C[0..2)[0..4) += Σ_k a_r[k] b_c[k] (rows a0 + r·sa, b0 + c·sb; k in [0, kl)). */
@inline
function ntBlock2x4(a0: usize, sa: usize, b0: usize, sb: usize, kl: i32, c0: usize, sc: usize): void {
  const a1 = a0 + sa;
  const b1 = b0 + sb;
  const b2 = b1 + sb;
  const b3 = b2 + sb;
  const kPairs = kl & ~1;
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
    s00 = madd(s00, x0, y0);
    s01 = madd(s01, x0, y1);
    s02 = madd(s02, x0, y2);
    s03 = madd(s03, x0, y3);
    s10 = madd(s10, x1, y0);
    s11 = madd(s11, x1, y1);
    s12 = madd(s12, x1, y2);
    s13 = madd(s13, x1, y3);
  }
  let t00 = hsum(s00), t01 = hsum(s01), t02 = hsum(s02), t03 = hsum(s03);
  let t10 = hsum(s10), t11 = hsum(s11), t12 = hsum(s12), t13 = hsum(s13);
  if (kPairs < kl) {
    const x0 = ld(a0, kPairs), x1 = ld(a1, kPairs);
    const y0 = ld(b0, kPairs), y1 = ld(b1, kPairs), y2 = ld(b2, kPairs), y3 = ld(b3, kPairs);
    t00 += x0 * y0; t01 += x0 * y1; t02 += x0 * y2; t03 += x0 * y3;
    t10 += x1 * y0; t11 += x1 * y1; t12 += x1 * y2; t13 += x1 * y3;
  }
  const c1 = c0 + sc;
  st(c0, 0, ld(c0, 0) + t00);
  st(c0, 1, ld(c0, 1) + t01);
  st(c0, 2, ld(c0, 2) + t02);
  st(c0, 3, ld(c0, 3) + t03);
  st(c1, 0, ld(c1, 0) + t10);
  st(c1, 1, ld(c1, 1) + t11);
  st(c1, 2, ld(c1, 2) + t12);
  st(c1, 3, ld(c1, 3) + t13);
}

/**
 * The 2×2 edge block of gemmNT, k unrolled by 4 (8 accumulators). Rows or columns may alias
 * (stride 0); `col1`/`row1` = false leave that column/row of C untouched.
 */
function ntBlock2x2(
  a0: usize, sa: usize, b0: usize, sb: usize, kl: i32, c0: usize, sc: usize, col1: bool = true, row1: bool = true,
): void {
  const a1 = a0 + sa;
  const b1 = b0 + sb;
  let s00 = f64x2.splat(0.0), s01 = f64x2.splat(0.0), s10 = f64x2.splat(0.0), s11 = f64x2.splat(0.0);
  let u00 = f64x2.splat(0.0), u01 = f64x2.splat(0.0), u10 = f64x2.splat(0.0), u11 = f64x2.splat(0.0);
  let k = 0;
  for (; k + 3 < kl; k += 4) {
    const o = <usize>k << 3;
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o), y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
    const z0 = v128.load(a0 + o, 16), z1 = v128.load(a1 + o, 16), w0 = v128.load(b0 + o, 16), w1 = v128.load(b1 + o, 16);
    s00 = madd(s00, x0, y0);
    s01 = madd(s01, x0, y1);
    s10 = madd(s10, x1, y0);
    s11 = madd(s11, x1, y1);
    u00 = madd(u00, z0, w0);
    u01 = madd(u01, z0, w1);
    u10 = madd(u10, z1, w0);
    u11 = madd(u11, z1, w1);
  }
  if (k + 1 < kl) {
    const o = <usize>k << 3;
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o), y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
    s00 = madd(s00, x0, y0);
    s01 = madd(s01, x0, y1);
    s10 = madd(s10, x1, y0);
    s11 = madd(s11, x1, y1);
    k += 2;
  }
  let t00 = hsum(f64x2.add(s00, u00)), t01 = hsum(f64x2.add(s01, u01));
  let t10 = hsum(f64x2.add(s10, u10)), t11 = hsum(f64x2.add(s11, u11));
  if (k < kl) {
    const x0 = ld(a0, k), x1 = ld(a1, k), y0 = ld(b0, k), y1 = ld(b1, k);
    t00 += x0 * y0; t01 += x0 * y1; t10 += x1 * y0; t11 += x1 * y1;
  }
  st(c0, 0, ld(c0, 0) + t00);
  if (col1) st(c0, 1, ld(c0, 1) + t01);
  if (row1) {
    const c1 = c0 + sc;
    st(c1, 0, ld(c1, 0) + t10);
    if (col1) st(c1, 1, ld(c1, 1) + t11);
  }
}

// ---------------------------------------------------------------------------------------------
// gemmNN / gemmTN: packed strips of B, 2×8 register tiles of C.

/**
 * Pack kc rows of an nc-column slab of a row-major matrix (first element `src`, row stride
 * `rowStride` bytes) into ⌈nc/8⌉ strips at PACK_B: strip s holds row k's columns 8s..8s+7 at
 * PACK_B + (s·kc + k)·64, zero beyond nc.
 */
function packStrips(src: usize, rowStride: usize, nc: i32, kc: i32): void {
  let dst = PACK_B;
  for (let c0 = 0; c0 < nc; c0 += 8) {
    const cols = min(8, nc - c0);
    let s = src + (<usize>c0 << 3);
    if (cols == 8) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        v128.store(dst, v128.load(s, 32), 32);
        v128.store(dst, v128.load(s, 48), 48);
        s += rowStride;
        dst += 64;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < 8; c++) st(dst, c, c < cols ? ld(s, c) : 0.0);
        s += rowStride;
        dst += 64;
      }
    }
  }
}

/**
 * Pack kc rows of an mc-column slab (columns r0.. of a row-major matrix, first element `src`, row
 * stride `rowStride` bytes) into ⌈mc/2⌉ pairs at PACK_A: pair p holds row k's columns 2p, 2p+1 at
 * PACK_A + (p·kc + k)·16, zero beyond mc.
 */
function packPairs(src: usize, rowStride: usize, mc: i32, kc: i32): void {
  let dst = PACK_A;
  for (let r0 = 0; r0 < mc; r0 += 2) {
    let s = src + (<usize>r0 << 3);
    if (r0 + 1 < mc) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(s));
        s += rowStride;
        dst += 16;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, f64x2.replace_lane(f64x2.splat(0.0), 0, load<f64>(s)));
        s += rowStride;
        dst += 16;
      }
    }
  }
}

/**
 * C tile [2×8] (row stride sc bytes) += Σ_k a_r(k) · bp[k][0..8), a_r(k) at ap + r·ars + k·aks,
 * the strip bp packed by packStrips.
 */
@inline
function tile2x8(ap: usize, aks: usize, ars: usize, bp: usize, kc: i32, c0: usize, sc: usize): void {
  const c1 = c0 + sc;
  let p0 = v128.load(c0), p1 = v128.load(c0, 16), p2 = v128.load(c0, 32), p3 = v128.load(c0, 48);
  let q0 = v128.load(c1), q1 = v128.load(c1, 16), q2 = v128.load(c1, 32), q3 = v128.load(c1, 48);
  let a = ap;
  let b = bp;
  for (let k = 0; k < kc; k++) {
    const x0 = v128.load64_splat(a);
    const x1 = v128.load64_splat(a + ars);
    const y0 = v128.load(b), y1 = v128.load(b, 16), y2 = v128.load(b, 32), y3 = v128.load(b, 48);
    p0 = madd(p0, x0, y0);
    p1 = madd(p1, x0, y1);
    p2 = madd(p2, x0, y2);
    p3 = madd(p3, x0, y3);
    q0 = madd(q0, x1, y0);
    q1 = madd(q1, x1, y1);
    q2 = madd(q2, x1, y2);
    q3 = madd(q3, x1, y3);
    a += aks;
    b += 64;
  }
  v128.store(c0, p0); v128.store(c0, p1, 16); v128.store(c0, p2, 32); v128.store(c0, p3, 48);
  v128.store(c1, q0); v128.store(c1, q1, 16); v128.store(c1, q2, 32); v128.store(c1, q3, 48);
}

/**
 * C[mc×nc] (first element c, row stride sc bytes) += Σ_k a_r(k) b_c(k) over kc, B packed at
 * PACK_B; row pair p of A starts at ap + p·aps, a_r(k) at + (r mod 2)·ars + k·aks.
 */
function blockPacked(ap: usize, aps: usize, aks: usize, ars: usize, mc: i32, nc: i32, kc: i32, c: usize, sc: usize): void {
  const stripBytes = <usize>kc << 6;
  let bp = PACK_B;
  for (let c0 = 0; c0 < nc; c0 += 8) {
    const cols = min(8, nc - c0);
    const cc = c + (<usize>c0 << 3);
    let a = ap;
    let r0 = 0;
    if (cols == 8) {
      for (; r0 + 1 < mc; r0 += 2) {
        tile2x8(a, aks, ars, bp, kc, cc + <usize>r0 * sc, sc);
        a += aps;
      }
    }
    for (; r0 < mc; r0 += 2) {
      // Edge tile: through TILE (zero-padded), only the rows and columns of C written back.
      const rows = min(2, mc - r0);
      const ct = cc + <usize>r0 * sc;
      for (let r = 0; r < 2; r++) {
        for (let j = 0; j < 8; j++) st(TILE + (<usize>r << 6), j, r < rows && j < cols ? ld(ct + <usize>r * sc, j) : 0.0);
      }
      tile2x8(a, aks, rows == 2 ? ars : 0, bp, kc, TILE, 64);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) st(ct + <usize>r * sc, j, ld(TILE + (<usize>r << 6), j));
      }
      a += aps;
    }
    bp += stripBytes;
  }
}

/** C[m×N] += A[m×J] · B[J×N]. */
export function gemmNN(A: usize, B: usize, C: usize, m: i32, N: i32, J: i32): void {
  const rowA = <usize>J << 3;
  const rowB = <usize>N << 3;
  for (let j0 = 0; j0 < J; j0 += KC) {
    const kc = min(KC, J - j0);
    for (let c0 = 0; c0 < N; c0 += NC) {
      const nc = min(NC, N - c0);
      packStrips(B + <usize>j0 * rowB + (<usize>c0 << 3), rowB, nc, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        // A read in place: row pair p at A[i0 + 2p, j0], a_r(k) = A[i0 + 2p + r, j0 + k].
        const a = A + <usize>i0 * rowA + (<usize>j0 << 3);
        blockPacked(a, rowA << 1, 8, rowA, mc, nc, kc, C + <usize>i0 * rowB + (<usize>c0 << 3), rowB);
      }
    }
  }
}

/** C[J×N] += A[m×J]ᵀ · B[m×N]. */
export function gemmTN(A: usize, B: usize, C: usize, m: i32, J: i32, N: i32): void {
  const rowA = <usize>J << 3;
  const rowB = <usize>N << 3;
  for (let i0 = 0; i0 < m; i0 += KC) {
    const kc = min(KC, m - i0);
    for (let c0 = 0; c0 < N; c0 += NC) {
      const nc = min(NC, N - c0);
      packStrips(B + <usize>i0 * rowB + (<usize>c0 << 3), rowB, nc, kc);
      for (let r0 = 0; r0 < J; r0 += MC) {
        const mc = min(MC, J - r0);
        packPairs(A + <usize>i0 * rowA + (<usize>r0 << 3), rowA, mc, kc);
        blockPacked(PACK_A, <usize>kc << 4, 16, 8, mc, nc, kc, C + <usize>r0 * rowB + (<usize>c0 << 3), rowB);
      }
    }
  }
}
