// RK4 gradient flow of the regression model (model.md §4: the cross-check of the GFS predictor):
//   ż = −∇L(z), z = [u; v], ∇L = [v ⊙ g; u ⊙ g], g = Xᵀ(X(u⊙v) − y)/N;
//   k₁ = ∇L(z), k₂ = ∇L(z − h/2 k₁), k₃ = ∇L(z − h/2 k₂), k₄ = ∇L(z − h k₃),
//   z ← z − h/6 (k₁ + 2k₂ + 2k₃ + k₄),  h = hScale / S(z), S by Lanczos (warm-started) every
//   S_EVERY steps. Stops when L(z) < lossTol. Near the minimum the slowest contracting rate is the
//   smallest positive eigenvalue of (1/N) X diag(u² + v²) Xᵀ.
import { ld, st } from '../abi';
import { regLanczos } from './lanczos';
import { at, offFlow } from './layout';
import { regGradient, regLoss } from './model';

const S_EVERY: i32 = 8;
const LANCZOS_TOL: f64 = 1e-6;


/**
 * Integrates from (u, v) into (outU, outV) (may alias). Returns the number of RK4 steps if
 * L < lossTol was reached, else −(steps taken) − 1 (the output holds the last iterate).
 * basis: regBasisLength(d, krylovMax) f64; work: regWorkLength(n, d) f64.
 */
export function regGradientFlow(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, hScale: f64, lossTol: f64, maxSteps: i32,
  krylovMax: i32, basis: usize, work: usize, outU: usize, outV: usize,
): i32 {
  const dim = 2 * d;
  const f = offFlow(n, d);
  const K1 = at(work, f);
  const K2 = at(work, f + dim);
  const K3 = at(work, f + 2 * dim);
  const K4 = at(work, f + 3 * dim);
  const Y = at(work, f + 4 * dim);
  const E = at(work, f + 5 * dim); // Lanczos warm vector
  for (let j = 0; j < d; j++) {
    const uj = ld(u, j);
    const vj = ld(v, j);
    st(outU, j, uj);
    st(outV, j, vj);
  }
  const dU = (<usize>d) << 3;
  let h = 0.0;
  let haveVector = false;
  for (let step = 0; step < maxSteps; step++) {
    const l = regLoss(X, y, n, d, outU, outV, work);
    if (!isFinite(l)) return -step - 1;
    if (l < lossTol) return step;
    if (step % S_EVERY == 0) {
      const s = regLanczos(X, y, n, d, outU, outV, haveVector ? E : 0, krylovMax, LANCZOS_TOL, basis, work, E, 0);
      haveVector = true;
      h = s > 0.0 && isFinite(s) ? hScale / s : hScale;
    }
    regGradient(X, y, n, d, outU, outV, work, K1, K1 + dU);
    for (let j = 0; j < d; j++) {
      st(Y, j, ld(outU, j) - 0.5 * h * ld(K1, j));
      st(Y, d + j, ld(outV, j) - 0.5 * h * ld(K1, d + j));
    }
    regGradient(X, y, n, d, Y, Y + dU, work, K2, K2 + dU);
    for (let j = 0; j < d; j++) {
      st(Y, j, ld(outU, j) - 0.5 * h * ld(K2, j));
      st(Y, d + j, ld(outV, j) - 0.5 * h * ld(K2, d + j));
    }
    regGradient(X, y, n, d, Y, Y + dU, work, K3, K3 + dU);
    for (let j = 0; j < d; j++) {
      st(Y, j, ld(outU, j) - h * ld(K3, j));
      st(Y, d + j, ld(outV, j) - h * ld(K3, d + j));
    }
    regGradient(X, y, n, d, Y, Y + dU, work, K4, K4 + dU);
    const sixth = h / 6.0;
    for (let j = 0; j < d; j++) {
      st(outU, j, ld(outU, j) - sixth * (ld(K1, j) + 2.0 * ld(K2, j) + 2.0 * ld(K3, j) + ld(K4, j)));
      st(outV, j, ld(outV, j) - sixth * (ld(K1, d + j) + 2.0 * ld(K2, d + j) + 2.0 * ld(K3, d + j) + ld(K4, d + j)));
    }
  }
  const l = regLoss(X, y, n, d, outU, outV, work);
  return l < lossTol ? maxSteps : -maxSteps - 1;
}
