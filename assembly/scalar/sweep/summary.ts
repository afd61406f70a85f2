// Per-cell summary after a sweep (model.md §1.2, §1.5, §3 Fig 3):
//   final sharpness S(w_final) = λmax(∇²L) for cells whose GD converged (NaN otherwise),
//   initial GFS sharpness φ(w₀) and product π(w₀), and the no-GFS status for π(w₀) ≤ 0
//   (gradient flow from w₀ ends at a saddle). GD still runs from such a cell; its outcome is kept
//   by the host as the separate gd_status array, and its final sharpness if it converged.
// Inputs/outputs are struct-of-arrays tiles (weight d of cell t at 8·(d·n + t)).
import { ld, st, RESULT_OK, Status } from '../../abi';
import { product } from '../model';
import { flushSharpness, queueSharpness } from './finalSharpness';
import { gfsSharpness, gfsStatus } from '../gfs';

const CELL: usize = memory.data(64 * 8, 16);

@inline
function gather(src: usize, D: i32, n: i32, t: i32): void {
  for (let d = 0; d < D; d++) st(CELL, d, ld(src, d * n + t));
}

export function summarizeCells(
  D: i32,
  n: i32,
  initial: usize,
  final: usize,
  status: usize,
  outFinalSharpness: usize,
  outInitialGfsSharpness: usize,
  outInitialProduct: usize,
  initialGfsKnown: i32,
): void {
  for (let t = 0; t < n; t++) {
    gather(initial, D, n, t);
    const init = gfsStatus(CELL, D);
    st(outInitialProduct, t, product(CELL, D));
    // family grids already know φ(w₀) from their initialisation (grid/init.ts)
    if (!initialGfsKnown) st(outInitialGfsSharpness, t, init == RESULT_OK ? gfsSharpness(CELL, D) : NaN);
    const code = <i32>load<u8>(status + t);
    if (code == Status.converged) {
      gather(final, D, n, t);
      queueSharpness(CELL, D, outFinalSharpness + ((<usize>t) << 3));
    } else {
      st(outFinalSharpness, t, NaN);
    }
    if (init == Status.nonFinite) store<u8>(status + t, <u8>Status.nonFinite);
    else if (init != RESULT_OK) store<u8>(status + t, <u8>Status.noGfs);
  }
  flushSharpness(D);
}
