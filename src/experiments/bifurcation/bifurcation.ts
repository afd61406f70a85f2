/**
 * GPGD bifurcation diagrams (SPEC §1.6, §3 Fig 4, Fig 10, Fig 11): orbits of GFS-preserving GD
 * from many starts — a φ axis at fixed balance direction, a list of points (e.g. the iterates of
 * a GD run), or Zhu et al.'s slice (x, x, y, y) with the exact fixed-c map or its quasistatic
 * quadratic approximation — each recorded over its last K of N steps, with its period, status and
 * Lyapunov exponent (kernels: `assembly/scalar/orbit.ts`).
 *
 * Options are validated once here (errors name the option). Starts are cut into contiguous chunks
 * that run on a Piscina pool (`worker.ts` beside it) or, with `workers: 0`, in this thread;
 * each start's orbit depends on its own input only, so results are identical for any worker count.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { checkWeights, engine as defaultEngine, resolveFamilyDirection } from '../../api.js';
import type { ScalarEngine, ScalarKernels } from '../../engines/scalar.js';
import { aborted, checkHooks, conflict, invalidOption } from '../../base/errors.js';
import { compiledWorker, runOnPool } from '../../pool/pool.js';
import { linspace } from '../heatmap/grid.js';
import { OPTIONS } from '../../options.js';

type Ptr = number;

/** Orbit statuses (codes 0–4 mean what they mean in `Status`; see assembly/scalar/orbit.ts). */
export const OrbitStatus = {
  periodic: 0,
  diverged: 1,
  unresolved: 2,
  noGfs: 3,
  nonFinite: 4,
  chaotic: 5,
} as const;

/** Labels indexed by orbit status code. */
export const ORBIT_STATUS_LABELS: readonly string[] = [
  'periodic',
  'diverged',
  'unresolved',
  'no-gfs',
  'non-finite',
  'chaotic',
];

export function orbitStatusLabel(code: number): string {
  return Number.isInteger(code) ? (ORBIT_STATUS_LABELS[code] ?? `unknown(${code})`) : `unknown(${typeof code})`;
}

/** The kernels of assembly/scalar/orbit.ts. */
export interface BifurcationKernels extends ScalarKernels {
  bifurcationOverPhi(
    c: Ptr,
    D: number,
    eta: number,
    phi: Ptr,
    nPhi: number,
    x0: number,
    N: number,
    K: number,
    maxPeriod: number,
    tol: number,
    divergeAt: number,
    method: number,
    outProducts: Ptr,
    outPeriod: Ptr,
    outStatus: Ptr,
    outLyapunov: Ptr,
  ): number;
  bifurcationFromPoints(
    D: number,
    points: Ptr,
    n: number,
    eta: number,
    N: number,
    K: number,
    maxPeriod: number,
    tol: number,
    divergeAt: number,
    method: number,
    outProducts: Ptr,
    outPeriod: Ptr,
    outStatus: Ptr,
    outLyapunov: Ptr,
    outPhi: Ptr,
  ): number;
  sliceBifurcationOverPhi(
    model: number,
    eta: number,
    phi: Ptr,
    nPhi: number,
    d0: number,
    N: number,
    K: number,
    maxPeriod: number,
    tol: number,
    divergeAt: number,
    outValues: Ptr,
    outPeriod: Ptr,
    outStatus: Ptr,
    outLyapunov: Ptr,
  ): number;
  orbitPeriod(values: Ptr, K: number, maxPeriod: number, tol: number): number;
  sliceFixedCMap(c2: number, eta: number, d: number): number;
  quasistaticSliceMap(phi: number, eta: number, b: number): number;
  gpgdMap1dDerivative(u: Ptr, D: number, eta: number, x: number): number;
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

export const ORBIT_DEFAULTS = {
  eta: 0.1,
  orbitSteps: 2000,
  keep: 128,
  maxPeriod: 64,
  periodTol: 1e-7,
  divergeAt: 1e6,
  method: 'map' as OrbitMethod,
  /** Start product of the orbits of a φ axis (the (φ, p₀) family point; p₀ = 1 is a fixed point). */
  p0: 1.5,
};

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

/** Validates the orbit options (defaults from ORBIT_DEFAULTS). */
export function resolveOrbitSettings(options: OrbitOptions = {}): OrbitSettings {
  const eta = OPTIONS.eta.check(options.eta ?? ORBIT_DEFAULTS.eta, 'eta');
  const orbitSteps = OPTIONS.orbitSteps.check(options.orbitSteps ?? ORBIT_DEFAULTS.orbitSteps, 'orbitSteps');
  const keep = OPTIONS.keep.check(options.keep ?? Math.min(ORBIT_DEFAULTS.keep, orbitSteps), 'keep');
  if (keep > orbitSteps) {
    throw invalidOption('keep', keep, `at most orbitSteps = ${orbitSteps} (the last K of N steps are kept)`);
  }
  const maxPeriod = OPTIONS.maxPeriod.check(
    options.maxPeriod ?? Math.min(ORBIT_DEFAULTS.maxPeriod, Math.floor(keep / 2)),
    'maxPeriod',
  );
  if (maxPeriod > Math.floor(keep / 2)) {
    throw invalidOption(
      'maxPeriod',
      maxPeriod,
      `at most keep/2 = ${Math.floor(keep / 2)} (a period is checked over two cycles of the kept values)`,
    );
  }
  const periodTol = OPTIONS.periodTol.check(options.periodTol ?? ORBIT_DEFAULTS.periodTol, 'periodTol');
  const divergeAt = OPTIONS.divergeAt.check(options.divergeAt ?? ORBIT_DEFAULTS.divergeAt, 'divergeAt');
  const method = OPTIONS.orbitMethod.check(options.method ?? ORBIT_DEFAULTS.method, 'method');
  return { eta, orbitSteps, keep, maxPeriod, periodTol, divergeAt, method };
}

// ---------------------------------------------------------------------------------------------
// Tasks: one chunk of starts, computed by one WASM instance (a worker's, or this thread's).
// ---------------------------------------------------------------------------------------------

export type OrbitTask =
  | {
      readonly kind: 'phi-axis';
      readonly settings: OrbitSettings;
      readonly direction: readonly number[];
      readonly p0: number;
      readonly phi: Float64Array;
      readonly start: number;
    }
  | {
      readonly kind: 'points';
      readonly settings: OrbitSettings;
      readonly depth: number;
      /** Row-major count × depth weights. */
      readonly points: Float64Array;
      readonly start: number;
    }
  | {
      readonly kind: 'slice';
      readonly settings: OrbitSettings;
      readonly model: SliceModel;
      readonly d0: number;
      readonly phi: Float64Array;
      readonly start: number;
    };

/** 'exact': GPGD on the slice (the exact fixed-c map); 'quasistatic': its second-order expansion in b = d − 1 (ours). */
export type SliceModel = 'exact' | 'quasistatic';

export interface OrbitChunk {
  readonly start: number;
  readonly count: number;
  readonly orbits: Float64Array;
  readonly period: Int32Array;
  readonly status: Uint8Array;
  readonly lyapunov: Float64Array;
  readonly phi: Float64Array;
}

function taskCount(task: OrbitTask): number {
  return task.kind === 'points' ? task.points.length / task.depth : task.phi.length;
}

/** Runs one chunk in `engine`'s WASM instance. */
export function runOrbitTask(engine: ScalarEngine, task: OrbitTask): OrbitChunk {
  const k = engine.kernels as BifurcationKernels;
  const a = engine.arena;
  const s = task.settings;
  const n = taskCount(task);
  const K = s.keep;
  const method = s.method === 'gpgd' ? 1 : 0;
  const mark = a.mark();
  try {
    const out = a.alloc(n * K * 8);
    const period = a.alloc(n * 4);
    const status = a.alloc(n);
    const lyapunov = a.alloc(n * 8);
    const phiOut = a.alloc(n * 8);
    let rc: number;
    if (task.kind === 'points') {
      const D = task.depth;
      const pts = a.alloc(n * D * 8);
      const soa = a.f64(pts, n * D);
      for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) soa[d * n + i] = task.points[i * D + d] as number;
      rc = k.bifurcationFromPoints(
        D,
        pts,
        n,
        s.eta,
        s.orbitSteps,
        K,
        s.maxPeriod,
        s.periodTol,
        s.divergeAt,
        method,
        out,
        period,
        status,
        lyapunov,
        phiOut,
      );
    } else {
      const phi = a.alloc(n * 8);
      a.f64(phi, n).set(task.phi);
      if (task.kind === 'phi-axis') {
        const D = task.direction.length;
        const c = a.alloc(D * 8);
        a.f64(c, D).set(task.direction);
        rc = k.bifurcationOverPhi(
          c,
          D,
          s.eta,
          phi,
          n,
          task.p0,
          s.orbitSteps,
          K,
          s.maxPeriod,
          s.periodTol,
          s.divergeAt,
          method,
          out,
          period,
          status,
          lyapunov,
        );
      } else {
        rc = k.sliceBifurcationOverPhi(
          task.model === 'exact' ? 0 : 1,
          s.eta,
          phi,
          n,
          task.d0,
          s.orbitSteps,
          K,
          s.maxPeriod,
          s.periodTol,
          s.divergeAt,
          out,
          period,
          status,
          lyapunov,
        );
      }
      a.f64(phiOut, n).set(task.phi);
    }
    if (rc !== 0) throw new Error(`eoslab: orbit kernel rejected its sizes (n = ${n}, K = ${K})`);
    return {
      start: task.start,
      count: n,
      orbits: a.f64(out, n * K).slice(),
      period: a.i32(period, n).slice(),
      status: a.u8(status, n).slice(),
      lyapunov: a.f64(lyapunov, n).slice(),
      phi: a.f64(phiOut, n).slice(),
    };
  } finally {
    a.release(mark);
  }
}

/** The buffers of a chunk, moved (not copied) back from a worker. */
export function orbitChunkBuffers(chunk: OrbitChunk): ArrayBufferLike[] {
  return [chunk.orbits.buffer, chunk.period.buffer, chunk.status.buffer, chunk.lyapunov.buffer, chunk.phi.buffer];
}

/** Marks a chunk for Piscina's transfer protocol. */
export function movableChunk(chunk: OrbitChunk): unknown {
  const movable = { [transferableSymbol]: orbitChunkBuffers(chunk), [valueSymbol]: chunk };
  return move(movable as unknown as Parameters<typeof move>[0]);
}

/** Orbit steps above which the default is to use every core. */
const PARALLEL_THRESHOLD = 2_000_000;

function resolveWorkers(workers: number | undefined, totalSteps: number): number {
  if (workers !== undefined) return OPTIONS.workers.check(workers, 'workers');
  return totalSteps >= PARALLEL_THRESHOLD ? availableParallelism() : 0;
}

export interface BifurcationResult {
  readonly kind: 'phi-axis' | 'points' | 'slice';
  /** Number of starts n. */
  readonly count: number;
  /** φ of each start: the axis value, or φ(w) of a point (NaN without a GFS). */
  readonly phi: Float64Array;
  /**
   * n × K, row-major: the values after the last K of N steps — products π for GPGD, d = xy = √π
   * on the slice. NaN-filled when the orbit diverged or has no GFS.
   */
  readonly orbits: Float64Array;
  /** Detected period (0: none). */
  readonly period: Int32Array;
  /** OrbitStatus code per start. */
  readonly status: Uint8Array;
  /** Lyapunov exponent: mean log|g′| over the last max(K, N/2) steps (NaN when the orbit failed). */
  readonly lyapunov: Float64Array;
  /** Starts per status label. */
  readonly counts: Record<string, number>;
  readonly settings: OrbitSettings;
  readonly workers: number;
  readonly seconds: number;
}

function countStatuses(status: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(ORBIT_STATUS_LABELS.map((l) => [l, 0]));
  for (const code of status) {
    const label = orbitStatusLabel(code);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** Splits n starts into chunks (a few per worker, for balance and progress), runs and assembles them. */
async function runChunks(
  kind: BifurcationResult['kind'],
  n: number,
  settings: OrbitSettings,
  makeTask: (start: number, count: number) => OrbitTask,
  hooks: RunHooks,
): Promise<BifurcationResult> {
  const started = performance.now();
  const workers = resolveWorkers(hooks.workers, n * settings.orbitSteps);
  const K = settings.keep;
  const result = {
    orbits: new Float64Array(n * K),
    period: new Int32Array(n),
    status: new Uint8Array(n),
    lyapunov: new Float64Array(n),
    phi: new Float64Array(n),
  };
  const chunkSize = Math.max(1, Math.min(512, Math.ceil(n / (Math.max(workers, 1) * 8))));
  const tasks: OrbitTask[] = [];
  for (let start = 0; start < n; start += chunkSize) tasks.push(makeTask(start, Math.min(chunkSize, n - start)));
  let done = 0;
  const place = (chunk: OrbitChunk): void => {
    result.orbits.set(chunk.orbits, chunk.start * K);
    result.period.set(chunk.period, chunk.start);
    result.status.set(chunk.status, chunk.start);
    result.lyapunov.set(chunk.lyapunov, chunk.start);
    result.phi.set(chunk.phi, chunk.start);
    done += chunk.count;
    hooks.onProgress?.(done, n);
  };
  if (hooks.signal?.aborted) throw aborted('the bifurcation run');
  if (workers === 0) {
    const engine = defaultEngine();
    for (const task of tasks) {
      place(runOrbitTask(engine, task));
      await yieldToEventLoop();
      if (hooks.signal?.aborted) throw aborted('the bifurcation run');
    }
  } else {
    await runOnPool<OrbitTask, OrbitChunk>(
      compiledWorker('experiments/bifurcation/worker'),
      workers,
      tasks,
      (chunk) => place(chunk),
      hooks.signal,
      'the bifurcation run',
    );
  }
  return {
    kind,
    count: n,
    ...result,
    counts: countStatuses(result.status),
    settings,
    workers,
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface PhiAxisOptions extends OrbitOptions, RunHooks {
  /** Explicit φ values (each ≥ D); or phiRange + points. */
  phi?: ArrayLike<number>;
  /** Inclusive φ range [a, b], with `points` values. */
  phiRange?: readonly [number, number];
  /** Number of φ values on phiRange (default 600). */
  points?: number;
  /** Balance direction c (Σc = 0); default: SPEC §2's for the depth. */
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

export const DEFAULT_AXIS_POINTS = 600;

function resolveAxis(
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
    const points = OPTIONS.points.check(options.points ?? DEFAULT_AXIS_POINTS, 'points');
    phi = linspace(range, points);
  }
  return phi;
}

function checkSize(n: number, keep: number): void {
  if (n * keep > MAX_ORBIT_VALUES) {
    throw invalidOption('keep', keep, `n × keep ≤ ${MAX_ORBIT_VALUES} recorded values (here n = ${n})`);
  }
}

/** Validates the options of `bifurcationOverPhi`. */
export function resolvePhiAxisOptions(options: PhiAxisOptions): ResolvedPhiAxis {
  const { direction, depth } = resolveFamilyDirection(options);
  const phi = resolveAxis(options, depth, 'φ ≥ D');
  const p0 = OPTIONS.p0.check(options.p0 ?? ORBIT_DEFAULTS.p0, 'p0');
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
  const p0 = OPTIONS.p0.check(options.p0 ?? ORBIT_DEFAULTS.p0, 'p0');
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
  const periodTol = OPTIONS.periodTol.check(options.periodTol ?? ORBIT_DEFAULTS.periodTol, 'periodTol');
  const e = defaultEngine();
  const mark = e.arena.mark();
  try {
    const p = e.arena.alloc(n * 8);
    e.arena.f64(p, n).set(Array.from(values));
    return (e.kernels as BifurcationKernels).orbitPeriod(p, n, maxPeriod, periodTol);
  } finally {
    e.arena.release(mark);
  }
}

function checkFinite(value: unknown, label: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidOption(label, value, 'a finite number');
  return value;
}

/** The exact fixed-c map of the slice (x, x, y, y): d⁺ = d[1 − η(d²−1)√(c⁴+4d²) + η²(d²−1)²d²], c² = x² − y². */
export function sliceFixedCMap(c2: number, eta: number, d: number): number {
  const k = defaultEngine().kernels as BifurcationKernels;
  return k.sliceFixedCMap(checkFinite(c2, 'c2'), OPTIONS.eta.check(eta, 'eta'), checkFinite(d, 'd'));
}

/** Our quasistatic approximation of the slice map (second order in b = d − 1; not Zhu et al.'s own recursion): b⁺ = (1 − ηφ) b + κ b². */
export function quasistaticSliceMap(phi: number, eta: number, b: number): number {
  const k = defaultEngine().kernels as BifurcationKernels;
  const p = checkFinite(phi, 'phi');
  if (p < 4) throw invalidOption('phi', p, 'a GFS sharpness >= 4 (the slice has φ = 2√(c⁴ + 4))');
  return k.quasistaticSliceMap(p, OPTIONS.eta.check(eta, 'eta'), checkFinite(b, 'b'));
}

/** g′(x) of the 1-D GPGD map for GFS squares u (SPEC §1.6). */
export function gpgdMap1dDerivative(u: ArrayLike<number>, eta: number, x: number): number {
  const squares = OPTIONS.w.check(u, 'u');
  for (const ui of squares) if (!(ui > 0)) throw invalidOption('u', Array.from(squares), 'positive GFS squares');
  const e = defaultEngine();
  const mark = e.arena.mark();
  try {
    const p = e.arena.alloc(squares.length * 8);
    e.arena.f64(p, squares.length).set(squares);
    return (e.kernels as BifurcationKernels).gpgdMap1dDerivative(
      p,
      squares.length,
      OPTIONS.eta.check(eta, 'eta'),
      OPTIONS.p0.check(x, 'x'),
    );
  } finally {
    e.arena.release(mark);
  }
}

/**
 * The GD iterates w⁽⁰⁾ … w⁽ᵀ⁾ (row-major rows × D), computed with the same kernel as
 * `trajectory` (so they are the iterates behind its rows). Stops after the first iterate with
 * |π| ≥ divergeAt or a non-finite entry, as `trajectory` does.
 */
export function gdIterates(w0: ArrayLike<number>, eta: number, steps: number, divergeAt = 1e6): Float64Array {
  const weights = checkWeights(w0, 'w0');
  const stepSize = OPTIONS.eta.check(eta, 'eta');
  const T = OPTIONS.steps.check(steps, 'steps');
  const bound = OPTIONS.divergeAt.check(divergeAt, 'divergeAt');
  const e = defaultEngine();
  const D = weights.length;
  const rows: number[] = [];
  const mark = e.arena.mark();
  try {
    const w = e.arena.alloc(D * 8);
    e.arena.f64(w, D).set(weights);
    for (let t = 0; t <= T; t++) {
      const view = e.arena.f64(w, D);
      rows.push(...view);
      const p = e.kernels.product(w, D);
      if (!Number.isFinite(p) || !(Math.abs(p) < bound) || view.some((x) => !Number.isFinite(x))) break;
      if (t < T) e.kernels.gdStep(w, D, stepSize, w);
    }
  } finally {
    e.arena.release(mark);
  }
  return Float64Array.from(rows);
}
