// One classical Runge–Kutta (RK4) step of the gradient flow θ̇ = −∇L(θ) of the fully connected
// network (model.md §5: the GFS is reached by RK4 with h = α/S, S re-estimated every few steps by the
// host, as in Cohen et al. 2021 and the paper's Appendix B.4):
//   k₁ = ∇L(θ),  k₂ = ∇L(θ − h/2 k₁),  k₃ = ∇L(θ − h/2 k₂),  k₄ = ∇L(θ − h k₃),
//   θ⁺ = θ − h/6 (k₁ + 2k₂ + 2k₃ + k₄).
// Four full-batch gradients (network.ts) per step; the host calls it once per step (≈ 4 gradients
// of work per call, so V8's tier-up and progress reporting both happen between calls).
import { ld, st } from '../abi';
import { mlpGradient, mlpParameterCount } from './network';

/**
 * θ⁺ → out (P entries; may alias θ). `acc` and `tmp` are P-entry scratch vectors, `grad` a
 * P-entry gradient buffer, `work` as for mlpGradient; none may alias θ. Returns L(θ).
 */
export function mlpRk4Step(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, h: f64,
  work: usize, grad: usize, acc: usize, tmp: usize, out: usize,
): f64 {
  const p = mlpParameterCount(sizes, layers);
  const loss = mlpGradient(sizes, layers, act, X, Y, n, total, theta, work, grad); // k₁
  const half = 0.5 * h;
  for (let i = 0; i < p; i++) {
    const g = ld(grad, i);
    st(acc, i, g);
    st(tmp, i, ld(theta, i) - half * g);
  }
  mlpGradient(sizes, layers, act, X, Y, n, total, tmp, work, grad); // k₂
  for (let i = 0; i < p; i++) {
    const g = ld(grad, i);
    st(acc, i, ld(acc, i) + 2.0 * g);
    st(tmp, i, ld(theta, i) - half * g);
  }
  mlpGradient(sizes, layers, act, X, Y, n, total, tmp, work, grad); // k₃
  for (let i = 0; i < p; i++) {
    const g = ld(grad, i);
    st(acc, i, ld(acc, i) + 2.0 * g);
    st(tmp, i, ld(theta, i) - h * g);
  }
  mlpGradient(sizes, layers, act, X, Y, n, total, tmp, work, grad); // k₄
  const sixth = h / 6.0;
  for (let i = 0; i < p; i++) st(out, i, ld(theta, i) - sixth * (ld(acc, i) + ld(grad, i)));
  return loss;
}
