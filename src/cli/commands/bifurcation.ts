/**
 * `eoslab bifurcation`: GPGD bifurcation diagrams (SPEC §1.6, §3): Fig 4 over the iterates of a GD
 * run or densely over a φ axis, Fig 10 (Zhu et al.'s slice: GPGD vs the quasistatic approximation
 * vs GD) and Fig 11 (GD iterates in 𝕊 coloured by the period of their GPGD orbit). Each figure is
 * written as PNG + SVG + .npy/CSV data + manifest.json.
 */
import { join } from 'node:path';
import { engine, resolveTrajectoryOptions, trajectory, type TrajectoryOptions } from '../../api.js';
import {
  bifurcationFromPoints,
  bifurcationOverPhi,
  DEFAULT_AXIS_POINTS,
  gdIterates,
  ORBIT_DEFAULTS,
  ORBIT_STATUS_LABELS,
  OrbitStatus,
  resolveOrbitSettings,
  resolvePhiAxisOptions,
  sliceBifurcation,
  type BifurcationResult,
  type OrbitOptions,
  type OrbitSettings,
} from '../../experiments/bifurcation/bifurcation.js';
import { conflict, invalidOption } from '../../base/errors.js';
import { stageOutputDirectory, writeFileAtomic } from '../../io/atomic.js';
import { toCsv } from '../../io/csv.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import { choiceOption, OPTIONS } from '../../options.js';
import { lineChart, sideBySide, svgToPng, type LineSeries, type Panel } from '../../plot/index.js';
import { trajectoryPreset } from '../../base/presets.js';
import type { CliIo, Command, Values } from '../args.js';
import { table, toJson } from '../format.js';
import { createProgress } from '../progress.js';

/** GD runs behind the run-based figures: SPEC §2's fig2, and a start whose GPGD orbits include chaos. */
export const BIFURCATION_RUNS = {
  fig2: { ...trajectoryPreset('fig2'), description: 'SPEC §2 fig2: D = 4, η = 0.1, (φ₀, p₀) = (26, 1.5), 3 000 steps' },
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

type RunName = keyof typeof BIFURCATION_RUNS;
type FigureName = 'fig4' | 'fig10' | 'fig11';

const presetOption = choiceOption(
  'preset',
  'preset',
  'GD run behind the figure: fig2 (SPEC §2: φ₀ = 26, p₀ = 1.5) or fig11 (ours: φ₀ = 28, p₀ = 1.5); D = 4, η = 0.1, 3 000 steps',
  Object.keys(BIFURCATION_RUNS) as RunName[],
);
const figureOption = choiceOption(
  'figure',
  'figure',
  'fig4: bifurcation diagram (over a GD run, or dense with --phi-range); fig10: the slice (x,x,y,y), our quasistatic approximation and GPGD, GD on top; fig11: GD iterates in 𝕊 by GPGD period',
  ['fig4', 'fig10', 'fig11'] as const,
);

/** Default φ axis of Fig 10 (slice maps): past the period doubling at 2/η = 20 up to the escape at ηφ = 3. */
const FIG10_PHI_RANGE: readonly [number, number] = [18, 30];

const COLORS = {
  periodic: '#1f3b73',
  chaotic: '#d62728',
  unresolved: '#9e9e9e',
  gd: '#ff7f0e',
  reference: '#555555',
  faint: '#c6cbd6',
};

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** Scatter points (φ, value) of the orbits: a periodic orbit contributes its p distinct values. */
export function orbitScatter(
  result: BifurcationResult,
  include: (status: number) => boolean,
): { x: Float64Array; y: Float64Array } {
  const K = result.settings.keep;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < result.count; k++) {
    const status = result.status[k] as number;
    if (!include(status)) continue;
    const p = result.period[k] as number;
    const from = status === OrbitStatus.periodic && p > 0 ? K - p : 0;
    for (let j = from; j < K; j++) {
      const v = result.orbits[k * K + j] as number;
      if (Number.isFinite(v)) {
        xs.push(result.phi[k] as number);
        ys.push(v);
      }
    }
  }
  return { x: Float64Array.from(xs), y: Float64Array.from(ys) };
}

function orbitSeries(result: BifurcationResult, label: string, size = 0.25): LineSeries[] {
  const periodic = orbitScatter(result, (s) => s === OrbitStatus.periodic);
  const chaotic = orbitScatter(result, (s) => s === OrbitStatus.chaotic);
  const unresolved = orbitScatter(result, (s) => s === OrbitStatus.unresolved);
  const series: LineSeries[] = [];
  const add = (name: string, d: { x: Float64Array; y: Float64Array }, color: string): void => {
    if (d.x.length > 0) series.push({ name, x: d.x, y: d.y, color, mode: 'markers', width: size });
  };
  add(`${label}: periodic orbit`, periodic, COLORS.periodic);
  add(`${label}: unresolved in N steps`, unresolved, COLORS.unresolved);
  add(`${label}: chaotic (λ > 0.01)`, chaotic, COLORS.chaotic);
  return series;
}

/** A dashed vertical reference line drawn as a two-point series. */
function verticalLine(x: number, y: readonly [number, number], name: string, color = COLORS.reference): LineSeries {
  return { name, x: [x, x], y: [y[0], y[1]], color, dash: true, width: 1.2, mode: 'line' };
}

function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function padded([lo, hi]: readonly [number, number], fraction: number): [number, number] {
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - fraction * span, hi + fraction * span];
}

/** y range of the orbit values and GD products whose φ lies in xRange (fallback: `whole`). */
function yRangeWithin(
  orbits: BifurcationResult,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  xRange: readonly [number, number],
  whole: [number, number],
): [number, number] {
  const K = orbits.settings.keep;
  const inside: number[] = [];
  for (let k = 0; k < orbits.count; k++) {
    const phi = orbits.phi[k] as number;
    if (phi >= xRange[0] && phi <= xRange[1]) inside.push(...extent(orbits.orbits.subarray(k * K, (k + 1) * K)));
  }
  gdPhi.forEach((phi, t) => {
    if (phi >= xRange[0] && phi <= xRange[1]) inside.push(gdProduct[t] as number);
  });
  if (inside.length === 0) return whole;
  const r = padded(extent(inside), 0.05);
  return [Math.max(0, r[0]), r[1]];
}

/** Fig 4 over a GD run: the GPGD orbits from every iterate and the iterates themselves. */
export function runDiagramSvg(
  orbits: BifurcationResult,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  eta: number,
  title: string,
): string {
  const threshold = 2 / eta;
  const valueRange = padded(extent([...extent(orbits.orbits), ...extent(gdProduct)]), 0.04);
  const yRange: [number, number] = [Math.max(0, valueRange[0]), valueRange[1]];
  const phiExtent = extent(gdPhi);
  const full = padded(phiExtent, 0.03);
  const span = phiExtent[1] - phiExtent[0] || 1;
  const zoom: [number, number] = [phiExtent[0] - 0.02 * span, phiExtent[0] + 0.15 * span];
  const gd: LineSeries = {
    name: 'GD iterates (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾))',
    x: gdPhi,
    y: gdProduct,
    color: COLORS.gd,
    mode: 'markers',
    width: 0.7,
  };
  const panel = (title: string, xRange: [number, number]): Panel => ({
    title,
    xLabel: 'GFS sharpness φ',
    yLabel: 'product π',
    yScale: 'linear',
    xRange,
    yRange: yRangeWithin(orbits, gdPhi, gdProduct, xRange, yRange),
    series: [
      ...orbitSeries(orbits, 'GPGD'),
      gd,
      ...(threshold > xRange[0] && threshold < xRange[1] ? [verticalLine(threshold, yRange, 'φ = 2/η')] : []),
    ],
    hlines: [{ y: 1, label: 'π = 1', color: COLORS.reference }],
    legend: true,
    legendPosition: 'auto',
  });
  return lineChart({
    width: 1000,
    height: 1080,
    title,
    panels: [
      panel(`GPGD from each GD iterate: last ${orbits.settings.keep} of ${orbits.settings.orbitSteps} steps`, full),
      panel('Zoom on the edge of stability', zoom),
    ],
  });
}

/** Fig 4, dense version: orbit values over the φ axis and the Lyapunov exponent. */
export function axisDiagramSvg(result: BifurcationResult, eta: number, title: string): string {
  const xRange = padded(extent(result.phi), 0.01);
  const yRange = padded(extent(result.orbits), 0.03);
  yRange[0] = Math.max(0, yRange[0]);
  const references = (range: [number, number]): LineSeries[] => {
    const out: LineSeries[] = [];
    const t = 2 / eta;
    if (t > xRange[0] && t < xRange[1]) out.push(verticalLine(t, range, 'φ = 2/η'));
    const s = (2 * Math.SQRT2) / eta;
    if (s > xRange[0] && s < xRange[1]) out.push(verticalLine(s, range, 'φ = 2√2/η (𝕊 bound)', '#2ca02c'));
    return out;
  };
  const lyapunov = extent(result.lyapunov);
  const lyRange = padded([Math.min(lyapunov[0], -0.1), Math.max(lyapunov[1], 0.1)], 0.05);
  return lineChart({
    width: 1000,
    height: 900,
    title,
    panels: [
      {
        title: `GPGD orbits: last ${result.settings.keep} of ${result.settings.orbitSteps} steps per φ`,
        xLabel: 'GFS sharpness φ',
        yLabel: 'product π',
        yScale: 'linear',
        xRange,
        yRange,
        series: [...orbitSeries(result, 'GPGD', 0.2), ...references(yRange)],
        hlines: [{ y: 1, label: 'π = 1', color: COLORS.reference }],
        legendPosition: 'top-left',
      },
      {
        title: 'Lyapunov exponent of the orbit',
        xLabel: 'GFS sharpness φ',
        yLabel: 'λ',
        yScale: 'linear',
        xRange,
        yRange: lyRange,
        series: [
          {
            name: 'λ (mean log|g′| over the last max(K, N/2) steps)',
            x: result.phi,
            y: result.lyapunov,
            color: '#1b9e77',
          },
          ...references(lyRange),
        ],
        hlines: [{ y: 0, label: 'λ = 0', color: COLORS.reference }],
        legendPosition: 'bottom-right',
      },
    ],
  });
}

/**
 * Fig 10: two panels side by side on the slice (x, x, y, y), in (φ, π = d²) as Fig 4: (a) our
 * quasistatic approximation (the fixed-c map to second order in b = d − 1 — NOT Zhu et al.'s own
 * recursion, which is not available here) and (b) GPGD (the exact fixed-c map), each with GD's
 * iterates (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾)) on top, as the paper's Fig 10a overlays GD on Zhu et al.'s diagram.
 */
export function fig10Svg(
  exact: BifurcationResult,
  quasistatic: BifurcationResult,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  eta: number,
): string {
  const square = (r: BifurcationResult): BifurcationResult => ({ ...r, orbits: r.orbits.map((d) => d * d) });
  const panels = [square(quasistatic), square(exact)];
  const xRange = padded(extent(exact.phi), 0.01);
  const values = [...extent(panels[0]?.orbits ?? []), ...extent(panels[1]?.orbits ?? []), ...extent(gdProduct)];
  const yRange = padded(extent(values), 0.04);
  yRange[0] = Math.max(0, yRange[0]);
  const threshold = 2 / eta;
  const refs = threshold > xRange[0] && threshold < xRange[1] ? [verticalLine(threshold, yRange, 'φ = 2/η')] : [];
  const gd: LineSeries = {
    name: 'GD iterates (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾))',
    x: gdPhi,
    y: gdProduct,
    color: COLORS.gd,
    mode: 'markers',
    width: 0.9,
  };
  const w = 640;
  const h = 600;
  const chart = (id: string, panelTitle: string, series: LineSeries[]): string =>
    lineChart({
      width: w,
      height: h,
      idPrefix: id,
      panels: [
        {
          title: panelTitle,
          xLabel: 'GFS sharpness φ = 2√(c⁴ + 4)',
          yLabel: 'product π = (xy)²',
          yScale: 'linear',
          xRange,
          yRange,
          series: [...series, gd, ...refs],
          hlines: [{ y: 1, label: 'π = 1', color: COLORS.reference }],
          legendPosition: 'bottom-left',
        },
      ],
    });
  return sideBySide(
    [
      chart(
        'f10a',
        '(a) quasistatic approximation (ours, O(b²), b = √π − 1)',
        orbitSeries(panels[0] as BifurcationResult, 'quasistatic', 0.2),
      ),
      chart('f10b', '(b) GPGD: the exact fixed-c map', orbitSeries(panels[1] as BifurcationResult, 'GPGD', 0.2)),
    ],
    `Fig 10 · slice (x, x, y, y) of Zhu et al., η = ${eta}: last ${exact.settings.keep} of ${exact.settings.orbitSteps} steps per φ, GD on top`,
  );
}

/** Classes of Fig 11, in drawing order (chaotic last, on top). */
export const FIG11_CLASSES = [
  { label: 'outside 𝕊', color: '#252525', width: 0.6 },
  { label: 'period 1', color: '#1f3b73', width: 0.8 },
  { label: 'period 2', color: '#1b9e77', width: 0.8 },
  { label: 'period 4', color: '#7570b3', width: 0.8 },
  { label: 'period 8', color: '#e6ab02', width: 0.9 },
  { label: 'other period', color: '#a6761d', width: 1.0 },
  { label: 'unresolved', color: '#969696', width: 0.8 },
  { label: 'chaotic (λ > 0.01)', color: '#d62728', width: 1.8 },
  { label: 'diverged / no GFS', color: '#e7298a', width: 0.8 },
] as const;

/** Fig 11 class index of one iterate. */
export function fig11Class(member: boolean, status: number, period: number): number {
  if (status === OrbitStatus.diverged || status === OrbitStatus.noGfs || status === OrbitStatus.nonFinite) return 8;
  if (!member) return 0;
  if (status === OrbitStatus.chaotic) return 7;
  if (status === OrbitStatus.unresolved) return 6;
  if (period === 1) return 1;
  if (period === 2) return 2;
  if (period === 4) return 3;
  if (period === 8) return 4;
  return 5;
}

export function fig11Svg(
  orbits: BifurcationResult,
  classes: Uint8Array,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  eta: number,
  title: string,
  run: string,
): string {
  const steps = Float64Array.from({ length: gdPhi.length }, (_, t) => t + 1);
  const byClass = (x: Float64Array, y: Float64Array): LineSeries[] =>
    FIG11_CLASSES.flatMap((c, index) => {
      const keep: number[] = [];
      classes.forEach((k, t) => {
        if (k === index) keep.push(t);
      });
      if (keep.length === 0) return [];
      return [
        {
          name: `${c.label} (${keep.length})`,
          x: Float64Array.from(keep, (t) => x[t] as number),
          y: Float64Array.from(keep, (t) => y[t] as number),
          color: c.color,
          mode: 'markers' as const,
          width: c.width,
        },
      ];
    });
  const faint = orbitScatter(orbits, (s) => s === OrbitStatus.periodic || s === OrbitStatus.chaotic);
  const phiRange = padded(extent(gdPhi), 0.03);
  const yRange = padded(extent([...extent(faint.y), ...extent(gdProduct)]), 0.04);
  yRange[0] = Math.max(0, yRange[0]);
  const threshold = 2 / eta;
  const bound = (2 * Math.SQRT2) / eta;
  const vertical = (range: [number, number]): LineSeries[] =>
    threshold > phiRange[0] && threshold < phiRange[1] ? [verticalLine(threshold, range, 'φ = 2/η')] : [];
  return lineChart({
    width: 1000,
    height: 1080,
    title,
    panels: [
      {
        title: `${run}: GD iterates (φ, π) over their GPGD orbits (grey)`,
        xLabel: 'GFS sharpness φ',
        yLabel: 'product π',
        yScale: 'linear',
        xRange: phiRange,
        yRange,
        series: [
          { name: '', x: faint.x, y: faint.y, color: COLORS.faint, mode: 'markers', width: 0.2 },
          ...byClass(gdPhi, gdProduct),
          ...vertical(yRange),
        ],
        legendPosition: 'top-left',
      },
      {
        title: 'GFS sharpness along GD, by the GPGD orbit of each iterate',
        xLabel: 'GD step t + 1 (log scale)',
        yLabel: 'φ(w⁽ᵗ⁾)',
        yScale: 'linear',
        xScale: 'log',
        series: byClass(steps, gdPhi),
        hlines: [
          { y: threshold, label: '2/η', color: COLORS.reference },
          ...(bound < extent(gdPhi)[1] * 1.02 ? [{ y: bound, label: '2√2/η', color: '#2ca02c' }] : []),
        ],
        legendPosition: 'bottom-left',
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

interface GdRun {
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

/** Trajectory options of the run-based figures, from --preset / --w / --phi0 --p0. */
function runOptions(values: Values, figure: FigureName): TrajectoryOptions & { presetName?: string } {
  const presetName = (values.get('preset') as RunName | undefined) ?? (figure === 'fig11' ? 'fig11' : undefined);
  const w = values.get('w') as Float64Array | undefined;
  const phi0 = values.get('phi0') as number | undefined;
  const p0 = values.get('p0') as number | undefined;
  if (w !== undefined && (phi0 !== undefined || p0 !== undefined)) {
    throw conflict('give either --w or --phi0 with --p0, not both', 'w');
  }
  const options: TrajectoryOptions & { presetName?: string } = {};
  const userStart = w !== undefined || phi0 !== undefined || p0 !== undefined;
  const preset = !userStart ? BIFURCATION_RUNS[presetName ?? 'fig2'] : undefined;
  if (userStart && values.has('preset')) throw conflict('give either --preset or a start (--w, --phi0 --p0)', 'preset');
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
    const direction = values.get('direction') as Float64Array | undefined;
    const depth = values.get('depth') as number | undefined;
    if (direction !== undefined) options.direction = direction;
    if (depth !== undefined) options.depth = depth;
  }
  options.eta = (values.get('eta') as number | undefined) ?? preset?.eta ?? ORBIT_DEFAULTS.eta;
  options.steps = (values.get('steps') as number | undefined) ?? preset?.steps ?? 3000;
  options.divergeAt = values.get('divergeAt') as number;
  return options;
}

function runGd(options: TrajectoryOptions & { presetName?: string }): GdRun {
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
function runManifest(run: GdRun): Record<string, unknown> {
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

function orbitOptionValues(values: Values, eta: number): OrbitOptions {
  const o: OrbitOptions = { eta };
  for (const key of ['orbitSteps', 'keep', 'maxPeriod', 'periodTol', 'divergeAt', 'method'] as const) {
    const v = values.get(key);
    if (v !== undefined) (o as Record<string, unknown>)[key] = v;
  }
  return o;
}

function runDescription(run: GdRun): string {
  const start =
    run.phi0 !== undefined
      ? `φ₀ = ${run.phi0}, p₀ = ${run.p0}`
      : `w⁽⁰⁾ = (${Array.from(run.w0, (x) => +x.toPrecision(4)).join(', ')})`;
  return `${run.preset !== undefined ? `${run.preset}: ` : ''}D = ${run.w0.length}, η = ${run.eta}, ${start}, ${run.rows - 1} GD steps`;
}

function periodCounts(result: BifurcationResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let k = 0; k < result.count; k++) {
    const status = result.status[k] as number;
    const key = status === OrbitStatus.periodic ? `period ${result.period[k]}` : (ORBIT_STATUS_LABELS[status] ?? '?');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** First φ of an axis with the given orbit class (NaN if none). */
function firstPhi(result: BifurcationResult, test: (status: number, period: number) => boolean): number {
  for (let k = 0; k < result.count; k++) {
    if (test(result.status[k] as number, result.period[k] as number)) return result.phi[k] as number;
  }
  return Number.NaN;
}

function writeFigure(out: string, name: string, svg: string, width: number): string[] {
  writeFileAtomic(join(out, `${name}.svg`), svg);
  writeFileAtomic(join(out, `${name}.png`), svgToPng(svg, { width }));
  return [`${name}.svg`, `${name}.png`];
}

function writeOrbitArrays(out: string, result: BifurcationResult, prefix = ''): string[] {
  const K = result.settings.keep;
  writeNpy(join(out, `${prefix}orbits.npy`), result.orbits, [result.count, K]);
  writeNpy(join(out, `${prefix}orbit_period.npy`), result.period, [result.count]);
  writeNpy(join(out, `${prefix}orbit_status.npy`), result.status, [result.count]);
  writeNpy(join(out, `${prefix}orbit_lyapunov.npy`), result.lyapunov, [result.count]);
  return ['orbits.npy', 'orbit_period.npy', 'orbit_status.npy', 'orbit_lyapunov.npy'].map((f) => prefix + f);
}

function report(io: CliIo, json: boolean, summary: Record<string, unknown>, rows: [string, unknown][]): void {
  if (json) io.out(toJson(summary));
  else io.out(table(rows));
}

async function withProgress<T>(
  label: string,
  total: number,
  body: (hooks: { onProgress: (done: number) => void; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = createProgress(label, total, 'orbits');
  try {
    return await body({ onProgress: (done) => progress.update(done), signal: controller.signal });
  } finally {
    process.off('SIGINT', onSigint);
    progress.finish();
  }
}

const STATUS_NOTE = 'orbit_status.npy (uint8): 0 periodic, 1 diverged, 2 unresolved, 3 no GFS, 4 non-finite, 5 chaotic';

export const bifurcationCommand: Command = {
  name: 'bifurcation',
  summary: 'GPGD bifurcation diagrams, periods and chaos (Fig 4, Fig 10, Fig 11)',
  usage:
    'eoslab bifurcation [--figure fig4|fig10|fig11] [--preset fig2|fig11 | --w w1,...,wD | --phi0 φ₀ --p0 p₀ | --phi-range a,b --points n] [--out DIR] …',
  details:
    'Iterates GPGD (GFS-preserving GD, SPEC §1.6) N = --orbit-steps times from each start, keeps the\n' +
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
  options: [
    { spec: figureOption, default: 'fig4' },
    { spec: presetOption, help: `${presetOption.description} [default: fig2; fig11 for --figure fig11]` },
    { spec: OPTIONS.w, help: 'start of the GD run w⁽⁰⁾ (instead of a preset)' },
    { spec: OPTIONS.phi0, help: 'GFS sharpness φ₀ of the GD run’s start (with --p0)' },
    {
      spec: OPTIONS.p0,
      help: 'product p₀ of the GD run’s start (with --phi0); with --phi-range, the start product of every orbit [default: 1.5]',
    },
    {
      spec: OPTIONS.direction,
      help: 'balance direction c (Σc = 0) for --phi0/--p0 or --phi-range [default: SPEC §2’s]',
    },
    { spec: OPTIONS.depth, help: 'depth D for --phi0/--p0 or --phi-range [default: 4]' },
    { spec: OPTIONS.eta, help: 'GD step size η [default: the preset’s, else 0.1]' },
    { spec: OPTIONS.steps, help: 'GD steps of the run [default: the preset’s, else 3000]' },
    {
      spec: OPTIONS.phiRange,
      help: `φ axis of a dense diagram (fig4) or of the slice maps (fig10, default ${FIG10_PHI_RANGE.join(',')})`,
    },
    { spec: OPTIONS.points, help: `φ values on --phi-range [default: ${DEFAULT_AXIS_POINTS}]` },
    { spec: OPTIONS.orbitSteps, default: ORBIT_DEFAULTS.orbitSteps },
    { spec: OPTIONS.keep, help: `${OPTIONS.keep.description} [default: ${ORBIT_DEFAULTS.keep}, at most N]` },
    {
      spec: OPTIONS.maxPeriod,
      help: `${OPTIONS.maxPeriod.description} [default: ${ORBIT_DEFAULTS.maxPeriod}, at most K/2]`,
    },
    { spec: OPTIONS.periodTol, default: ORBIT_DEFAULTS.periodTol },
    { spec: OPTIONS.divergeAt, default: ORBIT_DEFAULTS.divergeAt },
    {
      spec: OPTIONS.orbitMethod,
      default: ORBIT_DEFAULTS.method,
      help: `${OPTIONS.orbitMethod.description} (fig4, fig11; the slice maps of fig10 are exact)`,
    },
    { spec: OPTIONS.workers, help: `${OPTIONS.workers.description} [default: the number of cores for long runs]` },
    { spec: OPTIONS.out, help: 'output directory [default: out/bifurcation, out/fig10 or out/fig11]' },
    { spec: OPTIONS.json, help: 'print the summary as JSON' },
  ],
  examples: [
    'eoslab bifurcation --preset fig2 --out out/fig4',
    'eoslab bifurcation --phi-range 18,30 --points 1200 --out out/fig4-dense',
    'eoslab bifurcation --phi0 27 --p0 0.8 --eta 0.1 --out out/fig4-custom',
    'eoslab bifurcation --figure fig10 --out out/fig10',
    'eoslab bifurcation --figure fig11 --out out/fig11',
  ],
  async run(values, io, givenKeys?: ReadonlySet<string>) {
    const figure = values.get('figure') as FigureName;
    // without the parser's set of typed keys, an option counts as given when it has no default
    const defaulted = new Set(bifurcationCommand.options.filter((o) => o.default !== undefined).map((o) => o.spec.key));
    const given = (key: string): boolean => (givenKeys ? givenKeys.has(key) : values.has(key) && !defaulted.has(key));
    const json = Boolean(values.get('json'));
    const workers = values.get('workers') as number | undefined;
    const hooksBase = workers !== undefined ? { workers } : {};

    if (figure === 'fig4' && given('phiRange')) {
      // ---- dense diagram over a φ axis at fixed direction -------------------------------------
      for (const key of ['w', 'phi0', 'preset', 'steps'] as const) {
        if (given(key)) throw conflict(`--${key === 'phi0' ? 'phi0' : key} does not go with --phi-range`, key);
      }
      const axisOptions = {
        ...orbitOptionValues(values, (values.get('eta') as number | undefined) ?? ORBIT_DEFAULTS.eta),
        phiRange: values.get('phiRange') as readonly [number, number],
        ...(given('points') ? { points: values.get('points') as number } : {}),
        ...(given('direction') ? { direction: values.get('direction') as Float64Array } : {}),
        ...(given('depth') ? { depth: values.get('depth') as number } : {}),
        ...(given('p0') ? { p0: values.get('p0') as number } : {}),
      };
      const resolved = resolvePhiAxisOptions(axisOptions);
      const out = (values.get('out') as string | undefined) ?? 'out/bifurcation';
      const started = performance.now();
      const result = await withProgress('bifurcation', resolved.phi.length, (hooks) =>
        bifurcationOverPhi({ ...axisOptions, ...hooksBase, ...hooks }),
      );
      const stage = stageOutputDirectory(out);
      const files = [...writeOrbitArrays(stage.dir, result), 'phi_axis.npy'];
      writeNpy(join(stage.dir, 'phi_axis.npy'), result.phi, [result.count]);
      const title = `GPGD bifurcation diagram, D = ${resolved.depth}, c = (${Array.from(resolved.direction, (c) => +c.toPrecision(4)).join(', ')}), η = ${result.settings.eta}, start π = ${resolved.p0}`;
      files.push(...writeFigure(stage.dir, 'bifurcation', axisDiagramSvg(result, result.settings.eta, title), 1000));
      const summary = {
        out,
        figure: join(out, 'bifurcation.png'),
        points: result.count,
        counts: result.counts,
        periods: periodCounts(result),
        firstPeriod2Phi: firstPhi(result, (s, p) => s === OrbitStatus.periodic && p === 2),
        firstPeriod4Phi: firstPhi(result, (s, p) => s === OrbitStatus.periodic && p === 4),
        firstChaoticPhi: firstPhi(result, (s) => s === OrbitStatus.chaotic),
        stabilityThreshold: 2 / result.settings.eta,
        workers: result.workers,
        orbitSeconds: result.seconds,
      };
      writeManifest(stage.dir, {
        command: 'bifurcation',
        options: {
          figure,
          mode: 'phi-axis',
          phi: { range: axisOptions.phiRange, points: result.count },
          direction: resolved.direction,
          depth: resolved.depth,
          p0: resolved.p0,
          ...result.settings,
          out,
        },
        timings: { orbitSeconds: result.seconds, wallSeconds: (performance.now() - started) / 1000 },
        outputs: [...files, 'manifest.json'],
        summary,
      });
      stage.commit();
      report(io, json, summary, [
        ['φ axis', `${result.count} values in [${axisOptions.phiRange.join(', ')}], ${result.workers} workers`],
        [
          'orbits',
          Object.entries(summary.periods)
            .map(([k, n]) => `${k} ${n}`)
            .join(', '),
        ],
        [
          'first period 2, 4 at φ',
          `${summary.firstPeriod2Phi}, ${summary.firstPeriod4Phi} (2/η = ${summary.stabilityThreshold})`,
        ],
        ['first chaotic φ', summary.firstChaoticPhi],
        ['figure', summary.figure],
        ['data', `${out}/*.npy, manifest.json`],
      ]);
      return 0;
    }

    if (given('points') && figure !== 'fig10') throw conflict('--points needs --phi-range', 'points');
    if (given('phiRange') && figure === 'fig11')
      throw conflict('--phi-range does not go with --figure fig11', 'phiRange');
    const options = runOptions(values, figure);
    if (figure === 'fig10') {
      if (given('method')) {
        throw conflict('--figure fig10 iterates the exact slice maps: it takes no --method', 'method');
      }
      if (given('direction') || given('depth')) {
        throw conflict(
          '--figure fig10 runs on the slice (x, x, y, y): it takes no --direction or --depth',
          'direction',
        );
      }
      if (options.w0 !== undefined) {
        const w = OPTIONS.w.check(options.w0, 'w');
        const onSlice = w.length === 4 && w[0] === w[1] && w[2] === w[3];
        if (!onSlice) throw invalidOption('w', Array.from(w), 'a point (x, x, y, y) of Zhu’s slice for --figure fig10');
      }
    }
    resolveTrajectoryOptions(options); // validate the run before any work
    const orbitSettings: OrbitSettings = resolveOrbitSettings(orbitOptionValues(values, options.eta as number));
    const out = (values.get('out') as string | undefined) ?? (figure === 'fig4' ? 'out/bifurcation' : `out/${figure}`);
    const sliceAxis =
      figure === 'fig10'
        ? {
            phiRange: (values.get('phiRange') as readonly [number, number] | undefined) ?? FIG10_PHI_RANGE,
            points: (values.get('points') as number | undefined) ?? DEFAULT_AXIS_POINTS,
          }
        : undefined;
    if (sliceAxis) {
      OPTIONS.phiRange.check(sliceAxis.phiRange, 'phiRange');
      if (sliceAxis.phiRange[0] < 4) {
        throw invalidOption(
          'phiRange',
          Array.from(sliceAxis.phiRange),
          'GFS sharpness values >= 4 (φ ≥ 4 on the slice)',
        );
      }
    }
    const started = performance.now();
    const run = runGd(options);
    const description = runDescription(run);

    if (figure === 'fig10') {
      const axis = sliceAxis as { phiRange: readonly [number, number]; points: number };
      const sliceOptions = { ...orbitOptionValues(values, run.eta), ...axis, ...hooksBase };
      delete (sliceOptions as OrbitOptions).method;
      const result = await withProgress('bifurcation', 2 * axis.points, async (hooks) => {
        const exact = await sliceBifurcation({ ...sliceOptions, model: 'exact', ...hooks });
        const quasistatic = await sliceBifurcation({
          ...sliceOptions,
          model: 'quasistatic',
          signal: hooks.signal,
          onProgress: (done) => hooks.onProgress(axis.points + done),
        });
        return { exact, quasistatic };
      });
      const gdD = Float64Array.from(run.product, (p) => Math.sqrt(p));
      const stage = stageOutputDirectory(out);
      const files = ['phi_axis.npy'];
      writeNpy(join(stage.dir, 'phi_axis.npy'), result.exact.phi, [result.exact.count]);
      for (const [name, r] of [
        ['gpgd_slice', result.exact],
        ['quasistatic_slice', result.quasistatic],
      ] as const) {
        writeNpy(join(stage.dir, `${name}_d.npy`), r.orbits, [r.count, r.settings.keep]);
        writeNpy(join(stage.dir, `${name}_period.npy`), r.period, [r.count]);
        writeNpy(join(stage.dir, `${name}_status.npy`), r.status, [r.count]);
        writeNpy(join(stage.dir, `${name}_lyapunov.npy`), r.lyapunov, [r.count]);
        files.push(`${name}_d.npy`, `${name}_period.npy`, `${name}_status.npy`, `${name}_lyapunov.npy`);
      }
      writeFileAtomic(
        join(stage.dir, 'gd.csv'),
        toCsv(
          [
            { name: 'step', values: Float64Array.from({ length: run.rows }, (_, t) => t) },
            { name: 'gfs_sharpness', values: run.phi },
            { name: 'd', values: gdD },
            { name: 'product', values: run.product },
            { name: 'loss', values: run.loss },
          ],
          run.rows,
        ),
      );
      files.push('gd.csv');
      files.push(
        ...writeFigure(
          stage.dir,
          'fig10',
          fig10Svg(result.exact, result.quasistatic, run.phi, run.product, run.eta),
          1920,
        ),
      );
      const landmarks = (
        r: BifurcationResult,
      ): { firstPeriod2Phi: number; firstPeriod4Phi: number; firstChaoticPhi: number; firstDivergedPhi: number } => ({
        firstPeriod2Phi: firstPhi(r, (s, p) => s === OrbitStatus.periodic && p === 2),
        firstPeriod4Phi: firstPhi(r, (s, p) => s === OrbitStatus.periodic && p === 4),
        firstChaoticPhi: firstPhi(r, (s) => s === OrbitStatus.chaotic),
        firstDivergedPhi: firstPhi(r, (s) => s === OrbitStatus.diverged),
      });
      const summary = {
        out,
        figure: join(out, 'fig10.png'),
        run: description,
        gpgd: { counts: result.exact.counts, ...landmarks(result.exact) },
        quasistatic: { counts: result.quasistatic.counts, ...landmarks(result.quasistatic) },
        stabilityThreshold: 2 / run.eta,
        gdFinalGfsSharpness: run.phi[run.rows - 1],
      };
      writeManifest(stage.dir, {
        command: 'bifurcation',
        options: { figure, run: runManifest(run), ...axis, ...orbitSettings, out },
        timings: { wallSeconds: (performance.now() - started) / 1000 },
        outputs: [...files, 'manifest.json'],
        summary,
      });
      stage.commit();
      const row = (r: typeof summary.gpgd): string =>
        `period 2 from φ ${r.firstPeriod2Phi}, period 4 from ${r.firstPeriod4Phi}, chaos from ${r.firstChaoticPhi}, diverges from ${r.firstDivergedPhi}`;
      report(io, json, summary, [
        ['GD run', `${description} (${run.outcome})`],
        ['GPGD (exact map)', row(summary.gpgd)],
        ['quasistatic approx. (ours)', row(summary.quasistatic)],
        ['figure', summary.figure],
        ['data', `${out}/*.npy, gd.csv, manifest.json`],
      ]);
      return 0;
    }

    // ---- orbits from every GD iterate (fig4 over a run, fig11) ---------------------------------
    const orbits = await withProgress('bifurcation', run.rows, (hooks) =>
      bifurcationFromPoints({
        points: run.iterates,
        depth: run.w0.length,
        ...orbitSettings,
        ...hooksBase,
        ...hooks,
      }),
    );
    const stage = stageOutputDirectory(out);
    const files = writeOrbitArrays(stage.dir, orbits);
    writeNpy(join(stage.dir, 'gd_gfs_sharpness.npy'), run.phi, [run.rows]);
    writeNpy(join(stage.dir, 'gd_product.npy'), run.product, [run.rows]);
    files.push('gd_gfs_sharpness.npy', 'gd_product.npy');
    const stepColumn = { name: 'step', values: Float64Array.from({ length: run.rows }, (_, t) => t) };
    const orbitColumns = [
      { name: 'orbit_status', labels: Array.from(orbits.status, (s) => ORBIT_STATUS_LABELS[s] ?? '?') },
      { name: 'orbit_period', values: orbits.period },
      { name: 'orbit_lyapunov', values: orbits.lyapunov },
    ];
    const baseSummary = {
      out,
      run: description,
      gdOutcome: run.outcome,
      iterates: run.rows,
      orbitCounts: orbits.counts,
      periods: periodCounts(orbits),
      workers: orbits.workers,
      orbitSeconds: orbits.seconds,
    };

    if (figure === 'fig4') {
      writeFileAtomic(
        join(stage.dir, 'gd.csv'),
        toCsv(
          [
            stepColumn,
            { name: 'loss', values: run.loss },
            { name: 'gfs_sharpness', values: run.phi },
            { name: 'product', values: run.product },
            ...orbitColumns,
          ],
          run.rows,
        ),
      );
      files.push('gd.csv');
      const title = `Fig 4 · GPGD bifurcation diagram along GD · ${description}`;
      files.push(
        ...writeFigure(stage.dir, 'bifurcation', runDiagramSvg(orbits, run.phi, run.product, run.eta, title), 1000),
      );
      const summary = { ...baseSummary, figure: join(out, 'bifurcation.png') };
      writeManifest(stage.dir, {
        command: 'bifurcation',
        options: { figure, run: runManifest(run), ...orbitSettings, out },
        timings: { orbitSeconds: orbits.seconds, wallSeconds: (performance.now() - started) / 1000 },
        outputs: [...files, 'manifest.json'],
        summary,
      });
      stage.commit();
      report(io, json, summary, [
        ['GD run', `${description} (${run.outcome})`],
        [
          'orbits',
          `${run.rows} starts × ${orbitSettings.orbitSteps} GPGD steps, ${orbits.workers} workers, ${orbits.seconds.toFixed(2)} s`,
        ],
        [
          'periods',
          Object.entries(summary.periods)
            .map(([k, n]) => `${k} ${n}`)
            .join(', '),
        ],
        ['figure', summary.figure],
        ['data', `${out}/*.npy, gd.csv, manifest.json`],
      ]);
      return 0;
    }

    // fig11: membership of each iterate in 𝕊
    const e = engine();
    const D = run.w0.length;
    const member = new Uint8Array(run.rows);
    for (let t = 0; t < run.rows; t++) {
      member[t] = e.invariantSet(run.iterates.subarray(t * D, (t + 1) * D), run.eta).member ? 1 : 0;
    }
    const classes = Uint8Array.from(member, (m, t) =>
      fig11Class(m === 1, orbits.status[t] as number, orbits.period[t] as number),
    );
    writeFileAtomic(
      join(stage.dir, 'fig11.csv'),
      toCsv(
        [
          stepColumn,
          { name: 'loss', values: run.loss },
          { name: 'gfs_sharpness', values: run.phi },
          { name: 'product', values: run.product },
          { name: 'in_invariant_set', values: member },
          ...orbitColumns,
          { name: 'class', labels: Array.from(classes, (c) => FIG11_CLASSES[c]?.label ?? '?') },
        ],
        run.rows,
      ),
    );
    writeNpy(join(stage.dir, 'in_invariant_set.npy'), member, [run.rows]);
    files.push('fig11.csv', 'in_invariant_set.npy');
    const title = 'Fig 11 · GD iterates in 𝕊, coloured by the period of their GPGD orbit';
    files.push(
      ...writeFigure(
        stage.dir,
        'fig11',
        fig11Svg(orbits, classes, run.phi, run.product, run.eta, title, description),
        1000,
      ),
    );
    const chaoticSteps: number[] = [];
    classes.forEach((c, t) => {
      if (c === 7) chaoticSteps.push(t);
    });
    const classCounts = Object.fromEntries(
      FIG11_CLASSES.map((c, i) => [c.label, classes.reduce((n, k) => n + (k === i ? 1 : 0), 0)]),
    );
    const summary = {
      ...baseSummary,
      figure: join(out, 'fig11.png'),
      inInvariantSet: member.reduce((n, m) => n + m, 0),
      classes: classCounts,
      chaoticInInvariantSet: chaoticSteps.length,
      chaoticSteps: chaoticSteps.length > 0 ? [chaoticSteps[0], chaoticSteps[chaoticSteps.length - 1]] : [],
    };
    writeManifest(stage.dir, {
      command: 'bifurcation',
      options: { figure, run: runManifest(run), ...orbitSettings, out },
      timings: { orbitSeconds: orbits.seconds, wallSeconds: (performance.now() - started) / 1000 },
      outputs: [...files, 'manifest.json'],
      summary,
    });
    stage.commit();
    report(io, json, summary, [
      ['GD run', `${description} (${run.outcome})`],
      ['iterates in 𝕊', `${summary.inInvariantSet} of ${run.rows}`],
      [
        'classes',
        Object.entries(classCounts)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
      ],
      [
        'chaotic GPGD in 𝕊',
        chaoticSteps.length > 0
          ? `${chaoticSteps.length} iterates, steps ${chaoticSteps[0]}–${chaoticSteps[chaoticSteps.length - 1]}`
          : 'none',
      ],
      ['figure', summary.figure],
      ['data', `${out}/fig11.csv, *.npy, manifest.json`],
    ]);
    return 0;
  },
};
