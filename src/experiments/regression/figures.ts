/**
 * Figures and files of the regression experiment (the paper's Fig 5, Kreisler et al. 2023 §4.1):
 * (a) S, φ, 2/η and λ_flat vs step for one run, with the loss; (b) φ/(2/η) vs step for one run per
 * seed (each run has its own 2/η, so the ratio puts every threshold on the line y = 1); (c) the
 * normalised change (φₜ₊₁ − φₜ)/φₜ vs step for every run, coloured by run, in full and zoomed on
 * the small increases. Steps are on a log axis (iterate t at t + 1). Quantities keep their
 * colours of every line figure (QUANTITY_COLORS: S orange, φ green, 2/η grey dashed, loss dark
 * blue, λ_flat purple).
 */
import { join } from 'node:path';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeCsv } from '../../io/csv.js';
import { writeManifest } from '../../io/manifest.js';
import { categoricalColor, lineChart, QUANTITY_COLORS, QUANTITY_NAMES, svgToPng } from '../../plot/index.js';
import {
  completedRuns,
  normalisedChanges,
  type CompletedRun,
  type ExperimentRun,
  type RegressionExperiment,
} from './experiment.js';

/**
 * x coordinates of iterates 0 … steps on the figures' log step axis: iterate t is drawn at t + 1
 * (the progressive sharpening takes tens of steps, the convergence thousands).
 */
const stepAxis = (run: CompletedRun): Float64Array => Float64Array.from({ length: run.run.steps + 1 }, (_, t) => t + 1);
const STEP_LABEL = 'step t + 1 (log scale)';

export function fig5aSvg(r: CompletedRun): string {
  const x = stepAxis(r);
  const fraction = Number.isNaN(r.fraction) ? '' : `, f = ${r.fraction}`;
  return lineChart({
    width: 900,
    height: 760,
    title: `Fig 5a · diagonal linear network, seed ${r.seed}${fraction}: η = ${r.eta.toPrecision(4)}, 2/η = ${r.stabilityThreshold.toPrecision(4)}`,
    panels: [
      {
        title: 'Sharpness S, GFS sharpness φ, stability threshold 2/η, flattest sharpness λ_flat',
        xLabel: STEP_LABEL,
        xScale: 'log',
        yLabel: 'sharpness',
        yScale: 'linear',
        series: [
          { name: QUANTITY_NAMES.sharpness, x, y: r.run.sharpness, color: QUANTITY_COLORS.sharpness, width: 1.2 },
          {
            name: QUANTITY_NAMES.gfsSharpness,
            x,
            y: r.run.gfsSharpness,
            color: QUANTITY_COLORS.gfsSharpness,
            width: 2.4,
          },
        ],
        hlines: [
          { y: r.stabilityThreshold, label: QUANTITY_NAMES.threshold, color: QUANTITY_COLORS.threshold, legend: true },
          { y: r.lambdaFlat, label: QUANTITY_NAMES.lambdaFlat, color: QUANTITY_COLORS.lambdaFlat, legend: true },
        ],
      },
      {
        title: 'Loss',
        xLabel: STEP_LABEL,
        xScale: 'log',
        yLabel: 'loss L',
        yScale: 'log',
        series: [{ name: QUANTITY_NAMES.loss, x, y: r.run.loss, color: QUANTITY_COLORS.loss }],
      },
    ],
  });
}

/**
 * φ/(2/η) of every run: all in φ's colour (the runs share one behaviour; telling them apart is
 * Fig 5c's job), with y = 1 as the 2/η line.
 */
export function fig5bSvg(runs: readonly CompletedRun[]): string {
  const fractions = [...new Set(runs.map((r) => r.fraction))].filter((f) => !Number.isNaN(f));
  const which = fractions.length === 1 ? `, f = ${fractions[0]}` : '';
  return lineChart({
    width: 900,
    height: 520,
    title: `Fig 5b · GFS sharpness φ relative to 2/η along GD, ${runs.length} runs (one per data seed${which})`,
    panels: [
      {
        xLabel: STEP_LABEL,
        xScale: 'log',
        yLabel: 'φ(w⁽ᵗ⁾) / (2/η)',
        yScale: 'linear',
        series: runs.map((r, i) => ({
          name: i === 0 ? `${QUANTITY_NAMES.gfsSharpness} / (2/η), one line per run` : '',
          x: stepAxis(r),
          y: r.run.gfsSharpness.map((phi) => phi / r.stabilityThreshold),
          color: QUANTITY_COLORS.gfsSharpness,
          width: 1.4,
        })),
        hlines: [{ y: 1, label: QUANTITY_NAMES.threshold, color: QUANTITY_COLORS.threshold, legend: true }],
        legendPosition: 'bottom-left',
      },
    ],
  });
}

/** Half-height of the zoomed panel of Fig 5c: it shows the rare increases of φ. */
export const FIG5C_ZOOM = 2e-3;

export function fig5cSvg(runs: readonly CompletedRun[]): string {
  const series = runs.map((r, i) => ({
    name: runs.length <= 10 ? `seed ${r.seed}${Number.isNaN(r.fraction) ? '' : `, f = ${r.fraction}`}` : '',
    // the change from iterate t to t + 1 is drawn at t + 1
    x: Float64Array.from({ length: r.run.steps }, (_, t) => t + 1),
    y: normalisedChanges(r.run.gfsSharpness, r.run.steps),
    color: categoricalColor(i),
    mode: 'markers' as const,
    width: 0.8,
  }));
  const zero = { y: 0, label: '0', color: QUANTITY_COLORS.threshold, dash: false };
  return lineChart({
    width: 900,
    height: 900,
    title: `Fig 5c · normalised change of φ per step, ${runs.length} runs (one colour per run)`,
    panels: [
      {
        title: 'All changes',
        xLabel: STEP_LABEL,
        xScale: 'log',
        yLabel: '(φₜ₊₁ − φₜ)/φₜ',
        yScale: 'linear',
        series,
        hlines: [zero],
        legend: false,
      },
      {
        title: `Zoom on |change| ≤ ${FIG5C_ZOOM}: the increases`,
        xLabel: STEP_LABEL,
        xScale: 'log',
        yLabel: '(φₜ₊₁ − φₜ)/φₜ',
        yScale: 'linear',
        yRange: [-FIG5C_ZOOM, FIG5C_ZOOM],
        series,
        hlines: [zero],
        legend: false,
      },
    ],
  });
}

/**
 * The runs drawn in Fig 5a (the first) and 5b: per seed, the completed run with the largest
 * fraction f (2/η closest to φ₀: the longest progressive sharpening).
 */
export function onePerSeed(e: RegressionExperiment): CompletedRun[] {
  return e.results.flatMap((s) => completedRuns(s.runs).slice(-1));
}

/** Per-run numbers of the summary (JSON, summary.csv, manifest). */
export function runSummary(r: ExperimentRun): Record<string, number | string | boolean> {
  return {
    seed: r.seed,
    fraction: r.fraction,
    eta: r.eta,
    lambdaFlat: r.lambdaFlat,
    initialSharpness: r.initialSharpness,
    stabilityThreshold: r.stabilityThreshold,
    initialGfsSharpness: r.initialGfsSharpness,
    finalGfsSharpness: r.finalGfsSharpness,
    finalGfsOverThreshold: r.finalGfsSharpness / r.stabilityThreshold,
    startsBelowThreshold: r.startsBelowThreshold,
    stepsToEdge: r.stepsToEdge,
    phiChangeBeforeEdge: r.phiChangeBeforeEdge,
    steps: r.run?.steps ?? 0,
    status: r.status,
    reason: r.reason,
  };
}

/**
 * Writes figures (when at least one run was made), CSVs and manifest.json into `out` as one set.
 * Returns the file names.
 */
export function writeRegression(out: string, e: RegressionExperiment): string[] {
  const all = e.results.flatMap((s) => s.runs);
  const runs = completedRuns(all);
  const figureFiles = runs.length > 0 ? ['fig5a', 'fig5b', 'fig5c'].flatMap((f) => [`${f}.svg`, `${f}.png`]) : [];
  const files = [...figureFiles, 'runs.csv', 'summary.csv', 'manifest.json'];
  writeOutputDirectory(out, (dir) => {
    if (runs.length > 0) {
      const figures: [string, string][] = [
        ['fig5a', fig5aSvg(onePerSeed(e)[0] as CompletedRun)],
        ['fig5b', fig5bSvg(onePerSeed(e))],
        ['fig5c', fig5cSvg(runs)],
      ];
      for (const [name, svg] of figures) {
        writeFileAtomic(join(dir, `${name}.svg`), svg);
        writeFileAtomic(join(dir, `${name}.png`), svgToPng(svg, { width: 1800 }));
      }
    }
    const total = runs.reduce((a, r) => a + r.run.steps + 1, 0);
    const col = (f: (r: CompletedRun, t: number) => number): Float64Array => {
      const out = new Float64Array(total);
      let k = 0;
      runs.forEach((r) => {
        for (let t = 0; t <= r.run.steps; t++) out[k++] = f(r, t);
      });
      return out;
    };
    const index = (r: ExperimentRun): number => all.indexOf(r);
    writeCsv(
      join(dir, 'runs.csv'),
      [
        { name: 'run', values: col(index) },
        { name: 'seed', values: col((r) => r.seed) },
        { name: 'eta', values: col((r) => r.eta) },
        { name: 'step', values: col((_, t) => t) },
        { name: 'loss', values: col((r, t) => r.run.loss[t] as number) },
        { name: 'sharpness', values: col((r, t) => r.run.sharpness[t] as number) },
        { name: 'gfs_sharpness', values: col((r, t) => r.run.gfsSharpness[t] as number) },
      ],
      total,
    );
    const per = (f: (r: ExperimentRun) => number): Float64Array => Float64Array.from(all, f);
    writeCsv(
      join(dir, 'summary.csv'),
      [
        { name: 'run', values: per(index) },
        { name: 'seed', values: per((r) => r.seed) },
        { name: 'fraction', values: per((r) => r.fraction) },
        { name: 'eta', values: per((r) => r.eta) },
        { name: 'lambda_flat', values: per((r) => r.lambdaFlat) },
        { name: 'initial_sharpness', values: per((r) => r.initialSharpness) },
        { name: 'stability_threshold', values: per((r) => r.stabilityThreshold) },
        { name: 'initial_gfs_sharpness', values: per((r) => r.initialGfsSharpness) },
        { name: 'final_gfs_sharpness', values: per((r) => r.finalGfsSharpness) },
        { name: 'final_gfs_over_threshold', values: per((r) => r.finalGfsSharpness / r.stabilityThreshold) },
        {
          name: 'final_sharpness',
          values: per((r) => (r.run ? (r.run.sharpness[r.run.steps] as number) : Number.NaN)),
        },
        { name: 'starts_below_threshold', values: per((r) => (r.startsBelowThreshold ? 1 : 0)) },
        { name: 'steps_to_edge', values: per((r) => r.stepsToEdge) },
        { name: 'phi_change_before_edge', values: per((r) => r.phiChangeBeforeEdge) },
        { name: 'steps', values: per((r) => r.run?.steps ?? 0) },
        { name: 'status', labels: all.map((r) => r.status) },
      ],
      all.length,
    );
    writeManifest(dir, {
      command: 'regression',
      options: {
        seeds: e.seeds,
        seed: e.seed,
        n: e.n,
        d: e.d,
        xMean: e.xMean,
        alpha: e.alpha,
        v0: e.v0,
        thresholds: e.thresholds,
        eta: e.eta,
        lossTol: e.lossTol,
        maxSteps: e.maxSteps,
        divergeAt: e.divergeAt,
        workers: e.workers,
        data:
          'X entries N(xMean, 1), y entries N(0, 1), i.i.d. from sfc32 stream = data seed; u₀ = α·1, v₀ = v0·1; ' +
          (e.eta === null ? '2/η = λ_flat + f·(φ₀ − λ_flat), kept when S₀ < 2/η' : 'fixed η for every seed'),
      },
      seeds: e.results.map((s) => s.seed),
      timings: { wallSeconds: e.wallSeconds },
      outputs: files.filter((f) => f !== 'manifest.json'),
      summary: {
        monotonicity: e.monotonicity,
        regime: e.regime,
        seeds: e.results.map((s) => ({
          seed: s.seed,
          lambdaFlat: s.lambdaFlat,
          lambdaFlatGap: s.flatGap,
          lambdaFlatStatus: s.flatStatus,
          initialSharpness: s.initialSharpness,
          initialGfsSharpness: s.initialGfsSharpness,
          runs: s.runs.map(runSummary),
        })),
      },
    });
  });
  return files;
}
