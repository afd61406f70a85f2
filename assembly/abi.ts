// Shared constants of every kernel: status codes, limits and the static scratch area.
// The ABI of every exported kernel is lengths, scalars and pointers into linear memory;
// kernels never allocate (the module is built with `--runtime stub`).

/** Return value of kernels that succeed (equal to Status.converged, 0, by design: 'no problem'). */
export const RESULT_OK: i32 = 0;

/**
 * Status of a GD run, a heatmap cell or a trajectory row: a diverging or saddle-bound run is data,
 * never an exception. The host's copy is generated from this enum (src/wasm/abi.ts).
 * @abi
 */
export enum Status {
  /** the loss fell below the tolerance */
  converged = 0,
  /** |π| exceeded the divergence bound, or an iterate was not finite */
  diverged = 1,
  /** the step budget ran out @label max-steps */
  maxSteps = 2,
  /** π(w) ≤ 0: gradient flow ends at a saddle, there is no GFS (model.md §1.5) @label no-gfs */
  noGfs = 3,
  /** the input contained NaN or ±Inf, or a quantity computed from it overflowed @label non-finite */
  nonFinite = 4,
  /** a trajectory row with nothing to report: an ordinary step @label ok */
  running = 5,
}

/** Largest supported depth of the scalar network. */
export const MAX_DEPTH: i32 = 64;

/**
 * Debug builds check the depth a scalar kernel receives (its static scratch holds D ≤ MAX_DEPTH;
 * the host validates D before any call); release builds (`noAssert`) compile this away.
 */
@inline
export function assertDepth(D: i32): void {
  assert(D >= 1 && D <= MAX_DEPTH);
}

/** Static scratch: two D×D matrices and a few D-vectors, enough for D ≤ MAX_DEPTH. */
export const SCRATCH_MAT_A: usize = memory.data(64 * 64 * 8, 16);
export const SCRATCH_MAT_B: usize = memory.data(64 * 64 * 8, 16);
export const SCRATCH_VEC_A: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_B: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_C: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_D: usize = memory.data(64 * 8, 16);
export const SCRATCH_VEC_E: usize = memory.data(64 * 8, 16);

/** Address of the f64 at index i of the array at p. */
@inline
export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}

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
