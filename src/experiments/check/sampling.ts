/**
 * The random starts of `eoslab check`; each is a pure function of (seed, index), so the counts do
 * not depend on the number of workers.
 *
 * Distribution of the initialisations (the (φ₀, p₀) family of model.md §2 with random directions):
 *   c ~ 𝒩(0, I_D) projected onto Σcᵢ = 0;  φ₀ ~ U(D, φ_hi] with φ_hi = max(1.25·2√2/η, D + 1)
 *   (so that some starts fail 𝕊's condition φ ≤ 2√2/η);  p₀ log-uniform on [0.05, 5] (fig3's
 *   range);  w⁽⁰⁾ = the point of product p₀ on the GF line of the minimum with sharpness φ₀ in
 *   direction c. All weights are positive (the dynamics depend only on |w| and sign π, model.md §1.4).
 * Random numbers: sfc32 seeded per sample from (seed, index) through the MurmurHash3 finaliser.
 * The Lemma 3.13/3.14 points (`drawGpgdPoint`) come from a separate stream of the same seed.
 */
import { Sfc32 } from '../../base/random.js';
import type { ResolvedCheck } from './settings.js';

export interface CheckSample {
  direction: Float64Array;
  phi0: number;
  p0: number;
}

/** The index-th random initialisation of a check (a pure function of its arguments). */
export function drawCheckSample(
  r: Pick<ResolvedCheck, 'seed' | 'depth' | 'phiMax' | 'productRange'>,
  index: number,
): CheckSample {
  const rng = new Sfc32(r.seed >>> 0, index >>> 0);
  const D = r.depth;
  const c = randomDirection(rng, D);
  const phi0 = r.phiMax - (r.phiMax - D) * rng.uniform(); // (D, phiMax]
  const [lo, hi] = r.productRange;
  const p0 = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.uniform());
  return { direction: c, phi0, p0 };
}

/** c ~ 𝒩(0, I_D) projected onto Σcᵢ = 0. */
function randomDirection(rng: Sfc32, D: number): Float64Array {
  const c = new Float64Array(D);
  let mean = 0;
  for (let i = 0; i < D; i++) {
    const u1 = 1 - rng.uniform(); // (0, 1]
    const u2 = rng.uniform();
    c[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    mean += c[i] as number;
  }
  mean /= D;
  for (let i = 0; i < D; i++) c[i] = (c[i] as number) - mean;
  return c;
}

/** Stream tweak of the Lemma 3.13/3.14 points' generator (independent of the GD samples'). */
const GPGD_STREAM = 0x6a09e667;

export interface GpgdSample {
  direction: Float64Array;
  /** φ of the point's balance class. */
  phi: number;
  /** π₀ − 1. */
  b0: number;
}

/**
 * The index-th Lemma 3.13/3.14 point (null when the band is empty): c as for the GD samples,
 * φ ~ U[band], |π₀ − 1| = β·min(ηφ − 1, 2 − ηφ)·10^(−4u) (u ~ U[0, 1)) with a random sign; the
 * point is the (φ, 1 + b₀) family point in direction c.
 */
export function drawGpgdPoint(
  r: Pick<ResolvedCheck, 'seed' | 'depth' | 'eta' | 'gpgdBand' | 'gpgdNeighbourhood'>,
  index: number,
): GpgdSample | null {
  if (r.gpgdBand === null) return null;
  const rng = new Sfc32((r.seed ^ GPGD_STREAM) >>> 0, index >>> 0);
  const direction = randomDirection(rng, r.depth);
  const [lo, hi] = r.gpgdBand;
  const phi = lo + (hi - lo) * rng.uniform();
  const room = Math.min(r.eta * phi - 1, 2 - r.eta * phi);
  const size = r.gpgdNeighbourhood * room * 10 ** (-4 * rng.uniform());
  const b0 = rng.uniform() < 0.5 ? -size : size;
  return { direction, phi, b0 };
}

/** The GD starts' distribution, as written into the report and the manifest. */
export const DISTRIBUTION =
  'c ~ N(0, I_D) projected onto Σc = 0; φ₀ ~ U(D, max(1.25·2√2/η, D + 1)]; p₀ log-uniform on [0.05, 5]; ' +
  'w⁽⁰⁾ = the (φ₀, p₀) family point of docs/model.md §2 in direction c (positive weights); sfc32 seeded per sample ' +
  'from (seed, index)';

/** The Lemma 3.13/3.14 points' distribution, as written into the report and the manifest. */
export const GPGD_DISTRIBUTION =
  'c as above; φ ~ U[max(D, (1 + μ)/η), (2 − μ)/η], μ = 0.05; π₀ = 1 ± β·min(ηφ − 1, 2 − ηφ)·10^(−4u), ' +
  'u ~ U[0, 1), random sign; the (φ, π₀) family point in direction c; sfc32 seeded from (seed ^ 0x6a09e667, index)';
