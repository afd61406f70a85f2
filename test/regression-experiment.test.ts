/**
 * The regression experiment (Fig 5, SPEC §4): seeded data, validation, worker-count invariance,
 * the paper's observation on φ, λ_flat below every φ reached, outputs and CLI errors.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import type { EoslabError } from '../src/errors.js';
import { checkProblem, syntheticData } from '../src/regression/data.js';
import { regressionExperiment, resolveRegressionOptions } from '../src/regression/experiment.js';
import { writeRegression } from '../src/regression/figures.js';

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
      e.results.flatMap((s) => s.runs.flatMap((r) => Array.from(r.run.gfsSharpness)));
    expect(flat(b)).toEqual(flat(a));
    expect(b.results.map((s) => s.lambdaFlat)).toEqual(a.results.map((s) => s.lambdaFlat));
  });

  it('default experiment: φ non-increasing in ≥ 95 % of steps, increases < 1e-3, λ_flat below every φ', async () => {
    const e = await regressionExperiment({ workers: 2 });
    const runs = e.results.flatMap((s) => s.runs);
    expect(runs).toHaveLength(16);
    for (const r of runs) {
      expect(r.run.status).toBe('converged');
      expect(r.run.loss[r.run.steps]).toBeLessThan(1e-6);
      expect(r.initialGfsSharpness).toBeGreaterThan(2 / r.eta);
      expect(2 / r.eta).toBeGreaterThan(r.lambdaFlat);
    }
    for (const s of e.results) {
      expect(s.flatGap).toBeLessThanOrEqual(1e-6);
      expect(s.flatStatus).toBe('ok');
    }
    const m = e.monotonicity;
    expect(m.nonIncreasingShare).toBeGreaterThanOrEqual(0.95);
    expect(m.maxRelativeIncrease).toBeLessThan(1e-3);
    expect(m.minPhiOverLambdaFlat).toBeGreaterThanOrEqual(1);
    // outputs
    const dir = join(scratch, 'fig5');
    const files = writeRegression(dir, e);
    expect(readdirSync(dir).sort()).toEqual([...files].sort());
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      seeds: number[];
      summary: { monotonicity: { nonIncreasingShare: number } };
    };
    expect(manifest.seeds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(manifest.summary.monotonicity.nonIncreasingShare).toBe(m.nonIncreasingShare);
    const csv = readFileSync(join(dir, 'runs.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('run,seed,eta,step,loss,sharpness,gfs_sharpness');
  });
});

describe('eoslab regression (CLI)', () => {
  it.each([
    [['--n', '200', '--d', '100'], /n = 200 > d = 100/],
    [['--eta', '0'], /invalid --eta: 0/],
    [['--eta', '-1'], /invalid --eta: -1/],
    [['--alpha', 'abc'], /invalid --alpha: "abc"/],
    [['--thresholds', '0.2,2'], /invalid --thresholds/],
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
