/**
 * The fcnet experiment runner (SPEC §5, Fig 6/12) on small networks: its records against a direct
 * computation with the engine, independence from the worker count, resumption from a checkpoint
 * after an abort, divergence as data, option validation, and the files it writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlpEngine } from '../src/mlp/engine.js';
import { loadDigits } from '../src/mlp/data.js';
import {
  fcnetExperiment,
  recordSteps,
  resolveFcnetOptions,
  engineBytes,
  FCNET_DEFAULTS,
  type FcnetExperiment,
  type FcnetOptions,
} from '../src/mlp/experiment.js';
import { runSummary, writeFcnet } from '../src/mlp/figures.js';

const TOL_SHARPNESS = 1e-3; // records' S (Lanczos tol 1e-4 residual) vs a tight Lanczos, relative

const SMALL: FcnetOptions = {
  activation: 'tanh',
  n: 60,
  hidden: [8, 8],
  eta: 0.5,
  steps: 12,
  gfsEvery: 4,
  lossThreshold: 0.05,
  flowSteps: 60,
};

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
function bits(e: FcnetExperiment): unknown {
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
    trace: Array.from(r.sharpnessTrace.sharpness),
    traceSteps: Array.from(r.sharpnessTrace.step),
  }));
}

describe('fcnet options', () => {
  it('defaults: tanh, n = 1000, 784 → 200 → 200 → 10', () => {
    const o = resolveFcnetOptions({ workers: 0 });
    expect(o.activations).toEqual(['tanh']);
    expect(o.n).toBe(1000);
    expect(o.hidden).toEqual([200, 200]);
    expect(o.etas).toEqual([...FCNET_DEFAULTS.etas]);
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
    expect(() => resolveFcnetOptions({ gfsEvery: 0 })).toThrow(/gfsEvery/);
    expect(() => resolveFcnetOptions({ lossThreshold: 0 })).toThrow(/lossThreshold/);
    expect(() => resolveFcnetOptions({ rk4Alpha: 3 })).toThrow(/rk4Alpha/);
    expect(() => resolveFcnetOptions({ hidden: [0] })).toThrow(/hidden/);
    expect(() => resolveFcnetOptions({ steps: 0 })).toThrow(/steps/);
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
    const data = loadDigits(60);
    const engine = new MlpEngine({ input: 784, hidden: [8, 8], output: 10, activation: 'tanh' }, data);
    let theta = engine.initialParameters(0);
    expect(Array.from(run.sharpnessTrace.step)).toEqual([0, 4, 8, 10, 12]); // records and sEvery = 10
    for (let t = 0; t <= 12; t++) {
      expect(run.loss[t]).toBe(engine.loss(theta));
      const j = run.sharpnessTrace.step.indexOf(t);
      if (j >= 0) {
        const s = engine.sharpness(theta, { tol: 1e-8 }).value;
        expect(Math.abs((run.sharpnessTrace.sharpness[j] as number) - s) / s).toBeLessThan(TOL_SHARPNESS);
      }
      const k = run.records.step.indexOf(t);
      if (k >= 0) {
        const s = engine.sharpness(theta, { tol: 1e-8 }).value;
        expect(Math.abs((run.records.sharpness[k] as number) - s) / s).toBeLessThan(TOL_SHARPNESS);
        const g = engine.gfsSharpness(theta, {
          lossThreshold: 0.05,
          maxSteps: 60,
          sharpnessEvery: FCNET_DEFAULTS.sharpnessEvery,
        });
        expect(run.records.gfsStatus[k]).toBe(g.status);
        expect(run.records.flowSteps[k]).toBe(g.steps);
        // Same flow up to the warm start of the step-size Lanczos: φ agrees to its tolerance.
        expect(Math.abs((run.records.gfsSharpness[k] as number) - g.gfsSharpness) / g.gfsSharpness).toBeLessThan(1e-3);
      }
      theta = engine.gdStep(theta, 0.5);
    }
  });

  it('results do not depend on the worker count (bit for bit)', async () => {
    const options = { ...SMALL, activation: ['tanh', 'relu'] as const, eta: [0.3, 0.5] };
    const progress: [number, number][] = [];
    const inThread = await fcnetExperiment({ ...options, workers: 0, onProgress: (d, t) => progress.push([d, t]) });
    // Progress in gradient evaluations: starts at 0, grows, ends at its (revised) total.
    expect(progress[0]![0]).toBe(0);
    expect(progress).toHaveLength(1 + 4 * (4 + 4)); // 4 runs × (4 GD chunks + 4 GFS)
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    const [lastDone, lastTotal] = progress[progress.length - 1]!;
    expect(Math.abs(lastDone - lastTotal)).toBeLessThan(1e-9 * lastTotal);
    const pooled = await fcnetExperiment({ ...options, workers: 2 });
    expect(inThread.runs).toHaveLength(4);
    expect(bits(pooled)).toEqual(bits(inThread));
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
    // Other options cannot reuse the checkpoint.
    await expect(fcnetExperiment({ ...SMALL, eta: 0.4, workers: 0, checkpoint })).rejects.toThrow(
      /different fcnet run/,
    );
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
    const summary = runSummary(run);
    expect(summary.firstGfsSharpness).toBeNaN();
    expect(summary.maxSharpnessOverThreshold).toBeNaN();
    const out = join(tempDir(), 'diverged');
    expect(writeFcnet(out, e)).toContain('fig6-tanh.png');
  });

  it('a network too large for WASM memory is refused up front (E_MEMORY)', () => {
    expect(() => resolveFcnetOptions({ hidden: [4096, 4096, 4096], workers: 0 })).toThrow(/GiB of WASM memory/);
    expect(engineBytes(1000, [200, 200])).toBeLessThan(200 * 2 ** 20); // the default: < 200 MiB
  });

  it('writes figure, CSVs and manifest as one set', async () => {
    const e = await fcnetExperiment({ ...SMALL, workers: 0 });
    const out = join(tempDir(), 'fig6');
    const files = writeFcnet(out, e);
    for (const f of files) expect(existsSync(join(out, f))).toBe(true);
    expect(files).toContain('fig6-tanh.png');
    const png = readFileSync(join(out, 'fig6-tanh.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const records = readFileSync(join(out, 'records.csv'), 'utf8').trim().split('\n');
    expect(records[0]).toMatch(/^run,activation,eta,step,loss,sharpness,gfs_sharpness,gfs_status/);
    expect(records).toHaveLength(1 + 4);
    const trace = readFileSync(join(out, 'sharpness.csv'), 'utf8').trim().split('\n');
    expect(trace).toHaveLength(1 + 5);
    const loss = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n');
    expect(loss).toHaveLength(1 + 13);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.command).toBe('fcnet');
    expect((manifest.options as Record<string, unknown>).n).toBe(60);
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
  const args = ['fcnet', '--hidden', '32,32', '--n', '200', '--eta', '0.5', '--steps', '120', '--gfs-every', '10'];
  args.push('--loss-threshold', '0.02', '--flow-steps', '80', '--workers', '1');

  it('after SIGKILL the same command resumes from the checkpoint, with identical results', async () => {
    const root = tempDir();
    const out = join(root, 'killed');
    const killed = await runCliProcess([...args, '--out', out], join(`${out}.partial`, 'run-0', 'gd-40.json'));
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const resumed = await runCliProcess([...args, '--out', out, '--json']);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { resumedTasks: number };
    expect(summary.resumedTasks).toBeGreaterThanOrEqual(5);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const fresh = join(root, 'fresh');
    expect((await runCliProcess([...args, '--out', fresh])).code).toBe(0);
    expect(withoutLastColumn(join(out, 'records.csv'))).toEqual(withoutLastColumn(join(fresh, 'records.csv')));
    expect(readFileSync(join(out, 'loss.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'loss.csv'), 'utf8'));
    expect(existsSync(join(out, 'fig6-tanh.png'))).toBe(true);
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
