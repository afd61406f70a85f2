// Entry of the bench-only module build/gemm-bench.wasm (`npm run bench:gemm`, bench/gemm.bench.ts):
// the shipped gemm kernels, the previous ones (gemmReference.ts) and a roofline kernel of the same
// f64x2 mul-then-add as the micro-kernels. Compiled twice: plain SIMD, and with relaxed SIMD
// enabled (gemm.ts then uses f64x2.relaxed_madd), to measure what a fused multiply-add would buy.
export { gemmNT, gemmNN, gemmTN } from '../mlp/gemm';
export { gemmNTReference, gemmNNReference, gemmTNReference } from './gemmReference';

/** First free byte after static data (the bench's bump allocator starts here). */
export function benchHeapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Roofline: 12 independent f64x2 accumulators, a ← a·x + y (mul then add); 48 flops per iteration. */
export function peakMulAdd(iters: i32): f64 {
  let a0 = f64x2.splat(1.0), a1 = f64x2.splat(1.0), a2 = f64x2.splat(1.0), a3 = f64x2.splat(1.0);
  let a4 = f64x2.splat(1.0), a5 = f64x2.splat(1.0), a6 = f64x2.splat(1.0), a7 = f64x2.splat(1.0);
  let a8 = f64x2.splat(1.0), a9 = f64x2.splat(1.0), a10 = f64x2.splat(1.0), a11 = f64x2.splat(1.0);
  const x = f64x2.splat(0.9999999), y = f64x2.splat(1e-9);
  for (let i = 0; i < iters; i++) {
    a0 = f64x2.add(f64x2.mul(a0, x), y); a1 = f64x2.add(f64x2.mul(a1, x), y);
    a2 = f64x2.add(f64x2.mul(a2, x), y); a3 = f64x2.add(f64x2.mul(a3, x), y);
    a4 = f64x2.add(f64x2.mul(a4, x), y); a5 = f64x2.add(f64x2.mul(a5, x), y);
    a6 = f64x2.add(f64x2.mul(a6, x), y); a7 = f64x2.add(f64x2.mul(a7, x), y);
    a8 = f64x2.add(f64x2.mul(a8, x), y); a9 = f64x2.add(f64x2.mul(a9, x), y);
    a10 = f64x2.add(f64x2.mul(a10, x), y); a11 = f64x2.add(f64x2.mul(a11, x), y);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const t = f64x2.add(f64x2.add(s, f64x2.add(a8, a9)), f64x2.add(a10, a11));
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

/**
 * Roofline, 13 chains: a ← a·x + x (x = ½ at run time, so a → 1); 52 flops per iteration. The mul
 * and add of a chain take 3 + 3 cycles on Zen 4, so 12 chains just fill its two mul and two add
 * pipes; 13 leave slack (13 accumulators and x are 14 xmm registers; one more and V8 spills).
 */
export function peakMulAdd13(iters: i32, xs: f64): f64 {
  let a0 = f64x2.splat(1.0), a1 = f64x2.splat(1.0), a2 = f64x2.splat(1.0), a3 = f64x2.splat(1.0);
  let a4 = f64x2.splat(1.0), a5 = f64x2.splat(1.0), a6 = f64x2.splat(1.0), a7 = f64x2.splat(1.0);
  let a8 = f64x2.splat(1.0), a9 = f64x2.splat(1.0), a10 = f64x2.splat(1.0), a11 = f64x2.splat(1.0);
  let a12 = f64x2.splat(1.0);
  const x = f64x2.splat(xs);
  for (let i = 0; i < iters; i++) {
    a0 = f64x2.add(f64x2.mul(a0, x), x); a1 = f64x2.add(f64x2.mul(a1, x), x);
    a2 = f64x2.add(f64x2.mul(a2, x), x); a3 = f64x2.add(f64x2.mul(a3, x), x);
    a4 = f64x2.add(f64x2.mul(a4, x), x); a5 = f64x2.add(f64x2.mul(a5, x), x);
    a6 = f64x2.add(f64x2.mul(a6, x), x); a7 = f64x2.add(f64x2.mul(a7, x), x);
    a8 = f64x2.add(f64x2.mul(a8, x), x); a9 = f64x2.add(f64x2.mul(a9, x), x);
    a10 = f64x2.add(f64x2.mul(a10, x), x); a11 = f64x2.add(f64x2.mul(a11, x), x);
    a12 = f64x2.add(f64x2.mul(a12, x), x);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const t = f64x2.add(f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11)), a12);
  return f64x2.extract_lane(f64x2.add(s, t), 0);
}

@inline
function madd13(a: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, x, y);
  return f64x2.add(f64x2.mul(a, x), y);
}

/**
 * The same with a ← fma(a, x, x) when relaxed SIMD is enabled (f64x2.relaxed_madd), else identical
 * to peakMulAdd13. Roofline, 13 chains: a ← a·x + x (x = ½ at run time, so a → 1); 52 flops per iteration. The mul
 * and add of a chain take 3 + 3 cycles on Zen 4, so 12 chains just fill its two mul and two add
 * pipes; 13 leave slack (13 accumulators and x are 14 xmm registers; one more and V8 spills).
 */
export function peakFma13(iters: i32, xs: f64): f64 {
  let a0 = f64x2.splat(1.0), a1 = f64x2.splat(1.0), a2 = f64x2.splat(1.0), a3 = f64x2.splat(1.0);
  let a4 = f64x2.splat(1.0), a5 = f64x2.splat(1.0), a6 = f64x2.splat(1.0), a7 = f64x2.splat(1.0);
  let a8 = f64x2.splat(1.0), a9 = f64x2.splat(1.0), a10 = f64x2.splat(1.0), a11 = f64x2.splat(1.0);
  let a12 = f64x2.splat(1.0);
  const x = f64x2.splat(xs);
  for (let i = 0; i < iters; i++) {
    a0 = madd13(a0, x, x); a1 = madd13(a1, x, x);
    a2 = madd13(a2, x, x); a3 = madd13(a3, x, x);
    a4 = madd13(a4, x, x); a5 = madd13(a5, x, x);
    a6 = madd13(a6, x, x); a7 = madd13(a7, x, x);
    a8 = madd13(a8, x, x); a9 = madd13(a9, x, x);
    a10 = madd13(a10, x, x); a11 = madd13(a11, x, x);
    a12 = madd13(a12, x, x);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const t = f64x2.add(f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11)), a12);
  return f64x2.extract_lane(f64x2.add(s, t), 0);
}
