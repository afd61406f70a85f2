/**
 * The flattest sharpness of the squared regression (diagonal linear) model, model.md §4:
 *
 *   λ_flat = min { λmax(A(β)) : Xβ = y },   A(β) = (2/N) X diag(|β|) Xᵀ = Σᵢ |βᵢ| Bᵢ,  Bᵢ = (2/N) xᵢxᵢᵀ
 *
 * (xᵢ the i-th column of X ∈ ℝᴺˣᵈ, N ≤ d), computed with a certificate: a feasible β giving the upper
 * bound U = λmax(A(β)) and a dual-feasible pair (Z, ν) giving the lower bound L = yᵀν ≤ λ_flat.
 * λ_flat is the infimum of the Hessian's top eigenvalue over all interpolating weights (u, v): at
 * an interpolating point the nonzero Hessian eigenvalues are those of (1/N) X diag(u² + v²) Xᵀ and
 * u² + v² = √(Δ² + 4β²) ≥ 2|β|, with equality for balanced weights (the k → 0 limit of model.md §4's φ).
 *
 * This file is the solver. The dual, its weak-duality derivation, the polish and the re-verified
 * certificate are in flatCertificate.ts; the types, input checks and original-unit helpers in
 * flatProblem.ts; the dense linear algebra in src/base/dense.ts.
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
 * At every Newton step the certificate is rebuilt in the original units (flatCertificate.ts) and
 * the best U and the best L are kept. The iteration stops once U − L ≤ gapTol (absolute, original
 * units). Cost per Newton step O(d²N + (d + N)³): about 1.5–2 ms for N = 10, d = 100.
 *
 * Input contract: N ≥ 1, N ≤ d, X (N×d row-major) and y finite, X of full row rank, else an
 * EoslabError (E_OPTION). y = 0 gives λ_flat = 0 exactly (β = 0, Z = I/N, ν = 0), status 'ok'. The
 * status is 'max-iterations' when the gap tolerance was not reached within `maxIterations` Newton steps or
 * before the barrier ran out of floating-point precision; the reported bounds are valid either way.
 */
import { cholesky, choleskySolve, logDet, minOf, norm, solveDense, symmetricEigen } from '../../base/dense.js';
import { barrierDual, isCertified, polishDual, verify } from './flatCertificate.js';
import {
  gramFactor,
  projectFeasible,
  sharpnessAt,
  validateFlat,
  type FlatOptions,
  type FlatProblem,
  type FlatResult,
} from './flatProblem.js';

export { FLAT_OPTIONS } from './flatProblem.js';
export type { FlatCertificate, FlatOptions, FlatProblem, FlatResult } from './flatProblem.js';

/** Barrier parameter growth per stage. */
const TAU_FACTOR = 20;
/** Centring stops when the Newton decrement λ²/2 is below this. */
const CENTRING_TOL = 1e-7;
/** The path is followed while the barrier gap m/τ stays above this multiple of t (then rounding rules). */
const TAU_LIMIT = 1e-15;

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

/**
 * Computes λmax over the feasible set with a certificate. See the file header for the method.
 */
export function flattestSharpness(problem: FlatProblem, options: FlatOptions = {}): FlatResult {
  const { gapTol, maxIterations } = validateFlat(problem, options);
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
    const dual = barrierDual(problem, S, direction);
    if (dual && dual.bound > bestLower) {
      bestLower = dual.bound;
      bestZ = dual.z;
      bestNu = dual.nu;
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
  const certified = isCertified(checked);
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
