/**
 * Zhu et al.'s slice (x, x, y, y) of the depth-4 scalar network (Kreisler et al. 2023, Fig 10):
 * on it GPGD is the exact fixed-c map of d = xy (c² = x² − y², φ = 2√(c⁴ + 4)); its quasistatic
 * approximation is ours (second order in b = d − 1, not Zhu et al.'s own recursion). The two maps
 * point by point, and their bifurcation diagrams over a φ axis (kernels: `assembly/scalar/orbit.ts`).
 */
import { engine as defaultEngine } from '../../api.js';
import { checkHooks, invalidOption } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { pick, resolveOptions } from '../../base/optionSet.js';
import { runChunks, type BifurcationResult, type SliceModel } from './chunks.js';
import {
  AXIS_OPTIONS,
  checkSize,
  resolveAxis,
  resolveOrbitSettings,
  type OrbitOptions,
  type RunHooks,
} from './settings.js';

export interface SliceBifurcationOptions extends Omit<OrbitOptions, 'method'>, RunHooks {
  /** 'exact' (GPGD on the slice) or 'quasistatic' (our quadratic approximation of it). */
  model: SliceModel;
  phi?: ArrayLike<number>;
  phiRange?: readonly [number, number];
  points?: number;
  /** Start product p₀ > 0 (d₀ = √p₀; default 1.5). */
  p0?: number;
}

/**
 * Bifurcation diagram on Zhu et al.'s slice (x, x, y, y) over φ = 2√(c⁴ + 4) (Fig 10), recording
 * d = xy = √π: the exact fixed-c map (= GPGD) or our quasistatic approximation of it.
 */
export async function sliceBifurcation(options: SliceBifurcationOptions): Promise<BifurcationResult> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  const model = options.model;
  if (model !== 'exact' && model !== 'quasistatic') throw invalidOption('model', model, 'one of exact, quasistatic');
  const phi = resolveAxis(options, 4, 'φ ≥ 4 on the slice');
  const { p0 } = resolveOptions(pick(AXIS_OPTIONS, 'p0'), options);
  const settings = resolveOrbitSettings({ ...options, method: 'map' });
  checkSize(phi.length, settings.keep);
  const d0 = Math.sqrt(p0);
  return runChunks(
    'slice',
    phi.length,
    settings,
    (start, count) => ({ kind: 'slice', settings, model, d0, phi: phi.slice(start, start + count), start }),
    options,
  );
}

function checkFinite(value: unknown, label: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidOption(label, value, 'a finite number');
  return value;
}

/** The exact fixed-c map of the slice (x, x, y, y): d⁺ = d[1 − η(d²−1)√(c⁴+4d²) + η²(d²−1)²d²], c² = x² − y². */
export function sliceFixedCMap(c2: number, eta: number, d: number): number {
  const k = defaultEngine().kernels;
  return k.sliceFixedCMap(checkFinite(c2, 'c2'), OPTIONS.eta.check(eta, 'eta'), checkFinite(d, 'd'));
}

/** Our quasistatic approximation of the slice map (second order in b = d − 1; not Zhu et al.'s own recursion): b⁺ = (1 − ηφ) b + κ b². */
export function quasistaticSliceMap(phi: number, eta: number, b: number): number {
  const k = defaultEngine().kernels;
  const p = checkFinite(phi, 'phi');
  if (p < 4) throw invalidOption('phi', p, 'a GFS sharpness >= 4 (the slice has φ = 2√(c⁴ + 4))');
  return k.quasistaticSliceMap(p, OPTIONS.eta.check(eta, 'eta'), checkFinite(b, 'b'));
}

/** Default φ axis of Fig 10 (slice maps): past the period doubling at 2/η = 20 up to the escape at ηφ = 3. */
export const FIG10_PHI_RANGE: readonly [number, number] = [18, 30];

/** Fig 10's φ axis (defaults: FIG10_PHI_RANGE, AXIS_OPTIONS.points values), its range checked before any work. */
export function fig10Axis(
  phiRange: readonly [number, number] | undefined,
  points: number | undefined,
): { phiRange: readonly [number, number]; points: number } {
  const axis = { phiRange: phiRange ?? FIG10_PHI_RANGE, points: points ?? AXIS_OPTIONS.points.default };
  OPTIONS.phiRange.check(axis.phiRange, 'phiRange');
  if (axis.phiRange[0] < 4) {
    throw invalidOption('phiRange', Array.from(axis.phiRange), 'GFS sharpness values >= 4 (φ ≥ 4 on the slice)');
  }
  return axis;
}

/** Whether w is a point (x, x, y, y) of the slice. */
export function onSlice(w: ArrayLike<number>): boolean {
  return w.length === 4 && w[0] === w[1] && w[2] === w[3];
}

/**
 * Fig 10's two diagrams over one φ axis: the exact fixed-c map (GPGD), then our quasistatic
 * approximation; `onProgress` counts the starts of both (done of 2n).
 */
export async function fig10Slices(
  options: Omit<SliceBifurcationOptions, 'model'>,
): Promise<{ exact: BifurcationResult; quasistatic: BifurcationResult }> {
  const exact = await sliceBifurcation({ ...options, model: 'exact' });
  const n = exact.count;
  const onProgress = options.onProgress;
  const quasistatic = await sliceBifurcation({
    ...options,
    model: 'quasistatic',
    ...(onProgress ? { onProgress: (done: number) => onProgress(n + done, 2 * n) } : {}),
  });
  return { exact, quasistatic };
}
