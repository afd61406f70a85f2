/**
 * Figures and files of the regression experiment (the paper's Fig 5, SPEC §4):
 * (a) S, φ, 2/η (and λ_flat) vs step for one run, with the loss; (b) φ vs step for one run per
 * seed; (c) the normalised change (φₜ₊₁ − φₜ)/φₜ vs step for every run, coloured by run.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeOutputDirectory } from '../io/atomic.js';
import { writeCsv } from '../io/csv.js';
import { writeManifest } from '../io/manifest.js';
import { categoricalColor, lineChart, svgToPng } from '../plot/index.js';
import { normalisedChanges, type ExperimentRun, type RegressionExperiment } from './experiment.js';

const steps = (run: ExperimentRun): Float64Array => Float64Array.from({ length: run.run.steps + 1 }, (_, t) => t);

export function fig5aSvg(r: ExperimentRun): string {
  const x = steps(r);
  return lineChart({
    width: 900,
    height: 760,
    title: `Fig 5a · diagonal linear network, seed ${r.seed}, η = ${r.eta.toPrecision(4)} (2/η = ${(2 / r.eta).toPrecision(4)})`,
    panels: [
      {
        title: 'Sharpness S, GFS sharpness φ, 2/η and the flattest sharpness λ_flat',
        xLabel: 'step',
        yLabel: 'sharpness',
        yScale: 'linear',
        series: [
          { name: 'S(w⁽ᵗ⁾)', x, y: r.run.sharpness, color: '#d95f02', width: 1.2 },
          { name: 'φ(w⁽ᵗ⁾) GFS sharpness', x, y: r.run.gfsSharpness, color: '#1b9e77', width: 2.4 },
        ],
        hlines: [
          { y: 2 / r.eta, label: '2/η', color: '#555555' },
          { y: r.lambdaFlat, label: 'λ_flat', color: '#7570b3' },
        ],
      },
      {
        title: 'Loss',
        xLabel: 'step',
        yLabel: 'loss L',
        yScale: 'log',
        series: [{ name: 'loss', x, y: r.run.loss, color: '#1f3b73' }],
        legend: false,
      },
    ],
  });
}

export function fig5bSvg(runs: readonly ExperimentRun[]): string {
  return lineChart({
    width: 900,
    height: 520,
    title: `Fig 5b · GFS sharpness φ along GD, ${runs.length} runs (one per data seed)`,
    panels: [
      {
        xLabel: 'step',
        yLabel: 'φ(w⁽ᵗ⁾)',
        yScale: 'linear',
        series: runs.map((r, i) => ({
          name: `seed ${r.seed}, 2/η = ${(2 / r.eta).toPrecision(3)}`,
          x: steps(r),
          y: r.run.gfsSharpness,
          color: categoricalColor(i),
        })),
      },
    ],
  });
}

export function fig5cSvg(runs: readonly ExperimentRun[]): string {
  return lineChart({
    width: 900,
    height: 560,
    title: `Fig 5c · normalised change of φ per step, ${runs.length} runs`,
    panels: [
      {
        xLabel: 'step',
        yLabel: '(φₜ₊₁ − φₜ)/φₜ',
        yScale: 'linear',
        series: runs.map((r, i) => ({
          name: runs.length <= 10 ? `seed ${r.seed}, f = ${r.fraction.toFixed(2)}` : '',
          x: Float64Array.from({ length: r.run.steps }, (_, t) => t),
          y: normalisedChanges(r.run.gfsSharpness, r.run.steps),
          color: categoricalColor(i),
          mode: 'markers' as const,
          width: 1,
        })),
        hlines: [{ y: 0, label: '0', color: '#555555' }],
      },
    ],
  });
}

/** The runs drawn in Fig 5a (the first seed) and 5b: the step size closest to φ₀ of every seed. */
export function onePerSeed(e: RegressionExperiment): ExperimentRun[] {
  return e.results.map((s) => s.runs[s.runs.length - 1] as ExperimentRun);
}

/** Writes figures, CSVs and manifest.json into `out` as one set. Returns the file names. */
export function writeRegression(out: string, e: RegressionExperiment): string[] {
  const runs = e.results.flatMap((s) => s.runs);
  const files = [
    'fig5a.svg',
    'fig5a.png',
    'fig5b.svg',
    'fig5b.png',
    'fig5c.svg',
    'fig5c.png',
    'runs.csv',
    'summary.csv',
    'manifest.json',
  ];
  writeOutputDirectory(out, (dir) => {
    const figures: [string, string][] = [
      ['fig5a', fig5aSvg(onePerSeed(e)[0] as ExperimentRun)],
      ['fig5b', fig5bSvg(onePerSeed(e))],
      ['fig5c', fig5cSvg(runs)],
    ];
    for (const [name, svg] of figures) {
      writeFileAtomic(join(dir, `${name}.svg`), svg);
      writeFileAtomic(join(dir, `${name}.png`), svgToPng(svg, { width: 1800 }));
    }
    const total = runs.reduce((a, r) => a + r.run.steps + 1, 0);
    const col = (f: (r: ExperimentRun, t: number) => number): Float64Array => {
      const out = new Float64Array(total);
      let k = 0;
      runs.forEach((r) => {
        for (let t = 0; t <= r.run.steps; t++) out[k++] = f(r, t);
      });
      return out;
    };
    writeCsv(
      join(dir, 'runs.csv'),
      [
        { name: 'run', values: col((r) => runs.indexOf(r)) },
        { name: 'seed', values: col((r) => r.seed) },
        { name: 'eta', values: col((r) => r.eta) },
        { name: 'step', values: col((_, t) => t) },
        { name: 'loss', values: col((r, t) => r.run.loss[t] as number) },
        { name: 'sharpness', values: col((r, t) => r.run.sharpness[t] as number) },
        { name: 'gfs_sharpness', values: col((r, t) => r.run.gfsSharpness[t] as number) },
      ],
      total,
    );
    const per = (f: (r: ExperimentRun) => number): Float64Array => Float64Array.from(runs, f);
    writeCsv(
      join(dir, 'summary.csv'),
      [
        { name: 'run', values: per((r) => runs.indexOf(r)) },
        { name: 'seed', values: per((r) => r.seed) },
        { name: 'fraction', values: per((r) => r.fraction) },
        { name: 'eta', values: per((r) => r.eta) },
        { name: 'lambda_flat', values: per((r) => r.lambdaFlat) },
        { name: 'initial_gfs_sharpness', values: per((r) => r.initialGfsSharpness) },
        { name: 'final_gfs_sharpness', values: per((r) => r.run.gfsSharpness[r.run.steps] as number) },
        { name: 'final_sharpness', values: per((r) => r.run.sharpness[r.run.steps] as number) },
        { name: 'steps', values: per((r) => r.run.steps) },
        { name: 'status', labels: runs.map((r) => r.run.status) },
      ],
      runs.length,
    );
    writeManifest(dir, {
      command: 'regression',
      options: {
        seeds: e.seeds,
        seed: e.seed,
        n: e.n,
        d: e.d,
        alpha: e.alpha,
        v0: e.v0,
        thresholds: e.thresholds,
        lossTol: e.lossTol,
        maxSteps: e.maxSteps,
        divergeAt: e.divergeAt,
        workers: e.workers,
        data: 'X, y i.i.d. N(0, 1) from sfc32 stream = data seed; u₀ = α·1, v₀ = v0·1; 2/η = λ_flat + f·(φ₀ − λ_flat)',
      },
      seeds: e.results.map((s) => s.seed),
      timings: { wallSeconds: e.wallSeconds },
      outputs: files.filter((f) => f !== 'manifest.json'),
      summary: {
        monotonicity: e.monotonicity,
        seeds: e.results.map((s) => ({
          seed: s.seed,
          lambdaFlat: s.lambdaFlat,
          lambdaFlatGap: s.flatGap,
          lambdaFlatStatus: s.flatStatus,
          initialGfsSharpness: s.initialGfsSharpness,
          runs: s.runs.map((r) => ({ eta: r.eta, fraction: r.fraction, steps: r.run.steps, status: r.run.status })),
        })),
      },
    });
  });
  return files;
}
