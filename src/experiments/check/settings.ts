/**
 * Options of `eoslab check`: the defaults, the rounding tolerances (mirrors of the kernel's
 * constants), and their resolution and validation into a `ResolvedCheck` (errors name the option
 * and the value; nothing runs before every option is checked).
 */
import { availableParallelism } from 'node:os';
import { invalidOption } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';

/**
 * Tolerances for rounding (mirrors of the constants in assembly/scalar/checks/theorems.ts):
 *  PHI_RTOL        φ increase counted only above φ·1e-10 (Theorem 3.2; also the slack of Lemma 3.12)
 *  BALANCE_RTOL    a balance gap may grow by 1e-12·max wᵢ² (Lemma 3.10)
 *  SIGN_RTOL       aᵢ < 1 + 1e-12 (Lemma 3.11)
 *  SHARPNESS_RTOL  final S ≤ (2/η)(1 + 1e-6): S − φ = O(√L) ≈ 1e-7 at L = 1e-14
 *  CERT_RTOL       margin of the certified membership test (a failed certificate goes to the
 *                  reference kernel, which alone can declare an iterate outside 𝕊)
 *  LOSS_RTOL       a two-step loss increase after the crossing counts above L·1e-6 (L's rounding
 *                  is ≤ 5e-9 relative down to L = 1e-14) (Theorem 3.3)
 *  FINAL_RATE_ATOL |L(T)/L(T − 2) − (1 − ηS∞)⁴| ≤ 1e-5 at convergence (measured ≤ 1e-7)
 *  B_STOP, B_RATE  GPGD runs until |π − 1| ≤ 1e-9; its local rate is read at |π − 1| ≤ 1e-7
 *  RATE_ATOL       |r − |1 − ηφ|| ≤ 1e-5 there (Lemma 3.13; curvature and rounding ≪ 1e-5)
 *  PRODUCT_ATOL    64ε on |π − 1| in the Lemma 3.14 comparison
 */
export const CHECK_TOLERANCES = {
  PHI_RTOL: 1e-10,
  BALANCE_RTOL: 1e-12,
  SIGN_RTOL: 1e-12,
  SHARPNESS_RTOL: 1e-6,
  CERT_RTOL: 1e-9,
  LOSS_RTOL: 1e-6,
  FINAL_RATE_ATOL: 1e-5,
  B_STOP: 1e-9,
  B_RATE: 1e-7,
  RATE_ATOL: 1e-5,
  PRODUCT_ATOL: 64 * Number.EPSILON,
} as const;

export const CHECK_DEFAULTS = {
  depth: 4,
  eta: 0.1,
  samples: 1000,
  seed: 1,
  steps: 20000,
  tol: 1e-14,
  divergeAt: 1e6,
  /** The constant C of the derived Lemma 3.12 bound φ⁺ ≥ φ − C η² max(1, π²) L φ³ (SPEC §1.8). */
  lemma312Constant: 2,
  productRange: [0.05, 5] as readonly [number, number],
  /** φ₀'s upper end as a multiple of 𝕊's bound 2√2/η. */
  phiMaxFactor: 1.25,
  /**
   * Theorem 3.3's "small enough" loss at the crossing, chosen by measurement (README): the
   * counters of Theorem 3.3 apply to the runs with L(t₀) ≤ this.
   */
  thm33SmallLoss: 1e-2,
  /**
   * K of our empirical bound on the final gap, (2/η − S∞)/(2/η) ≤ K·√max(L(t₀ − 1), L(t₀)) (not
   * the paper's constant, which is lost; README gives the measured largest ratio).
   */
  thm33GapConstant: 1,
  /** Lemma 3.13 points: φ ∈ [(1 + μ)/η, (2 − μ)/η] (and φ ≥ D), μ = this. */
  gpgdMargin: 0.05,
  /** Lemma 3.13 points: |π₀ − 1| ≤ β · min(ηφ − 1, 2 − ηφ), β = this (log-uniform over 4 decades). */
  gpgdNeighbourhood: 0.25,
  /** GPGD step budget per Lemma 3.13 point (the kernel caps it at 8191). */
  gpgdSteps: 4000,
} as const;

export interface CheckOptions {
  depth?: number;
  eta?: number;
  samples?: number;
  seed?: number;
  /** GD step budget per run. */
  steps?: number;
  /** Convergence: loss < tol. */
  tol?: number;
  divergeAt?: number;
  /** Constant C of the Lemma 3.12 bound (default 2, SPEC's derivation). */
  lemma312Constant?: number;
  /** Theorem 3.3's "small enough" loss at the crossing (default CHECK_DEFAULTS.thm33SmallLoss). */
  thm33SmallLoss?: number;
  /** K of the final-gap bound (default CHECK_DEFAULTS.thm33GapConstant). */
  thm33GapConstant?: number;
  /** β of the Lemma 3.13 points' neighbourhood |π₀ − 1| ≤ β·min(ηφ − 1, 2 − ηφ) (default 0.25). */
  gpgdNeighbourhood?: number;
  /** Worker threads (default: available cores; 0: this thread). */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedCheck {
  depth: number;
  eta: number;
  samples: number;
  seed: number;
  steps: number;
  tol: number;
  divergeAt: number;
  lemma312Constant: number;
  workers: number;
  /** φ₀ ~ U(depth, phiMax]. */
  phiMax: number;
  productRange: readonly [number, number];
  thm33SmallLoss: number;
  thm33GapConstant: number;
  /** φ range of the Lemma 3.13/3.14 points; null when it is empty (2 − μ)/η ≤ max(D, (1 + μ)/η). */
  gpgdBand: readonly [number, number] | null;
  gpgdNeighbourhood: number;
  gpgdSteps: number;
}

/** A finite number > 0 (library-only options). */
function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw invalidOption(name, value, 'a finite number > 0');
  }
  return value;
}

/** The Lemma 3.12 constant C (SPEC §1.8 derives 2; the paper's is unknown). */
export function checkLemmaConstant(value: unknown): number {
  const c = value ?? CHECK_DEFAULTS.lemma312Constant;
  if (typeof c !== 'number' || !(c >= 0) || !Number.isFinite(c)) {
    throw invalidOption('lemma312Constant', c, 'a finite number >= 0');
  }
  return c;
}

/** The φ band of the Lemma 3.13 points for (D, η), or null when empty. */
export function gpgdBand(depth: number, eta: number): readonly [number, number] | null {
  const mu = CHECK_DEFAULTS.gpgdMargin;
  const lo = Math.max((1 + mu) / eta, depth);
  const hi = (2 - mu) / eta;
  return hi > lo ? [lo, hi] : null;
}

export function resolveCheckOptions(options: CheckOptions = {}): ResolvedCheck {
  const depth = OPTIONS.depth.check(options.depth ?? CHECK_DEFAULTS.depth, 'depth');
  const eta = OPTIONS.eta.check(options.eta ?? CHECK_DEFAULTS.eta, 'eta');
  const lemma312Constant = checkLemmaConstant(options.lemma312Constant);
  return {
    depth,
    eta,
    samples: OPTIONS.samples.check(options.samples ?? CHECK_DEFAULTS.samples, 'samples'),
    seed: OPTIONS.seed.check(options.seed ?? CHECK_DEFAULTS.seed, 'seed'),
    steps: OPTIONS.maxSteps.check(options.steps ?? CHECK_DEFAULTS.steps, 'steps'),
    tol: OPTIONS.tol.check(options.tol ?? CHECK_DEFAULTS.tol, 'tol'),
    divergeAt: OPTIONS.divergeAt.check(options.divergeAt ?? CHECK_DEFAULTS.divergeAt, 'divergeAt'),
    lemma312Constant,
    workers: options.workers !== undefined ? OPTIONS.workers.check(options.workers, 'workers') : availableParallelism(),
    phiMax: Math.max(CHECK_DEFAULTS.phiMaxFactor * ((2 * Math.SQRT2) / eta), depth + 1),
    productRange: CHECK_DEFAULTS.productRange,
    thm33SmallLoss: checkPositive('thm33SmallLoss', options.thm33SmallLoss ?? CHECK_DEFAULTS.thm33SmallLoss),
    thm33GapConstant: checkPositive('thm33GapConstant', options.thm33GapConstant ?? CHECK_DEFAULTS.thm33GapConstant),
    gpgdBand: gpgdBand(depth, eta),
    gpgdNeighbourhood: checkPositive(
      'gpgdNeighbourhood',
      options.gpgdNeighbourhood ?? CHECK_DEFAULTS.gpgdNeighbourhood,
    ),
    gpgdSteps: CHECK_DEFAULTS.gpgdSteps,
  };
}
