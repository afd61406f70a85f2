// Symmetric eigen-solvers for the regression model (model.md §4: S = λmax(∇²L) by a dense solver,
// φ = λmax of an N×N matrix; Lanczos' tridiagonal top eigenpair).
//
// 1. Cyclic Jacobi for general n (the same rotation as linalg/jacobi.ts, model.md §1.2, but with the
//    eigenvector accumulator in host scratch instead of a 64×64 static block, so n ≤ 512 works):
//      θ = (a_qq − a_pp)/(2a_pq), t = sign(θ)/(|θ| + √(θ²+1)), c = 1/√(t²+1), s = tc;
//    sweeps until the off-diagonal mass ≤ (ε‖A‖_F)².
// 2. Lanczos' tridiagonal top eigenpair: linalg/tridiagonal.ts (shared with the MLP Lanczos).
import { jacobiEigen } from '../linalg/jacobi';
export { tridiagonalTop } from '../linalg/tridiagonal';

/**
 * Diagonalises the symmetric row-major n×n matrix at `a` in place and returns λmax (the shared
 * cyclic Jacobi of linalg/jacobi.ts with host scratch, n ≤ 512). With `vecScratch` ≠ 0 (n×n f64)
 * also writes the unit top eigenvector into `vecOut`. NaN/±Inf in the input gives NaN.
 */
export function regSymmetricEigen(a: usize, n: i32, vecScratch: usize, vecOut: usize): f64 {
  return jacobiEigen(a, n, vecScratch, vecOut);
}
