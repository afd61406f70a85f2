/**
 * The certificate of the flattest sharpness λ_flat = min { λmax(A(β)) : Xβ = y } (solver in flat.ts,
 * A(β) = (2/N) X diag(|β|) Xᵀ = Σᵢ |βᵢ| Bᵢ, Bᵢ = (2/N) xᵢxᵢᵀ): the dual pair (Z, ν) rebuilt from the
 * barrier or polished on the active set, and its independent re-verification from (β, Z, ν) alone.
 *
 * ## Dual and certificate (weak duality, derived here)
 * For any Z ⪰ 0 with tr Z = 1 and any feasible β, λmax(A(β)) ≥ ⟨A(β), Z⟩ = Σᵢ |βᵢ| cᵢ(Z) with
 * cᵢ(Z) = ⟨Bᵢ, Z⟩ = (2/N) xᵢᵀZxᵢ ≥ 0. If moreover |xᵢᵀν| ≤ cᵢ(Z) for every i, then
 * Σᵢ |βᵢ| cᵢ(Z) ≥ Σᵢ βᵢ xᵢᵀν = (Xβ)ᵀν = yᵀν. Hence every such (Z, ν) gives L = yᵀν ≤ λ_flat:
 *
 *   dual:  max yᵀν  s.t.  |Xᵀν| ≤ c(Z),  tr Z = 1,  Z ⪰ 0.
 *
 * It is the Lagrange dual of the SDP solved in flat.ts (multipliers Z for the matrix inequality,
 * λ± ≥ 0 for β± ≥ 0, ν for the equality; stationarity in t gives tr Z = 1, in β±ᵢ gives
 * cᵢ(Z) ∓ xᵢᵀν = λ±ᵢ ≥ 0), and strong duality holds (the primal is strictly feasible), so the gap can be driven to zero.
 * The constraints are symmetric in ν ↦ −ν, so L = |yᵀν| is a bound as well; and along a direction ν
 * the best feasible multiple is θν with θ = minᵢ cᵢ(Z)/|xᵢᵀν|. Also λ_flat ≥ 0 always (ν = 0).
 *
 * ## Precision floor and the polish
 * S = tI − A is formed by cancellation, so its small eigenvalues (≈ 1/τ) carry an error ≈ ε·t and
 * Z = S⁻¹/tr S⁻¹ is only accurate to ≈ ε·t·τ relative; the barrier certificate therefore bottoms out near gap ≈ 1e-7 (measured) while the primal side keeps
 * converging. At the end of each centring stage the dual is polished from the primal instead:
 * complementary slackness puts the optimal Z on the top eigenspace of A(β*), Z = Q_r Γ Q_rᵀ
 * (Γ ⪰ 0, tr Γ = 1), with xᵢᵀν = sign(βᵢ)·cᵢ(Z) on the support of β. These are linear in (Γ, ν) and
 * are solved in the least-squares sense (or as the smallest correction of the barrier's pair when
 * underdetermined) for a few guesses of r and of the support (relative thresholds); Γ is
 * projected onto {Γ ⪰ 0, tr Γ = 1}, Z is mixed with 1e-12·I/N so it stays strictly definite in
 * floating point, and ν is scaled to dual feasibility. Every candidate is a valid bound whatever
 * the guesses, so a wrong guess can only fail to improve L. This gives gaps of 1e-11…1e-9.
 *
 * ## Certificate, built and checked in the original units
 * At every Newton step: Z = S⁻¹/tr S⁻¹ from a Jacobi eigendecomposition of S (Z ≻ 0 by
 * construction), ν along the Newton multiplier scaled by θ = (1 − 1e-12)·minᵢ cᵢ(Z)/|xᵢᵀν|,
 * L = |yᵀν|; β = ‖y‖·β_barrier projected onto {Xβ = y} (two passes of β ← β − Xᵀ(XXᵀ)⁻¹(Xβ − y)),
 * U = λmax(A(β)) by Jacobi. The best U and the best L are kept (each is valid on its own), and the
 * reported pair is re-verified from (β, Z, ν) alone: λmax(A(β)) and the eigenvalues of Z by
 * Jacobi, c(Z), |Xᵀν|, tr Z and Xβ − y.
 */
import { leastSquares, minOf, norm, symmetricEigen } from '../../base/dense.js';
import { sharpnessAt, sharpnessMatrix, type FlatCertificate, type FlatProblem } from './flatProblem.js';

/** Weight of I/N mixed into a polished (rank-deficient) Z. */
const Z_MIX = 1e-12;
/** Rounding allowed in the re-verified dual point (constraint violation, Z's smallest eigenvalue). */
const CERTIFICATE_TOL = 1e-12;

/** The bounds and certificate recomputed by `verify`. */
export interface Verified {
  /** U = λmax(A(β)). */
  upper: number;
  /** L = yᵀν. */
  lower: number;
  certificate: FlatCertificate;
}

/** cᵢ(Z) = (2/N) xᵢᵀZxᵢ and gᵢ = xᵢᵀν for every column i. */
function dualColumns(X: Float64Array, n: number, d: number, z: Float64Array, nu: Float64Array) {
  const c = new Float64Array(d);
  const g = new Float64Array(d);
  const zx = new Float64Array(n);
  for (let i = 0; i < d; i++) {
    let gi = 0;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += z[r * n + q]! * X[q * d + i]!;
      zx[r] = s;
      gi += X[r * d + i]! * nu[r]!;
    }
    let ci = 0;
    for (let r = 0; r < n; r++) ci += X[r * d + i]! * zx[r]!;
    c[i] = (2 / n) * ci;
    g[i] = gi;
  }
  return { c, g };
}

/** Given Z (tr Z = 1, Z ⪰ 0) and a direction ν, the best dual-feasible multiple ±θν and its bound. */
function scaleDual(problem: FlatProblem, z: Float64Array, direction: Float64Array) {
  const { n, d, X, y } = problem;
  const { c, g } = dualColumns(X, n, d, z, direction);
  let theta = Infinity;
  for (let i = 0; i < d; i++) {
    const gi = Math.abs(g[i]!);
    if (gi > 0) theta = Math.min(theta, c[i]! / gi);
  }
  theta *= 1 - 1e-12; // margin against rounding in the verification of |xᵢᵀν| ≤ cᵢ(Z)
  let ydir = 0;
  for (let k = 0; k < n; k++) ydir += y[k]! * direction[k]!;
  const nu = new Float64Array(n);
  if (!Number.isFinite(theta) || ydir === 0) return { nu, bound: 0 };
  const sign = ydir > 0 ? 1 : -1;
  for (let k = 0; k < n; k++) nu[k] = sign * theta * direction[k]!;
  let bound = 0;
  for (let k = 0; k < n; k++) bound += y[k]! * nu[k]!;
  return { nu, bound: Math.max(0, bound) };
}

/**
 * The barrier's dual point at the slack S = tI − X̃ diag(s) X̃ᵀ: Z = S⁻¹/tr S⁻¹ (from S's
 * eigendecomposition) and ν the best dual-feasible multiple of `direction` (the Newton multiplier);
 * undefined when S is not positive definite.
 */
export function barrierDual(problem: FlatProblem, S: Float64Array, direction: Float64Array) {
  const { n } = problem;
  const { values, vectors } = symmetricEigen(S, n, true);
  if (!(minOf(values) > 0)) return undefined;
  const z = new Float64Array(n * n);
  let tr = 0;
  for (let k = 0; k < n; k++) tr += 1 / values[k]!;
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += (vectors![r * n + k]! * vectors![c * n + k]!) / values[k]!;
      z[r * n + c] = v / tr;
      z[c * n + r] = v / tr;
    }
  }
  const { nu, bound } = scaleDual(problem, z, direction);
  return { z, nu, bound };
}

/** The lower bound is a bound only if the re-verified dual point is feasible (up to rounding). */
export function isCertified(checked: Verified): boolean {
  const cert = checked.certificate;
  return (
    cert.dualFeasibilityViolation <= CERTIFICATE_TOL * Math.max(1, checked.upper) &&
    cert.zMinEigenvalue >= -CERTIFICATE_TOL
  );
}

/** Recomputes every claim of a certificate from (β, Z, ν) alone. */
export function verify(problem: FlatProblem, beta: Float64Array, z: Float64Array, nu: Float64Array): Verified {
  const { n, d, X, y } = problem;
  const upper = sharpnessAt(problem, beta);
  let lower = 0;
  for (let k = 0; k < n; k++) lower += y[k]! * nu[k]!;
  const { c, g } = dualColumns(X, n, d, z, nu);
  let violation = 0;
  for (let i = 0; i < d; i++) violation = Math.max(violation, Math.abs(g[i]!) - c[i]!);
  let trace = 0;
  for (let k = 0; k < n; k++) trace += z[k * n + k]!;
  violation = Math.max(violation, Math.abs(trace - 1));
  const zMin = minOf(symmetricEigen(z, n).values);
  const residual = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = -y[k]!;
    for (let i = 0; i < d; i++) s += X[k * d + i]! * beta[i]!;
    residual[k] = s;
  }
  const ynorm = norm(y);
  return {
    upper,
    lower,
    certificate: {
      dualFeasibilityViolation: violation,
      zMinEigenvalue: zMin,
      primalResidual: ynorm > 0 ? norm(residual) / ynorm : norm(residual),
      z,
      nu,
    },
  };
}

/**
 * Active-set polish of the dual from a near-optimal β. The barrier's Z = S⁻¹/tr S⁻¹ is only as
 * accurate as the small eigenvalues of S = tI − A, i.e. to about ε·t·τ relative, which floors the
 * barrier certificate near 1e-7. At the optimum, complementary slackness puts Z on the top
 * eigenspace of A(β*): Z = Q_r Γ Q_rᵀ (Q_r the top r eigenvectors, Γ ⪰ 0, tr Γ = 1), and
 * xᵢᵀν = sign(βᵢ)·cᵢ(Z) on the support of β. Those conditions are linear in (Γ, ν); they are solved
 * (least squares, or the smallest correction of the barrier's (Γ₀, ν₀) when underdetermined) for a
 * few guesses of r and of the support, Γ is projected onto the PSD cone with unit trace, and ν is
 * scaled to dual feasibility as usual, so every candidate is a valid bound and the best is kept.
 */
export function polishDual(problem: FlatProblem, beta: Float64Array, z0: Float64Array, nu0: Float64Array) {
  const { n, d, X } = problem;
  const { values, vectors } = symmetricEigen(sharpnessMatrix(X, n, d, beta), n, true);
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]!);
  const top = values[order[0]!]!;
  let betaMax = 0;
  for (const b of beta) betaMax = Math.max(betaMax, Math.abs(b));
  let best = { bound: -Infinity, z: z0, nu: nu0 };
  if (!(top > 0) || !(betaMax > 0)) return best;
  const tried = new Set<string>();
  for (const rho of [1e-3, 1e-5, 1e-7, 1e-9]) {
    let r = 0;
    while (r < n && values[order[r]!]! >= top * (1 - rho)) r++;
    for (const kappa of [1e-3, 1e-5, 1e-7]) {
      const support: number[] = [];
      for (let i = 0; i < d; i++) if (Math.abs(beta[i]!) > kappa * betaMax) support.push(i);
      const key = `${r}:${support.length}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const candidate = polishCandidate(problem, beta, vectors!, order, r, support, z0, nu0);
      if (candidate && candidate.bound > best.bound) best = candidate;
    }
  }
  return best;
}

function polishCandidate(
  problem: FlatProblem,
  beta: Float64Array,
  vectors: Float64Array,
  order: number[],
  r: number,
  support: number[],
  z0: Float64Array,
  nu0: Float64Array,
) {
  const { n, d, X } = problem;
  const pairs: [number, number][] = [];
  for (let a = 0; a < r; a++) for (let b = a; b < r; b++) pairs.push([a, b]);
  const k = pairs.length + n;
  const m = support.length + 1;
  const J = new Float64Array(m * k);
  const rhs = new Float64Array(m);
  // Q_r (n×r) and pᵢ = Q_rᵀ xᵢ.
  const q = new Float64Array(n * r);
  for (let row = 0; row < n; row++) for (let a = 0; a < r; a++) q[row * r + a] = vectors[row * n + order[a]!]!;
  const p = new Float64Array(r);
  support.forEach((i, e) => {
    for (let a = 0; a < r; a++) {
      let v = 0;
      for (let row = 0; row < n; row++) v += q[row * r + a]! * X[row * d + i]!;
      p[a] = v;
    }
    const sign = beta[i]! > 0 ? 1 : -1;
    pairs.forEach(([a, b], col) => {
      J[e * k + col] = (-sign * (2 / n) * p[a]! * p[b]! * (a === b ? 1 : 2)) as number;
    });
    for (let row = 0; row < n; row++) J[e * k + pairs.length + row] = X[row * d + i]!;
  });
  pairs.forEach(([a, b], col) => {
    if (a === b) J[support.length * k + col] = 1;
  });
  rhs[support.length] = 1;
  // Start from the barrier's pair: Γ₀ = Q_rᵀ Z₀ Q_r / tr, ν₀.
  const u0 = new Float64Array(k);
  const gamma0 = new Float64Array(r * r);
  let tr0 = 0;
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < r; b++) {
      let v = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v += q[i * r + a]! * z0[i * n + j]! * q[j * r + b]!;
      gamma0[a * r + b] = v;
    }
    tr0 += gamma0[a * r + a]!;
  }
  pairs.forEach(([a, b], col) => {
    u0[col] = tr0 > 0 ? gamma0[a * r + b]! / tr0 : a === b ? 1 / r : 0;
  });
  for (let row = 0; row < n; row++) u0[pairs.length + row] = nu0[row]!;
  for (let e = 0; e < m; e++) {
    let v = rhs[e]!;
    for (let c = 0; c < k; c++) v -= J[e * k + c]! * u0[c]!;
    rhs[e] = v;
  }
  const du = leastSquares(J, m, k, rhs);
  if (!du) return undefined;
  // Γ, projected onto {Γ ⪰ 0, tr Γ = 1}.
  const gamma = new Float64Array(r * r);
  pairs.forEach(([a, b], col) => {
    gamma[a * r + b] = u0[col]! + du[col]!;
    gamma[b * r + a] = u0[col]! + du[col]!;
  });
  const eg = symmetricEigen(gamma, r, true);
  let trace = 0;
  for (let a = 0; a < r; a++) trace += Math.max(0, eg.values[a]!);
  if (!(trace > 0)) return undefined;
  const z = new Float64Array(n * n);
  for (let c = 0; c < r; c++) {
    const lam = Math.max(0, eg.values[c]!) / trace;
    if (lam === 0) continue;
    // Column c of Q_r·V_Γ.
    const col = new Float64Array(n);
    for (let row = 0; row < n; row++) {
      let v = 0;
      for (let a = 0; a < r; a++) v += q[row * r + a]! * eg.vectors![a * r + c]!;
      col[row] = v;
    }
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) z[i * n + j] = z[i * n + j]! + lam * col[i]! * col[j]!;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) z[i * n + j] = z[j * n + i]!;
  // A little of I/N keeps Z strictly positive definite in floating point (cost: ≤ 1e-12 relative in L).
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) z[i * n + j] = (1 - Z_MIX) * z[i * n + j]! + (i === j ? Z_MIX / n : 0);
  }
  const direction = new Float64Array(n);
  for (let row = 0; row < n; row++) direction[row] = u0[pairs.length + row]! + du[pairs.length + row]!;
  const { nu, bound } = scaleDual(problem, z, direction);
  return { bound, z, nu };
}
