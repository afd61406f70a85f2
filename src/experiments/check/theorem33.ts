/**
 * Theorem 3.3 statistics of `eoslab check` (Kreisler et al. 2023, Thm 3.3): for runs in 𝕊 whose φ
 * crosses 2/η at t₀, the loss at the crossing, the final gap 2/η − S∞ and the part of it made after
 * the crossing, the two-step loss decay and the counters of the theorem's claims.
 */
import type { CheckRun } from './record.js';
import { quantiles, slope, type Quantiles, type ViolationCount } from './stats.js';

/**
 * Theorem 3.3 statistics of a group of crossing runs (all in 𝕊 at t = 0). Lc = max(L(t₀ − 1), L(t₀))
 * is the loss at the crossing (both sides of the step that crosses 2/η).
 */
export interface Theorem33Group {
  runs: number;
  converged: number;
  /** Not converged within the step budget (not a violation while the loss decays, rate < 1). */
  maxSteps: number;
  /** Diverged or reached π ≤ 0 after the crossing. */
  failed: number;
  /** L(t + 2) > L(t)(1 + LOSS_RTOL) for some t ≥ t₀. */
  twoStepIncreases: ViolationCount;
  /** Fitted two-step rate ≥ 1, or not available for a run that did not converge. */
  rateNotBelowOne: number;
  /** Converged runs with (2/η − S∞)/(2/η) > gapConstant·√Lc. */
  gapAboveBound: number;
  /** Runs with any of: failed, a two-step increase, rate not below 1, gap above the bound. */
  violations: number;
  crossingStep: Quantiles;
  /** L(t₀). */
  lossAtCrossing: Quantiles;
  /** L(t₀ − 1). */
  lossBeforeCrossing: Quantiles;
  /** (2/η − S∞)/(2/η) of the converged runs. */
  finalGap: Quantiles;
  /** (2/η − φ(t₀))/(2/η): the gap already there at the crossing (made by the step before). */
  gapAtCrossing: Quantiles;
  /** (φ(t₀) − φ∞)/(2/η) of the converged runs: the part of the gap made after the crossing. */
  dropAfterCrossing: Quantiles;
  decayRate: Quantiles;
  maxTwoStepRatio: number;
  /** max over converged runs of finalGap/√Lc (the bound's constant is gapConstant). */
  maxGapOverSqrtLoss: number;
  /** max over converged runs of dropAfterCrossing/√L(t₀). */
  maxDropOverSqrtLoss: number;
  /** Least-squares slope of log dropAfterCrossing against log L(t₀) over the converged runs. */
  dropLogSlope: number;
}

function emptyGroup(): Theorem33Group {
  return {
    runs: 0,
    converged: 0,
    maxSteps: 0,
    failed: 0,
    twoStepIncreases: { runs: 0, steps: 0 },
    rateNotBelowOne: 0,
    gapAboveBound: 0,
    violations: 0,
    crossingStep: quantiles([]),
    lossAtCrossing: quantiles([]),
    lossBeforeCrossing: quantiles([]),
    finalGap: quantiles([]),
    gapAtCrossing: quantiles([]),
    dropAfterCrossing: quantiles([]),
    decayRate: quantiles([]),
    maxTwoStepRatio: 0,
    maxGapOverSqrtLoss: 0,
    maxDropOverSqrtLoss: 0,
    dropLogSlope: Number.NaN,
  };
}

/** max(L(t₀ − 1), L(t₀)): the loss on both sides of the step that crosses 2/η. */
export function crossingLoss(run: Pick<CheckRun, 'lossAtCrossing' | 'lossBeforeCrossing'>): number {
  return Math.max(run.lossAtCrossing, run.lossBeforeCrossing);
}

/** Theorem 3.3 statistics of crossing runs (see Theorem33Group). */
export function theorem33Group(eta: number, gapConstant: number, runs: readonly CheckRun[]): Theorem33Group {
  const g = emptyGroup();
  const threshold = 2 / eta;
  const gaps: number[] = [];
  const logDrops: number[] = [];
  const logLosses: number[] = [];
  const drops: number[] = [];
  for (const run of runs) {
    g.runs++;
    const failed = run.status === 'diverged' || run.status === 'no-gfs';
    if (run.status === 'converged') g.converged++;
    else if (run.status === 'max-steps') g.maxSteps++;
    else g.failed++;
    if (run.twoStepIncreases > 0) {
      g.twoStepIncreases.runs++;
      g.twoStepIncreases.steps += run.twoStepIncreases;
    }
    const rateBad = Number.isFinite(run.decayRate) ? !(run.decayRate < 1) : run.status !== 'converged';
    if (rateBad) g.rateNotBelowOne++;
    let gapBad = false;
    g.maxTwoStepRatio = Math.max(g.maxTwoStepRatio, run.maxTwoStepRatio);
    if (run.status === 'converged') {
      const gap = (threshold - run.finalSharpness) / threshold;
      const drop = (run.gfsSharpnessAtCrossing - run.finalGfsSharpness) / threshold;
      const root = Math.sqrt(crossingLoss(run));
      gapBad = !(gap <= gapConstant * root);
      if (gapBad) g.gapAboveBound++;
      gaps.push(gap);
      drops.push(drop);
      logDrops.push(drop > 0 ? Math.log(drop) : Number.NaN);
      logLosses.push(Math.log(run.lossAtCrossing));
      if (root > 0) g.maxGapOverSqrtLoss = Math.max(g.maxGapOverSqrtLoss, gap / root);
      if (run.lossAtCrossing > 0) {
        g.maxDropOverSqrtLoss = Math.max(g.maxDropOverSqrtLoss, drop / Math.sqrt(run.lossAtCrossing));
      }
    }
    if (failed || run.twoStepIncreases > 0 || rateBad || gapBad) g.violations++;
  }
  g.crossingStep = quantiles(runs.map((r) => r.crossingStep));
  g.lossAtCrossing = quantiles(runs.map((r) => r.lossAtCrossing));
  g.lossBeforeCrossing = quantiles(runs.map((r) => r.lossBeforeCrossing));
  g.gapAtCrossing = quantiles(runs.map((r) => (threshold - r.gfsSharpnessAtCrossing) / threshold));
  g.decayRate = quantiles(runs.map((r) => r.decayRate));
  g.finalGap = quantiles(gaps);
  g.dropAfterCrossing = quantiles(drops);
  g.dropLogSlope = slope(logLosses, logDrops);
  return g;
}
