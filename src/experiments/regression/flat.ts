/**
 * The flattest sharpness of the squared regression (diagonal linear) model, SPEC §4:
 *
 *   λ_flat = min { λmax(A(β)) : Xβ = y },   A(β) = (2/N) X diag(|β|) Xᵀ = Σᵢ |βᵢ| Bᵢ,  Bᵢ = (2/N) xᵢxᵢᵀ
 *
 * (xᵢ the i-th column of X ∈ ℝᴺˣᵈ, N ≤ d), computed with a certificate: a feasible β giving the upper
 * bound U = λmax(A(β)) and a dual-feasible pair (Z, ν) giving the lower bound L = yᵀν ≤ λ_flat.
 * λ_flat is the infimum of the Hessian's top eigenvalue over all interpolating weights (u, v): at
 * an interpolating point the nonzero Hessian eigenvalues are those of (1/N) X diag(u² + v²) Xᵀ and
 * u² + v² = √(Δ² + 4β²) ≥ 2|β|, with equality for balanced weights (the k → 0 limit of SPEC §4's φ).
 *
 * ## Dual and certificate (weak duality, derived here)
 * For any Z ⪰ 0 with tr Z = 1 and any feasible β, λmax(A(β)) ≥ ⟨A(β), Z⟩ = Σᵢ |βᵢ| cᵢ(Z) with
 * cᵢ(Z) = ⟨Bᵢ, Z⟩ = (2/N) xᵢᵀZxᵢ ≥ 0. If moreover |xᵢᵀν| ≤ cᵢ(Z) for every i, then
 * Σᵢ |βᵢ| cᵢ(Z) ≥ Σᵢ βᵢ xᵢᵀν = (Xβ)ᵀν = yᵀν. Hence every such (Z, ν) gives L = yᵀν ≤ λ_flat:
 *
 *   dual:  max yᵀν  s.t.  |Xᵀν| ≤ c(Z),  tr Z = 1,  Z ⪰ 0.
 *
 * It is the Lagrange dual of the SDP below (multipliers Z for the matrix inequality, λ± ≥ 0 for
 * β± ≥ 0, ν for the equality; stationarity in t gives tr Z = 1, in β±ᵢ gives cᵢ(Z) ∓ xᵢᵀν = λ±ᵢ ≥ 0),
 * and strong duality holds (the primal is strictly feasible), so the gap can be driven to zero.
 * The constraints are symmetric in ν ↦ −ν, so L = |yᵀν| is a bound as well; and along a direction ν
 * the best feasible multiple is θν with θ = minᵢ cᵢ(Z)/|xᵢᵀν|. Also λ_flat ≥ 0 always (ν = 0).
 *
 * ## Method: primal log-barrier path following, then an active-set polish of the dual
 * The SDP   min t  s.t.  tI − Σᵢ (β⁺ᵢ + β⁻ᵢ) Bᵢ ⪰ 0,  β± ≥ 0,  X(β⁺ − β⁻) = y   is written in the
 * variables t, sᵢ = β⁺ᵢ + β⁻ᵢ, βᵢ = β⁺ᵢ − β⁻ᵢ (so β± = (s ± β)/2); for τ > 0 the centring problem is
 *
 *   min  φ_τ = τ t − log det S − Σᵢ [log(sᵢ + βᵢ) + log(sᵢ − βᵢ)]   s.t.  Xβ = y,   S = tI − Σᵢ sᵢBᵢ,
 *
 * solved by Newton's method with equality constraints (feasible start at the min-norm solution,
 * s = |β| + mean|β|, t = 1.5 λmax; backtracking line search on φ_τ kept inside S ≻ 0, s > |β|; the
 * decrement is accepted at λ²/2 ≤ 1e-7), then τ ← 20τ (τ₀ = m/t₀, m = N + 2d). With W = S⁻¹ and
 * M = X̃ᵀWX̃ (X̃ = √(2/N) X, so Bᵢ = x̃ᵢx̃ᵢᵀ):
 *   ∂φ/∂t = τ − tr W,  ∂φ/∂sᵢ = Mᵢᵢ − 1/(s+β) − 1/(s−β),  ∂φ/∂βᵢ = −1/(s+β) + 1/(s−β);
 *   ∂²φ/∂t² = tr W²,  ∂²φ/∂t∂sᵢ = −x̃ᵢᵀW²x̃ᵢ,  ∂²φ/∂sᵢ∂sⱼ = Mᵢⱼ²,  plus the 2×2 blocks
 *   [[p+q, p−q], [p−q, p+q]] in (sᵢ, βᵢ), p = (s+β)⁻², q = (s−β)⁻².
 * The Newton KKT system (size 2d + 1 + N in the (t, β⁺, β⁻, w) form) is reduced exactly by
 * eliminating each βᵢ through its 2×2 block (the Hessian is diagonal in β; the Schur terms
 * 4pq/(p+q) and (p−q)/(p+q) are formed without cancellation), leaving a dense symmetric
 * quasi-definite system of size d + 1 + N in (δt, δs, w), solved by Gaussian elimination with
 * partial pivoting after symmetric diagonal equilibration. Stationarity of φ_τ reads tr W = τ and
 * (Mᵢᵢ ± x̃ᵢᵀw)/τ = 2/(τ(s ± β)) > 0, i.e. the central point gives the dual pair Z = W/τ, ν ∝ −w
 * (w the multiplier of X̃β = ỹ) with gap m/τ. The iteration works on X̃ and ỹ = √(2/N) y/‖y‖
 * (λ_flat scales with |c| under y ↦ cy); bounds are reported in the original units.
 *
 * Precision floor and the polish: S = tI − A is formed by cancellation, so its small eigenvalues
 * (≈ 1/τ) carry an error ≈ ε·t and Z = S⁻¹/tr S⁻¹ is only accurate to ≈ ε·t·τ relative; the barrier
 * certificate therefore bottoms out near gap ≈ 1e-7 (measured) while the primal side keeps
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
 * Jacobi, c(Z), |Xᵀν|, tr Z and Xβ − y. The iteration stops once U − L ≤ gapTol (absolute,
 * original units). Cost per Newton step O(d²N + (d + N)³): about 1.5–2 ms for N = 10, d = 100.
 *
 * Input contract: N ≥ 1, N ≤ d, X (N×d row-major) and y finite, X of full row rank, else a
 * an EoslabError (E_OPTION). y = 0 gives λ_flat = 0 exactly (β = 0, Z = I/N, ν = 0), status 'ok'. The status is
 * 'max-iterations' when the gap tolerance was not reached within `maxIterations` Newton steps or
 * before the barrier ran out of floating-point precision; the reported bounds are valid either way.
 */
import { EoslabError } from '../../base/errors.js';

/** One data set: X is N × d row-major (N = n rows/samples, d columns/features), y ∈ ℝᴺ. */
export interface FlatProblem {
  n: number;
  d: number;
  X: Float64Array;
  y: Float64Array;
}

export interface FlatOptions {
  /** Absolute gap U − L to reach (original units; scale it with the data: λ_flat is proportional
   * to |c| under y ↦ cy and to a under X ↦ aX). Default 1e-8. */
  gapTol?: number;
  /** Budget of Newton steps over all barrier stages. Default 400. */
  maxIterations?: number;
}

export interface FlatCertificate {
  /** max(0, maxᵢ |xᵢᵀν| − cᵢ(Z), |tr Z − 1|), recomputed from Z and ν. */
  dualFeasibilityViolation: number;
  /** Smallest eigenvalue of Z (Jacobi on the reported Z); ≥ 0 for a valid certificate. */
  zMinEigenvalue: number;
  /** ‖Xβ − y‖ / ‖y‖ (0 when y = 0). */
  primalResidual: number;
  /** The dual matrix Z (N × N row-major, symmetric, tr Z = 1). */
  z: Float64Array;
  /** The dual vector ν ∈ ℝᴺ with |Xᵀν| ≤ c(Z); lowerBound = yᵀν. */
  nu: Float64Array;
}

export interface FlatResult {
  /** U = λmax((2/N) X diag(|β|) Xᵀ) for the reported feasible β. */
  value: number;
  /** L = yᵀν ≤ λ_flat. */
  lowerBound: number;
  /** U − L. */
  gap: number;
  /** (U − L)/U (0 when U = 0). */
  relativeGap: number;
  beta: Float64Array;
  /** Newton steps taken. */
  iterations: number;
  status: 'ok' | 'max-iterations' | 'uncertified';
  certificate: FlatCertificate;
}

export const FLAT_DEFAULTS = { gapTol: 1e-8, maxIterations: 400 } as const;

/** Barrier parameter growth per stage. */
const TAU_FACTOR = 20;
/** Centring stops when the Newton decrement λ²/2 is below this. */
const CENTRING_TOL = 1e-7;
/** Weight of I/N mixed into a polished (rank-deficient) Z. */
const Z_MIX = 1e-12;
/** The path is followed while the barrier gap m/τ stays above this multiple of t (then rounding rules). */
const TAU_LIMIT = 1e-15;

// ---------------------------------------------------------------------------------------------
// Small dense linear algebra (row-major)

/** Cyclic Jacobi eigendecomposition of a symmetric n×n matrix. Returns eigenvalues (unsorted) and,
 * if asked, eigenvectors as the columns of a row-major n×n matrix. */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
  wantVectors = false,
): { values: Float64Array; vectors: Float64Array | undefined } {
  const a = Float64Array.from(matrix.subarray(0, n * n));
  const v = wantVectors ? new Float64Array(n * n) : undefined;
  if (v) for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! * a[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! * a[i * n + j]!;
    }
    if (off === 0 || off <= 1e-34 * diag) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        if (v) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p]!;
            const vkq = v[k * n + q]!;
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

function maxOf(values: Float64Array): number {
  let m = -Infinity;
  for (const x of values) if (x > m) m = x;
  return m;
}

function minOf(values: Float64Array): number {
  let m = Infinity;
  for (const x of values) if (x < m) m = x;
  return m;
}

/** In-place Cholesky of a symmetric n×n matrix (lower factor left in `a`); false if not PD. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let sum = a[j * n + j]!;
    for (let k = 0; k < j; k++) sum -= a[j * n + k]! * a[j * n + k]!;
    if (!(sum > 0)) return false;
    const ljj = Math.sqrt(sum);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
  return true;
}

/** Solves L Lᵀ x = b in place (L from `cholesky`). */
function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** Solves the dense system a x = b (n×n, row-major) by Gaussian elimination with partial pivoting,
 * after symmetric diagonal equilibration with 1/√|aᵢᵢ|. Overwrites a; returns x in b. */
function solveDense(a: Float64Array, n: number, b: Float64Array): boolean {
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i * n + i]!);
    scale[i] = d > 0 && Number.isFinite(d) ? 1 / Math.sqrt(d) : 1;
  }
  for (let i = 0; i < n; i++) {
    const si = scale[i]!;
    b[i] = b[i]! * si;
    for (let j = 0; j < n; j++) a[i * n + j] = a[i * n + j]! * si * scale[j]!;
  }
  for (let k = 0; k < n; k++) {
    let piv = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) return false;
    if (piv !== k) {
      for (let j = k; j < n; j++) {
        const tmp = a[k * n + j]!;
        a[k * n + j] = a[piv * n + j]!;
        a[piv * n + j] = tmp;
      }
      const tb = b[k]!;
      b[k] = b[piv]!;
      b[piv] = tb;
    }
    const akk = a[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / akk;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!;
      b[i] = b[i]! - f * b[k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= a[i * n + j]! * b[j]!;
    b[i] = s / a[i * n + i]!;
  }
  for (let i = 0; i < n; i++) b[i] = b[i]! * scale[i]!;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Problem-level helpers (original units)

/** A(β) = (2/N) X diag(|β|) Xᵀ. */
function sharpnessMatrix(X: Float64Array, n: number, d: number, beta: Float64Array): Float64Array {
  const a = new Float64Array(n * n);
  const f = 2 / n;
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[r * d + i]! * Math.abs(beta[i]!) * X[c * d + i]!;
      a[r * n + c] = f * s;
      a[c * n + r] = f * s;
    }
  }
  return a;
}

/** λmax((2/N) X diag(|β|) Xᵀ), by Jacobi. */
export function sharpnessAt(problem: FlatProblem, beta: Float64Array): number {
  return maxOf(symmetricEigen(sharpnessMatrix(problem.X, problem.n, problem.d, beta), problem.n).values);
}

/** Cholesky factor of XXᵀ (throws E_OPTION if X is numerically rank deficient). */
function gramFactor(X: Float64Array, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  let maxDiag = 0;
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += X[r * d + i]! * X[c * d + i]!;
      g[r * n + c] = s;
      g[c * n + r] = s;
    }
    maxDiag = Math.max(maxDiag, g[r * n + r]!);
  }
  const eig = symmetricEigen(g, n).values;
  if (!(maxDiag > 0) || !(minOf(eig) > 1e-12 * maxOf(eig))) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: X must have full row rank (XXᵀ is singular or nearly so)');
  }
  if (!cholesky(g, n)) throw new EoslabError('E_OPTION', 'flattestSharpness: X must have full row rank');
  return g;
}

/** β ← β − Xᵀ(XXᵀ)⁻¹(Xβ − y), twice (the second pass removes the first's rounding). */
function projectFeasible(
  X: Float64Array,
  n: number,
  d: number,
  gram: Float64Array,
  y: Float64Array,
  beta: Float64Array,
) {
  const r = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < n; k++) {
      let s = -y[k]!;
      for (let i = 0; i < d; i++) s += X[k * d + i]! * beta[i]!;
      r[k] = s;
    }
    choleskySolve(gram, n, r);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += X[k * d + i]! * r[k]!;
      beta[i] = beta[i]! - s;
    }
  }
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
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

/** Recomputes every claim of a certificate from (β, Z, ν) alone. */
function verify(problem: FlatProblem, beta: Float64Array, z: Float64Array, nu: Float64Array) {
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

/** Solves J u = b (m equations, k unknowns, J row-major m×k) in the least-squares sense for m ≥ k,
 * or with the smallest ‖u‖ for m < k (normal equations, one step of iterative refinement). */
function leastSquares(J: Float64Array, m: number, k: number, b: Float64Array): Float64Array | undefined {
  const u = new Float64Array(k);
  const residual = Float64Array.from(b);
  for (let pass = 0; pass < 2; pass++) {
    if (m >= k) {
      const G = new Float64Array(k * k);
      const rhs = new Float64Array(k);
      for (let a = 0; a < k; a++) {
        for (let c = a; c < k; c++) {
          let v = 0;
          for (let i = 0; i < m; i++) v += J[i * k + a]! * J[i * k + c]!;
          G[a * k + c] = v;
          G[c * k + a] = v;
        }
        let v = 0;
        for (let i = 0; i < m; i++) v += J[i * k + a]! * residual[i]!;
        rhs[a] = v;
      }
      if (!solveDense(G, k, rhs)) return undefined;
      for (let a = 0; a < k; a++) u[a] = u[a]! + rhs[a]!;
    } else {
      const G = new Float64Array(m * m);
      for (let i = 0; i < m; i++) {
        for (let j = i; j < m; j++) {
          let v = 0;
          for (let a = 0; a < k; a++) v += J[i * k + a]! * J[j * k + a]!;
          G[i * m + j] = v;
          G[j * m + i] = v;
        }
      }
      const rhs = Float64Array.from(residual);
      if (!solveDense(G, m, rhs)) return undefined;
      for (let a = 0; a < k; a++) {
        let v = 0;
        for (let i = 0; i < m; i++) v += J[i * k + a]! * rhs[i]!;
        u[a] = u[a]! + v;
      }
    }
    for (let i = 0; i < m; i++) {
      let v = b[i]!;
      for (let a = 0; a < k; a++) v -= J[i * k + a]! * u[a]!;
      residual[i] = v;
    }
  }
  for (const v of u) if (!Number.isFinite(v)) return undefined;
  return u;
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
function polishDual(problem: FlatProblem, beta: Float64Array, z0: Float64Array, nu0: Float64Array) {
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

function validate(problem: FlatProblem, options: FlatOptions) {
  if (typeof problem !== 'object' || problem === null) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: problem must be an object { n, d, X, y }', 'problem');
  }
  const { n, d, X, y } = problem;
  if (typeof n !== 'number' || typeof d !== 'number') {
    throw new EoslabError('E_OPTION', 'flattestSharpness: n and d must be numbers', 'problem');
  }
  if (typeof options !== 'object' || options === null) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: options must be an object', 'options');
  }
  if (
    (options.gapTol !== undefined && typeof options.gapTol !== 'number') ||
    (options.maxIterations !== undefined && typeof options.maxIterations !== 'number')
  ) {
    throw new EoslabError('E_OPTION', 'flattestSharpness: gapTol and maxIterations must be numbers', 'options');
  }
  if (!Number.isInteger(n) || n < 1)
    throw new EoslabError('E_OPTION', `flattestSharpness: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(d) || d < 1)
    throw new EoslabError('E_OPTION', `flattestSharpness: d must be an integer ≥ 1, got ${d}`);
  if (n > d)
    throw new EoslabError(
      'E_OPTION',
      `flattestSharpness: needs n ≤ d (an underdetermined system), got n = ${n} > d = ${d}`,
    );
  if (!(X instanceof Float64Array) || X.length !== n * d) {
    throw new EoslabError('E_OPTION', `flattestSharpness: X must be a Float64Array of length n·d = ${n * d}`);
  }
  if (!(y instanceof Float64Array) || y.length !== n) {
    throw new EoslabError('E_OPTION', `flattestSharpness: y must be a Float64Array of length n = ${n}`);
  }
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i]!))
      throw new EoslabError('E_OPTION', `flattestSharpness: X has a non-finite entry at ${i}: ${X[i]}`);
  }
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(y[k]!))
      throw new EoslabError('E_OPTION', `flattestSharpness: y has a non-finite entry at ${k}: ${y[k]}`);
  }
  const gapTol = options.gapTol ?? FLAT_DEFAULTS.gapTol;
  const maxIterations = options.maxIterations ?? FLAT_DEFAULTS.maxIterations;
  if (!(gapTol > 0) || !Number.isFinite(gapTol)) {
    throw new EoslabError('E_OPTION', `flattestSharpness: gapTol must be a finite number > 0, got ${gapTol}`);
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new EoslabError('E_OPTION', `flattestSharpness: maxIterations must be an integer ≥ 1, got ${maxIterations}`);
  }
  return { gapTol, maxIterations };
}

// ---------------------------------------------------------------------------------------------
// The barrier method (normalised units: X̃ = √(2/N) X, ỹ = √(2/N) y/‖y‖)

interface BarrierPoint {
  t: number;
  s: Float64Array;
  b: Float64Array;
}

/** S = tI − X̃ diag(s) X̃ᵀ. */
function slackMatrix(Xt: Float64Array, n: number, d: number, t: number, s: Float64Array): Float64Array {
  const S = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = r; c < n; c++) {
      let v = 0;
      for (let i = 0; i < d; i++) v += Xt[r * d + i]! * s[i]! * Xt[c * d + i]!;
      S[r * n + c] = -v;
      S[c * n + r] = -v;
    }
    S[r * n + r] = S[r * n + r]! + t;
  }
  return S;
}

/** log det of an SPD matrix, or NaN if not positive definite. */
function logDet(S: Float64Array, n: number): number {
  const l = Float64Array.from(S);
  if (!cholesky(l, n)) return NaN;
  let v = 0;
  for (let i = 0; i < n; i++) v += Math.log(l[i * n + i]!);
  return 2 * v;
}

/**
 * Computes λmax over the feasible set with a certificate. See the file header for the method.
 */
export function flattestSharpness(problem: FlatProblem, options: FlatOptions = {}): FlatResult {
  const { gapTol, maxIterations } = validate(problem, options);
  const { n, d, X, y } = problem;
  const gram = gramFactor(X, n, d);
  const ynorm = norm(y);

  if (ynorm === 0) {
    const z = new Float64Array(n * n);
    for (let k = 0; k < n; k++) z[k * n + k] = 1 / n;
    const beta = new Float64Array(d);
    const checked = verify(problem, beta, z, new Float64Array(n));
    return {
      value: checked.upper,
      lowerBound: checked.lower,
      gap: checked.upper - checked.lower,
      relativeGap: 0,
      beta,
      iterations: 0,
      status: 'ok',
      certificate: checked.certificate,
    };
  }

  // Normalised data.
  const root = Math.sqrt(2 / n);
  const Xt = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) Xt[i] = root * X[i]!;
  const yt = new Float64Array(n);
  for (let k = 0; k < n; k++) yt[k] = (root * y[k]!) / ynorm;

  // Feasible start: the min-norm solution of X̃β = ỹ (= Xβ = y/‖y‖), s = |β| + mean|β|.
  const b0 = new Float64Array(d);
  const yUnit = new Float64Array(n);
  for (let k = 0; k < n; k++) yUnit[k] = y[k]! / ynorm;
  projectFeasible(X, n, d, gram, yUnit, b0);
  let meanAbs = 0;
  for (let i = 0; i < d; i++) meanAbs += Math.abs(b0[i]!) / d;
  const s0 = new Float64Array(d);
  for (let i = 0; i < d; i++) s0[i] = Math.abs(b0[i]!) + meanAbs;
  // t₀ = 1.5 λmax(X̃ diag(s₀) X̃ᵀ) (slackMatrix with t = 0 is −X̃ diag(s₀) X̃ᵀ).
  const minusA0 = slackMatrix(Xt, n, d, 0, s0);
  const x: BarrierPoint = { t: -1.5 * minOf(symmetricEigen(minusA0, n).values), s: s0, b: b0 };
  const m = n + 2 * d;
  let tau = m / x.t;

  // Best certificate so far (original units).
  let bestUpper = Infinity;
  let bestBeta: Float64Array = new Float64Array(d);
  let bestLower = 0;
  let bestZ: Float64Array = new Float64Array(n * n);
  for (let k = 0; k < n; k++) bestZ[k * n + k] = 1 / n;
  let bestNu: Float64Array = new Float64Array(n);

  const dim = d + 1 + n;
  const K = new Float64Array(dim * dim);
  const rhs = new Float64Array(dim);
  const V = new Float64Array(n * d); // L⁻¹X̃
  const P = new Float64Array(n * d); // W X̃
  const Mdiag = new Float64Array(d);
  const gs = new Float64Array(d);
  const gb = new Float64Array(d);
  const kk = new Float64Array(d);
  const rr = new Float64Array(d);
  const invD = new Float64Array(d);
  const ds = new Float64Array(d);
  const db = new Float64Array(d);
  const w = new Float64Array(n);

  let iterations = 0;

  const polish = () => {
    if (!Number.isFinite(bestUpper)) return;
    const candidate = polishDual(problem, bestBeta, bestZ, bestNu);
    if (candidate.bound > bestLower) {
      bestLower = candidate.bound;
      bestZ = candidate.z;
      bestNu = candidate.nu;
    }
  };

  /** End of a centring stage: polish the dual on the active set, then either stop (gap reached, or
   * m/τ below rounding level) or move along the central path. */
  const nextStage = (): boolean => {
    polish();
    if (bestUpper - bestLower <= gapTol || m / tau < TAU_LIMIT * x.t) return true;
    tau *= TAU_FACTOR;
    return false;
  };

  const updateCertificate = (S: Float64Array, direction: Float64Array) => {
    // Upper bound: the current β in original units, projected onto Xβ = y.
    const beta = new Float64Array(d);
    for (let i = 0; i < d; i++) beta[i] = ynorm * x.b[i]!;
    projectFeasible(X, n, d, gram, y, beta);
    const upper = sharpnessAt(problem, beta);
    if (upper < bestUpper) {
      bestUpper = upper;
      bestBeta = beta;
    }
    // Lower bound: Z = S⁻¹/tr S⁻¹ (from S's eigendecomposition), ν along the Newton multiplier.
    const { values, vectors } = symmetricEigen(S, n, true);
    if (!(minOf(values) > 0)) return;
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
    if (bound > bestLower) {
      bestLower = bound;
      bestZ = z;
      bestNu = nu;
    }
  };

  while (iterations < maxIterations) {
    // --- Derivatives at x.
    const S = slackMatrix(Xt, n, d, x.t, x.s);
    const L = Float64Array.from(S);
    if (!cholesky(L, n)) break; // cannot happen: the line search keeps S ≻ 0
    // V = L⁻¹X̃ (forward substitution, column by column), Linv for W = L⁻ᵀL⁻¹.
    for (let i = 0; i < d; i++) {
      for (let r = 0; r < n; r++) {
        let v = Xt[r * d + i]!;
        for (let k = 0; k < r; k++) v -= L[r * n + k]! * V[k * d + i]!;
        V[r * d + i] = v / L[r * n + r]!;
      }
      // P_i = L⁻ᵀ V_i.
      for (let r = n - 1; r >= 0; r--) {
        let v = V[r * d + i]!;
        for (let k = r + 1; k < n; k++) v -= L[k * n + r]! * P[k * d + i]!;
        P[r * d + i] = v / L[r * n + r]!;
      }
    }
    const Winv = new Float64Array(n * n); // W = S⁻¹
    for (let c = 0; c < n; c++) {
      const e = new Float64Array(n);
      e[c] = 1;
      choleskySolve(L, n, e);
      for (let r = 0; r < n; r++) Winv[r * n + c] = e[r]!;
    }
    let trW = 0;
    let trW2 = 0;
    for (let r = 0; r < n; r++) {
      trW += Winv[r * n + r]!;
      for (let c = 0; c < n; c++) trW2 += Winv[r * n + c]! * Winv[r * n + c]!;
    }
    const gt = tau - trW;
    const rp = new Float64Array(n); // ỹ − X̃β
    for (let k = 0; k < n; k++) {
      let v = yt[k]!;
      for (let i = 0; i < d; i++) v -= Xt[k * d + i]! * x.b[i]!;
      rp[k] = v;
    }

    K.fill(0);
    rhs.fill(0);
    // Row/col 0: t; 1..d: s; d+1..d+n: w.
    K[0] = trW2;
    rhs[0] = -gt;
    for (let i = 0; i < d; i++) {
      let mii = 0;
      let w2 = 0;
      for (let r = 0; r < n; r++) {
        mii += V[r * d + i]! * V[r * d + i]!;
        w2 += P[r * d + i]! * P[r * d + i]!;
      }
      Mdiag[i] = mii;
      const u = x.s[i]! + x.b[i]!;
      const v = x.s[i]! - x.b[i]!;
      const p = 1 / (u * u);
      const q = 1 / (v * v);
      gs[i] = mii - 1 / u - 1 / v;
      gb[i] = -1 / u + 1 / v;
      kk[i] = (4 * p * q) / (p + q);
      rr[i] = (p - q) / (p + q);
      invD[i] = 1 / (p + q);
      K[i + 1] = -w2;
      K[(i + 1) * dim] = -w2;
      rhs[i + 1] = -gs[i]! + rr[i]! * gb[i]!;
    }
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let mij = 0;
        for (let r = 0; r < n; r++) mij += V[r * d + i]! * V[r * d + j]!;
        const h = mij * mij;
        K[(i + 1) * dim + (j + 1)] = h;
        K[(j + 1) * dim + (i + 1)] = h;
      }
      K[(i + 1) * dim + (i + 1)] = K[(i + 1) * dim + (i + 1)]! + kk[i]!;
    }
    for (let k = 0; k < n; k++) {
      const row = d + 1 + k;
      let rhsk = rp[k]!;
      for (let i = 0; i < d; i++) {
        const xki = Xt[k * d + i]!;
        K[row * dim + (i + 1)] = -xki * rr[i]!;
        K[(i + 1) * dim + row] = -xki * rr[i]!;
        rhsk += xki * gb[i]! * invD[i]!;
      }
      rhs[row] = rhsk;
      for (let l = k; l < n; l++) {
        let e = 0;
        for (let i = 0; i < d; i++) e += Xt[k * d + i]! * Xt[l * d + i]! * invD[i]!;
        K[row * dim + (d + 1 + l)] = -e;
        K[(d + 1 + l) * dim + row] = -e;
      }
    }
    if (!solveDense(K, dim, rhs)) break;
    const dt = rhs[0]!;
    for (let i = 0; i < d; i++) ds[i] = rhs[i + 1]!;
    for (let k = 0; k < n; k++) w[k] = rhs[d + 1 + k]!;
    for (let i = 0; i < d; i++) {
      let xw = 0;
      for (let k = 0; k < n; k++) xw += Xt[k * d + i]! * w[k]!;
      db[i] = -(gb[i]! + xw) * invD[i]! - rr[i]! * ds[i]!;
    }
    iterations++;

    // --- Certificate at x with the Newton multiplier (ν ∝ −√(2/N)·w; the scale is fixed by θ).
    updateCertificate(S, w);
    if (bestUpper - bestLower <= gapTol) break;

    // --- Newton decrement and line search on φ_τ.
    let slope = gt * dt;
    for (let i = 0; i < d; i++) slope += gs[i]! * ds[i]! + gb[i]! * db[i]!;
    const decrement = -slope;
    if (!(decrement > 0) || decrement / 2 <= CENTRING_TOL) {
      if (nextStage()) break;
      continue;
    }
    const logDet0 = logDet(S, n);
    let alpha = 1;
    let accepted = false;
    for (let trial = 0; trial < 60; trial++) {
      let ok = true;
      let change = tau * alpha * dt;
      for (let i = 0; i < d && ok; i++) {
        const u = x.s[i]! + x.b[i]!;
        const v = x.s[i]! - x.b[i]!;
        const du = alpha * (ds[i]! + db[i]!);
        const dv = alpha * (ds[i]! - db[i]!);
        if (!(u + du > 0) || !(v + dv > 0)) ok = false;
        else change -= Math.log1p(du / u) + Math.log1p(dv / v);
      }
      if (ok) {
        const sNew = new Float64Array(d);
        for (let i = 0; i < d; i++) sNew[i] = x.s[i]! + alpha * ds[i]!;
        const ld = logDet(slackMatrix(Xt, n, d, x.t + alpha * dt, sNew), n);
        if (Number.isNaN(ld)) ok = false;
        else change -= ld - logDet0;
      }
      if (ok && change <= 0.01 * alpha * slope) {
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted || (alpha < 1e-3 && decrement < 1e-4)) {
      // No decrease is measurable in floating point: this stage is as centred as it can get.
      if (nextStage()) break;
      continue;
    }
    x.t += alpha * dt;
    for (let i = 0; i < d; i++) {
      x.s[i] = x.s[i]! + alpha * ds[i]!;
      x.b[i] = x.b[i]! + alpha * db[i]!;
    }
  }

  if (bestUpper - bestLower > gapTol) polish();
  const checked = verify(problem, bestBeta, bestZ, bestNu);
  const gap = checked.upper - checked.lower;
  // The lower bound is a bound only if the re-verified dual point is feasible (up to rounding).
  const cert = checked.certificate;
  const certified =
    cert.dualFeasibilityViolation <= CERTIFICATE_TOL * Math.max(1, checked.upper) &&
    cert.zMinEigenvalue >= -CERTIFICATE_TOL;
  return {
    value: checked.upper,
    lowerBound: checked.lower,
    gap,
    relativeGap: checked.upper > 0 ? gap / checked.upper : 0,
    beta: bestBeta,
    iterations,
    status: !certified ? 'uncertified' : gap <= gapTol ? 'ok' : 'max-iterations',
    certificate: checked.certificate,
  };
}

/** Rounding allowed in the re-verified dual point (constraint violation, Z's smallest eigenvalue). */
const CERTIFICATE_TOL = 1e-12;
