// Shared constants of every kernel: status codes, limits and the static scratch area.
// The ABI of every exported kernel is lengths, scalars and pointers into linear memory;
// kernels never allocate (the module is built with `--runtime stub`).

/** Return value of kernels that succeed (equal to STATUS_CONVERGED's 0 by design: 'no problem'). */
export const RESULT_OK: i32 = 0;

/** Per-cell / per-step status codes (mirrored in src/status.ts). */
export const STATUS_CONVERGED: i32 = 0; // loss < tol
export const STATUS_DIVERGED: i32 = 1; // |π| > divergence bound, or a non-finite iterate
export const STATUS_MAX_STEPS: i32 = 2; // step budget exhausted
export const STATUS_NO_GFS: i32 = 3; // π(w) ≤ 0: gradient flow ends at a saddle (SPEC §1.5)
export const STATUS_NON_FINITE: i32 = 4; // input contained NaN or ±Inf
export const STATUS_RUNNING: i32 = 5; // trajectory row: an ordinary step

/** Largest supported depth of the scalar network. */
export const MAX_DEPTH: i32 = 64;

/** Static scratch: two D×D matrices and a few D-vectors, enough for D ≤ MAX_DEPTH. */
export const SCRATCH_MAT_A: usize = memory.data(64 * 64 * 8, 16);
export const SCRATCH_MAT_B: usize = memory.data(64 * 64 * 8, 16);
export const SCRATCH_VEC_A: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_B: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_C: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_D: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_E: usize = memory.data(64 * 8, 16);

@inline
export function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline
export function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/** First byte after the module's static data: the host's arena starts here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}
