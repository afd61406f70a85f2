/**
 * The colour scale and status layer of the sharpness heatmap (the paper's Fig 3), shared by the
 * CLI's figure (src/experiments/heatmap/figures.ts) and the explorer page (web/): converged cells
 * through viridis on S/(2/η) over [vmin, 1], every other status in its own colour.
 */
import { Status } from '../wasm/status.js';

/** Status classes drawn over the colour map in the Fig 3 heatmap. */
export const STATUS_CLASSES = [
  { code: Status.diverged, label: 'diverged', color: '#d7301f' },
  { code: Status.maxSteps, label: 'not converged (max steps)', color: '#f0f0f0' },
  { code: Status.noGfs, label: 'no GFS (π₀ ≤ 0)', color: '#000000' },
  { code: Status.nonFinite, label: 'non-finite', color: '#ff00ff' },
] as const;

/**
 * Lower end of the colour scale of S/(2/η): the smallest finite value rounded down to a tenth,
 * at most 0.9 (0 when there is none); the upper end is 1.
 */
export function sharpnessScaleMin(lowestFinite: number): number {
  return Number.isFinite(lowestFinite) ? Math.min(0.9, Math.floor(lowestFinite * 10) / 10) : 0;
}
