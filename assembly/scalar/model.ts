// Scalar network of depth D (model.md §1.1–§1.3).
//
//   L(w) = ½ (π(w) − 1)²,          π(w) = ∏ᵢ wᵢ
//   ∂L/∂wᵢ = (π − 1) qᵢ,           qᵢ = ∏_{j≠i} wⱼ   (prefix/suffix products, never π/wᵢ)
//   Hᵢᵢ = qᵢ²,  Hᵢⱼ = qᵢ qⱼ + (π − 1) ∏_{k≠i,j} wₖ   (i ≠ j)
//   For all wᵢ ≠ 0, with v = w⁻¹:  H = π(2π − 1) v vᵀ − π(π − 1) diag(v²)   (diagonal + rank one)
//   Sharpness S(w) = λmax(H): the secular equation of diagonal-plus-rank-one (fast path) or the
//   cyclic Jacobi eigensolver on the explicit Hessian (reference, and the route when a weight is 0).
import { ld, st, SCRATCH_MAT_A, SCRATCH_VEC_A, SCRATCH_VEC_B, SCRATCH_VEC_C, assertDepth } from '../abi';
import { symmetricEigen } from '../linalg/jacobi';
import { topEigenDiagonalPlusRankOne } from '../linalg/secular';

/** Smallest min|wᵢ|/max|wᵢ| for the secular fast path (relative error there ≲ 1e-13). */
const SECULAR_MIN_RATIO: f64 = 1e-3;

/**
 * π(w) = ∏ wᵢ, multiplied as (w₀·…·w_{h−1})·(w_h·…·w_{D−1}) with h = ⌊D/2⌋: the order of the GD
 * step and the sweep kernels, so a reported product is the one GD's stopping rules see.
 */
export function product(w: usize, D: i32): f64 {
  assertDepth(D);
  const h = D >> 1;
  let pl = ld(w, 0);
  for (let i = 1; i < h; i++) pl *= ld(w, i);
  let pr = ld(w, h);
  for (let i = h + 1; i < D; i++) pr *= ld(w, i);
  return pl * pr;
}

/**
 * out[i] = ∏_{j≠i} w_j by a prefix pass and a suffix pass (exact with zero weights).
 * Returns π computed by the suffix pass.
 */
export function leaveOneOutProducts(w: usize, D: i32, out: usize): f64 {
  assertDepth(D);
  let prefix = 1.0;
  for (let i = 0; i < D; i++) {
    st(out, i, prefix);
    prefix *= ld(w, i);
  }
  let suffix = 1.0;
  for (let i = D - 1; i >= 0; i--) {
    st(out, i, ld(out, i) * suffix);
    suffix *= ld(w, i);
  }
  return suffix;
}

/** L(w) = ½(π − 1)². */
export function loss(w: usize, D: i32): f64 {
  assertDepth(D);
  const r = product(w, D) - 1.0;
  return 0.5 * r * r;
}

/** out = ∇L(w) = (π − 1) q. Returns π. `out` must not alias `w`. */
export function gradient(w: usize, D: i32, out: usize): f64 {
  assertDepth(D);
  const p = leaveOneOutProducts(w, D, out);
  const r = p - 1.0;
  for (let i = 0; i < D; i++) st(out, i, r * ld(out, i));
  return p;
}

/**
 * out (D×D, row-major) = ∇²L(w). ∏_{k≠i,j} wₖ = prefix[i] · ∏_{i<k<j} wₖ · suffix[j], built
 * incrementally in j so the whole Hessian costs O(D²) and no division is ever made.
 */
export function hessian(w: usize, D: i32, out: usize): void {
  assertDepth(D);
  const q = SCRATCH_VEC_A;
  const prefix = SCRATCH_VEC_B;
  const suffix = SCRATCH_VEC_C;
  const p = leaveOneOutProducts(w, D, q);
  const r = p - 1.0;
  let acc = 1.0;
  for (let i = 0; i < D; i++) {
    st(prefix, i, acc);
    acc *= ld(w, i);
  }
  acc = 1.0;
  for (let i = D - 1; i >= 0; i--) {
    st(suffix, i, acc);
    acc *= ld(w, i);
  }
  for (let i = 0; i < D; i++) {
    const qi = ld(q, i);
    st(out, i * D + i, qi * qi);
    let middle = 1.0;
    for (let j = i + 1; j < D; j++) {
      const others = ld(prefix, i) * middle * ld(suffix, j);
      const h = qi * ld(q, j) + r * others;
      st(out, i * D + j, h);
      st(out, j * D + i, h);
      middle *= ld(w, j);
    }
  }
}

/** S(w) by the Jacobi eigensolver on the explicit Hessian (the reference route). */
export function sharpnessJacobi(w: usize, D: i32): f64 {
  assertDepth(D);
  for (let i = 0; i < D; i++) if (!isFinite(ld(w, i))) return NaN;
  hessian(w, D, SCRATCH_MAT_A);
  return symmetricEigen(SCRATCH_MAT_A, D, 0, 0);
}

/**
 * Top eigenpair of ∇²L(w) by Jacobi: writes the unit eigenvector into `vecOut`, returns λmax.
 * The sign of the eigenvector is fixed so that its largest-magnitude entry is positive.
 */
export function topEigenpair(w: usize, D: i32, vecOut: usize): f64 {
  assertDepth(D);
  for (let i = 0; i < D; i++) if (!isFinite(ld(w, i))) return NaN;
  hessian(w, D, SCRATCH_MAT_A);
  return symmetricEigen(SCRATCH_MAT_A, D, vecOut, 1);
}

/** How S(w) is computed (`secularForm`'s answer). */
export const ROUTE_NON_FINITE: i32 = 0;
export const ROUTE_JACOBI: i32 = 1;
export const ROUTE_SECULAR: i32 = 2;

/** ρ of the last `secularForm` that returned ROUTE_SECULAR. */
export let secularRho: f64 = 0.0;

/**
 * The diagonal-plus-rank-one form of ∇²L(w) = ρ z zᵀ + diag(d): z = w⁻¹, dᵢ = −π(π−1) zᵢ²,
 * ρ = π(2π−1) (into `z`, `diag` and `secularRho`) when the secular route applies (ROUTE_SECULAR);
 * otherwise ROUTE_NON_FINITE (S = NaN) or ROUTE_JACOBI. Shared by `sharpness` and the heatmap's
 * batched final sharpness, which must give the same bits.
 */
export function secularForm(w: usize, D: i32, diag: usize, z: usize): i32 {
  assertDepth(D);
  let smallest = Infinity;
  let largest = 0.0;
  for (let i = 0; i < D; i++) {
    const wi = Math.abs(ld(w, i));
    if (!isFinite(wi)) return ROUTE_NON_FINITE;
    if (wi < smallest) smallest = wi;
    if (wi > largest) largest = wi;
  }
  // v = w⁻¹ loses accuracy when the weights span many orders of magnitude (vᵢ² over- or
  // underflows, and ρ vvᵀ + diag(d) cancels): the secular route is used only when
  // min|wᵢ| ≥ SECULAR_MIN_RATIO · max|wᵢ|; otherwise (including wᵢ = 0) Jacobi.
  if (!(smallest > 0.0 && smallest >= SECULAR_MIN_RATIO * largest)) return ROUTE_JACOBI;
  const p = product(w, D);
  const scale = -p * (p - 1.0);
  let vi = 0.0;
  for (let i = 0; i < D; i++) {
    // a weight equal to the one before it (GD keeps the default directions' equal weights equal)
    // reuses its reciprocal: the same bits
    if (i == 0 || reinterpret<u64>(ld(w, i)) != reinterpret<u64>(ld(w, i - 1))) vi = 1.0 / ld(w, i);
    st(z, i, vi);
    st(diag, i, scale * vi * vi);
  }
  secularRho = p * (2.0 * p - 1.0);
  return ROUTE_SECULAR;
}

/**
 * S(w) = λmax(∇²L(w)). Fast path: secular equation of H = ρ v vᵀ + diag(d) with ρ = π(2π−1),
 * dᵢ = −π(π−1) vᵢ², v = w⁻¹ (`secularForm`); otherwise the Jacobi route.
 */
export function sharpness(w: usize, D: i32): f64 {
  const route = secularForm(w, D, SCRATCH_VEC_B, SCRATCH_VEC_C);
  if (route == ROUTE_NON_FINITE) return NaN;
  if (route == ROUTE_JACOBI) return sharpnessJacobi(w, D);
  return topEigenDiagonalPlusRankOne(SCRATCH_VEC_B, SCRATCH_VEC_C, D, secularRho);
}
