/**
 * The GD run behind the run-based bifurcation figures (Kreisler et al. 2023, Fig 4 over a run,
 * Fig 10's GD overlay, Fig 11): its start (a preset, w⁽⁰⁾, or a (φ₀, p₀) family point), its
 * iterates w⁽ᵗ⁾ next to the trajectory's loss, φ and π, the membership of each iterate in the
 * invariant set 𝕊 (the paper's Definition 3.1; docs/model.md §1.7), and its description for titles
 * and manifests.
 */
import {
  checkWeights,
  engine as defaultEngine,
  resolveTrajectoryOptions,
  trajectory,
  type TrajectoryOptions,
} from '../../api.js';
import { conflict } from '../../base/errors.js';
import { trajectoryPreset } from '../../base/presets.js';
import { OPTIONS } from '../../base/options.js';
import { ORBIT_OPTIONS } from './settings.js';

/** GD runs behind the run-based figures: docs/model.md §2's fig2, and a start whose GPGD orbits include chaos. */
export const BIFURCATION_RUNS = {
  fig2: {
    ...trajectoryPreset('fig2'),
    description: 'docs/model.md §2 fig2: D = 4, η = 0.1, (φ₀, p₀) = (26, 1.5), 3 000 steps',
  },
  fig11: {
    kind: 'trajectory' as const,
    description: '[ours] D = 4, η = 0.1, (φ₀, p₀) = (28, 1.5), 3 000 steps: in 𝕊, with chaotic GPGD orbits early on',
    depth: 4,
    eta: 0.1,
    phi0: 28,
    p0: 1.5,
    steps: 3000,
  },
} as const;

export type RunName = keyof typeof BIFURCATION_RUNS;

/** The figures of the bifurcation experiment. */
export type FigureName = 'fig4' | 'fig10' | 'fig11';

/** How the run of a figure starts, as given (every entry optional but divergeAt). */
export interface RunStart {
  preset?: RunName;
  w?: Float64Array;
  phi0?: number;
  p0?: number;
  direction?: Float64Array;
  depth?: number;
  eta?: number;
  steps?: number;
  divergeAt: number;
}

export type GdRunOptions = TrajectoryOptions & { presetName?: string };

export interface GdRun {
  w0: Float64Array;
  eta: number;
  steps: number;
  divergeAt: number;
  preset?: string;
  phi0?: number;
  p0?: number;
  rows: number;
  iterates: Float64Array;
  loss: Float64Array;
  phi: Float64Array;
  product: Float64Array;
  outcome: string;
}

/**
 * Trajectory options of the run-based figures, from a preset, w⁽⁰⁾, or φ₀ with p₀ (default: the
 * fig2 preset; fig11 for Fig 11). Errors name the CLI flags.
 */
export function runOptions(start: RunStart, figure: FigureName): GdRunOptions {
  const presetName = start.preset ?? (figure === 'fig11' ? 'fig11' : undefined);
  const { w, phi0, p0 } = start;
  if (w !== undefined && (phi0 !== undefined || p0 !== undefined)) {
    throw conflict('give either --w or --phi0 with --p0, not both', 'w');
  }
  const options: GdRunOptions = {};
  const userStart = w !== undefined || phi0 !== undefined || p0 !== undefined;
  const preset = !userStart ? BIFURCATION_RUNS[presetName ?? 'fig2'] : undefined;
  if (userStart && start.preset !== undefined) {
    throw conflict('give either --preset or a start (--w, --phi0 --p0)', 'preset');
  }
  if (preset) {
    options.presetName = presetName ?? 'fig2';
    options.phi0 = preset.phi0;
    options.p0 = preset.p0;
    options.depth = preset.depth;
  } else if (w !== undefined) {
    options.w0 = w;
  } else {
    if (phi0 === undefined) throw conflict('--p0 needs --phi0 (or give --phi-range for a dense diagram)', 'phi0');
    if (p0 === undefined) throw conflict('--phi0 needs --p0', 'p0');
    options.phi0 = phi0;
    options.p0 = p0;
    if (start.direction !== undefined) options.direction = start.direction;
    if (start.depth !== undefined) options.depth = start.depth;
  }
  options.eta = start.eta ?? preset?.eta ?? ORBIT_OPTIONS.eta.default;
  options.steps = start.steps ?? preset?.steps; // else the trajectory's default
  options.divergeAt = start.divergeAt;
  return options;
}

/** Runs GD: the trajectory (loss, φ, π per step) and the iterates behind its rows. */
export function runGd(options: GdRunOptions): GdRun {
  const r = resolveTrajectoryOptions(options);
  const eta = r.eta as number;
  const t = trajectory({ w0: r.w0, eta, steps: r.steps, divergeAt: r.divergeAt });
  const iterates = gdIterates(r.w0, eta, r.steps, r.divergeAt);
  const D = r.w0.length;
  if (iterates.length / D !== t.rows) throw new Error('eoslab: GD iterates and trajectory rows disagree');
  const run: GdRun = {
    w0: r.w0,
    eta,
    steps: r.steps,
    divergeAt: r.divergeAt,
    rows: t.rows,
    iterates,
    loss: t.loss,
    phi: t.gfsSharpness,
    product: t.product,
    outcome: t.outcome,
  };
  if (options.presetName !== undefined) run.preset = options.presetName;
  if (r.phi0 !== undefined) run.phi0 = r.phi0;
  if (r.p0 !== undefined) run.p0 = r.p0;
  return run;
}

/** The run's resolved options, for manifests. */
export function runManifest(run: GdRun): Record<string, unknown> {
  return {
    w0: run.w0,
    eta: run.eta,
    steps: run.steps,
    divergeAt: run.divergeAt,
    preset: run.preset,
    phi0: run.phi0,
    p0: run.p0,
  };
}

/** One line naming the run, for titles and summaries. */
export function runDescription(run: GdRun): string {
  const start =
    run.phi0 !== undefined
      ? `φ₀ = ${run.phi0}, p₀ = ${run.p0}`
      : `w⁽⁰⁾ = (${Array.from(run.w0, (x) => +x.toPrecision(4)).join(', ')})`;
  return `${run.preset !== undefined ? `${run.preset}: ` : ''}D = ${run.w0.length}, η = ${run.eta}, ${start}, ${run.rows - 1} GD steps`;
}

/** 1 for each iterate of the run that lies in the invariant set 𝕊 at the run's η, else 0. */
export function invariantSetMembers(run: GdRun): Uint8Array {
  const e = defaultEngine();
  const D = run.w0.length;
  const member = new Uint8Array(run.rows);
  for (let t = 0; t < run.rows; t++) {
    member[t] = e.invariantSet(run.iterates.subarray(t * D, (t + 1) * D), run.eta).member ? 1 : 0;
  }
  return member;
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
