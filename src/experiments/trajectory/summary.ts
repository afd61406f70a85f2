/**
 * What a GD run on the scalar network reports (Kreisler et al. 2023, Thm 3.2, Thm 3.3, Fig 9): where
 * φ first reaches 2/η and the loss there, how often φ increased, and the final S, φ and loss.
 */
import type { Trajectory } from '../../api.js';

/**
 * The first step at which φ is at or below 2/η after starting above it (Fig 9): its index and the
 * loss there. A large loss at the crossing predicts a final sharpness well below 2/η (Theorem 3.3).
 */
export function thresholdCrossing(t: Trajectory, eta: number): { step: number; loss: number } | null {
  const threshold = 2 / eta;
  if (!((t.gfsSharpness[0] as number) > threshold)) return null;
  for (let i = 1; i < t.rows; i++) {
    if ((t.gfsSharpness[i] as number) <= threshold) return { step: i, loss: t.loss[i] as number };
  }
  return null;
}

/** φ is recomputed from scratch at every step: changes below this relative size are rounding. */
export const INCREASE_RTOL = 1e-12;

/** Number of steps at which φ increased by more than rounding (Theorem 3.2 says none inside 𝕊). */
export function countIncreases(values: Float64Array, rtol = INCREASE_RTOL): number {
  let n = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] as number) > (values[i - 1] as number) * (1 + rtol)) n++;
  }
  return n;
}

/** The summary of a run (printed and written to manifest.json). */
export function trajectorySummary(
  t: Trajectory,
  eta: number,
  crossing: { step: number; loss: number } | null = thresholdCrossing(t, eta),
) {
  const last = t.rows - 1;
  return {
    rows: t.rows,
    outcome: t.outcome,
    initialGfsSharpness: t.gfsSharpness[0],
    finalSharpness: t.sharpness[last],
    finalGfsSharpness: t.gfsSharpness[last],
    finalLoss: t.loss[last],
    stabilityThreshold: 2 / eta,
    /** S∞/(2/η): the final sharpness as a fraction of the stability threshold. */
    finalSharpnessRatio: ((t.sharpness[last] as number) * eta) / 2,
    gfsSharpnessIncreases: countIncreases(t.gfsSharpness),
    /** The first step with φ ≤ 2/η after starting above (null: φ₀ ≤ 2/η or never). */
    crossingStep: crossing?.step ?? null,
    /** The loss at that step (Fig 9: large here predicts a final S well below 2/η). */
    lossAtCrossing: crossing?.loss ?? null,
    finalWeights: t.final,
  };
}
