/**
 * `eoslab bifurcation`: GPGD bifurcation diagrams (docs/model.md §1.6, §3): Fig 4 over the iterates of a GD
 * run or densely over a φ axis, Fig 10 (Zhu et al.'s slice: GPGD vs the quasistatic approximation
 * vs GD) and Fig 11 (GD iterates in 𝕊 coloured by the period of their GPGD orbit). Each figure is
 * written as PNG + SVG + .npy/CSV data + manifest.json. This file reads the flags, calls the
 * experiment (src/experiments/bifurcation/) and prints; the computations, figures and files are there.
 */
import { FAMILY_DEPTH, resolveTrajectoryOptions, TRAJECTORY_OPTIONS } from '../../api.js';
import { conflict, invalidOption } from '../../base/errors.js';
import { stageOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { choiceOption, OPTIONS } from '../../base/options.js';
import { defineOptions, derived, type Resolved } from '../../base/optionSet.js';
import type { BifurcationResult } from '../../experiments/bifurcation/chunks.js';
import {
  BIFURCATION_RUNS,
  invariantSetMembers,
  runDescription,
  runGd,
  runManifest,
  runOptions,
  type FigureName,
  type RunName,
  type RunStart,
} from '../../experiments/bifurcation/gdRun.js';
import {
  bifurcationFromPoints,
  bifurcationOverPhi,
  resolvePhiAxisOptions,
} from '../../experiments/bifurcation/orbits.js';
import {
  AXIS_OPTIONS,
  ORBIT_OPTIONS,
  resolveOrbitSettings,
  type OrbitOptions,
  type OrbitSettings,
} from '../../experiments/bifurcation/settings.js';
import { FIG10_PHI_RANGE, fig10Axis, fig10Slices, onSlice } from '../../experiments/bifurcation/slice.js';
import {
  axisSummary,
  fig11Classes,
  fig11Summary,
  fig4RunSummary,
  sliceSummary,
} from '../../experiments/bifurcation/summary.js';
import {
  STATUS_NOTE,
  writeAxisOutputs,
  writeFig11Outputs,
  writeRunOutputs,
  writeSliceOutputs,
} from '../../experiments/bifurcation/writer.js';
import { defineCommand, type CliIo } from '../args.js';
import { withCancellation } from '../cancel.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

const presetOption = choiceOption(
  'preset',
  'preset',
  'GD run behind the figure: fig2 (docs/model.md §2: φ₀ = 26, p₀ = 1.5) or fig11 (ours: φ₀ = 28, p₀ = 1.5); D = 4, η = 0.1, 3 000 steps',
  Object.keys(BIFURCATION_RUNS) as RunName[],
);
const figureOption = choiceOption(
  'figure',
  'figure',
  'fig4: bifurcation diagram (over a GD run, or dense with --phi-range); fig10: the slice (x,x,y,y), our quasistatic approximation and GPGD, GD on top; fig11: GD iterates in 𝕊 by GPGD period',
  ['fig4', 'fig10', 'fig11'] as const,
);

/** The options of `eoslab bifurcation`: the GD run's start, the φ axis and the orbits. */
const BIFURCATION_OPTIONS = defineOptions({
  figure: { spec: figureOption, default: 'fig4' },
  preset: { spec: presetOption, defaultText: 'fig2; fig11 for --figure fig11' },
  w: { spec: OPTIONS.w, help: 'start of the GD run w⁽⁰⁾ (instead of a preset)' },
  phi0: { spec: OPTIONS.phi0, help: 'GFS sharpness φ₀ of the GD run’s start (with --p0)' },
  p0: {
    spec: OPTIONS.p0,
    help: 'product p₀ of the GD run’s start (with --phi0); with --phi-range, the start product of every orbit',
    defaultText: `${AXIS_OPTIONS.p0.default} with --phi-range`,
  },
  direction: {
    spec: OPTIONS.direction,
    help: 'balance direction c (Σc = 0) for --phi0/--p0 or --phi-range',
    defaultText: TRAJECTORY_OPTIONS.direction.defaultText,
  },
  depth: { spec: OPTIONS.depth, help: 'depth D for --phi0/--p0 or --phi-range', defaultText: String(FAMILY_DEPTH) },
  eta: { spec: OPTIONS.eta, help: 'GD step size η', defaultText: `the preset’s, else ${ORBIT_OPTIONS.eta.default}` },
  steps: { spec: OPTIONS.steps, help: 'GD steps of the run', defaultText: TRAJECTORY_OPTIONS.steps.default.text },
  phiRange: {
    spec: OPTIONS.phiRange,
    help: `φ axis of a dense diagram (fig4) or of the slice maps (fig10, default ${FIG10_PHI_RANGE.join(',')})`,
  },
  points: { ...AXIS_OPTIONS.points, help: 'φ values on --phi-range' },
  orbitSteps: ORBIT_OPTIONS.orbitSteps,
  keep: ORBIT_OPTIONS.keep,
  maxPeriod: ORBIT_OPTIONS.maxPeriod,
  periodTol: ORBIT_OPTIONS.periodTol,
  divergeAt: ORBIT_OPTIONS.divergeAt,
  method: {
    ...ORBIT_OPTIONS.method,
    help: `${OPTIONS.orbitMethod.description} (fig4, fig11; the slice maps of fig10 are exact)`,
  },
  workers: { spec: OPTIONS.workers, defaultText: 'the number of cores for long runs' },
  out: {
    spec: OPTIONS.out,
    default: derived('out/bifurcation, out/fig10 or out/fig11', (o: { figure: FigureName }) =>
      o.figure === 'fig4' ? 'out/bifurcation' : `out/${o.figure}`,
    ),
  },
  json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
});

type BifurcationOptions = Resolved<typeof BIFURCATION_OPTIONS>;

/** What every figure's run shares: where to print, how, the worker count and the options. */
interface Context {
  readonly io: CliIo;
  readonly hooksBase: { workers?: number };
  readonly options: BifurcationOptions;
  readonly given: (key: keyof BifurcationOptions) => boolean;
}

/** The tail of every figure: manifest.json, the staged directory moved into place, the summary printed. */
function publish(
  ctx: Context,
  stage: { dir: string; commit(): void },
  manifest: { options: Record<string, unknown>; started: number; orbitSeconds?: number; files: readonly string[] },
  summary: Record<string, unknown>,
  rows: [string, unknown][],
): number {
  const wallSeconds = (performance.now() - manifest.started) / 1000;
  writeManifest(stage.dir, {
    command: 'bifurcation',
    options: manifest.options,
    timings:
      manifest.orbitSeconds !== undefined ? { orbitSeconds: manifest.orbitSeconds, wallSeconds } : { wallSeconds },
    outputs: [...manifest.files, 'manifest.json'],
    summary,
  });
  stage.commit();
  if (ctx.options.json) ctx.io.out(toJson(summary));
  else ctx.io.out(table(rows));
  return 0;
}

/** The orbit options, with the step size of the run (or of the axis). */
function orbitOptions(o: BifurcationOptions, eta: number): Required<OrbitOptions> {
  const { orbitSteps, keep, maxPeriod, periodTol, divergeAt, method } = o;
  return { eta, orbitSteps, keep, maxPeriod, periodTol, divergeAt, method };
}

/** The start of the GD run, from --preset / --w / --phi0 --p0 (and --direction, --depth, --eta, --steps). */
function runStart(o: BifurcationOptions): RunStart {
  const { preset, w, phi0, p0, direction, depth, eta, steps, divergeAt } = o;
  return { preset, w, phi0, p0, direction, depth, eta, steps, divergeAt };
}

function periodList(periods: Record<string, number>): string {
  return Object.entries(periods)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

async function withProgress<T>(
  label: string,
  total: number,
  body: (hooks: { onProgress: (done: number) => void; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const progress = createProgress(label, total, 'orbits');
  return withCancellation((signal) => body({ onProgress: (done) => progress.update(done), signal }), { progress });
}

/** Fig 4, dense version: orbits over a φ axis at a fixed balance direction. */
async function axisFigure(ctx: Context, figure: FigureName, phiRange: readonly [number, number]): Promise<number> {
  const { options: o, given } = ctx;
  for (const key of ['w', 'phi0', 'preset', 'steps'] as const) {
    if (given(key)) throw conflict(`--${key} does not go with --phi-range`, key);
  }
  const axisOptions = {
    ...orbitOptions(o, o.eta ?? ORBIT_OPTIONS.eta.default),
    phiRange,
    points: o.points,
    direction: o.direction,
    depth: o.depth,
    p0: o.p0,
  };
  const resolved = resolvePhiAxisOptions(axisOptions);
  const out = o.out;
  const started = performance.now();
  const result = await withProgress('bifurcation', resolved.phi.length, (hooks) =>
    bifurcationOverPhi({ ...axisOptions, ...ctx.hooksBase, ...hooks }),
  );
  const stage = stageOutputDirectory(out);
  const files = writeAxisOutputs(stage.dir, result, resolved);
  const summary = axisSummary(out, result);
  const options = {
    figure,
    mode: 'phi-axis',
    phi: { range: axisOptions.phiRange, points: result.count },
    direction: resolved.direction,
    depth: resolved.depth,
    p0: resolved.p0,
    ...result.settings,
    out,
  };
  return publish(ctx, stage, { options, started, orbitSeconds: result.seconds, files }, summary, [
    ['φ axis', `${result.count} values in [${axisOptions.phiRange.join(', ')}], ${result.workers} workers`],
    ['orbits', periodList(summary.periods)],
    [
      'first period 2, 4 at φ',
      `${summary.firstPeriod2Phi}, ${summary.firstPeriod4Phi} (2/η = ${summary.stabilityThreshold})`,
    ],
    ['first chaotic φ', summary.firstChaoticPhi],
    ['figure', summary.figure],
    ['data', `${out}/*.npy, manifest.json`],
  ]);
}

/** The figures over a GD run: Fig 4 and Fig 11 (orbits from every iterate), Fig 10 (the slice maps, GD on top). */
async function runFigure(ctx: Context, figure: FigureName): Promise<number> {
  const { options: o, given } = ctx;
  if (given('points') && figure !== 'fig10') throw conflict('--points needs --phi-range', 'points');
  if (given('phiRange') && figure === 'fig11')
    throw conflict('--phi-range does not go with --figure fig11', 'phiRange');
  const options = runOptions(runStart(o), figure);
  if (figure === 'fig10') {
    if (given('method')) {
      throw conflict('--figure fig10 iterates the exact slice maps: it takes no --method', 'method');
    }
    if (given('direction') || given('depth')) {
      throw conflict('--figure fig10 runs on the slice (x, x, y, y): it takes no --direction or --depth', 'direction');
    }
    if (options.w0 !== undefined) {
      const w = OPTIONS.w.check(options.w0, 'w');
      if (!onSlice(w))
        throw invalidOption('w', Array.from(w), 'a point (x, x, y, y) of Zhu’s slice for --figure fig10');
    }
  }
  resolveTrajectoryOptions(options); // validate the run before any work
  const orbitSettings: OrbitSettings = resolveOrbitSettings(orbitOptions(o, options.eta as number));
  const out = o.out;
  const sliceAxis = figure === 'fig10' ? fig10Axis(o.phiRange, o.points) : undefined;
  const started = performance.now();
  const run = runGd(options);
  const description = runDescription(run);
  const runRow: [string, unknown] = ['GD run', `${description} (${run.outcome})`];
  const manifestOptions = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    figure,
    run: runManifest(run),
    ...extra,
    ...orbitSettings,
    out,
  });

  if (sliceAxis) {
    // the slice maps are exact: no --method
    const { method: _method, ...orbit } = orbitOptions(o, run.eta);
    const sliceOptions = { ...orbit, ...sliceAxis, ...ctx.hooksBase };
    const { exact, quasistatic } = await withProgress('bifurcation', 2 * sliceAxis.points, (hooks) =>
      fig10Slices({ ...sliceOptions, ...hooks }),
    );
    const stage = stageOutputDirectory(out);
    const files = writeSliceOutputs(stage.dir, exact, quasistatic, run);
    const summary = sliceSummary(out, run, description, exact, quasistatic);
    const row = (r: typeof summary.gpgd): string =>
      `period 2 from φ ${r.firstPeriod2Phi}, period 4 from ${r.firstPeriod4Phi}, chaos from ${r.firstChaoticPhi}, diverges from ${r.firstDivergedPhi}`;
    return publish(ctx, stage, { options: manifestOptions(sliceAxis), started, files }, summary, [
      runRow,
      ['GPGD (exact map)', row(summary.gpgd)],
      ['quasistatic approx. (ours)', row(summary.quasistatic)],
      ['figure', summary.figure],
      ['data', `${out}/*.npy, gd.csv, manifest.json`],
    ]);
  }

  // orbits from every GD iterate (fig4 over a run, fig11)
  const orbits: BifurcationResult = await withProgress('bifurcation', run.rows, (hooks) =>
    bifurcationFromPoints({
      points: run.iterates,
      depth: run.w0.length,
      ...orbitSettings,
      ...ctx.hooksBase,
      ...hooks,
    }),
  );
  const stage = stageOutputDirectory(out);
  const manifest = { options: manifestOptions(), started, orbitSeconds: orbits.seconds };
  if (figure === 'fig4') {
    const files = writeRunOutputs(stage.dir, orbits, run, description);
    const summary = fig4RunSummary(out, run, description, orbits);
    return publish(ctx, stage, { ...manifest, files }, summary, [
      runRow,
      [
        'orbits',
        `${run.rows} starts × ${orbitSettings.orbitSteps} GPGD steps, ${orbits.workers} workers, ${orbits.seconds.toFixed(2)} s`,
      ],
      ['periods', periodList(summary.periods)],
      ['figure', summary.figure],
      ['data', `${out}/*.npy, gd.csv, manifest.json`],
    ]);
  }

  // fig11: membership of each iterate in 𝕊
  const member = invariantSetMembers(run);
  const classes = fig11Classes(member, orbits);
  const files = writeFig11Outputs(stage.dir, orbits, run, description, member, classes);
  const summary = fig11Summary(out, run, description, orbits, member, classes);
  const [first, last] = summary.chaoticSteps;
  return publish(ctx, stage, { ...manifest, files }, summary, [
    runRow,
    ['iterates in 𝕊', `${summary.inInvariantSet} of ${run.rows}`],
    [
      'classes',
      Object.entries(summary.classes)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    [
      'chaotic GPGD in 𝕊',
      summary.chaoticInInvariantSet > 0 ? `${summary.chaoticInInvariantSet} iterates, steps ${first}–${last}` : 'none',
    ],
    ['figure', summary.figure],
    ['data', `${out}/fig11.csv, *.npy, manifest.json`],
  ]);
}

export const bifurcationCommand = defineCommand({
  name: 'bifurcation',
  summary: 'GPGD bifurcation diagrams, periods and chaos (Fig 4, Fig 10, Fig 11)',
  usage:
    'eoslab bifurcation [--figure fig4|fig10|fig11] [--preset fig2|fig11 | --w w1,...,wD | --phi0 φ₀ --p0 p₀ | --phi-range a,b --points n] [--out DIR] …',
  details:
    'Iterates GPGD (GFS-preserving GD, docs/model.md §1.6) N = --orbit-steps times from each start, keeps the\n' +
    'last K = --keep products, and detects the smallest period p ≤ --max-period (relative tolerance\n' +
    '--period-tol); without one, a Lyapunov exponent λ > 0.01 means chaotic, else unresolved.\n' +
    '  --figure fig4 (default): from every iterate w⁽ᵗ⁾ of a GD run (--preset fig2, --w, or --phi0 --p0),\n' +
    '    scatter (φ(w⁽ᵗ⁾), π) of the orbits with GD’s (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾)) on top → DIR/bifurcation.png;\n' +
    '    with --phi-range a,b --points n: the dense diagram at a fixed balance direction (--direction,\n' +
    '    --depth), each orbit starting at the (φ, --p0) family point [default p₀ 1.5].\n' +
    '  --figure fig10: Zhu et al.’s slice (x, x, y, y) over --phi-range [default 18,30]: a quasistatic\n' +
    '    approximation of ours (the fixed-c map to second order in √π − 1; not Zhu et al.’s recursion)\n' +
    '    and GPGD (the exact fixed-c map), side by side with GD’s (φ, π) on both → fig10.png.\n' +
    '  --figure fig11: the GD iterates of a run [default --preset fig11] that lie in 𝕊, coloured by the\n' +
    '    period of their GPGD orbit, chaotic ones highlighted → fig11.png, fig11.csv.\n' +
    `Every figure comes with .npy data, manifest.json and an SVG; ${STATUS_NOTE}.\n` +
    'Results are identical for any --workers and for --method map (the 1-D map g) or gpgd (full steps)\n' +
    'up to rounding (chaotic orbits decorrelate, their statistics do not).',
  options: BIFURCATION_OPTIONS,
  examples: [
    'eoslab bifurcation --preset fig2 --out out/fig4',
    'eoslab bifurcation --phi-range 18,30 --points 1200 --out out/fig4-dense',
    'eoslab bifurcation --phi0 27 --p0 0.8 --eta 0.1 --out out/fig4-custom',
    'eoslab bifurcation --figure fig10 --out out/fig10',
    'eoslab bifurcation --figure fig11 --out out/fig11',
  ],
  async run(options, io, given) {
    const ctx: Context = {
      io,
      hooksBase: options.workers !== undefined ? { workers: options.workers } : {},
      options,
      given: (key) => given.has(key),
    };
    const { figure, phiRange } = options;
    return figure === 'fig4' && phiRange !== undefined ? axisFigure(ctx, figure, phiRange) : runFigure(ctx, figure);
  },
});
