// Trajectory driver (model.md §1.4–§1.5, Fig 2/8): GD from the state w, recording for every iterate
//   loss L(w), sharpness S(w) = λmax(∇²L), GFS sharpness φ(w), product π(w), status,
// then stepping w ← GD(w) with η = eta[row] (a schedule) or eta[0] (constant, etaLength = 1).
// The host calls it in chunks (a few ms each) and keeps w between calls; on the last chunk it
// passes stepAfterLast = 0 so that w ends as the iterate of the last recorded row.
// Stopping: a row whose iterate has |π| ≥ divergeAt or a non-finite entry is recorded as
// DIVERGED and ends the run; with tol > 0, a row with L < tol is CONVERGED and ends the run.
// Other rows are RUNNING, or NO_GFS when π ≤ 0 (φ = NaN).
import { ld, Status } from '../abi';
import { product, sharpness } from './model';
import { gfsSharpness } from './gfs';
import { gdStep } from './gd';

/** Returns the number of rows written (< rows when the run stopped). */
export function trajectoryChunk(
  w: usize,
  D: i32,
  eta: usize,
  etaLength: i32,
  rows: i32,
  tol: f64,
  divergeAt: f64,
  outLoss: usize,
  outSharpness: usize,
  outGfsSharpness: usize,
  outProduct: usize,
  outStatus: usize,
  stepAfterLast: i32,
): i32 {
  for (let row = 0; row < rows; row++) {
    const p = product(w, D);
    const r = p - 1.0;
    const l = 0.5 * r * r;
    let finite = isFinite(p);
    for (let i = 0; i < D; i++) if (!isFinite(ld(w, i))) finite = false;
    const offset = <usize>row << 3;
    store<f64>(outLoss + offset, l);
    store<f64>(outProduct + offset, p);
    if (!finite || !(Math.abs(p) < divergeAt)) {
      store<f64>(outSharpness + offset, NaN);
      store<f64>(outGfsSharpness + offset, NaN);
      store<u8>(outStatus + row, <u8>Status.diverged);
      return row + 1;
    }
    store<f64>(outSharpness + offset, sharpness(w, D));
    const phi = gfsSharpness(w, D);
    store<f64>(outGfsSharpness + offset, phi);
    if (tol > 0.0 && l < tol) {
      store<u8>(outStatus + row, <u8>Status.converged);
      return row + 1;
    }
    store<u8>(outStatus + row, <u8>(isNaN(phi) ? Status.noGfs : Status.running));
    if (row == rows - 1 && stepAfterLast == 0) break;
    const stepSize = etaLength == 1 ? load<f64>(eta) : load<f64>(eta + offset);
    gdStep(w, D, stepSize, w);
  }
  return rows;
}
