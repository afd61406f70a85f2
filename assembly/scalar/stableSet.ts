// Damian et al.'s stable set (model.md §3, Fig 7; the model of model.md §1.1–§1.3):
//
//   ℳ = { θ : S(θ) ≤ 2/η  and  ∇L(θ)·u(θ) = 0 },   u = unit top eigenvector of ∇²L(θ) (Jacobi).
//
// ∇L = (π − 1) q with qᵢ = ∏_{j≠i} wⱼ, so ∇L·u vanishes on the minima (π = 1) and where q ⊥ u.
// u is defined up to sign: `topEigenpair` fixes the sign so that the largest-magnitude entry is
// positive, and with that convention ∇L·u can touch 0 *without changing sign* (on w₁ = w₂ the top
// eigenvector of D = 3 swaps its largest entry, so the convention flips u exactly where the
// smooth eigenvector crosses q⊥). A zero set of measure zero is therefore found by sign changes of
// ∇L·u along a grid edge *after orienting u continuously*: the eigenvector at one end is flipped
// when uₐ·u_b < 0, and every bisection midpoint is oriented against the bracket's left eigenvector.
//
// stableSetCells: per point, S, ∇L·u (Jacobi's sign), ‖∇L‖, L, π, and u itself.
// stableSetRoots: per edge [a, b] (two points), the zero of the oriented ∇L·u on the segment by
// bisection in t ∈ [0, 1] (a + t(b − a)), then a classification of the limit point:
//   minimum        L ≤ lossMin                                  (∇L = 0 there)
//   non-minimum    |∇L·u| ≤ rootRtol·‖∇L‖ (or ∇L = 0 exactly)   (a genuine zero of q·u)
//   discontinuity  neither: the sign change was a jump of u (a degenerate top eigenvalue)
import { ld, st } from '../abi';
import { gradient, product, topEigenpair } from './model';

/**
 * One record of stableSetCells per grid point: f64 columns.
 * @abi record
 */
export enum StableSetCellColumn {
  /** S: the top Hessian eigenvalue */
  sharpness = 0,
  /** ∇L·u with u the top eigenvector (largest-magnitude entry positive) */
  gradientDotEigenvector = 1,
  /** ‖∇L‖ */
  gradientNorm = 2,
  /** L */
  loss = 3,
  /** π */
  product = 4,
  /** number of columns @stride */
  stride = 5,
}

/**
 * One record of stableSetRoots per grid edge: f64 columns.
 * @abi record
 */
export enum StableSetRootColumn {
  /** what the edge holds: a RootOutcome code */
  outcome = 0,
  /** position t ∈ [0, 1] of the located zero along the edge */
  t = 1,
  /** S at the zero */
  sharpness = 2,
  /** L at the zero */
  loss = 3,
  /** π at the zero */
  product = 4,
  /** |∇L·u|/‖∇L‖ at the zero */
  relativeResidual = 5,
  /** |∇L·u| at the zero */
  residual = 6,
  /** number of columns @stride */
  stride = 7,
}

/**
 * What a grid edge of the stable-set map holds.
 * @abi
 */
export enum RootOutcome {
  /** the oriented ∇L·u has no sign change on the edge */
  none = 0,
  /** a zero at a minimum (L ≤ lossMin) */
  minimum = 1,
  /** a genuine zero of ∇L·u off the minima @label non-minimum */
  nonMinimum = 2,
  /** a sign change without a zero: u flips (an eigenvalue crossing) */
  discontinuity = 3,
}

/** Bisection halvings of t (2⁻⁶⁰ is below the spacing of doubles near any t ∈ (0, 1]). */
const BISECTION_STEPS: i32 = 60;

const GRAD: usize = memory.data(64 * 8, 16);
const U_LEFT: usize = memory.data(64 * 8, 16);
const U_RIGHT: usize = memory.data(64 * 8, 16);
const U_MID: usize = memory.data(64 * 8, 16);
const POINT: usize = memory.data(64 * 8, 16);

// Results of the last `evaluate` call besides its return value.
let lastSharpness: f64 = 0.0;
let lastGradNorm: f64 = 0.0;
let lastProduct: f64 = 0.0;

/** ∇L(w)·u(w) with u written to `uOut` (Jacobi's sign); S, ‖∇L‖ and π are left in the globals. */
function evaluate(w: usize, D: i32, uOut: usize): f64 {
  lastSharpness = topEigenpair(w, D, uOut);
  gradient(w, D, GRAD);
  let dot = 0.0;
  let norm2 = 0.0;
  for (let i = 0; i < D; i++) {
    const g = ld(GRAD, i);
    dot += g * ld(uOut, i);
    norm2 += g * g;
  }
  lastGradNorm = Math.sqrt(norm2);
  lastProduct = product(w, D);
  return dot;
}

@inline
function dotVectors(a: usize, b: usize, D: i32): f64 {
  let s = 0.0;
  for (let i = 0; i < D; i++) s += ld(a, i) * ld(b, i);
  return s;
}

/** POINT = a + t (b − a). */
@inline
function pointOnEdge(a: usize, b: usize, D: i32, t: f64): void {
  for (let i = 0; i < D; i++) {
    const x = ld(a, i);
    st(POINT, i, x + t * (ld(b, i) - x));
  }
}

/**
 * For n points (AoS: point k at points + 8·D·k): out[5k..5k+5) = [S, ∇L·u, ‖∇L‖, L, π] and
 * vectors[D·k..D·k+D) = u (unit, largest-magnitude entry positive).
 */
export function stableSetCells(D: i32, n: i32, points: usize, out: usize, vectors: usize): void {
  for (let k = 0; k < n; k++) {
    const w = points + ((<usize>(k * D)) << 3);
    const u = vectors + ((<usize>(k * D)) << 3);
    const dot = evaluate(w, D, u);
    const o = out + ((<usize>(k * StableSetCellColumn.stride)) << 3);
    const r = lastProduct - 1.0;
    st(o, StableSetCellColumn.sharpness, lastSharpness);
    st(o, StableSetCellColumn.gradientDotEigenvector, dot);
    st(o, StableSetCellColumn.gradientNorm, lastGradNorm);
    st(o, StableSetCellColumn.loss, 0.5 * r * r);
    st(o, StableSetCellColumn.product, lastProduct);
  }
}

/**
 * For n edges (AoS endpoints: edge k from left + 8·D·k to right + 8·D·k), writes
 * out[7k..7k+7) = [code, t, S, L, π, |∇L·u|/‖∇L‖, |∇L·u|] at the located zero (code 0: the
 * oriented ∇L·u has no sign change on the edge; the other columns are then NaN).
 * A zero exactly at an endpoint is reported with t = 0 or 1.
 */
export function stableSetRoots(
  D: i32,
  n: i32,
  left: usize,
  right: usize,
  lossMin: f64,
  rootRtol: f64,
  out: usize,
): void {
  for (let k = 0; k < n; k++) {
    const a = left + ((<usize>(k * D)) << 3);
    const b = right + ((<usize>(k * D)) << 3);
    const o = out + ((<usize>(k * StableSetRootColumn.stride)) << 3);
    const fa = evaluate(a, D, U_LEFT);
    let fb = evaluate(b, D, U_RIGHT);
    if (dotVectors(U_LEFT, U_RIGHT, D) < 0.0) fb = -fb;
    let t: f64;
    if (fa == 0.0) {
      t = 0.0;
    } else if (fb == 0.0) {
      t = 1.0;
    } else if ((fa < 0.0) == (fb < 0.0) || isNaN(fa) || isNaN(fb)) {
      st(o, StableSetRootColumn.outcome, <f64>RootOutcome.none);
      for (let c = 1; c < StableSetRootColumn.stride; c++) st(o, c, NaN);
      continue;
    } else {
      // Invariant: f(lo) has the sign of fa, f(hi) the other; U_LEFT is the oriented u at lo.
      let lo = 0.0;
      let hi = 1.0;
      let flo = fa;
      let fhi = fb;
      for (let it = 0; it < BISECTION_STEPS; it++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        pointOnEdge(a, b, D, mid);
        let fm = evaluate(POINT, D, U_MID);
        if (dotVectors(U_LEFT, U_MID, D) < 0.0) {
          fm = -fm;
          for (let i = 0; i < D; i++) st(U_MID, i, -ld(U_MID, i));
        }
        if (fm == 0.0) {
          lo = mid;
          hi = mid;
          flo = 0.0;
          break;
        }
        if ((fm < 0.0) == (flo < 0.0)) {
          lo = mid;
          flo = fm;
          for (let i = 0; i < D; i++) st(U_LEFT, i, ld(U_MID, i));
        } else {
          hi = mid;
          fhi = fm;
        }
      }
      t = Math.abs(flo) <= Math.abs(fhi) ? lo : hi;
    }
    pointOnEdge(a, b, D, t);
    const f = Math.abs(evaluate(POINT, D, U_MID));
    const r = lastProduct - 1.0;
    const L = 0.5 * r * r;
    const rel = lastGradNorm > 0.0 ? f / lastGradNorm : 0.0;
    let code = <f64>RootOutcome.discontinuity;
    if (L <= lossMin) code = <f64>RootOutcome.minimum;
    else if (rel <= rootRtol) code = <f64>RootOutcome.nonMinimum;
    st(o, StableSetRootColumn.outcome, code);
    st(o, StableSetRootColumn.t, t);
    st(o, StableSetRootColumn.sharpness, lastSharpness);
    st(o, StableSetRootColumn.loss, L);
    st(o, StableSetRootColumn.product, lastProduct);
    st(o, StableSetRootColumn.relativeResidual, rel);
    st(o, StableSetRootColumn.residual, f);
  }
}
