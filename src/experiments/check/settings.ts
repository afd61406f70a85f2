/**
 * Options of `eoslab check`: the option set with the defaults, the method's fixed parameters, the
 * rounding tolerances (mirrors of the kernel's constants), and their resolution and validation
 * into a `ResolvedCheck` (errors name the option and the value; nothing runs before every option
 * is checked).
 */
import { numberOption, OPTIONS } from '../../base/options.js';
import { CORES, defineOptions, resolveOptions } from '../../base/optionSet.js';

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

/** Fixed parameters of the check's samples and of its Lemma 3.13 points (not options). */
export const CHECK_METHOD = {
  /** p₀ of the samples, log-uniform on this range. */
  productRange: [0.05, 5] as readonly [number, number],
  /** φ₀'s upper end as a multiple of 𝕊's bound 2√2/η. */
  phiMaxFactor: 1.25,
  /** Lemma 3.13 points: φ ∈ [(1 + μ)/η, (2 − μ)/η] (and φ ≥ D), μ = this. */
  gpgdMargin: 0.05,
  /** GPGD step budget per Lemma 3.13 point (the kernel caps it at 8191). */
  gpgdSteps: 4000,
} as const;

/**
 * The options of `check` and `eoslab check`, with their defaults. The last four are the
 * library's only (no flag on the command line).
 */
export const CHECK_OPTIONS = defineOptions({
  depth: { spec: OPTIONS.depth, default: 4 },
  eta: { spec: OPTIONS.eta, default: 0.1 },
  samples: { spec: OPTIONS.samples, default: 1000 },
  seed: { spec: OPTIONS.seed, default: 1 },
  steps: { spec: OPTIONS.stepBudget, default: 20000 },
  tol: { spec: OPTIONS.tol, help: 'a run has converged when its loss is below tol', default: 1e-14 },
  divergeAt: { spec: OPTIONS.divergeAt, default: 1e6 },
  workers: { spec: OPTIONS.workers, default: CORES },
  /** The constant C of the derived Lemma 3.12 bound φ⁺ ≥ φ − C η² max(1, π²) L φ³ (docs/model.md §1.8). */
  lemma312Constant: {
    spec: numberOption('lemma312Constant', 'lemma312-constant', 'constant C of the derived Lemma 3.12 bound', {
      min: 0,
    }),
    default: 2,
  },
  /**
   * Theorem 3.3's "small enough" loss at the crossing, chosen by measurement (README): the
   * counters of Theorem 3.3 apply to the runs with L(t₀) ≤ this.
   */
  thm33SmallLoss: {
    spec: numberOption('thm33SmallLoss', 'thm33-small-loss', "Theorem 3.3's small loss at the crossing", {
      exclusiveMin: 0,
    }),
    default: 1e-2,
  },
  /**
   * K of our empirical bound on the final gap, (2/η − S∞)/(2/η) ≤ K·√max(L(t₀ − 1), L(t₀)) (not
   * the paper's constant, which is lost; README gives the measured largest ratio).
   */
  thm33GapConstant: {
    spec: numberOption('thm33GapConstant', 'thm33-gap-constant', 'K of the final-gap bound', { exclusiveMin: 0 }),
    default: 1,
  },
  /** Lemma 3.13 points: |π₀ − 1| ≤ β · min(ηφ − 1, 2 − ηφ), β = this (log-uniform over 4 decades). */
  gpgdNeighbourhood: {
    spec: numberOption('gpgdNeighbourhood', 'gpgd-neighbourhood', 'β of the Lemma 3.13 points’ neighbourhood', {
      exclusiveMin: 0,
    }),
    default: 0.25,
  },
});

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
  /** Constant C of the Lemma 3.12 bound (default 2, our derivation, model.md §1.8). */
  lemma312Constant?: number;
  /** Theorem 3.3's "small enough" loss at the crossing (default 1e-2). */
  thm33SmallLoss?: number;
  /** K of the final-gap bound (default 1). */
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

/** The φ band of the Lemma 3.13 points for (D, η), or null when empty. */
export function gpgdBand(depth: number, eta: number): readonly [number, number] | null {
  const mu = CHECK_METHOD.gpgdMargin;
  const lo = Math.max((1 + mu) / eta, depth);
  const hi = (2 - mu) / eta;
  return hi > lo ? [lo, hi] : null;
}

export function resolveCheckOptions(options: CheckOptions = {}): ResolvedCheck {
  const o = resolveOptions(CHECK_OPTIONS, options);
  return {
    depth: o.depth,
    eta: o.eta,
    samples: o.samples,
    seed: o.seed,
    steps: o.steps,
    tol: o.tol,
    divergeAt: o.divergeAt,
    lemma312Constant: o.lemma312Constant,
    workers: o.workers,
    phiMax: Math.max(CHECK_METHOD.phiMaxFactor * ((2 * Math.SQRT2) / o.eta), o.depth + 1),
    productRange: CHECK_METHOD.productRange,
    thm33SmallLoss: o.thm33SmallLoss,
    thm33GapConstant: o.thm33GapConstant,
    gpgdBand: gpgdBand(o.depth, o.eta),
    gpgdNeighbourhood: o.gpgdNeighbourhood,
    gpgdSteps: CHECK_METHOD.gpgdSteps,
  };
}
