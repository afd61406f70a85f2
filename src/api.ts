/**
 * The ready-to-use library API: validated functions over a lazily created default engine.
 * Every option is checked once here, with errors that name the option and the value
 * (see `src/base/options.ts` and `src/base/errors.ts`); the kernels below never see bad input.
 */
import { ScalarEngine, type InvariantSetResult, type TrajectoryArrays } from './engines/scalar.js';
import { checkHooks, conflict, invalidOption } from './base/errors.js';
import { MAX_DEPTH, MIN_DEPTH, OPTIONS } from './base/options.js';
import { defineOptions, derived, pick, resolveOptions } from './base/optionSet.js';
import { trajectoryPreset } from './base/presets.js';
import { Status, statusLabel } from './wasm/status.js';

let defaultEngine: ScalarEngine | undefined;

/** The engine behind the top-level functions (one WASM instance per thread). */
export function engine(): ScalarEngine {
  defaultEngine ??= new ScalarEngine();
  return defaultEngine;
}

export type Weights = ArrayLike<number>;

/** Validates a weight vector: 2–64 finite numbers. */
export function checkWeights(w: unknown, label = 'w'): Float64Array {
  return OPTIONS.w.check(w, label);
}

function checkEta(eta: unknown, label = 'eta'): number {
  return OPTIONS.eta.check(eta, label);
}

/** 2/η, the stability threshold of GD with step size η. */
export function stabilityThreshold(eta: number): number {
  return 2 / checkEta(eta);
}

/** L(w) = ½(∏wᵢ − 1)². */
export function loss(w: Weights): number {
  return engine().loss(checkWeights(w));
}

/** π(w) = ∏wᵢ. */
export function product(w: Weights): number {
  return engine().product(checkWeights(w));
}

/** ∇L(w) = (π − 1) q, qᵢ = ∏_{j≠i} wⱼ. */
export function gradient(w: Weights): Float64Array {
  return engine().gradient(checkWeights(w));
}

/** ∇²L(w), row-major D×D. */
export function hessian(w: Weights): Float64Array {
  return engine().hessian(checkWeights(w));
}

export interface SharpnessOptions {
  /** 'secular' (fast, default) or 'jacobi' (reference). */
  method?: 'secular' | 'jacobi';
}

/** Options of `sharpness`. */
export const SHARPNESS_OPTIONS = defineOptions({ method: { spec: OPTIONS.method, default: 'secular' } });

/** Sharpness S(w) = λmax(∇²L(w)). */
export function sharpness(w: Weights, options: SharpnessOptions = {}): number {
  const { method } = resolveOptions(SHARPNESS_OPTIONS, options);
  return engine().sharpness(checkWeights(w), method);
}

export interface GfsInfo {
  /**
   * 'ok'; 'no-gfs' when π(w) ≤ 0 (gradient flow ends at a saddle); 'non-finite' when the GFS
   * cannot be computed in float64 (wᵢ² or φ overflows, e.g. w = (1e308, 1e308) or (1e-200, 1e200)):
   * then `gfs`, `shift` and `gfsSharpness` are NaN.
   */
  status: 'ok' | 'no-gfs' | 'non-finite';
  loss: number;
  product: number;
  sharpness: number;
  /** The gradient-flow solution 𝒮(w) (NaN-filled without one). */
  gfs: Float64Array;
  /** s* with 𝒮(w)² = w² + s*. */
  shift: number;
  /** φ(w) = S(𝒮(w)). */
  gfsSharpness: number;
}

/** Everything about w and its gradient-flow solution (model.md §1.5). */
export function gfs(w: Weights): GfsInfo {
  const weights = checkWeights(w);
  const e = engine();
  const r = e.gfs(weights);
  return {
    status: r.status === Status.converged ? 'ok' : r.status === Status.noGfs ? 'no-gfs' : 'non-finite',
    loss: e.loss(weights),
    product: e.product(weights),
    sharpness: e.sharpness(weights),
    gfs: r.point,
    shift: r.shift,
    gfsSharpness: r.gfsSharpness,
  };
}

/** φ(w), the sharpness of the gradient-flow solution; NaN when π(w) ≤ 0. */
export function gfsSharpness(w: Weights): number {
  return engine().gfsSharpness(checkWeights(w));
}

/** One GD step w − η∇L(w). */
export function gdStep(w: Weights, eta: number): Float64Array {
  return engine().gdStep(checkWeights(w), checkEta(eta));
}

/** One GPGD step (model.md §1.6); status 'no-gfs' when π(w) ≤ 0 or π(GD(w)) ≤ 0. */
export function gpgdStep(w: Weights, eta: number): { status: string; point: Float64Array } {
  const r = engine().gpgdStep(checkWeights(w), checkEta(eta));
  return { status: r.status === Status.converged ? 'ok' : statusLabel(r.status), point: r.point };
}

/** The 1-D GPGD map g(x) on the GF line with GFS squares u (model.md §1.6). */
export function gpgdMap1d(u: Weights, eta: number, x: number): number {
  const squares = OPTIONS.w.check(u, 'u');
  let logProduct = 0;
  for (const ui of squares) {
    if (!(ui > 0)) throw invalidOption('u', Array.from(squares), 'positive GFS squares');
    logProduct += Math.log(ui);
  }
  // u are the squares of a minimum (∏uᵢ = 1); the map assumes it
  if (Math.abs(logProduct) > 1e-12 * squares.length) {
    throw invalidOption('u', Array.from(squares), 'GFS squares with product 1 (e.g. gfs(w).gfs squared)');
  }
  return engine().gpgdMap1d(squares, checkEta(eta), OPTIONS.p0.check(x, 'x'));
}

/** Membership of w in the positive invariant set 𝕊ᴰ_η (model.md §1.7). */
export function inInvariantSet(w: Weights, eta: number): InvariantSetResult {
  return engine().invariantSet(checkWeights(w), checkEta(eta));
}

/** The default balance direction of model.md §2: first ⌈D/2⌉ entries +1, the rest equal, Σ = 0. */
export function defaultDirection(depth: number): Float64Array {
  const D = OPTIONS.depth.check(depth, 'depth');
  const positives = Math.ceil(D / 2);
  const c = new Float64Array(D);
  for (let i = 0; i < D; i++) c[i] = i < positives ? 1 : -positives / (D - positives);
  return c;
}

/** Validates a balance direction: finite, not all zero, Σcᵢ = 0 (relative 1e-12). */
export function checkDirection(direction: unknown, depth?: number, label = 'direction'): Float64Array {
  if (depth !== undefined) OPTIONS.depth.check(depth, 'depth');
  const c = OPTIONS.direction.check(direction, label);
  let sum = 0;
  let scale = 0;
  for (const ci of c) {
    sum += ci;
    scale += Math.abs(ci);
  }
  if (scale === 0 || Math.abs(sum) > 1e-12 * scale) {
    throw invalidOption(label, Array.from(c), 'a nonzero direction whose entries sum to 0');
  }
  if (depth !== undefined && c.length !== depth) {
    throw invalidOption(label, Array.from(c), `${depth} entries (the depth)`);
  }
  return c;
}

export interface FamilyOptions {
  /** Target GFS sharpness φ₀ ≥ D. */
  phi0: number;
  /** Product p₀ > 0. */
  p0: number;
  /** Balance direction c (Σc = 0); defaults to `defaultDirection(depth)`. */
  direction?: ArrayLike<number>;
  /** Depth D (default: the direction's length, or 4). */
  depth?: number;
}

/** The (φ₀, p₀) initialisation of model.md §2: the point of product p₀ whose GFS has sharpness φ₀. */
export function initFromGfsSharpness(options: FamilyOptions): Float64Array {
  const { direction } = checkFamily(options);
  return engine().initFromGfsSharpness(direction, options.phi0, options.p0);
}

/** Depth of a (φ₀, p₀) family given neither a depth nor a direction. */
export const FAMILY_DEPTH = 4;

/**
 * The depth and balance direction of a (φ₀, p₀) family: `depth` if given, else the direction's
 * length, else `fallbackDepth`; the direction checked against it, or `defaultDirection(depth)`.
 */
export function resolveFamilyDirection(
  options: { depth?: unknown; direction?: unknown },
  fallbackDepth = FAMILY_DEPTH,
): { direction: Float64Array; depth: number } {
  const depth =
    options.depth !== undefined
      ? OPTIONS.depth.check(options.depth, 'depth')
      : options.direction !== undefined
        ? (options.direction as ArrayLike<number>).length
        : fallbackDepth;
  const direction =
    options.direction !== undefined ? checkDirection(options.direction, depth) : defaultDirection(depth);
  return { direction, depth };
}

function checkFamily(options: FamilyOptions): { direction: Float64Array; depth: number } {
  const { direction, depth } = resolveFamilyDirection(options);
  const phi0 = OPTIONS.phi0.check(options.phi0, 'phi0');
  if (phi0 < depth) throw invalidOption('phi0', phi0, `a GFS sharpness >= the depth ${depth}`);
  OPTIONS.p0.check(options.p0, 'p0');
  return { direction, depth };
}

export interface TrajectoryOptions {
  /** Initial weights; or give phi0 + p0 (+ direction/depth), or a preset. */
  w0?: ArrayLike<number>;
  phi0?: number;
  p0?: number;
  direction?: ArrayLike<number>;
  depth?: number;
  preset?: string;
  /** Step size: a constant, or a schedule with one entry per step. */
  eta?: number | ArrayLike<number>;
  /** Number of GD steps (rows recorded: steps + 1, iterates 0..steps; default: the preset's, else 3000). */
  steps?: number;
  /** Stop once the loss is below tol (default 0: run all steps). */
  tol?: number;
  /** Divergence bound on |π| (default 1e6). */
  divergeAt?: number;
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

/** GD steps of a trajectory without a preset. */
const TRAJECTORY_STEPS = 3000;

/**
 * Options of `trajectory` and `eoslab trajectory` (the help texts are the command's). Those
 * without a default are resolved from each other by `resolveTrajectoryOptions`.
 */
export const TRAJECTORY_OPTIONS = defineOptions({
  preset: { spec: OPTIONS.trajectoryPreset },
  w0: { spec: OPTIONS.w, help: 'initial weights w⁽⁰⁾ (instead of --phi0/--p0)' },
  phi0: { spec: OPTIONS.phi0 },
  p0: { spec: OPTIONS.p0 },
  direction: {
    spec: OPTIONS.direction,
    help: 'balance direction c of the (φ₀, p₀) family',
    defaultText: '(1,…,1,−…) with Σc = 0',
  },
  depth: { spec: OPTIONS.depth, help: 'depth D for --phi0/--p0', defaultText: String(FAMILY_DEPTH) },
  eta: { spec: OPTIONS.eta, help: 'GD step size η', defaultText: 'the preset’s, else required' },
  steps: {
    spec: OPTIONS.steps,
    help: 'number of GD steps T',
    default: derived(`the preset’s, else ${TRAJECTORY_STEPS}`, (o: { preset?: string }) =>
      o.preset !== undefined ? trajectoryPreset(o.preset).steps : TRAJECTORY_STEPS,
    ),
  },
  tol: { spec: OPTIONS.tol, default: 0 },
  divergeAt: { spec: OPTIONS.divergeAt, default: 1e6 },
});

export interface Trajectory extends TrajectoryArrays {
  w0: Float64Array;
  eta: number | Float64Array;
  steps: number;
  tol: number;
  divergeAt: number;
  /** converged / diverged when the run stopped early; max-steps when tol > 0 was never reached;
   * completed when no stopping tolerance was set (tol = 0) and every step ran. */
  outcome: 'converged' | 'diverged' | 'max-steps' | 'completed';
}

export interface ResolvedTrajectoryOptions {
  w0: Float64Array;
  eta: number | Float64Array;
  steps: number;
  tol: number;
  divergeAt: number;
  preset?: string;
  phi0?: number;
  p0?: number;
  direction?: Float64Array;
}

/** Resolve and validate trajectory options (presets, family or explicit weights). */
export function resolveTrajectoryOptions(options: TrajectoryOptions): ResolvedTrajectoryOptions {
  const preset = options.preset !== undefined ? trajectoryPreset(options.preset) : undefined;
  const sources = [options.w0 !== undefined, options.phi0 !== undefined || options.p0 !== undefined].filter(Boolean);
  if (sources.length > 1) throw conflict('give either w0 or phi0 + p0, not both', 'w0');
  let w0: Float64Array;
  let phi0: number | undefined;
  let p0: number | undefined;
  let direction: Float64Array | undefined;
  if (options.w0 !== undefined) {
    w0 = checkWeights(options.w0, 'w0');
  } else if (options.phi0 !== undefined || options.p0 !== undefined || preset) {
    phi0 = options.phi0 ?? preset?.phi0;
    p0 = options.p0 ?? preset?.p0;
    if (phi0 === undefined) throw conflict('phi0 is required with p0', 'phi0');
    if (p0 === undefined) throw conflict('p0 is required with phi0', 'p0');
    const family: FamilyOptions = { phi0, p0 };
    if (options.direction !== undefined) family.direction = options.direction;
    const depth = options.depth ?? (options.direction === undefined ? preset?.depth : undefined);
    if (depth !== undefined) family.depth = depth;
    // the preset's direction unless the caller chose the direction or another depth
    if (options.direction === undefined && preset?.direction && (options.depth ?? preset.depth) === preset.depth) {
      family.direction = preset.direction;
    }
    direction = checkFamily(family).direction;
    w0 = engine().initFromGfsSharpness(direction, phi0, p0);
  } else {
    throw conflict('give the initial weights w0, or phi0 and p0, or a preset', 'w0');
  }
  const etaInput = options.eta ?? preset?.eta;
  if (etaInput === undefined) throw conflict('eta is required', 'eta');
  const { steps } = resolveOptions(pick(TRAJECTORY_OPTIONS, 'preset', 'steps'), options);
  let eta: number | Float64Array;
  if (typeof etaInput === 'number') {
    eta = checkEta(etaInput);
  } else {
    const schedule = Float64Array.from(etaInput as ArrayLike<number>);
    if (schedule.length < steps) {
      throw invalidOption('eta', `schedule of ${schedule.length} entries`, `one step size per step (${steps})`);
    }
    schedule.forEach((x, i) => checkEta(x, `eta[${i}]`));
    eta = schedule;
  }
  const { tol, divergeAt } = resolveOptions(pick(TRAJECTORY_OPTIONS, 'tol', 'divergeAt'), options);
  const resolved: ResolvedTrajectoryOptions = { w0, eta, steps, tol, divergeAt };
  if (options.preset !== undefined) resolved.preset = options.preset;
  if (phi0 !== undefined) resolved.phi0 = phi0;
  if (p0 !== undefined) resolved.p0 = p0;
  if (direction !== undefined) resolved.direction = direction;
  return resolved;
}

/** GD trajectory recording loss, S, φ, π and status for iterates 0..steps (model.md §1.4, Fig 2). */
export function trajectory(options: TrajectoryOptions): Trajectory {
  checkHooks(options as { onProgress?: unknown });
  const r = resolveTrajectoryOptions(options);
  const rows = r.steps + 1;
  let eta: number | Float64Array = r.eta;
  if (typeof eta !== 'number' && eta.length < rows) {
    // the last row takes no step: its step size is never used
    const padded = new Float64Array(rows);
    padded.set(eta);
    padded[rows - 1] = eta[eta.length - 1] as number;
    eta = padded;
  }
  const arrays = engine().trajectory(r.w0, eta, rows, r.tol, r.divergeAt, (done) => options.onProgress?.(done, rows));
  const last = arrays.status[arrays.rows - 1];
  const outcome =
    last === Status.diverged
      ? 'diverged'
      : last === Status.converged
        ? 'converged'
        : r.tol > 0
          ? 'max-steps'
          : 'completed';
  return { ...arrays, w0: r.w0, eta: r.eta, steps: r.steps, tol: r.tol, divergeAt: r.divergeAt, outcome };
}

export interface GradientFlowOptions {
  /** RK4 step h = hScale / S(w) (default 0.01; global error ∝ hScale⁴). */
  hScale?: number;
  /** Stop when the loss is below tol (default 1e-28). */
  tol?: number;
  /** Step budget (default 1e6). */
  maxSteps?: number;
}

/** Options of `gradientFlow` (library only). */
export const GRADIENT_FLOW_OPTIONS = defineOptions({
  hScale: { spec: OPTIONS.eta, default: 0.01 },
  tol: { spec: OPTIONS.tol, default: 1e-28 },
  maxSteps: { spec: OPTIONS.steps, default: 1_000_000 },
});

/** RK4 gradient flow from w to loss < tol: the numerical cross-check of `gfs`. */
export function gradientFlow(
  w: Weights,
  options: GradientFlowOptions = {},
): { point: Float64Array; steps: number; converged: boolean } {
  const weights = checkWeights(w);
  const { hScale, tol, maxSteps } = resolveOptions(GRADIENT_FLOW_OPTIONS, options);
  return engine().gradientFlow(weights, hScale, tol, maxSteps);
}

export { MAX_DEPTH, MIN_DEPTH };
