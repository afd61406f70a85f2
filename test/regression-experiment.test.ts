/**
 * The regression experiment (Fig 5, Kreisler et al. 2023 §4.1): seeded data, validation,
 * worker-count invariance, the regime of the default runs (S₀ < 2/η, progressive sharpening of S
 * with φ nearly flat, φ ending at ≈ 2/η), the paper's observation on φ, λ_flat below every φ,
 * runs without a valid step size as statuses, outputs and CLI errors.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import type { EoslabError } from '../src/base/errors.js';
import { syntheticData } from '../src/experiments/regression/data.js';
import { checkProblem } from '../src/engines/regressionProblem.js';
import { RegressionEngine, type RegressionRun } from '../src/engines/regression.js';
import {
  completedRuns,
  edgeOfStability,
  monotonicity,
  regimeSummary,
  regressionExperiment,
  REGRESSION_OPTIONS,
  resolveRegressionOptions,
  spread,
  type ExperimentRun,
} from '../src/experiments/regression/experiment.js';
import { defaultsOf } from '../src/base/optionSet.js';
import { writeRegression } from '../src/experiments/regression/figures.js';

const scratch = mkdtempSync(join(tmpdir(), 'eoslab-regression-'));

describe('synthetic data', () => {
  it('is determined by its seed and looks standard normal', () => {
    const a = syntheticData(10, 100, 3);
    const b = syntheticData(10, 100, 3);
    const c = syntheticData(10, 100, 4);
    expect(Array.from(a.X)).toEqual(Array.from(b.X));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(a.X[0]).not.toBe(c.X[0]);
    const big = syntheticData(100, 1000, 1).X;
    const mean = big.reduce((s, x) => s + x, 0) / big.length;
    const variance = big.reduce((s, x) => s + (x - mean) ** 2, 0) / big.length;
    expect(Math.abs(mean)).toBeLessThan(0.02); // 5σ of the mean of 1e5 samples is 0.016
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it('a mean μ shifts every entry of X by μ exactly and leaves y alone', () => {
    const a = syntheticData(10, 100, 3);
    const b = syntheticData(10, 100, 3, 1.5);
    expect(Array.from(b.X)).toEqual(Array.from(a.X, (x) => 1.5 + x));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(syntheticData(10, 100, 3, 0).X)).toEqual(Array.from(a.X));
    expect(() => syntheticData(3, 8, 1, Number.NaN)).toThrow(/invalid xMean: NaN/);
    expect(() => syntheticData(3, 8, 1, 1e3)).toThrow(/invalid xMean: 1000/);
  });

  it('validation: N > d, non-finite entries and rank deficiency are clear errors', () => {
    const ok = syntheticData(3, 8, 1);
    expect(checkProblem(ok)).toBe(ok);
    expect(() => checkProblem(syntheticData(9, 8, 1))).toThrow(/invalid data: "N = 9 > d = 8" \(expected N ≤ d/);
    const nan = syntheticData(3, 8, 1);
    nan.X[5] = Number.NaN;
    expect(() => checkProblem(nan)).toThrow(/invalid data\.X: NaN \(expected finite entries\)/);
    const inf = syntheticData(3, 8, 1);
    inf.y[1] = Infinity;
    expect(() => checkProblem(inf)).toThrow(/invalid data\.y: Infinity/);
    const rank = syntheticData(3, 8, 1);
    for (let k = 0; k < 8; k++) rank.X[16 + k] = 2 * (rank.X[k] as number); // row 2 = 2 · row 0
    expect(() => checkProblem(rank)).toThrow(/rank < N = 3/);
  });

  it('experiment options are validated once, naming the option', () => {
    const error = (fn: () => unknown): EoslabError => {
      try {
        fn();
      } catch (e) {
        return e as EoslabError;
      }
      throw new Error('no error');
    };
    expect(error(() => resolveRegressionOptions({ n: 20, d: 10 })).message).toMatch(/n = 20 > d = 10/);
    expect(error(() => resolveRegressionOptions({ eta: 0 })).message).toMatch(/invalid eta: 0/);
    expect(error(() => resolveRegressionOptions({ eta: -0.5 })).option).toBe('eta');
    expect(error(() => resolveRegressionOptions({ alpha: Number.NaN })).message).toMatch(/invalid alpha: NaN/);
    expect(error(() => resolveRegressionOptions({ thresholds: [0.5, 1.5] })).option).toBe('thresholds');
    expect(error(() => resolveRegressionOptions({ seeds: 0 })).message).toMatch(/invalid seeds: 0/);
    expect(error(() => resolveRegressionOptions({ alpha: 0.5, v0: 0.5 })).message).toMatch(/v0 must differ/);
    expect(error(() => resolveRegressionOptions({ xMean: Infinity })).option).toBe('xMean');
  });
});

describe('experiment', () => {
  it('results do not depend on the worker count', async () => {
    const options = { seeds: 3, n: 5, d: 30, maxSteps: 20_000 };
    const [a, b] = await Promise.all([
      regressionExperiment({ ...options, workers: 0 }),
      regressionExperiment({ ...options, workers: 2 }),
    ]);
    const flat = (e: typeof a): number[] =>
      e.results.flatMap((s) => s.runs.flatMap((r) => Array.from(r.run?.gfsSharpness ?? [])));
    expect(flat(b)).toEqual(flat(a));
    expect(b.results.map((s) => s.lambdaFlat)).toEqual(a.results.map((s) => s.lambdaFlat));
  });

  it('the GFS sharpness of the default start equals RK4 gradient flow run to convergence', () => {
    // independent reference for φ₀ in the small-initialisation regime (the engine tests use α = 1)
    const D = defaultsOf(REGRESSION_OPTIONS);
    for (const seed of [0, 3]) {
      const engine = new RegressionEngine(syntheticData(D.n, D.d, seed, D.xMean));
      const u = new Float64Array(D.d).fill(D.alpha);
      const v = new Float64Array(D.d).fill(D.v0);
      const phi0 = engine.gfs(u, v).gfsSharpness;
      // RK4 with h = 0.1/S reaches 5e-8 (h = 0.5/S: 2e-5, h = 0.02/S: 1e-10), so 1e-6 is met
      // only by the flow's limit
      const flow = engine.gradientFlow(u, v, { lossTol: 1e-20, maxSteps: 1_000_000, hScale: 0.1 });
      expect(flow.converged).toBe(true);
      expect(Math.abs(engine.sharpness(flow.u, flow.v, 'dense') / phi0 - 1)).toBeLessThan(1e-6);
    }
  });

  it("default experiment: the paper's regime (S₀ < 2/η, S rises to 2/η with φ nearly flat, φ ends at ≈ 2/η) and φ decreasing", async () => {
    const e = await regressionExperiment({ workers: 2 });
    const runs = e.results.flatMap((s) => s.runs);
    expect(runs).toHaveLength(16);
    const made = completedRuns(runs);
    expect(made).toHaveLength(16);
    for (const r of made) {
      expect(r.status).toBe('converged');
      expect(r.run.loss[r.run.steps]).toBeLessThan(1e-6);
      // step sizes: λ_flat < 2/η < φ₀, and the start below 2/η (measured S₀/(2/η) ≤ 0.25)
      expect(r.stabilityThreshold).toBeCloseTo(2 / r.eta, 12);
      expect(r.lambdaFlat).toBeLessThan(r.stabilityThreshold);
      expect(r.stabilityThreshold).toBeLessThan(r.initialGfsSharpness);
      expect(r.startsBelowThreshold).toBe(true);
      expect(r.initialSharpness / r.stabilityThreshold).toBeLessThan(0.3);
      // S₀ is the run's first recorded sharpness, φ₀ its first φ
      expect(Math.abs(r.run.sharpness[0]! / r.initialSharpness - 1)).toBeLessThan(1e-9);
      expect(r.run.gfsSharpness[0]).toBe(r.initialGfsSharpness);
      // progressive sharpening: S needs ≥ 10 steps to reach 2/η (measured 17–49) while φ moves
      // by < 2.5 % (measured ≤ 1.7 %, median 0.33 %)
      expect(r.stepsToEdge).toBeGreaterThanOrEqual(10);
      expect(r.phiChangeBeforeEdge).toBeLessThan(0.025);
      // φ ends within 1 % below 2/η (measured 0.9943–0.9991)
      expect(r.finalGfsSharpness / r.stabilityThreshold).toBeGreaterThan(0.99);
      expect(r.finalGfsSharpness / r.stabilityThreshold).toBeLessThan(1);
    }
    for (const s of e.results) {
      expect(s.flatGap).toBeLessThanOrEqual(1e-6);
      expect(s.flatStatus).toBe('ok');
    }
    const g = e.regime;
    expect(g).toMatchObject({ completed: 16, noValidEta: 0, startsBelowThreshold: 16, reachedThreshold: 16 });
    expect(g.phiChangeBeforeEdge.median).toBeLessThan(0.005);
    const m = e.monotonicity;
    // increases of φ are rare and tiny: ≤ 1.05e-3, in the first steps while S rises; from the
    // first S ≥ 2/η on ≥ 99 % of the changes are negative and the largest increase is 5.8e-5
    expect(m.nonIncreasingShare).toBeGreaterThanOrEqual(0.97);
    expect(m.maxRelativeIncrease).toBeLessThan(2e-3);
    expect(m.afterEdge.negativeShare).toBeGreaterThanOrEqual(0.99);
    expect(m.afterEdge.maxNormalisedChange).toBeLessThan(1e-4);
    expect(m.minPhiOverLambdaFlat).toBeGreaterThanOrEqual(1);
    // outputs
    const dir = join(scratch, 'fig5');
    const files = writeRegression(dir, e);
    expect(readdirSync(dir).sort()).toEqual([...files].sort());
    expect(files).toContain('fig5b.png');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      seeds: number[];
      options: { xMean: number; alpha: number };
      summary: {
        monotonicity: { nonIncreasingShare: number };
        regime: { startsBelowThreshold: number };
        seeds: { runs: { initialSharpness: number; stabilityThreshold: number; status: string }[] }[];
      };
    };
    expect(manifest.seeds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(manifest.options).toMatchObject({ xMean: 1.5, alpha: 0.05 });
    expect(manifest.summary.monotonicity.nonIncreasingShare).toBe(m.nonIncreasingShare);
    expect(manifest.summary.regime.startsBelowThreshold).toBe(16);
    expect(manifest.summary.seeds[0]?.runs[0]?.stabilityThreshold).toBe(made[0]?.stabilityThreshold);
    const csv = readFileSync(join(dir, 'runs.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('run,seed,eta,step,loss,sharpness,gfs_sharpness');
    const summary = readFileSync(join(dir, 'summary.csv'), 'utf8').split('\n');
    expect(summary[0]).toBe(
      'run,seed,fraction,eta,lambda_flat,initial_sharpness,stability_threshold,initial_gfs_sharpness,' +
        'final_gfs_sharpness,final_gfs_over_threshold,final_sharpness,starts_below_threshold,steps_to_edge,' +
        'phi_change_before_edge,steps,status',
    );
    expect(summary).toHaveLength(16 + 2); // header, 16 runs, final newline
  });

  it('a step size without S₀ < 2/η is a run with status no-valid-eta, not an error; with none, no figures', async () => {
    // the lazy start α = 1 on centred data: S₀ ≈ φ₀ lies above every 2/η between λ_flat and φ₀
    const e = await regressionExperiment({ seeds: 2, n: 5, d: 30, xMean: 0, alpha: 1, v0: 0.1, workers: 0 });
    const runs = e.results.flatMap((s) => s.runs);
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      expect(r.status).toBe('no-valid-eta');
      expect(r.run).toBeNull();
      expect(r.reason).toMatch(/^S₀ = [\d.]+ ≥ 2\/η = [\d.]+$/);
      expect(r.initialSharpness).toBeGreaterThan(r.lambdaFlat + r.fraction * (r.initialGfsSharpness - r.lambdaFlat));
    }
    expect(e.regime).toMatchObject({ completed: 0, noValidEta: 4 });
    const dir = join(scratch, 'none');
    expect(writeRegression(dir, e).sort()).toEqual(['manifest.json', 'runs.csv', 'summary.csv']);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'runs.csv', 'summary.csv']);
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8')).toMatch(/no-valid-eta/);
  });

  it('with a fixed η every run is made and reports whether S₀ < 2/η', async () => {
    const base = { seeds: 2, n: 5, d: 30, maxSteps: 50, workers: 0 } as const;
    const probe = await regressionExperiment({ ...base, eta: 0.01 });
    const s0 = probe.results.map((s) => s.initialSharpness);
    // 2/η between the two seeds' S₀: one run starts below 2/η, the other above
    const threshold = ((s0[0] as number) + (s0[1] as number)) / 2;
    const e = await regressionExperiment({ ...base, eta: 2 / threshold });
    const runs = e.results.flatMap((s) => s.runs);
    expect(runs.map((r) => r.run !== null)).toEqual([true, true]);
    expect(runs.map((r) => r.startsBelowThreshold)).toEqual(s0.map((s) => s < threshold));
    expect(runs.filter((r) => r.startsBelowThreshold)).toHaveLength(1);
    expect(e.regime.startsBelowThreshold).toBe(1);
  });
});

describe('regime statistics (planted runs)', () => {
  const planted = (sharpness: number[], phi: number[], threshold: number): ExperimentRun => {
    const run: RegressionRun = {
      steps: phi.length - 1,
      status: 'converged',
      loss: new Float64Array(phi.length),
      sharpness: Float64Array.from(sharpness),
      gfsSharpness: Float64Array.from(phi),
      u: new Float64Array(1),
      v: new Float64Array(1),
    };
    const edge = edgeOfStability(run, threshold);
    return {
      seed: 0,
      fraction: 0.5,
      eta: 2 / threshold,
      stabilityThreshold: threshold,
      lambdaFlat: 1,
      initialSharpness: sharpness[0] as number,
      initialGfsSharpness: phi[0] as number,
      startsBelowThreshold: (sharpness[0] as number) < threshold,
      status: 'converged',
      reason: '',
      stepsToEdge: edge.steps,
      phiChangeBeforeEdge: edge.phiChange,
      finalGfsSharpness: phi[phi.length - 1] as number,
      run,
    };
  };

  it('edge step, φ change before it, increases after it, final φ/(2/η)', () => {
    // S reaches 2/η = 4 at step 2; φ moves by at most 1 % up to there, then rises once by 0.5 %
    const a = planted([1, 3, 4.5, 3.5, 4, 4], [10, 10.1, 9.9, 8, 8.04, 4], 4);
    expect(a.stepsToEdge).toBe(2);
    expect(a.phiChangeBeforeEdge).toBeCloseTo(0.01, 12);
    const m = monotonicity([a]);
    expect(m.transitions).toBe(5);
    expect(m.maxNormalisedChange).toBeCloseTo(0.01, 12); // 10 → 10.1, before the edge
    expect(m.afterEdge.transitions).toBe(3); // changes from iterates 2, 3, 4
    expect(m.afterEdge.maxNormalisedChange).toBeCloseTo(0.005, 12); // the planted increase 8 → 8.04
    expect(m.afterEdge.negativeShare).toBeCloseTo(2 / 3, 12);
    // a run whose S never reaches 2/η: no edge, the φ change is over the whole run
    const b = planted([1, 2, 3], [5, 5.5, 6], 10);
    expect(b.stepsToEdge).toBeNaN();
    expect(b.phiChangeBeforeEdge).toBeCloseTo(0.2, 12);
    const g = regimeSummary([a, b]);
    expect(g).toMatchObject({ completed: 2, noValidEta: 0, startsBelowThreshold: 2, reachedThreshold: 1 });
    expect(g.finalPhiOverThreshold).toEqual({ min: 0.6, median: 0.6, max: 1 });
    expect(g.stepsToEdge).toEqual({ min: 2, median: 2, max: 2 });
  });

  it('spread: min, lower median, max; NaN ignored; empty gives NaN', () => {
    expect(spread([3, Number.NaN, 1, 2, 10])).toEqual({ min: 1, median: 2, max: 10 });
    expect(spread([4, 1])).toEqual({ min: 1, median: 1, max: 4 });
    expect(spread([Number.NaN])).toEqual({ min: Number.NaN, median: Number.NaN, max: Number.NaN });
  });
});

describe('eoslab regression (CLI)', () => {
  it.each([
    [['--n', '200', '--d', '100'], /n = 200 > d = 100/],
    [['--eta', '0'], /invalid --eta: 0/],
    [['--eta', '-1'], /invalid --eta: -1/],
    [['--alpha', 'abc'], /invalid --alpha: "abc"/],
    [['--thresholds', '0.2,2'], /invalid --thresholds/],
    [['--x-mean', 'abc'], /invalid --x-mean: "abc"/],
    [['--x-mean', '1e6'], /invalid --x-mean: 1000000/],
  ])('%j: one error line, exit 2, nothing written', async (args, message) => {
    const out = join(scratch, `bad-${args.join('')}`);
    let err = '';
    const code = await runCli(['regression', ...args, '--out', out], {
      out: () => {},
      err: (t) => (err += t),
      interactive: false,
    });
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
