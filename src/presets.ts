/**
 * Named presets of SPEC §2, shared by the CLI, the tests and the benchmarks.
 */
import { unknownPreset } from './errors.js';

export interface TrajectoryPreset {
  readonly kind: 'trajectory';
  readonly description: string;
  readonly depth: number;
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
    depth: 4,
    eta: 0.1,
    phi0: 26,
    p0: 1.5,
    steps: 3000,
  },
  fig9: {
    kind: 'trajectory',
    description:
      'Fig 9: a fig3 cell with φ₀ > 2/η whose final sharpness is below 0.8·2/η (found by the 256² fig3 heatmap): φ₀ = 20.25, p₀ = 3.06, 100 steps',
    depth: 4,
    eta: 0.1,
    phi0: 20.25,
    p0: 3.06,
    steps: 100,
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
