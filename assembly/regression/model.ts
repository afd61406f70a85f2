// Diagonal linear regression model (model.md §4): f(x; u, v) = ⟨u ⊙ v, x⟩, β = u ⊙ v, data X ∈ ℝᴺˣᵈ
// (row-major), y ∈ ℝᴺ:
//   r = Xβ − y,   L = (1/2N)‖r‖²,   g = Xᵀr/N,   ∂L/∂u = v ⊙ g,   ∂L/∂v = u ⊙ g;
//   GD step       (u, v) ← (u − η v⊙g, v − η u⊙g);
//   HVP           H[a;b] = JᵀJ[a;b]/N + [g ⊙ b; g ⊙ a],  J[a;b] = X(v⊙a + u⊙b),  Jᵀz = [v⊙Xᵀz; u⊙Xᵀz];
//   dense Hessian with G = XᵀX/N, order [u; v]: blocks (vvᵀ)⊙G, (vuᵀ)⊙G + diag(g),
//                 (uvᵀ)⊙G + diag(g), (uuᵀ)⊙G  (model.md §4, "Hessian at any point").
// All outputs are written element by element after their inputs are read, so outputs may alias
// the inputs u, v (GD step) or a, b (HVP).
import { ld, st } from '../abi';
import { at, offG, offR, offT, offZ } from './layout';

/** r = X(u⊙v) − y; returns L = ‖r‖²/(2N). */
export function regResidual(X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, r: usize): f64 {
  let sum = 0.0;
  for (let i = 0; i < n; i++) {
    const row = X + ((<usize>i * <usize>d) << 3);
    let s = 0.0;
    for (let j = 0; j < d; j++) s += ld(row, j) * ld(u, j) * ld(v, j);
    const ri = s - ld(y, i);
    st(r, i, ri);
    sum += ri * ri;
  }
  return (0.5 * sum) / <f64>n;
}

/** out = Xᵀz · scale (out has d entries). */
export function regXtz(X: usize, n: i32, d: i32, z: usize, scale: f64, out: usize): void {
  for (let j = 0; j < d; j++) st(out, j, 0.0);
  for (let i = 0; i < n; i++) {
    const row = X + ((<usize>i * <usize>d) << 3);
    const zi = ld(z, i) * scale;
    if (zi == 0.0) continue;
    for (let j = 0; j < d; j++) st(out, j, ld(out, j) + zi * ld(row, j));
  }
}

/** L(u, v); work ≥ regWorkLength(n, d). */
export function regLoss(X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, work: usize): f64 {
  return regResidual(X, y, n, d, u, v, at(work, offR(n, d)));
}

/** Writes r and g = Xᵀr/N into the work regions R and G; returns L. */
export function residualAndG(X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, work: usize): f64 {
  const r = at(work, offR(n, d));
  const l = regResidual(X, y, n, d, u, v, r);
  regXtz(X, n, d, r, 1.0 / <f64>n, at(work, offG(n, d)));
  return l;
}

/** ∂L/∂u → outU, ∂L/∂v → outV (may alias u, v); returns L. */
export function regGradient(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, work: usize, outU: usize, outV: usize,
): f64 {
  const l = residualAndG(X, y, n, d, u, v, work);
  const g = at(work, offG(n, d));
  for (let j = 0; j < d; j++) {
    const gj = ld(g, j);
    const du = ld(v, j) * gj;
    const dv = ld(u, j) * gj;
    st(outU, j, du);
    st(outV, j, dv);
  }
  return l;
}

/** One GD step with step size eta from (u, v) into (outU, outV) (may alias); returns L(u, v). */
export function regGdStep(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, eta: f64, work: usize, outU: usize, outV: usize,
): f64 {
  const l = residualAndG(X, y, n, d, u, v, work);
  const g = at(work, offG(n, d));
  for (let j = 0; j < d; j++) {
    const gj = ld(g, j);
    const uj = ld(u, j);
    const vj = ld(v, j);
    st(outU, j, uj - eta * (vj * gj)); // exactly u − η·(∂L/∂u as regGradient returns it)
    st(outV, j, vj - eta * (uj * gj));
  }
  return l;
}

/**
 * H[a;b] with g = Xᵀr/N already in `g` (d entries); uses the work regions Z and T.
 * Outputs may alias a, b.
 */
export function hvpWithG(
  X: usize, n: i32, d: i32, u: usize, v: usize, g: usize, a: usize, b: usize, work: usize,
  outA: usize, outB: usize,
): void {
  const z = at(work, offZ(n, d));
  const t = at(work, offT(n, d));
  for (let i = 0; i < n; i++) {
    const row = X + ((<usize>i * <usize>d) << 3);
    let s = 0.0;
    for (let j = 0; j < d; j++) s += ld(row, j) * (ld(v, j) * ld(a, j) + ld(u, j) * ld(b, j));
    st(z, i, s);
  }
  regXtz(X, n, d, z, 1.0 / <f64>n, t);
  for (let j = 0; j < d; j++) {
    const tj = ld(t, j);
    const gj = ld(g, j);
    const aj = ld(a, j);
    const bj = ld(b, j);
    st(outA, j, ld(v, j) * tj + gj * bj);
    st(outB, j, ld(u, j) * tj + gj * aj);
  }
}

/** Hessian-vector product H(u, v)[a; b] → [outA; outB] (may alias a, b). */
export function regHvp(
  X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, a: usize, b: usize, work: usize,
  outA: usize, outB: usize,
): void {
  residualAndG(X, y, n, d, u, v, work);
  hvpWithG(X, n, d, u, v, at(work, offG(n, d)), a, b, work, outA, outB);
}

/** Dense (2d)×(2d) Hessian, row-major, order [u; v], into out. */
export function regHessian(X: usize, y: usize, n: i32, d: i32, u: usize, v: usize, work: usize, out: usize): void {
  residualAndG(X, y, n, d, u, v, work);
  const g = at(work, offG(n, d));
  const m = 2 * d;
  const invN = 1.0 / <f64>n;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0.0;
      for (let k = 0; k < n; k++) {
        const row = X + ((<usize>k * <usize>d) << 3);
        s += ld(row, i) * ld(row, j);
      }
      const G = s * invN;
      const ui = ld(u, i);
      const vi = ld(v, i);
      const uj = ld(u, j);
      const vj = ld(v, j);
      const uu = vi * vj * G; // ∂²L/∂uᵢ∂uⱼ
      const vv = ui * uj * G; // ∂²L/∂vᵢ∂vⱼ
      let uv = vi * uj * G; // ∂²L/∂uᵢ∂vⱼ
      let vu = ui * vj * G; // ∂²L/∂vᵢ∂uⱼ = ∂²L/∂uⱼ∂vᵢ
      if (i == j) {
        uv += ld(g, i);
        vu += ld(g, i);
      }
      st(out, i * m + j, uu);
      st(out, j * m + i, uu);
      st(out, (d + i) * m + d + j, vv);
      st(out, (d + j) * m + d + i, vv);
      st(out, i * m + d + j, uv); // row uᵢ, column vⱼ
      st(out, (d + j) * m + i, uv);
      st(out, (d + i) * m + j, vu); // row vᵢ, column uⱼ
      st(out, j * m + d + i, vu);
    }
  }
}
