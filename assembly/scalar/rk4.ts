// Classical RK4 integration of gradient flow ẇ = −∇L(w) for the scalar network (model.md §1.5
// cross-check of the closed-form GFS):
//   k₁ = −∇L(y), k₂ = −∇L(y + h/2 k₁), k₃ = −∇L(y + h/2 k₂), k₄ = −∇L(y + h k₃),
//   y ← y + h/6 (k₁ + 2k₂ + 2k₃ + k₄),   h = hScale / S(y)   (S re-evaluated every step).
// Stops when L(y) < tol. Near the minimum the only contracting direction has rate φ, so
// about log(L₀/tol)/(hScale) steps are needed.
import { ld, st } from '../abi';
import { gradient, loss, sharpness } from './model';

const K1: usize = memory.data(64 * 8, 16);
const K2: usize = memory.data(64 * 8, 16);
const K3: usize = memory.data(64 * 8, 16);
const K4: usize = memory.data(64 * 8, 16);
const Y: usize = memory.data(64 * 8, 16);

@inline
function axpy(D: i32, out: usize, base: usize, h: f64, dir: usize): void {
  for (let i = 0; i < D; i++) st(out, i, ld(base, i) - h * ld(dir, i)); // dir holds +∇L
}

/**
 * Integrates from w, writing the end point into out (may alias w). Returns the number of steps
 * taken if L < tol was reached, or −maxSteps if not (out then holds the last iterate).
 */
export function gradientFlowRk4(w: usize, D: i32, hScale: f64, tol: f64, maxSteps: i32, out: usize): i32 {
  for (let i = 0; i < D; i++) st(out, i, ld(w, i));
  for (let step = 0; step < maxSteps; step++) {
    const l = loss(out, D);
    if (!isFinite(l)) return -maxSteps;
    if (l < tol) return step;
    const s = sharpness(out, D);
    const h = s > 0.0 && isFinite(s) ? hScale / s : hScale;
    gradient(out, D, K1);
    axpy(D, Y, out, 0.5 * h, K1);
    gradient(Y, D, K2);
    axpy(D, Y, out, 0.5 * h, K2);
    gradient(Y, D, K3);
    axpy(D, Y, out, h, K3);
    gradient(Y, D, K4);
    const sixth = h / 6.0;
    for (let i = 0; i < D; i++) {
      const slope = ld(K1, i) + 2.0 * ld(K2, i) + 2.0 * ld(K3, i) + ld(K4, i);
      st(out, i, ld(out, i) - sixth * slope);
    }
  }
  return loss(out, D) < tol ? maxSteps : -maxSteps;
}
