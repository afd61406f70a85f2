// GPGD orbits for bifurcation diagrams: iterate, record, detect the period or chaos
// (model.md §1.6 GPGD and its 1-D form; model.md §3 Fig 4, Fig 10, Fig 11).
//
// 1-D GPGD map (model.md §1.6). A balance class is given by its GFS squares u (∏uᵢ = 1); the point of
// product x > 0 on it has squares uᵢ + σ(x) with ∏(uᵢ + σ(x)) = x², and GPGD acts on x as
//   g(x) = x ∏ᵢ (1 − η x (x − 1)/vᵢ),   vᵢ = uᵢ + σ(x),   g(1) = 1,   g′(1) = 1 − ηφ,
// so x = 1 is stable iff φ < 2/η and the period doubles at φ = 2/η. Its derivative (for the
// Lyapunov exponent), from Σ log vᵢ = 2 log x ⇒ σ′(x) = 2/(x Σ 1/vᵢ):
//   g′(x) = g(x) [1/x + Σᵢ (−η(2x − 1)/vᵢ + η x (x − 1) σ′/vᵢ²) / (1 − η x (x − 1)/vᵢ)].
// The reference route iterates the full GPGD step 𝒢 (steps/gpgd.ts) on w ∈ ℝᴰ and records π(w);
// both routes give the same products (the map is 𝒢 written in the coordinate x = π).
//
// Zhu et al.'s slice w = (x, x, y, y) (model.md §1.5, §3 Fig 10): with c² = x² − y², d = xy (π = d²),
//   GD: d⁺ = f(d) = d [1 − η(d² − 1)√(c⁴ + 4d²) + η²(d² − 1)² d²]
// because aₓ + a_y = η(d² − 1)(x² + y²), (x² + y²)² = c⁴ + 4d² and aₓa_y = η²(d² − 1)² d²
// (aᵢ of model.md §1.4). GPGD keeps c and moves to product f(d)², i.e. d ↦ |f(d)| (f is odd).
// On the slice φ = 2√(c⁴ + 4) (model.md §1.5), so c⁴ = φ²/4 − 4.
// Our quasistatic approximation (not Zhu et al.'s own recursion, which is not available here)
// is f to second order in b = d − 1. With
// A = √(c⁴ + 4) = φ/2: d² − 1 = 2b + b², √(A² + 8b + 4b²) = A + 4b/A + (2/A − 8/A³) b² + O(b³),
// η²(d² − 1)² d² = 4η²b² + O(b³); multiplying out (1 + b)[1 − η(2b + b²)(A + 4b/A) + 4η²b²]:
//   b⁺ = (1 − ηφ) b + κ b²,   κ = 4η² − 3ηφ/2 − 16η/φ
// (linear term = g′(1), as it must; the O(b³) remainder is checked numerically in the tests).
//
// Orbit record: N steps from the start, the values after the last K steps are written out (the
// product π, or d on the slice). Period: the smallest p ≤ min(P, K/2) with
// |v[i + p] − v[i]| ≤ tol · max(|v[i]|, |v[i + p]|) for every recorded i, reduced to a divisor q
// of p when the phases of a still-converging transient extrapolate (Aitken Δ²) to a q-cycle.
// Lyapunov exponent: λ = mean of log|f′| over the last max(K, N/2) steps. Without a period,
// λ > CHAOS_MIN_LYAPUNOV (0.01) and no geometric transient (an orbit still leaving an unstable
// cycle) ⇒ chaotic; else unresolved (a transient slower than N steps, typically next to a
// bifurcation where λ → 0, or a period > P). The margin keeps a finite-N estimate of λ ≈ 0 (an
// orbit creeping onto a cycle at a bifurcation) from reading as chaos.
// Statuses (0–4 mean what they mean in common.ts):
//   0 periodic, 1 diverged (value NaN/+∞ or product > divergeAt), 2 unresolved,
//   3 no GFS (π ≤ 0 at the start, or the map leaves the positive products), 4 non-finite input,
//   5 chaotic.
// On statuses 1, 3, 4 the K recorded values, the period (0) and λ are NaN/0.
//
// ABI: lengths, scalars and pointers only. Batches: values of item k at out + 8·(k·K + j);
// period i32[n]; status u8[n]; λ f64[n]; points struct-of-arrays (weight d of point k at
// +8·(d·n + k)), as in the sweep kernels. Every item depends on its own inputs only.
import { ld, st, RESULT_OK, MAX_DEPTH, Status } from '../abi';
import { product } from './model';
import { gfsShift, gfsStatus, logShift } from './gfs';
import { gpgdStep } from './gpgd';
import { initFromGfsSharpness } from './family';

/**
 * Status of a GPGD orbit; codes 1, 3 and 4 mean what they mean in Status (and are written from it).
 * @abi
 */
export enum OrbitStatus {
  /** a period ≤ maxPeriod was found */
  periodic = 0,
  /** the orbit left every bound or was not finite */
  diverged = 1,
  /** neither a period nor a positive Lyapunov exponent within N steps */
  unresolved = 2,
  /** the start has no GFS (π ≤ 0) @label no-gfs */
  noGfs = 3,
  /** the start contained NaN or ±Inf @label non-finite */
  nonFinite = 4,
  /** no period and a Lyapunov exponent above CHAOS_MIN_LYAPUNOV */
  chaotic = 5,
}
/** Smallest Lyapunov exponent read as chaos (see the header). */
const CHAOS_MIN_LYAPUNOV: f64 = 0.01;

/** Orbit routes: the 1-D map g (fast), full GPGD steps (reference), the slice maps of Fig 10. */
const METHOD_MAP: i32 = 0;
const METHOD_GPGD: i32 = 1;
const SLICE_EXACT: i32 = 2;
const SLICE_QUASISTATIC: i32 = 3;

/** GFS squares u of the current class, the current point w (GPGD route) and a point buffer. */
const U: usize = memory.data(64 * 8, 16);
const W: usize = memory.data(64 * 8, 16);
const POINT: usize = memory.data(64 * 8, 16);

// Per-orbit state shared by the step functions (module globals: the kernels never allocate).
let orbitD: i32 = 0;
let orbitEta: f64 = 0.0;
let slicePhi: f64 = 0.0;
let sliceC4: f64 = 0.0;
let stepDerivative: f64 = NaN;
let orbitPeriodOut: i32 = 0;
let orbitLyapunovOut: f64 = NaN;

/** g(x) (same arithmetic as gpgdMap1d); stores g′(x) in stepDerivative when asked. */
function mapStep(x: f64, wantDerivative: bool): f64 {
  const D = orbitD;
  const eta = orbitEta;
  const sigma = logShift(U, D, 2.0 * Math.log(x));
  const pull = eta * x * (x - 1.0);
  let g = x;
  for (let i = 0; i < D; i++) g *= 1.0 - pull / (ld(U, i) + sigma);
  if (wantDerivative) {
    let inverseSum = 0.0;
    for (let i = 0; i < D; i++) inverseSum += 1.0 / (ld(U, i) + sigma);
    const dSigma = 2.0 / (x * inverseSum);
    const dPull = eta * (2.0 * x - 1.0);
    let dLog = 1.0 / x;
    for (let i = 0; i < D; i++) {
      const v = ld(U, i) + sigma;
      dLog += (-dPull / v + (pull * dSigma) / (v * v)) / (1.0 - pull / v);
    }
    stepDerivative = g * dLog;
  }
  return g;
}

/** f(d) of the exact fixed-c slice map (signed); f′(d) into stepDerivative when asked. */
function sliceExact(c4: f64, eta: f64, d: f64, wantDerivative: bool): f64 {
  const e = d * d - 1.0;
  const r = Math.sqrt(c4 + 4.0 * d * d);
  const h = 1.0 - eta * e * r + eta * eta * e * e * d * d;
  if (wantDerivative) {
    const dh = -eta * (2.0 * d * r + (4.0 * d * e) / r) + eta * eta * (4.0 * d * d * d * e + 2.0 * d * e * e);
    stepDerivative = h + d * dh;
  }
  return d * h;
}

/** κ of the quasistatic quadratic map b⁺ = (1 − ηφ) b + κ b². */
@inline
function quasistaticKappa(phi: f64, eta: f64): f64 {
  return 4.0 * eta * eta - 1.5 * eta * phi - (16.0 * eta) / phi;
}

/** One step of the exact fixed-c map of the slice (x, x, y, y): d ↦ f(d), c² = x² − y². */
export function sliceFixedCMap(c2: f64, eta: f64, d: f64): f64 {
  return sliceExact(c2 * c2, eta, d, false);
}

/** One step of the quasistatic approximation (ours) in b = d − 1 on the slice of GFS sharpness φ. */
export function quasistaticSliceMap(phi: f64, eta: f64, b: f64): f64 {
  return (1.0 - eta * phi) * b + quasistaticKappa(phi, eta) * b * b;
}

/** g′(x) of the 1-D GPGD map for GFS squares u (NaN for x ≤ 0 or non-finite x). */
export function gpgdMap1dDerivative(u: usize, D: i32, eta: f64, x: f64): f64 {
  if (!(x > 0.0) || !isFinite(x) || D < 2 || D > MAX_DEPTH) return NaN;
  for (let i = 0; i < D; i++) st(U, i, ld(u, i));
  orbitD = D;
  orbitEta = eta;
  mapStep(x, true);
  return stepDerivative;
}

@inline
function close(a: f64, b: f64, tol: f64): bool {
  return Math.abs(b - a) <= tol * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Limit of phase j (counted back from the last value) of a sequence converging geometrically to a
 * p-cycle, by Aitken Δ² on block means: the phase's last 3B recorded values (B = ⌊(K/p)/3⌋) are
 * averaged in three consecutive blocks, S₀, S₁, S₂ (for yₖ = L + c rᵏ the means are again
 * geometric, ratio r^B, and averaging damps rounding noise), δ₁ = S₁ − S₀, δ₂ = S₂ − S₁, ρ = δ₂/δ₁:
 *   L = S₂ + δ₂ ρ/(1 − ρ)   if |ρ| < 1 and |δ₁| > 64 ε |S₂|, else the last value.
 */
function phaseLimit(values: usize, K: i32, p: i32, j: i32): f64 {
  const B = K / p / 3;
  const last = K - p + j;
  const first = last - (3 * B - 1) * p;
  let s0 = 0.0;
  let s1 = 0.0;
  let s2 = 0.0;
  for (let k = 0; k < B; k++) {
    s0 += ld(values, first + k * p);
    s1 += ld(values, first + (k + B) * p);
    s2 += ld(values, first + (k + 2 * B) * p);
  }
  const scale = 1.0 / <f64>B;
  s0 *= scale;
  s1 *= scale;
  s2 *= scale;
  const d1 = s1 - s0;
  const d2 = s2 - s1;
  if (!(Math.abs(d1) > 64.0 * f64.EPSILON * Math.abs(s2))) return ld(values, last);
  const rho = d2 / d1;
  if (!(Math.abs(rho) < 1.0)) return ld(values, last);
  return s2 + (d2 * rho) / (1.0 - rho);
}

/** Relative spread of p-step ratios allowed in a geometric transient (see geometricTransient). */
const TRANSIENT_RATIO_SPREAD: f64 = 0.1;

/**
 * True when, for some p ≤ bound with K ≥ 4p, every phase of the window moves geometrically: all
 * ratios δ_{m+1}/δ_m of successive p-step changes lie within TRANSIENT_RATIO_SPREAD (relative) of
 * one ratio. That is an orbit still leaving (|ratio| > 1) or approaching a p-cycle — a transient,
 * whose positive Lyapunov estimate (e.g. right after leaving an unstable fixed point) is not chaos.
 */
function geometricTransient(values: usize, K: i32, bound: i32): bool {
  for (let p = 1; p <= bound && 4 * p <= K; p++) {
    let reference = NaN;
    let geometric = true;
    for (let j = 0; j < p && geometric; j++) {
      let previous = ld(values, j + p) - ld(values, j);
      for (let i = j + 2 * p; i < K; i += p) {
        const delta = ld(values, i) - ld(values, i - p);
        if (previous == 0.0) {
          geometric = false;
          break;
        }
        const r = delta / previous;
        if (isNaN(reference)) reference = r;
        if (!(Math.abs(r - reference) <= TRANSIENT_RATIO_SPREAD * Math.abs(reference))) {
          geometric = false;
          break;
        }
        previous = delta;
      }
    }
    if (geometric) return true;
  }
  return false;
}

/**
 * Smallest period p ≤ min(maxPeriod, K/2) of the K values at `values` within the relative
 * tolerance `tol`: every recorded pair |v[i + p] − v[i]| ≤ tol · max(|v[i]|, |v[i + p]|).
 * 0 if none (or a value is not finite).
 * Transients: a sequence still converging geometrically to a cycle of a smaller period q | p
 * passes the test for p once its p-step changes are below tol (e.g. the slow alternation around
 * x = 1 just below φ = 2/η, multiplier 1 − ηφ ≈ −1, reads as period 2). So when K ≥ 3p, each
 * phase of the candidate p is extrapolated to its limit (phaseLimit) and the smallest q | p for
 * which the limits are q-periodic within tol is reported. Right at a bifurcation, where the
 * approach is algebraic rather than geometric, no finite window decides; the orbit steps N set
 * how close to it the answer is right.
 */
export function orbitPeriod(values: usize, K: i32, maxPeriod: i32, tol: f64): i32 {
  for (let j = 0; j < K; j++) if (!isFinite(ld(values, j))) return 0;
  const bound = min(maxPeriod, K / 2);
  for (let p = 1; p <= bound; p++) {
    let ok = true;
    for (let i = 0; i + p < K; i++) {
      if (!close(ld(values, i), ld(values, i + p), tol)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (p == 1 || K < 3 * p) return p;
    for (let q = 1; q < p; q++) {
      if (p % q != 0) continue;
      let limitsPeriodic = true;
      for (let j = 0; j + q < p; j++) {
        if (!close(phaseLimit(values, K, p, j), phaseLimit(values, K, p, j + q), tol)) {
          limitsPeriodic = false;
          break;
        }
      }
      if (limitsPeriodic) return q;
    }
    return p;
  }
  return 0;
}

/** Status of a new value: 0 fine, else diverged / no GFS (see the header). */
@inline
function valueStatus(v: f64, product: f64, divergeAt: f64, positive: bool): i32 {
  if (isNaN(v) || isNaN(product)) return Status.diverged;
  if (positive && !(v > 0.0)) return Status.noGfs;
  if (!(product <= divergeAt)) return Status.diverged;
  return RESULT_OK;
}

/**
 * Iterates the orbit whose state is already set up (U/W/x for the GPGD routes, slicePhi/sliceC4
 * for the slice), writes K values to `out`, sets orbitPeriodOut / orbitLyapunovOut and returns
 * the orbit status.
 */
function iterate(
  method: i32,
  x0: f64,
  N: i32,
  K: i32,
  maxPeriod: i32,
  tol: f64,
  divergeAt: f64,
  out: usize,
): i32 {
  const D = orbitD;
  const eta = orbitEta;
  const firstRecorded = N - K + 1;
  const lyapunovSteps = max(K, N / 2);
  const firstLyapunov = N - lyapunovSteps + 1;
  // slice routes run in b = d − 1 (quasistatic) or d (exact); the GPGD routes in the product x
  let x = method == SLICE_QUASISTATIC ? x0 - 1.0 : x0;
  const kappa = quasistaticKappa(slicePhi, eta);
  const linear = 1.0 - eta * slicePhi;
  let logSum = 0.0;
  let status = RESULT_OK;
  for (let n = 1; n <= N; n++) {
    const wantDerivative = n >= firstLyapunov;
    let next: f64;
    let value: f64;
    let prod: f64;
    if (method == METHOD_MAP) {
      next = mapStep(x, wantDerivative);
      value = next;
      prod = next;
    } else if (method == METHOD_GPGD) {
      if (wantDerivative) mapStep(x, true);
      const s = gpgdStep(W, D, eta, W);
      if (s != RESULT_OK) {
        status = s == Status.noGfs ? Status.noGfs : Status.diverged;
        break;
      }
      next = product(W, D);
      value = next;
      prod = next;
    } else if (method == SLICE_EXACT) {
      next = Math.abs(sliceExact(sliceC4, eta, x, wantDerivative));
      value = next;
      prod = next * next;
    } else {
      next = linear * x + kappa * x * x;
      if (wantDerivative) stepDerivative = linear + 2.0 * kappa * x;
      value = 1.0 + next;
      prod = value * value;
    }
    status = valueStatus(value, prod, divergeAt, method != SLICE_QUASISTATIC);
    if (status != RESULT_OK) break;
    if (wantDerivative) logSum += Math.log(Math.max(Math.abs(stepDerivative), 1e-300));
    if (n >= firstRecorded) st(out, n - firstRecorded, value);
    x = next;
  }
  if (status != RESULT_OK) {
    for (let j = 0; j < K; j++) st(out, j, NaN);
    orbitPeriodOut = 0;
    orbitLyapunovOut = NaN;
    return status;
  }
  orbitLyapunovOut = logSum / <f64>lyapunovSteps;
  orbitPeriodOut = orbitPeriod(out, K, maxPeriod, tol);
  if (orbitPeriodOut > 0) return OrbitStatus.periodic;
  if (!(orbitLyapunovOut > CHAOS_MIN_LYAPUNOV)) return OrbitStatus.unresolved;
  return geometricTransient(out, K, min(maxPeriod, K / 4)) ? OrbitStatus.unresolved : OrbitStatus.chaotic;
}

/** Orbit of GPGD from the point at `w` (D weights, any stride-1 buffer other than W/U). */
function orbitFromPoint(
  w: usize,
  D: i32,
  method: i32,
  N: i32,
  K: i32,
  maxPeriod: i32,
  tol: f64,
  divergeAt: f64,
  out: usize,
): i32 {
  orbitD = D;
  const start = gfsStatus(w, D);
  if (start != RESULT_OK) {
    for (let j = 0; j < K; j++) st(out, j, NaN);
    orbitPeriodOut = 0;
    orbitLyapunovOut = NaN;
    return start == Status.nonFinite ? Status.nonFinite : Status.noGfs;
  }
  const s = gfsShift(w, D);
  let phi = 0.0;
  for (let i = 0; i < D; i++) {
    const wi = ld(w, i);
    const ui = wi * wi + s;
    st(U, i, ui);
    st(W, i, wi);
    phi += 1.0 / ui;
  }
  slicePhi = phi;
  return iterate(method, product(w, D), N, K, maxPeriod, tol, divergeAt, out);
}

@inline
function validSizes(D: i32, n: i32, N: i32, K: i32, maxPeriod: i32): bool {
  return D >= 2 && D <= MAX_DEPTH && n >= 0 && K >= 1 && N >= K && maxPeriod >= 1;
}

/**
 * Bifurcation diagram along a φ axis at fixed balance direction c: for each φ = phi[k], the
 * balance class of GFS sharpness φ is the (φ, 1) point of the (φ₀, p₀) family (model.md §2); the
 * orbit starts at its point of product x0 (the (φ, x0) family point) and runs N GPGD steps
 * (method 0: the 1-D map, 1: full GPGD). Writes K products per φ (nPhi × K, row-major), the
 * period, status and Lyapunov exponent. Returns RESULT_OK, or −1 (nothing written) for bad sizes.
 */
export function bifurcationOverPhi(
  c: usize,
  D: i32,
  eta: f64,
  phi: usize,
  nPhi: i32,
  x0: f64,
  N: i32,
  K: i32,
  maxPeriod: i32,
  tol: f64,
  divergeAt: f64,
  method: i32,
  outProducts: usize,
  outPeriod: usize,
  outStatus: usize,
  outLyapunov: usize,
): i32 {
  if (!validSizes(D, nPhi, N, K, maxPeriod) || (method != METHOD_MAP && method != METHOD_GPGD)) return -1;
  orbitEta = eta;
  for (let k = 0; k < nPhi; k++) {
    const out = outProducts + ((<usize>k * <usize>K) << 3);
    const phiK = ld(phi, k);
    let status: i32;
    if (!isFinite(phiK) || !isFinite(x0)) {
      for (let j = 0; j < K; j++) st(out, j, NaN);
      orbitPeriodOut = 0;
      orbitLyapunovOut = NaN;
      status = Status.nonFinite;
    } else if (!(x0 > 0.0)) {
      for (let j = 0; j < K; j++) st(out, j, NaN);
      orbitPeriodOut = 0;
      orbitLyapunovOut = NaN;
      status = Status.noGfs;
    } else {
      initFromGfsSharpness(c, D, phiK, x0, POINT);
      status = orbitFromPoint(POINT, D, method, N, K, maxPeriod, tol, divergeAt, out);
    }
    store<i32>(outPeriod + (<usize>k << 2), orbitPeriodOut);
    store<u8>(outStatus + <usize>k, <u8>status);
    st(outLyapunov, k, orbitLyapunovOut);
  }
  return RESULT_OK;
}

/**
 * Orbits from n start points (struct-of-arrays, D weights each): GPGD from each point w keeps
 * its balance class (φ(w) is written to outPhi, NaN without a GFS) and starts at π(w).
 * Same outputs and return value as bifurcationOverPhi.
 */
export function bifurcationFromPoints(
  D: i32,
  points: usize,
  n: i32,
  eta: f64,
  N: i32,
  K: i32,
  maxPeriod: i32,
  tol: f64,
  divergeAt: f64,
  method: i32,
  outProducts: usize,
  outPeriod: usize,
  outStatus: usize,
  outLyapunov: usize,
  outPhi: usize,
): i32 {
  if (!validSizes(D, n, N, K, maxPeriod) || (method != METHOD_MAP && method != METHOD_GPGD)) return -1;
  orbitEta = eta;
  for (let k = 0; k < n; k++) {
    for (let d = 0; d < D; d++) st(POINT, d, ld(points, d * n + k));
    const out = outProducts + ((<usize>k * <usize>K) << 3);
    const status = orbitFromPoint(POINT, D, method, N, K, maxPeriod, tol, divergeAt, out);
    store<i32>(outPeriod + (<usize>k << 2), orbitPeriodOut);
    store<u8>(outStatus + <usize>k, <u8>status);
    st(outLyapunov, k, orbitLyapunovOut);
    st(outPhi, k, status == Status.nonFinite || status == Status.noGfs ? NaN : slicePhi);
  }
  return RESULT_OK;
}

/**
 * Bifurcation diagram of the slice (x, x, y, y) over φ = phi[k] (≥ 4): model 0 the exact fixed-c
 * map (GPGD on the slice, d ↦ |f(d)|), model 1 our quasistatic quadratic approximation. Starts at d0
 * (product d0²) and records d = xy = √π. Same outputs and return value as bifurcationOverPhi.
 */
export function sliceBifurcationOverPhi(
  model: i32,
  eta: f64,
  phi: usize,
  nPhi: i32,
  d0: f64,
  N: i32,
  K: i32,
  maxPeriod: i32,
  tol: f64,
  divergeAt: f64,
  outValues: usize,
  outPeriod: usize,
  outStatus: usize,
  outLyapunov: usize,
): i32 {
  if (!validSizes(2, nPhi, N, K, maxPeriod) || (model != 0 && model != 1)) return -1;
  orbitEta = eta;
  orbitD = 4;
  for (let k = 0; k < nPhi; k++) {
    const out = outValues + ((<usize>k * <usize>K) << 3);
    const phiK = ld(phi, k);
    let status: i32;
    if (!isFinite(phiK) || !isFinite(d0) || !(phiK >= 4.0)) {
      for (let j = 0; j < K; j++) st(out, j, NaN);
      orbitPeriodOut = 0;
      orbitLyapunovOut = NaN;
      status = Status.nonFinite;
    } else if (model == 0 && !(d0 > 0.0)) {
      for (let j = 0; j < K; j++) st(out, j, NaN);
      orbitPeriodOut = 0;
      orbitLyapunovOut = NaN;
      status = Status.noGfs;
    } else {
      slicePhi = phiK;
      sliceC4 = Math.max(0.25 * phiK * phiK - 4.0, 0.0);
      status = iterate(model == 0 ? SLICE_EXACT : SLICE_QUASISTATIC, d0, N, K, maxPeriod, tol, divergeAt, out);
    }
    store<i32>(outPeriod + (<usize>k << 2), orbitPeriodOut);
    store<u8>(outStatus + <usize>k, <u8>status);
    st(outLyapunov, k, orbitLyapunovOut);
  }
  return RESULT_OK;
}
