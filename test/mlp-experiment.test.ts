/**
 * The fcnet experiment runner (model.md §5, Fig 6/12) on small networks: its records against a direct
 * computation with the engine, independence from the worker count, resumption from a checkpoint
 * after an abort, divergence as data, option validation, and the files it writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_HIDDEN, MlpEngine } from '../src/engines/mlp.js';
import { LocalBatch } from '../src/engines/mlpBatch.js';
import { MlpSolver } from '../src/engines/mlpSolver.js';
import { loadDigits } from '../src/data/digits.js';
import {
  fcnetExperiment,
  recordSteps,
  sensitivityIndices,
  SENSITIVITY_FACTOR,
  resolveFcnetOptions,
  engineBytes,
  NET_OPTIONS,
  ARCH_DEFAULTS,
  type NetExperiment,
  type FcnetOptions,
} from '../src/experiments/net/experiment.js';
import { defaultsOf } from '../src/base/optionSet.js';
import { netFigureSvg, figureStem, runSummary, writeNet } from '../src/experiments/net/figures.js';

// The experiment's loss (a fixed-order sum over 8 shards) vs the one-pass full-batch kernel: the
// same terms re-associated, relative error ≲ n·2⁻⁵³ ≈ 2e-15 for n = 20; 1e-13 leaves room.
const TOL_SHARD_SUM = 1e-13;
const TOL_SHARPNESS = 1e-3; // records' S (Lanczos tol 1e-4 residual) vs a tight Lanczos, relative
// φ of a flow continued from L < τ to L < τ/10 vs a fresh flow from θ_t to τ/10 with 4× smaller
// RK4 steps: the two discretisations of one gradient flow end at slightly different points.
const TOL_CONTINUED_PHI = 5e-3;

/**
 * A tiny network whose flows reach the threshold: 20 digits, 784 → 16 → 16 → 10 tanh, η = 0.05
 * (S₀ = 45 < 2/η = 40 after a few steps), GD's loss stays above 0.23 over the 12 steps, so
 * τ = 0.02 lies more than 10× below it; flows take 150–300 RK4 steps.
 */
const SMALL = {
  activation: 'tanh',
  n: 20,
  hidden: [16, 16],
  eta: 0.05,
  steps: 12,
  gfsEvery: 4,
  lossThreshold: 0.02,
  flowSteps: 600,
} as const satisfies FcnetOptions;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'eoslab-fcnet-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Everything but timings, as plain data. */
function bits(e: NetExperiment): unknown {
  return e.runs.map((r) => ({
    activation: r.activation,
    eta: r.eta,
    steps: r.steps,
    status: r.status,
    loss: Array.from(r.loss),
    step: Array.from(r.records.step),
    recordLoss: Array.from(r.records.loss),
    sharpness: Array.from(r.records.sharpness),
    phi: Array.from(r.records.gfsSharpness),
    gfsStatus: r.records.gfsStatus,
    flowSteps: Array.from(r.records.flowSteps),
    flowLoss: Array.from(r.records.flowLoss),
    sensitivity: r.records.sensitivity,
    trace: Array.from(r.sharpnessTrace.sharpness),
    traceSteps: Array.from(r.sharpnessTrace.step),
  }));
}

describe('fcnet options', () => {
  it("defaults: hardtanh (the paper's Fig 6 network), 784 → 200 → 200 → 10, 3 sensitivity records", () => {
    const o = resolveFcnetOptions({ workers: 0 });
    expect(o.activations).toEqual(['hardtanh']);
    expect(o.n).toBe(ARCH_DEFAULTS.fc.n);
    expect(o.hidden).toEqual([200, 200]);
    expect(o.etas).toEqual([...ARCH_DEFAULTS.fc.eta]);
    expect(o.sensitivityRecords).toBe(3);
  });

  it('bad input gives a clear error naming the option and value', () => {
    expect(() => resolveFcnetOptions({ activation: 'sigmoid' as never })).toThrow(/activation.*sigmoid.*tanh/);
    expect(() => resolveFcnetOptions({ activation: ['tanh', 'tanh'] })).toThrow(/activation/);
    expect(() => resolveFcnetOptions({ n: 20_000 })).toThrow(/invalid n: 20000 .*10000/);
    expect(() => resolveFcnetOptions({ n: 0 })).toThrow(/invalid n/);
    expect(() => resolveFcnetOptions({ n: 2.5 })).toThrow(/invalid n/);
    expect(() => resolveFcnetOptions({ eta: 0 })).toThrow(/invalid eta/);
    expect(() => resolveFcnetOptions({ eta: -0.1 })).toThrow(/invalid eta/);
    expect(() => resolveFcnetOptions({ eta: Number.NaN })).toThrow(/invalid eta/);
    expect(() => resolveFcnetOptions({ eta: [0.1, 0.1] })).toThrow(/eta.*distinct/);
    // 2/η overflows: no stability threshold to draw or compare with
    expect(() => resolveFcnetOptions({ eta: 5e-324 })).toThrow(/invalid eta: "5e-324" .*2\/η is finite/);
    expect(() => resolveFcnetOptions({ gfsEvery: 0 })).toThrow(/gfsEvery/);
    expect(() => resolveFcnetOptions({ lossThreshold: 0 })).toThrow(/lossThreshold/);
    expect(() => resolveFcnetOptions({ rk4Alpha: 3 })).toThrow(/rk4Alpha/);
    expect(() => resolveFcnetOptions({ hidden: [0] })).toThrow(/hidden/);
    expect(() => resolveFcnetOptions({ steps: 0 })).toThrow(/steps/);
    expect(() => resolveFcnetOptions({ sensitivityRecords: -1 })).toThrow(/invalid sensitivityRecords: -1/);
    expect(() => resolveFcnetOptions({ sensitivityRecords: 1.5 })).toThrow(/invalid sensitivityRecords/);
  });

  it("the default flow threshold lies ≥ 10× below GD's loss over the whole default window", async () => {
    // GD alone at the defaults (no flows: ~600 gradients of the 100-digit network, a few seconds).
    // A flow takes 0 RK4 steps exactly when its start is already below τ, so this guards "every
    // flow of the default run takes > 0 RK4 steps" (measured: 18.6×, flows of 1 006–2 697 steps).
    const D = { ...defaultsOf(NET_OPTIONS), ...ARCH_DEFAULTS.fc };
    const engine = new MlpEngine(
      { input: 784, hidden: [...DEFAULT_HIDDEN], output: 10, activation: D.activation[0]! },
      loadDigits(D.n),
    );
    const solver = new MlpSolver(LocalBatch.of(engine));
    const gd = await solver.gradientDescent(engine.initialParameters(D.seed), D.eta[0]!, D.steps);
    expect(gd.diverged).toBe(false);
    const minLoss = Math.min(...Array.from(gd.losses), engine.loss(gd.theta));
    expect(minLoss / D.lossThreshold).toBeGreaterThanOrEqual(10);
    // The sensitivity threshold is a tenth of it.
    expect(SENSITIVITY_FACTOR).toBe(0.1);
  });

  it('sensitivity records: the first, evenly spaced ones and the last', () => {
    expect(sensitivityIndices(7, 3)).toEqual([0, 3, 6]);
    expect(sensitivityIndices(4, 3)).toEqual([0, 2, 3]); // round(1.5) = 2
    expect(sensitivityIndices(4, 2)).toEqual([0, 3]);
    expect(sensitivityIndices(4, 1)).toEqual([3]);
    expect(sensitivityIndices(2, 5)).toEqual([0, 1]); // duplicates dropped
    expect(sensitivityIndices(5, 0)).toEqual([]);
    expect(sensitivityIndices(0, 3)).toEqual([]);
  });

  it('record steps: 0, k, 2k, …, and the last step', () => {
    expect(recordSteps(12, 4)).toEqual([0, 4, 8, 12]);
    expect(recordSteps(10, 4)).toEqual([0, 4, 8, 10]);
    expect(recordSteps(3, 5)).toEqual([0, 3]);
  });
});

describe('fcnet experiment', () => {
  it('records equal a direct computation with the engine', async () => {
    const e = await fcnetExperiment({ ...SMALL, workers: 0 });
    expect(e.runs).toHaveLength(1);
    const run = e.runs[0]!;
    expect(run.status).toBe('completed');
    const data = loadDigits(SMALL.n);
    const engine = new MlpEngine({ input: 784, hidden: [...SMALL.hidden], output: 10, activation: 'tanh' }, data);
    const solver = new MlpSolver(LocalBatch.of(engine));
    let theta = engine.initialParameters(0);
    expect(Array.from(run.sharpnessTrace.step)).toEqual([0, 4, 8, 10, 12]); // records and sEvery = 10
    for (let t = 0; t <= 12; t++) {
      expect(run.loss[t]).toBe(await solver.loss(theta));
      expect(Math.abs((run.loss[t] as number) - engine.loss(theta)) / engine.loss(theta)).toBeLessThan(TOL_SHARD_SUM);
      const j = run.sharpnessTrace.step.indexOf(t);
      if (j >= 0) {
        const s = (await solver.sharpness(theta, { tol: 1e-8 })).value;
        expect(Math.abs((run.sharpnessTrace.sharpness[j] as number) - s) / s).toBeLessThan(TOL_SHARPNESS);
      }
      const k = run.records.step.indexOf(t);
      if (k >= 0) {
        const s = (await solver.sharpness(theta, { tol: 1e-8 })).value;
        expect(Math.abs((run.records.sharpness[k] as number) - s) / s).toBeLessThan(TOL_SHARPNESS);
        const g = await solver.gfsSharpness(theta, {
          lossThreshold: SMALL.lossThreshold,
          maxSteps: SMALL.flowSteps,
          sharpnessEvery: NET_OPTIONS.sharpnessEvery.default,
        });
        expect(run.records.gfsStatus[k]).toBe(g.status);
        expect(run.records.flowSteps[k]).toBe(g.steps);
        // Same flow up to the warm start of the step-size Lanczos: φ agrees to its tolerance.
        expect(Math.abs((run.records.gfsSharpness[k] as number) - g.gfsSharpness) / g.gfsSharpness).toBeLessThan(1e-3);
      }
      theta = (await solver.gradientDescent(theta, SMALL.eta, 1)).theta;
    }
  });

  it("every flow takes > 0 RK4 steps when τ lies 10× below GD's loss; a planted τ above it is reported", async () => {
    const e = await fcnetExperiment({ ...SMALL, sensitivityRecords: 0, workers: 0 });
    const run = e.runs[0]!;
    const s = runSummary(run, e);
    // GD's smallest loss over the window, computed here from the per-step losses.
    const minLoss = Math.min(...Array.from(run.loss));
    expect(s.minLoss).toBe(minLoss);
    expect(s.lossOverThreshold).toBe(minLoss / SMALL.lossThreshold);
    expect(s.lossOverThreshold).toBeGreaterThanOrEqual(10);
    expect(run.records.gfsStatus.every((x) => x === 'converged')).toBe(true);
    for (const k of run.records.flowSteps) expect(k).toBeGreaterThan(0);
    expect(s.minFlowSteps).toBe(Math.min(...Array.from(run.records.flowSteps)));
    // Planted violation: a threshold above GD's loss at the last record gives a flow of 0 steps
    // (φ = S there by construction), and the summary shows both.
    const last = run.records.loss[run.records.step.length - 1] as number;
    const bad = await fcnetExperiment({ ...SMALL, lossThreshold: 1.01 * last, sensitivityRecords: 0, workers: 0 });
    const b = runSummary(bad.runs[0]!, bad);
    expect(b.minFlowSteps).toBe(0);
    expect(b.lossOverThreshold).toBeLessThan(1);
    const k = bad.runs[0]!.records.step.length - 1;
    expect(bad.runs[0]!.records.flowSteps[k]).toBe(0);
    expect(bad.runs[0]!.records.gfsSharpness[k]).toBeCloseTo(bad.runs[0]!.records.sharpness[k] as number, 3);
  });

  it('sensitivity records continue the flow to τ/10: φ there agrees with a fresh, finer flow to τ/10', async () => {
    const e = await fcnetExperiment({ ...SMALL, sensitivityRecords: 2, workers: 0 });
    const run = e.runs[0]!;
    expect(Array.from(run.records.step)).toEqual([0, 4, 8, 12]);
    expect(run.records.sensitivity.map((c) => c !== null)).toEqual([true, false, false, true]);
    const engine = new MlpEngine(
      { input: 784, hidden: [...SMALL.hidden], output: 10, activation: 'tanh' },
      loadDigits(SMALL.n),
    );
    const solver = new MlpSolver(LocalBatch.of(engine));
    let theta = engine.initialParameters(0);
    const low = SENSITIVITY_FACTOR * SMALL.lossThreshold;
    const summary = runSummary(run, e);
    expect(summary.sensitivity.map((c) => c.step)).toEqual([0, 12]);
    for (const k of [0, 3]) {
      if (k === 3) theta = (await solver.gradientDescent(theta, SMALL.eta, 12)).theta;
      const c = run.records.sensitivity[k]!;
      expect(c.threshold).toBe(low);
      expect(c.status).toBe('converged');
      expect(c.flowSteps).toBeGreaterThan(0);
      expect(c.flowLoss).toBeLessThan(low);
      expect(run.records.flowLoss[k]).toBeLessThan(SMALL.lossThreshold);
      expect(run.records.flowLoss[k]).toBeGreaterThanOrEqual(low);
      const fresh = await solver.gfsSharpness(theta, {
        lossThreshold: low,
        alpha: 0.25,
        maxSteps: 20_000,
        sharpnessEvery: 20,
      });
      expect(fresh.status).toBe('converged');
      expect(Math.abs(c.gfsSharpness - fresh.gfsSharpness) / fresh.gfsSharpness).toBeLessThan(TOL_CONTINUED_PHI);
      const row = summary.sensitivity.find((r) => r.step === run.records.step[k])!;
      expect(row.relativeChange).toBe(
        (c.gfsSharpness - (run.records.gfsSharpness[k] as number)) / (run.records.gfsSharpness[k] as number),
      );
      expect(row.extraFlowSteps).toBe(c.flowSteps);
    }
  });

  it('results do not depend on the worker count or the way work is shared (bit for bit)', async () => {
    const options = {
      ...SMALL,
      activation: ['tanh', 'relu'] as const,
      eta: [0.03, 0.05],
      flowSteps: 150,
      sensitivityRecords: 1,
    };
    const progress: [number, number][] = [];
    const inThread = await fcnetExperiment({ ...options, workers: 0, onProgress: (d, t) => progress.push([d, t]) });
    // Progress in gradient evaluations: starts at 0, grows, ends at its (revised) total.
    expect(progress[0]![0]).toBe(0);
    expect(progress).toHaveLength(1 + 4 * (4 + 4)); // 4 runs × (4 GD chunks + 4 GFS)
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    const [lastDone, lastTotal] = progress[progress.length - 1]!;
    expect(Math.abs(lastDone - lastTotal)).toBeLessThan(1e-9 * lastTotal);
    // 2 workers take whole tasks (n < TEAM_MIN_DIGITS); 1 worker is a team sharing every gradient
    const pooled = await fcnetExperiment({ ...options, workers: 2 });
    expect(inThread.runs).toHaveLength(4);
    expect(bits(pooled)).toEqual(bits(inThread));
    const team = await fcnetExperiment({ ...options, workers: 1 });
    expect(bits(team)).toEqual(bits(inThread));
  });

  it('an aborted run resumes from its checkpoint and ends with the same results', async () => {
    const reference = await fcnetExperiment({ ...SMALL, workers: 0 });
    const checkpoint = join(tempDir(), 'out.partial');
    const controller = new AbortController();
    let calls = 0; // one call at the start, then one per finished task
    await expect(
      fcnetExperiment({
        ...SMALL,
        workers: 0,
        checkpoint,
        signal: controller.signal,
        onProgress: () => {
          if (++calls === 5) controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    expect(readdirSync(join(checkpoint, 'run-0')).length).toBeGreaterThan(0);
    const resumed = await fcnetExperiment({ ...SMALL, workers: 2, checkpoint });
    expect(resumed.resumedTasks).toBe(4);
    expect(bits(resumed)).toEqual(bits(reference));
    // Finished: a second resume computes nothing.
    const again = await fcnetExperiment({ ...SMALL, workers: 0, checkpoint });
    expect(again.resumedTasks).toBe(2 * 4);
    expect(bits(again)).toEqual(bits(reference));
    // Other options (also the new sensitivity option) cannot reuse the checkpoint.
    await expect(fcnetExperiment({ ...SMALL, eta: 0.04, workers: 0, checkpoint })).rejects.toThrow(/different net run/);
    await expect(fcnetExperiment({ ...SMALL, sensitivityRecords: 1, workers: 0, checkpoint })).rejects.toThrow(
      /different net run/,
    );
    // The job file records the data's per-channel statistics, which enter the identity hash.
    const job = JSON.parse(readFileSync(join(checkpoint, 'job.json'), 'utf8')) as {
      data: { mean: number[]; std: number[] };
    };
    expect(job.data.mean).toEqual([loadDigits(SMALL.n).mean]); // one channel
    expect(job.data.std).toEqual([loadDigits(SMALL.n).std]);
  });

  it('a diverging run is data: status diverged, its losses end with the bad one', async () => {
    const e = await fcnetExperiment({ ...SMALL, eta: 40, divergeAt: 1e3, workers: 0 });
    const run = e.runs[0]!;
    expect(run.status).toBe('diverged');
    expect(run.steps).toBeLessThan(12);
    const last = run.loss[run.steps] as number;
    expect(!Number.isFinite(last) || last > 1e3).toBe(true);
    for (let t = 0; t < run.steps; t++) expect(run.loss[t]).toBeLessThanOrEqual(1e3);
  });

  it('a run whose very first loss is above divergeAt has no records and still writes its outputs', async () => {
    const e = await fcnetExperiment({ ...SMALL, divergeAt: 0.1, workers: 0 });
    const run = e.runs[0]!;
    expect(run.status).toBe('diverged');
    expect(run.steps).toBe(0);
    expect(run.records.step).toHaveLength(0);
    const summary = runSummary(run, e);
    expect(summary.firstGfsSharpness).toBeNaN();
    expect(summary.maxSharpnessOverThreshold).toBeNaN();
    const out = join(tempDir(), 'diverged');
    expect(writeNet(out, e)).toContain('fig12-fc-tanh.png');
  });

  it('a network too large for WASM memory is refused up front (E_MEMORY)', () => {
    expect(() => resolveFcnetOptions({ hidden: [4096, 4096, 4096], workers: 0 })).toThrow(/GiB of WASM memory/);
    expect(engineBytes(1000, [200, 200])).toBeLessThan(200 * 2 ** 20); // the default: < 200 MiB
  });

  it('writes figure, CSVs and manifest as one set', async () => {
    const e = await fcnetExperiment({ ...SMALL, workers: 0 });
    const out = join(tempDir(), 'fig12');
    const files = writeNet(out, e);
    for (const f of files) expect(existsSync(join(out, f))).toBe(true);
    expect(files).toContain('fig12-fc-tanh.png');
    const png = readFileSync(join(out, 'fig12-fc-tanh.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const svg = readFileSync(join(out, 'fig12-fc-tanh.svg'), 'utf8');
    expect(svg).toContain('Fig 12 · FC-tanh 784→16→16→10, 20 MNIST digits, η = 0.05');
    const run = e.runs[0]!;
    const ratio = ((run.records.gfsSharpness[3] as number) * SMALL.eta) / 2;
    expect(svg).toContain(`φ at step 12 (last record) = ${ratio.toFixed(2)} · 2/η`);
    expect(svg).toContain('RK4 flow to L &lt; τ = 0.02)');
    const records = readFileSync(join(out, 'records.csv'), 'utf8').trim().split('\n');
    expect(records[0]).toMatch(/^run,activation,eta,step,loss,sharpness,gfs_sharpness,gfs_status/);
    expect(records[0]).toMatch(
      /gfs_sharpness_low_threshold,low_threshold_status,low_threshold_extra_flow_steps,seconds$/,
    );
    expect(records).toHaveLength(1 + 4);
    const trace = readFileSync(join(out, 'sharpness.csv'), 'utf8').trim().split('\n');
    expect(trace).toHaveLength(1 + 5);
    const loss = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n');
    expect(loss).toHaveLength(1 + 13);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      command: string;
      options: Record<string, unknown>;
      summary: { runs: { sensitivity: { step: number; relativeChange: number }[]; lossOverThreshold: number }[] };
    };
    expect(manifest.command).toBe('net');
    expect(manifest.options.n).toBe(20);
    const digits = loadDigits(SMALL.n);
    expect(manifest.options.data).toBe('mnist');
    expect(manifest.options.dataMean).toEqual([digits.mean]); // one channel
    expect(manifest.options.dataStd).toEqual([digits.std]);
    expect(manifest.options.maxAbsInput).toBe(Math.max(...Array.from(digits.X, Math.abs)));
    expect(manifest.options.sensitivityThreshold).toBe(SENSITIVITY_FACTOR * SMALL.lossThreshold);
    // Default 3 sensitivity records of 4: 0, 2, 3.
    expect(manifest.summary.runs[0]!.sensitivity.map((r) => r.step)).toEqual([0, 8, 12]);
    expect(manifest.summary.runs[0]!.lossOverThreshold).toBeGreaterThanOrEqual(10);
  });

  it('a threshold far from the losses (1e300, 1e-300) is named but not drawn; the set is still written', async () => {
    for (const lossThreshold of [1e300, 1e-300]) {
      const e = await fcnetExperiment({ ...SMALL, steps: 2, flowSteps: 0, lossThreshold, workers: 0 });
      const svg = netFigureSvg(e.runs[0]!, e);
      expect(svg.match(/class="hline"/g)).toHaveLength(1); // 2/η only
      expect(writeNet(join(tempDir(), 'far'), e)).toContain('fig12-fc-tanh.png');
    }
    const e = await fcnetExperiment({ ...SMALL, steps: 2, flowSteps: 0, workers: 0 });
    expect(netFigureSvg(e.runs[0]!, e).match(/class="hline"/g)).toHaveLength(2); // 2/η and τ
  });

  it('titles and file names follow the paper: Fig 6 = FC-hardtanh, Fig 12 = FC-tanh and FC-ReLU', async () => {
    const e = await fcnetExperiment({
      ...SMALL,
      activation: ['hardtanh', 'relu', 'elu'],
      eta: [0.02, 0.03],
      steps: 2,
      gfsEvery: 2,
      flowSteps: 3,
      sensitivityRecords: 0,
      workers: 0,
    });
    const titles = e.runs.map((run) => /<text[^>]*>([^<]*)<\/text>/.exec(netFigureSvg(run, e))![1]);
    expect(e.runs.map((r) => figureStem(r, true))).toEqual([
      'fig6-fc-hardtanh-eta0.02',
      'fig6-fc-hardtanh-eta0.03',
      'fig12-fc-relu-eta0.02',
      'fig12-fc-relu-eta0.03',
      'fc-elu-eta0.02',
      'fc-elu-eta0.03',
    ]);
    expect(figureStem(e.runs[0]!, false)).toBe('fig6-fc-hardtanh');
    expect(titles[0]).toMatch(/^Fig 6 · FC-hardtanh 784→16→16→10/);
    expect(titles[2]).toMatch(/^Fig 12 · FC-ReLU /);
    expect(titles[4]).toMatch(/^not in the paper · FC-ELU /);
    // Flows of 3 RK4 steps do not converge: the panel title says so instead of a ratio.
    expect(netFigureSvg(e.runs[0]!, e)).toContain('no flow reached the threshold');
  });
});

const BIN = join(import.meta.dirname, '..', 'bin', 'eoslab.js');

/** Runs the CLI; with `killWhen`, SIGKILLs it as soon as that file exists. */
function runCliProcess(
  args: string[],
  killWhen?: string,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setInterval(() => {
      if (killWhen !== undefined && existsSync(killWhen)) child.kill('SIGKILL');
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout });
    });
  });
}

/** A CSV without its last column (timings). */
function withoutLastColumn(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, -1).join(','));
}

describe('eoslab fcnet', () => {
  const args = ['fcnet', '--activation', 'tanh', '--hidden', '16,16', '--n', '20', '--eta', '0.05', '--steps', '60'];
  args.push('--gfs-every', '10', '--loss-threshold', '0.01', '--flow-steps', '400', '--sensitivity-records', '1');
  args.push('--workers', '1');

  it('after SIGKILL the same command resumes from the checkpoint, with identical results', async () => {
    const root = tempDir();
    const out = join(root, 'killed');
    const killed = await runCliProcess([...args, '--out', out], join(`${out}.partial`, 'run-0', 'gd-30.json'));
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const resumed = await runCliProcess([...args, '--out', out, '--json']);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as {
      resumedTasks: number;
      sensitivityThreshold: number;
      data: { source: string; mean: number[]; std: number[]; maxAbsInput: number };
      runs: { sensitivity: { step: number }[]; lossOverThreshold: number; minFlowSteps: number }[];
    };
    expect(summary.resumedTasks).toBeGreaterThanOrEqual(4);
    // --json carries the threshold-sensitivity report (one record: the last) and the margins.
    expect(summary.sensitivityThreshold).toBeCloseTo(0.001, 15);
    expect(summary.runs[0]!.sensitivity.map((r) => r.step)).toEqual([60]);
    expect(summary.runs[0]!.lossOverThreshold).toBeGreaterThan(1);
    expect(summary.runs[0]!.minFlowSteps).toBeGreaterThan(0);
    expect(summary.data.source).toBe('mnist');
    expect(summary.data.std).toEqual([loadDigits(20).std]);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const fresh = join(root, 'fresh');
    expect((await runCliProcess([...args, '--out', fresh])).code).toBe(0);
    expect(withoutLastColumn(join(out, 'records.csv'))).toEqual(withoutLastColumn(join(fresh, 'records.csv')));
    expect(readFileSync(join(out, 'loss.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'loss.csv'), 'utf8'));
    expect(existsSync(join(out, 'fig12-fc-tanh.png'))).toBe(true);
  });

  it('bad input: unknown activation, n beyond the data, η ≤ 0 — one line, exit 2, nothing written', async () => {
    const root = tempDir();
    const cases: [string[], RegExp][] = [
      [
        ['--activation', 'sigmoid'],
        /invalid --activation: "sigmoid" \(expected one or more distinct of tanh, hardtanh, relu, elu, softplus/,
      ],
      [['--n', '20000'], /invalid --n: 20000 \(expected at most 10000: the mnist package holds 10000 digits\)/],
      [['--eta', '0'], /invalid --eta: "0"/],
      [['--eta', '-0.1'], /invalid --eta: "-0.1"/],
      [['--eta', 'abc'], /invalid --eta: "abc"/],
      [['--sensitivity-records', '-1'], /invalid --sensitivity-records: -1 \(expected an integer >= 0/],
      [['--loss-threshold', '0'], /invalid --loss-threshold: 0/],
    ];
    for (const [flags, message] of cases) {
      const out = join(root, `bad-${flags.join('')}`);
      const child = spawn(process.execPath, [BIN, 'fcnet', ...flags, '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    }
  });
});
