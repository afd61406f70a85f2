/**
 * Named presets of model.md §2, shared by the CLI, the tests and the benchmarks.
 */
import { unknownPreset } from './errors.js';

export interface TrajectoryPreset {
  readonly kind: 'trajectory';
  readonly description: string;
  /** The paper's figure(s) the preset reproduces, used in figure titles. */
  readonly figure: string;
  readonly depth: number;
  /** Balance direction c of the (φ₀, p₀) family; default: (1, …, 1, −1, …, −1). */
  readonly direction?: readonly number[];
  readonly eta: number;
  readonly phi0: number;
  readonly p0: number;
  readonly steps: number;
}

export interface HeatmapPreset {
  readonly kind: 'heatmap';
  readonly description: string;
  readonly depth: number;
  readonly eta: number;
  readonly phiRange: readonly [number, number];
  readonly productRange: readonly [number, number];
  readonly maxSteps: number;
  readonly tol: number;
  readonly divergeAt: number;
}

export const TRAJECTORY_PRESETS: Readonly<Record<string, TrajectoryPreset>> = {
  fig2: {
    kind: 'trajectory',
    description: 'Fig 2a/2b/8: D = 4, η = 0.1, (φ₀, p₀) = (26, 1.5), 3 000 steps',
    figure: 'Fig 2',
    depth: 4,
    eta: 0.1,
    phi0: 26,
    p0: 1.5,
    steps: 3000,
  },
  fig9: {
    kind: 'trajectory',
    description:
      'Fig 9: D = 4, η = 0.1, (φ₀, p₀) = (23, 4.12) in balance direction (3, 1, −1, −3), 30 steps: ' +
      'loss 5.08 when φ first crosses 2/η, final S = 0.567·2/η',
    figure: 'Fig 9',
    depth: 4,
    // Found by scanning the fig3 ranges (scripts/fig9-search.ts). In the default direction
    // (1, 1, −1, −1) no cell that converges below 0.8·2/η with π > 0 all along has a loss above ≈ 3.3
    // when φ crosses 2/η, so the paper's 5.1 needs another balance direction (the paper does not
    // give its own). In (3, 1, −1, −3) a smooth band of cells does it (φ₀ 22.4–23.1, p₀ 4.11–4.19:
    // loss 4.9–5.3 at step 1, final S 0.50–0.58·2/η); this cell sits inside the band, not on an edge.
    direction: [3, 1, -1, -3],
    eta: 0.1,
    phi0: 23,
    p0: 4.12,
    steps: 30,
  },
};

export const HEATMAP_PRESETS: Readonly<Record<string, HeatmapPreset>> = {
  fig3: {
    kind: 'heatmap',
    description: 'Fig 3: D = 4, η = 0.1, φ₀ ∈ [4.05, 34], p₀ ∈ [0.05, 5], ≤ 20 000 steps, loss < 1e-14',
    depth: 4,
    eta: 0.1,
    phiRange: [4.05, 34],
    productRange: [0.05, 5],
    maxSteps: 20000,
    tol: 1e-14,
    divergeAt: 1e6,
  },
};

export function trajectoryPreset(name: unknown): TrajectoryPreset {
  const preset =
    typeof name === 'string' && Object.hasOwn(TRAJECTORY_PRESETS, name) ? TRAJECTORY_PRESETS[name] : undefined;
  if (!preset) throw unknownPreset(name, Object.keys(TRAJECTORY_PRESETS));
  return preset;
}

export function heatmapPreset(name: unknown): HeatmapPreset {
  const preset = typeof name === 'string' && Object.hasOwn(HEATMAP_PRESETS, name) ? HEATMAP_PRESETS[name] : undefined;
  if (!preset) throw unknownPreset(name, Object.keys(HEATMAP_PRESETS));
  return preset;
}
