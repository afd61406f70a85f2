// Fig 2c map (model.md §1.7, §3): per cell, (1) is the initialisation in 𝕊ᴰ_η, and (2) does φ stay
// monotone (non-increasing) along the whole GD run (until loss < tol, divergence or maxSteps).
// φ along the run is tracked with Newton on F(s) = log ∏ᵢ(wᵢ² + s) warm-started from the previous
// step's shift (GD moves the balances little, so 1–3 iterations suffice); one log per iteration.
// An increase counts when φ_{t+1} > φ_t (1 + MONOTONE_RTOL): rounding noise in φ is ~1e-15.
import { ld, st, Status } from '../../abi';
import { product } from '../model';
import { invariantSetMembership } from '../invariantSet';
import { gfsShift } from '../gfs';
import { gdStep } from '../gd';

const CELL: usize = memory.data(64 * 8, 16);
const INFO: usize = memory.data(4 * 8, 16);
const MONOTONE_RTOL: f64 = 1e-10;

/** Newton on Σ log(wᵢ² + s) = 0 from s0, bracketed by s > −min wᵢ². NaN when π ≤ 0. */
function trackedShift(D: i32, s0: f64): f64 {
  let aMin = Infinity;
  for (let i = 0; i < D; i++) {
    const a = ld(CELL, i) * ld(CELL, i);
    if (a < aMin) aMin = a;
  }
  let s = s0;
  if (!(s > -aMin)) return gfsShift(CELL, D);
  for (let it = 0; it < 30; it++) {
    let prod = 1.0;
    let slope = 0.0;
    for (let i = 0; i < D; i++) {
      const x = ld(CELL, i) * ld(CELL, i) + s;
      prod *= x;
      slope += 1.0 / x;
    }
    const f = Math.log(prod);
    const next = s - f / slope;
    if (!(next > -aMin) || !isFinite(next)) return gfsShift(CELL, D); // fall back to the safeguarded solver
    if (Math.abs(next - s) <= 4.0 * f64.EPSILON * Math.max(Math.abs(s), Math.abs(next))) return next;
    s = next;
  }
  return gfsShift(CELL, D);
}

@inline
function phiAt(D: i32, s: f64): f64 {
  let phi = 0.0;
  for (let i = 0; i < D; i++) phi += 1.0 / (ld(CELL, i) * ld(CELL, i) + s);
  return phi;
}

/**
 * For each cell t of the SoA tile `initial`: outMember[t] = 1 if w₀ ∈ 𝕊; outMonotone[t] = 1 if
 * φ never increased along GD, 0 if it did, 2 if φ was undefined at some step (π ≤ 0, no GFS);
 * outStatus[t] = the GD outcome (Status.converged / DIVERGED / MAX_STEPS, as in the sweep).
 */
export function invariantMapCells(
  D: i32,
  n: i32,
  initial: usize,
  eta: f64,
  tol: f64,
  divergeAt: f64,
  maxSteps: i32,
  outMember: usize,
  outMonotone: usize,
  outStatus: usize,
): void {
  for (let t = 0; t < n; t++) {
    for (let d = 0; d < D; d++) st(CELL, d, ld(initial, d * n + t));
    store<u8>(outMember + t, <u8>invariantSetMembership(CELL, D, eta, INFO));
    let s = gfsShift(CELL, D);
    let monotone: u8 = isNaN(s) ? 2 : 1;
    let phi = isNaN(s) ? NaN : phiAt(D, s);
    let status = Status.maxSteps;
    for (let step = 0; ; step++) {
      const p = product(CELL, D);
      const r = p - 1.0;
      if (!(Math.abs(p) < divergeAt)) {
        status = Status.diverged;
        break;
      }
      if (0.5 * r * r < tol) {
        status = Status.converged;
        break;
      }
      if (step >= maxSteps) break;
      gdStep(CELL, D, eta, CELL);
      if (monotone == 2) continue; // φ undefined once: no monotonicity to track
      s = trackedShift(D, s);
      if (isNaN(s)) {
        monotone = 2;
        continue;
      }
      const next = phiAt(D, s);
      if (next > phi * (1.0 + MONOTONE_RTOL)) monotone = 0;
      phi = next;
    }
    store<u8>(outMonotone + t, monotone);
    store<u8>(outStatus + t, <u8>status);
  }
}
