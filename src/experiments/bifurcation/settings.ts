/**
 * Orbit settings of the GPGD bifurcation diagrams (Kreisler et al. 2023, Figs 4, 10, 11; GPGD in
 * docs/model.md §1.6): the orbit status codes, the signatures of the orbit kernels
 * (`assembly/scalar/orbit.ts`), and the validation of the orbit options and of a φ axis — once,
 * with errors naming the option.
 */
import { conflict, invalidOption } from '../../base/errors.js';
import { linspace } from '../../base/linspace.js';
import { OPTIONS } from '../../base/options.js';
import { defineOptions, derived, pick, resolveOptions } from '../../base/optionSet.js';
import { ORBIT_STATUS_LABELS as LABELS, OrbitStatus } from '../../wasm/abi.js';
import { labelOf, labelsInOrder } from '../../wasm/decode.js';

/** Orbit statuses: the OrbitStatus enum of assembly/scalar/orbit.ts (generated). */
export { OrbitStatus };

/** Labels indexed by orbit status code. */
export const ORBIT_STATUS_LABELS: readonly string[] = labelsInOrder(LABELS);

/** The label of an orbit status code; an unknown code is an error naming it. */
export function orbitStatusLabel(code: number): string {
  return labelOf(LABELS, code, 'orbit status');
}

/** How an orbit is computed and classified (resolved and validated). */
export interface OrbitSettings {
  /** GD step size η. */
  readonly eta: number;
  /** N: GPGD steps per orbit. */
  readonly orbitSteps: number;
  /** K: values recorded per orbit (the last K of the N steps). */
  readonly keep: number;
  /** P: largest period detected (≤ K/2, so that two cycles are compared). */
  readonly maxPeriod: number;
  /** Relative tolerance of the period test. */
  readonly periodTol: number;
  /** An orbit whose product exceeds this (or turns non-finite) has diverged. */
  readonly divergeAt: number;
  /** 'map': the 1-D map g (fast); 'gpgd': full GPGD steps on w (reference). */
  readonly method: OrbitMethod;
}

export type OrbitMethod = 'map' | 'gpgd';

/** The orbit options, with their defaults (K and P default to 128 and 64 within their bounds). */
export const ORBIT_OPTIONS = defineOptions({
  eta: { spec: OPTIONS.eta, default: 0.1 },
  orbitSteps: { spec: OPTIONS.orbitSteps, default: 2000 },
  keep: {
    spec: OPTIONS.keep,
    default: derived('128, at most N', (o: { orbitSteps: number }) => Math.min(128, o.orbitSteps)),
  },
  maxPeriod: {
    spec: OPTIONS.maxPeriod,
    default: derived('64, at most K/2', (o: { keep: number }) => Math.min(64, Math.floor(o.keep / 2))),
  },
  periodTol: { spec: OPTIONS.periodTol, default: 1e-7 },
  divergeAt: { spec: OPTIONS.divergeAt, default: 1e6 },
  method: { spec: OPTIONS.orbitMethod, default: 'map' },
});

/** The φ axis of a dense diagram: its number of values on phiRange, and every orbit's start product. */
export const AXIS_OPTIONS = defineOptions({
  points: { spec: OPTIONS.points, default: 600 },
  /** The (φ, p₀) family point; p₀ = 1 is a fixed point. */
  p0: { spec: OPTIONS.p0, default: 1.5 },
});

/** Largest number of recorded orbit values per run (n × K float64 = 1 GiB). */
export const MAX_ORBIT_VALUES = 1 << 27;

export interface OrbitOptions {
  eta?: number;
  orbitSteps?: number;
  keep?: number;
  maxPeriod?: number;
  periodTol?: number;
  divergeAt?: number;
  method?: OrbitMethod;
}

export interface RunHooks {
  /** Worker threads; 0 runs in this thread. Default: the cores, or 0 for small jobs. */
  workers?: number;
  signal?: AbortSignal;
  /** Called after every finished chunk with the starts done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Validates the orbit options (defaults from ORBIT_OPTIONS). */
export function resolveOrbitSettings(options: OrbitOptions = {}): OrbitSettings {
  const { eta, orbitSteps, keep, maxPeriod, periodTol, divergeAt, method } = resolveOptions(ORBIT_OPTIONS, options);
  if (keep > orbitSteps) {
    throw invalidOption('keep', keep, `at most orbitSteps = ${orbitSteps} (the last K of N steps are kept)`);
  }
  if (maxPeriod > Math.floor(keep / 2)) {
    throw invalidOption(
      'maxPeriod',
      maxPeriod,
      `at most keep/2 = ${Math.floor(keep / 2)} (a period is checked over two cycles of the kept values)`,
    );
  }
  return { eta, orbitSteps, keep, maxPeriod, periodTol, divergeAt, method };
}

/** The φ values of an axis: an explicit list, or `points` values spread over `phiRange` (each ≥ minimum). */
export function resolveAxis(
  options: { phi?: ArrayLike<number>; phiRange?: readonly [number, number]; points?: number },
  minimum: number,
  what: string,
): Float64Array {
  if (options.phi !== undefined && (options.phiRange !== undefined || options.points !== undefined)) {
    throw conflict('give either phi or phiRange (+ points), not both', 'phi');
  }
  let phi: Float64Array;
  if (options.phi !== undefined) {
    const list = options.phi;
    const ok = Array.isArray(list) || list instanceof Float64Array;
    if (!ok || list.length < 1) throw invalidOption('phi', list, 'a non-empty list of GFS sharpness values');
    phi = Float64Array.from(list);
    for (const v of phi) {
      if (!Number.isFinite(v) || v < minimum) {
        throw invalidOption('phi', Array.from(list), `finite GFS sharpness values >= ${minimum} (${what})`);
      }
    }
  } else {
    if (options.phiRange === undefined) throw conflict('give phi or phiRange', 'phiRange');
    const range = OPTIONS.phiRange.check(options.phiRange, 'phiRange');
    if (range[0] < minimum) {
      throw invalidOption('phiRange', Array.from(range), `GFS sharpness values >= ${minimum} (${what})`);
    }
    const { points } = resolveOptions(pick(AXIS_OPTIONS, 'points'), options);
    phi = linspace(range, points);
  }
  return phi;
}

/** Refuses runs that would record more than MAX_ORBIT_VALUES values. */
export function checkSize(n: number, keep: number): void {
  if (n * keep > MAX_ORBIT_VALUES) {
    throw invalidOption('keep', keep, `n × keep ≤ ${MAX_ORBIT_VALUES} recorded values (here n = ${n})`);
  }
}
