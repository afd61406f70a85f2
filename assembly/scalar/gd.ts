// One gradient-descent step on the scalar network (model.md §1.4):
//   w⁺ = w − η ∇L(w) = w − η (π − 1) q,   qᵢ = ∏_{j≠i} wⱼ,
// equivalently wᵢ⁺ = wᵢ(1 − aᵢ) with aᵢ = η π (π − 1)/wᵢ². The product and the balances then obey
//   π(w⁺) = π ∏ᵢ(1 − aᵢ),   bᵢⱼ⁺ = bᵢⱼ (1 − aᵢ aⱼ)   (bᵢⱼ = wᵢ² − wⱼ²), checked in the tests.
//
// Formula order — the one shared with the heatmap sweep kernels (assembly/scalar/sweep/cell.ts), so that a
// trajectory reproduces a heatmap cell bit for bit: split w into halves [0, h) and [h, D), h = ⌊D/2⌋;
//   PL, PR = left folds of the halves, π = PL·PR, s = η(π − 1), σL = s·PR, σR = s·PL;
//   in a half of size m with local weights v: m = 1: v₀ −= σ; else vᵢ −= σ·Eᵢ with
//   Eᵢ = preᵢ·sufᵢ₊₁ (E₀ = suf₁, E_{m−1} = pre_{m−1}), all from the old weights. No division.
import { ld, st, assertDepth } from '../abi';
import { product } from './model';

const PRE: usize = memory.data(64 * 8, 16);

/** Left fold of w[lo..hi). */
@inline
function fold(w: usize, lo: i32, hi: i32): f64 {
  let acc = ld(w, lo);
  for (let i = lo + 1; i < hi; i++) acc *= ld(w, i);
  return acc;
}

/** out[lo..hi) = w[lo..hi) − σ·E (E: products of the half's other weights, from w). */
function stepHalf(w: usize, out: usize, lo: i32, hi: i32, scale: f64): void {
  const m = hi - lo;
  if (m == 1) {
    st(out, lo, ld(w, lo) - scale);
    return;
  }
  let pre = ld(w, lo);
  st(PRE, 1, pre);
  for (let k = 2; k < m; k++) {
    pre = pre * ld(w, lo + k - 1);
    st(PRE, k, pre);
  }
  let suf = ld(w, hi - 1);
  const lastNew = suf - scale * pre;
  // Walk down keeping the old weights readable when out aliases w: write index i + 1 after
  // reading index i.
  let pendingIndex = hi - 1;
  let pendingValue = lastNew;
  for (let i = m - 2; i >= 1; i--) {
    const old = ld(w, lo + i);
    const e = ld(PRE, i) * suf;
    suf = old * suf;
    st(out, pendingIndex, pendingValue);
    pendingIndex = lo + i;
    pendingValue = old - scale * e;
  }
  const first = ld(w, lo) - scale * suf;
  st(out, pendingIndex, pendingValue);
  st(out, lo, first);
}

/** out = GD(w) with step size eta (out may alias w). Returns π(w). */
export function gdStep(w: usize, D: i32, eta: f64, out: usize): f64 {
  assertDepth(D);
  const h = D >> 1;
  const pl = fold(w, 0, h);
  const pr = fold(w, h, D);
  const p = pl * pr;
  const s = eta * (p - 1.0);
  const sl = s * pr;
  const sr = s * pl;
  stepHalf(w, out, 0, h, sl);
  stepHalf(w, out, h, D, sr);
  return p;
}

export { product };
