// Work-area layout of the regression kernels (model.md §4). Every kernel that needs scratch takes one
// host-provided f64 block `work` of at least regWorkLength(n, d) entries and carves it into the
// regions below (offsets in f64 entries). Regions are reused by kernels that never run at the same
// time; a kernel calling another only relies on its own region across that call.
//   R   n    residual r = Xβ − y            (model primitives)
//   G   d    g = Xᵀr/N                      (model primitives, Lanczos)
//   Z   n    HVP: J[a;b] = X(v⊙a + u⊙b)
//   T   d    HVP: XᵀJ[a;b]/N
//   W   2d   Lanczos: the new Krylov vector
//   TRI 16d  Lanczos: α, β, Ritz vector s, 5 tridiagonal-solver vectors (m ≤ 2d each)
//   GFS 5d + 3n + 2n²  GFS: k, a, θ, Xᵀp, β, r, p, ν-trial, Newton matrix, φ matrix
//   FLOW 12d RK4: k₁…k₄, stage point, Lanczos warm vector
//   RUN 3d   run driver: GFS outputs β, u, v

@inline export function offR(n: i32, d: i32): i32 {
  return 0;
}
@inline export function offG(n: i32, d: i32): i32 {
  return n;
}
@inline export function offZ(n: i32, d: i32): i32 {
  return n + d;
}
@inline export function offT(n: i32, d: i32): i32 {
  return 2 * n + d;
}
@inline export function offW(n: i32, d: i32): i32 {
  return 2 * n + 2 * d;
}
@inline export function offTri(n: i32, d: i32): i32 {
  return 2 * n + 4 * d;
}
@inline export function offGfs(n: i32, d: i32): i32 {
  return 2 * n + 20 * d;
}
@inline export function offFlow(n: i32, d: i32): i32 {
  return 5 * n + 25 * d + 2 * n * n;
}
@inline export function offRun(n: i32, d: i32): i32 {
  return 5 * n + 37 * d + 2 * n * n;
}

/** f64 entries the host must provide as `work` for a problem with n samples and d features. */
export function regWorkLength(n: i32, d: i32): i32 {
  return 5 * n + 40 * d + 2 * n * n + 16;
}

/** f64 entries of a Lanczos basis with at most m iterations in dimension 2d: (m + 1)·2d. */
export function regBasisLength(d: i32, m: i32): i32 {
  return (m + 1) * 2 * d;
}

/** Pointer to the f64 at `offset` of `work`. */
@inline export function at(work: usize, offset: i32): usize {
  return work + (<usize>offset << 3);
}
