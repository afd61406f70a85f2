// One gradient-descent step on the scalar network (SPEC §1.4):
//   w⁺ = w − η ∇L(w) = w − η (π − 1) q,   qᵢ = ∏_{j≠i} wⱼ,
// equivalently wᵢ⁺ = wᵢ(1 − aᵢ) with aᵢ = η π (π − 1)/wᵢ². The product and the balances then obey
//   π(w⁺) = π ∏ᵢ(1 − aᵢ),   bᵢⱼ⁺ = bᵢⱼ (1 − aᵢ aⱼ)   (bᵢⱼ = wᵢ² − wⱼ²), checked in the tests.
import { ld, st } from '../common';
import { leaveOneOutProducts } from '../models/scalar';

const Q: usize = memory.data(64 * 8, 16);

/** out = GD(w) with step size eta (out may alias w). Returns π(w). */
export function gdStep(w: usize, D: i32, eta: f64, out: usize): f64 {
  const p = leaveOneOutProducts(w, D, Q);
  const scale = eta * (p - 1.0);
  for (let i = 0; i < D; i++) st(out, i, ld(w, i) - scale * ld(Q, i));
  return p;
}
