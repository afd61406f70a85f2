// GFS-preserving GD, GPGD (model.md §1.6).
//   𝒢(w) = sign(w) ⊙ √(w² + s̃),   Σᵢ log(wᵢ² + s̃) = 2 log |π(GD(w))|,
// defined when π(w) > 0 and π(GD(w)) > 0. It moves w along its own gradient-flow line (balances
// and hence φ are kept) to the product that GD would reach, so L(𝒢(w)) = L(GD(w)).
//
// 1-D form: with GFS squares uᵢ (∏uᵢ = 1) and wₓ the point of product x on that line
// (wᵢ² = uᵢ + σ(x), ∏(uᵢ + σ(x)) = x²),
//   g(x) = x ∏ᵢ (1 − η x (x − 1) / (uᵢ + σ(x))),   g(1) = 1,   g′(1) = 1 − ηφ.
import { ld, st, RESULT_OK, Status, assertDepth } from '../abi';
import { product } from './model';
import { gdStep } from './gd';
import { gfsStatus, logShift } from './gfs';

const IMAGE: usize = memory.data(64 * 8, 16);
const SQUARES: usize = memory.data(64 * 8, 16);

/**
 * out = 𝒢(w) (out may alias w). Returns RESULT_OK; Status.noGfs when π(w) ≤ 0 or π(GD(w)) ≤ 0
 * (GD leaves the positive-product region, so no point of the same flow line has its product);
 * Status.nonFinite / Status.diverged for non-finite input / GD image. On failure out = NaN.
 */
export function gpgdStep(w: usize, D: i32, eta: f64, out: usize): i32 {
  assertDepth(D);
  let status = gfsStatus(w, D);
  if (status == RESULT_OK) {
    gdStep(w, D, eta, IMAGE);
    const pGd = product(IMAGE, D);
    if (!isFinite(pGd)) status = Status.diverged;
    else if (!(pGd > 0.0)) status = Status.noGfs;
    else {
      for (let i = 0; i < D; i++) {
        const wi = ld(w, i);
        st(SQUARES, i, wi * wi);
      }
      const s = logShift(SQUARES, D, 2.0 * Math.log(pGd));
      for (let i = 0; i < D; i++) {
        const wi = ld(w, i);
        const root = Math.sqrt(ld(SQUARES, i) + s);
        st(out, i, wi < 0.0 ? -root : root);
      }
      return RESULT_OK;
    }
  } else if (status != Status.nonFinite) {
    status = Status.noGfs;
  }
  for (let i = 0; i < D; i++) st(out, i, NaN);
  return status;
}

/**
 * The 1-D GPGD map g(x) for GFS squares u (∏uᵢ = 1 up to rounding) and product x > 0.
 * NaN for x ≤ 0 or non-finite x (the map is defined on positive products only).
 */
export function gpgdMap1d(u: usize, D: i32, eta: f64, x: f64): f64 {
  assertDepth(D);
  if (!(x > 0.0) || !isFinite(x)) return NaN;
  const sigma = logShift(u, D, 2.0 * Math.log(x));
  const pull = eta * x * (x - 1.0);
  let g = x;
  for (let i = 0; i < D; i++) g *= 1.0 - pull / (ld(u, i) + sigma);
  return g;
}
