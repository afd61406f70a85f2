/**
 * GPGD bifurcation diagrams (Kreisler et al. 2023, Fig 4, Fig 11; GPGD in docs/model.md §1.6):
 * orbits of GFS-preserving GD from many starts — a φ axis at fixed balance direction, or a list of
 * points (e.g. the iterates of a GD run) — each recorded over its last K of N steps, with its
 * period, status and Lyapunov exponent (kernels: `assembly/scalar/orbit.ts`). Zhu et al.'s slice
 * (x, x, y, y) is in `slice.ts`.
 *
 * Options are validated once (`settings.ts`; errors name the option). Starts are cut into
 * contiguous chunks that run on a Piscina pool or, with `workers: 0`, in this thread
 * (`chunks.ts`); each start's orbit depends on its own input only, so results are identical for
 * any worker count.
 */
import { checkWeights, engine as defaultEngine, resolveFamilyDirection } from '../../api.js';
import { checkHooks, conflict, invalidOption } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { pick, resolveOptions } from '../../base/optionSet.js';
import { runChunks, runOrbitTask, type BifurcationResult } from './chunks.js';
import {
  AXIS_OPTIONS,
  checkSize,
  ORBIT_OPTIONS,
  orbitStatusLabel,
  resolveAxis,
  resolveOrbitSettings,
  type OrbitOptions,
  type OrbitSettings,
  type RunHooks,
} from './settings.js';

export interface PhiAxisOptions extends OrbitOptions, RunHooks {
  /** Explicit φ values (each ≥ D); or phiRange + points. */
  phi?: ArrayLike<number>;
  /** Inclusive φ range [a, b], with `points` values. */
  phiRange?: readonly [number, number];
  /** Number of φ values on phiRange (default 600). */
  points?: number;
  /** Balance direction c (Σc = 0); default: docs/model.md §2's for the depth. */
  direction?: ArrayLike<number>;
  /** Depth D (default: the direction's length, or 4). */
  depth?: number;
  /** Start product of every orbit: the (φ, p₀) family point (default 1.5). */
  p0?: number;
}

export interface ResolvedPhiAxis {
  readonly phi: Float64Array;
  readonly direction: Float64Array;
  readonly depth: number;
  readonly p0: number;
  readonly settings: OrbitSettings;
}

/** Validates the options of `bifurcationOverPhi`. */
export function resolvePhiAxisOptions(options: PhiAxisOptions): ResolvedPhiAxis {
  const { direction, depth } = resolveFamilyDirection(options);
  const phi = resolveAxis(options, depth, 'φ ≥ D');
  const { p0 } = resolveOptions(pick(AXIS_OPTIONS, 'p0'), options);
  const settings = resolveOrbitSettings(options);
  checkSize(phi.length, settings.keep);
  return { phi, direction, depth, p0, settings };
}

/**
 * The dense bifurcation diagram at a fixed balance direction (Fig 4, dense version): for each φ,
 * GPGD from the (φ, p₀) family point — the balance class of GFS sharpness φ — for N steps.
 */
export async function bifurcationOverPhi(options: PhiAxisOptions): Promise<BifurcationResult> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  const r = resolvePhiAxisOptions(options);
  const direction = Array.from(r.direction);
  return runChunks(
    'phi-axis',
    r.phi.length,
    r.settings,
    (start, count) => ({
      kind: 'phi-axis',
      settings: r.settings,
      direction,
      p0: r.p0,
      phi: r.phi.slice(start, start + count),
      start,
    }),
    options,
  );
}

export interface PointsOptions extends OrbitOptions, RunHooks {
  /** Start points: a list of weight vectors of one depth, or a flat row-major array with `depth`. */
  points: ArrayLike<ArrayLike<number>> | Float64Array;
  /** Depth of a flat `points` array. */
  depth?: number;
}

/** Validates start points into a flat row-major array. */
export function checkPoints(points: unknown, depth?: number): { flat: Float64Array; depth: number; count: number } {
  if (points instanceof Float64Array) {
    if (depth === undefined) throw conflict('a flat points array needs depth', 'depth');
    const D = OPTIONS.depth.check(depth, 'depth');
    if (points.length === 0 || points.length % D !== 0) {
      throw invalidOption('points', `array of ${points.length} numbers`, `a multiple of the depth ${D}`);
    }
    for (let i = 0; i < points.length; i++) {
      if (!Number.isFinite(points[i])) throw invalidOption('points', `entry ${i} = ${points[i]}`, 'finite weights');
    }
    return { flat: points, depth: D, count: points.length / D };
  }
  if (!Array.isArray(points) || points.length === 0) {
    throw invalidOption('points', points, 'a non-empty list of weight vectors');
  }
  const first = checkWeights(points[0], 'points[0]');
  const D = first.length;
  if (depth !== undefined && depth !== D) throw invalidOption('depth', depth, `the points' depth ${D}`);
  const flat = new Float64Array(points.length * D);
  points.forEach((p, i) => {
    const w = checkWeights(p, `points[${i}]`);
    if (w.length !== D) throw invalidOption(`points[${i}]`, Array.from(w), `${D} weights (the depth of points[0])`);
    flat.set(w, i * D);
  });
  return { flat, depth: D, count: points.length };
}

/**
 * GPGD orbits from given start points (Fig 4 over a GD run, Fig 11): each orbit keeps its point's
 * balance class (φ is constant) and starts at its product.
 */
export async function bifurcationFromPoints(options: PointsOptions): Promise<BifurcationResult> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  const { flat, depth, count } = checkPoints(options.points, options.depth);
  const settings = resolveOrbitSettings(options);
  checkSize(count, settings.keep);
  return runChunks(
    'points',
    count,
    settings,
    (start, n) => ({
      kind: 'points',
      settings,
      depth,
      points: flat.slice(start * depth, (start + n) * depth),
      start,
    }),
    options,
  );
}

export interface Orbit {
  /** The last K values (products π). */
  orbit: Float64Array;
  period: number;
  status: string;
  lyapunov: number;
  /** φ(w), constant along the orbit. */
  gfsSharpness: number;
}

/** One GPGD orbit from w, in this thread. */
export function gpgdOrbit(w: ArrayLike<number>, options: OrbitOptions = {}): Orbit {
  const weights = checkWeights(w);
  const settings = resolveOrbitSettings(options);
  const chunk = runOrbitTask(defaultEngine(), {
    kind: 'points',
    settings,
    depth: weights.length,
    points: weights,
    start: 0,
  });
  return {
    orbit: chunk.orbits,
    period: chunk.period[0] as number,
    status: orbitStatusLabel(chunk.status[0] as number),
    lyapunov: chunk.lyapunov[0] as number,
    gfsSharpness: chunk.phi[0] as number,
  };
}

/**
 * The smallest period p ≤ maxPeriod (and ≤ n/2) of a recorded sequence within the relative
 * tolerance `periodTol` (the orbit kernels' test); 0 when there is none.
 */
export function detectPeriod(
  values: ArrayLike<number>,
  options: { maxPeriod?: number; periodTol?: number } = {},
): number {
  const ok = Array.isArray(values) || values instanceof Float64Array;
  if (!ok || values.length < 2) throw invalidOption('values', values, 'a list of at least 2 numbers');
  const n = values.length;
  const maxPeriod = OPTIONS.maxPeriod.check(options.maxPeriod ?? Math.floor(n / 2), 'maxPeriod');
  const { periodTol } = resolveOptions(pick(ORBIT_OPTIONS, 'periodTol'), options);
  const e = defaultEngine();
  const mark = e.arena.mark();
  try {
    const p = e.arena.alloc(n * 8);
    e.arena.f64(p, n).set(Array.from(values));
    return e.kernels.orbitPeriod(p, n, maxPeriod, periodTol);
  } finally {
    e.arena.release(mark);
  }
}

/** g′(x) of the 1-D GPGD map for GFS squares u (docs/model.md §1.6). */
export function gpgdMap1dDerivative(u: ArrayLike<number>, eta: number, x: number): number {
  const squares = OPTIONS.w.check(u, 'u');
  for (const ui of squares) if (!(ui > 0)) throw invalidOption('u', Array.from(squares), 'positive GFS squares');
  const e = defaultEngine();
  const mark = e.arena.mark();
  try {
    const p = e.arena.alloc(squares.length * 8);
    e.arena.f64(p, squares.length).set(squares);
    return e.kernels.gpgdMap1dDerivative(p, squares.length, OPTIONS.eta.check(eta, 'eta'), OPTIONS.p0.check(x, 'x'));
  } finally {
    e.arena.release(mark);
  }
}
