// GD run driver of the regression model (model.md §4, Fig 5): from the state (u, v), for every
// iterate record
//   loss L, sharpness S = λmax(∇²L) (Lanczos warm-started from the previous top eigenvector, or
//   dense Jacobi), GFS sharpness φ (Newton warm-started from the previous ν),
// then step (u, v) ← GD(u, v) with step η. The host calls it in chunks and keeps the state
// (u, v, ν, eigenvector) between calls; on the last chunk it passes stepAfterLast = 0 so that
// (u, v) end as the iterate of the last recorded row.
// Stopping at a row: L non-finite or L > divergeAt (or a non-finite weight) → DIVERGED (S, φ NaN);
// L < lossTol → CONVERGED; GFS not found → GFS_FAILED (φ NaN). Otherwise the row is RUNNING.
import { ld, st } from '../abi';
import { regSymmetricEigen } from './eigen';
import { GFS_OK, regGfs } from './gfs';
import { regLanczos } from './lanczos';
import { at, offRun } from './layout';
import { regGdStep, regHessian, regLoss } from './model';

/**
 * Status of a regression GD run (the codes of Status, with 3 meaning that the GFS predictor found
 * no solution at the last row instead of π ≤ 0).
 * @abi
 */
export enum RegressionStatus {
  /** the loss fell below lossTol */
  converged = 0,
  /** the loss exceeded divergeAt or was not finite */
  diverged = 1,
  /** every requested row was recorded without stopping @label max-steps */
  maxSteps = 2,
  /** Newton found no GFS (φ is NaN at the last row) @label gfs-failed */
  gfsFailed = 3,
  /** the chunk ended without a stopping event (the run goes on) */
  running = 5,
}

/**
 * Records up to `rows` iterates. Returns the number of rows written; `statusOut` (i32) receives
 * RegressionStatus.running (5) when all rows were written without stopping, else the stopping status.
 * method 0: Lanczos (basis: regBasisLength(d, krylovMax) f64, `eigvec` 2d f64 warm vector,
 * all-zero for a cold start); method 1: dense Jacobi (`dense`: (2d)² f64).
 * params = [lossTol, divergeAt, lanczosTol, gfsTol, gfsMaxIter, krylovMax].
 */
export function regRunChunk(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, nu: usize, eigvec: usize, eta: f64, rows: i32,
  params: usize, method: i32, basis: usize, dense: usize, work: usize,
  outLoss: usize, outSharpness: usize, outGfsSharpness: usize, stepAfterLast: i32, statusOut: usize,
): i32 {
  const lossTol = ld(params, 0);
  const divergeAt = ld(params, 1);
  const lanczosTol = ld(params, 2);
  const gfsTol = ld(params, 3);
  const gfsMaxIter = <i32>ld(params, 4);
  const krylovMax = <i32>ld(params, 5);
  const base = offRun(n, d);
  const gfsBeta = at(work, base);
  const gfsInfo = at(work, base + d); // 3 entries
  const dim = 2 * d;
  for (let row = 0; row < rows; row++) {
    const offset = <usize>row << 3;
    const l = regLoss(X, y, n, d, u, v, work);
    let finite = isFinite(l);
    for (let j = 0; j < d; j++) if (!isFinite(ld(u, j)) || !isFinite(ld(v, j))) finite = false;
    store<f64>(outLoss + offset, l);
    if (!finite || l > divergeAt) {
      store<f64>(outSharpness + offset, NaN);
      store<f64>(outGfsSharpness + offset, NaN);
      store<i32>(statusOut, RegressionStatus.diverged);
      return row + 1;
    }
    let s: f64;
    if (method == 1) {
      regHessian(X, y, n, d, u, v, work, dense);
      s = regSymmetricEigen(dense, dim, 0, 0);
    } else {
      let warm = false;
      for (let i = 0; i < dim; i++) if (ld(eigvec, i) != 0.0) warm = true;
      s = regLanczos(X, y, n, d, u, v, warm ? eigvec : 0, krylovMax, lanczosTol, basis, work, eigvec, 0);
    }
    store<f64>(outSharpness + offset, s);
    const gs = regGfs(X, y, n, d, u, v, nu, gfsMaxIter, gfsTol, work, gfsBeta, 0, 0, gfsInfo);
    store<f64>(outGfsSharpness + offset, gs == GFS_OK ? ld(gfsInfo, 0) : NaN);
    if (l < lossTol) {
      store<i32>(statusOut, RegressionStatus.converged);
      return row + 1;
    }
    if (gs != GFS_OK) {
      store<i32>(statusOut, RegressionStatus.gfsFailed);
      return row + 1;
    }
    if (row == rows - 1 && stepAfterLast == 0) break;
    regGdStep(X, y, n, d, u, v, eta, work, u, v);
  }
  store<i32>(statusOut, RegressionStatus.running);
  return rows;
}
