/**
 * `eoslab net` with the convolutional networks (src/experiments/net/): options and their per-network
 * defaults, bad input at the library and the CLI (one line, exit 2, nothing written), bit-identical
 * results for 0, 1 and 2 workers (the task-parallel path below 500 images and the ConvTeam path at
 * --workers 0 vs the pool), resume after SIGKILL identical to an uninterrupted run, conv nets on
 * CIFAR-format data, the Fig 6 / Fig 13 composition. Tiny shapes (width 1/16–1/8, ≤ 8 images, a few
 * steps): seconds each.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ARCH_DEFAULTS,
  netExperiment,
  problemOf,
  resolveNetOptions,
  type NetExperiment,
  type NetOptions,
} from '../src/experiments/net/experiment.js';
import { figureStem, netFigureSvg } from '../src/experiments/net/figures.js';
import { paperFigureSvg, resolvePaperFigure, writePaperFigure } from '../src/experiments/net/paperFigure.js';
import type { EoslabError } from '../src/base/errors.js';
import { initialTheta, taskSolver } from '../src/experiments/net/tasks.js';

const roots: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'eoslab-net-conv-'));
  roots.push(d);
  return d;
}
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

/** A VGG11-BN small enough for a test: 4 channels in the first stage, 6 digits padded to 32×32. */
const TINY_VGG = {
  arch: 'vgg11-bn',
  width: 1 / 16,
  n: 6,
  eta: 0.05,
  steps: 4,
  gfsEvery: 2,
  sEvery: 1,
  lossThreshold: 0.2,
  flowSteps: 30,
  sensitivityRecords: 1,
} as const satisfies NetOptions;

/** ResNet20 at width 1/8 (2/4/8 channels) on 6 digits reduced to 8×8. */
const TINY_RESNET = {
  arch: 'resnet20',
  width: 0.125,
  n: 6,
  inputSize: 8,
  eta: 0.2,
  steps: 4,
  gfsEvery: 2,
  sEvery: 2,
  lossThreshold: 0.3,
  flowSteps: 30,
  sensitivityRecords: 1,
} as const satisfies NetOptions;

/** Everything of an experiment that must not depend on the worker count (not the timings). */
function numbers(e: NetExperiment): unknown {
  return e.runs.map((r) => ({
    loss: Array.from(r.loss),
    trace: Array.from(r.sharpnessTrace.sharpness),
    phi: Array.from(r.records.gfsSharpness),
    flowSteps: Array.from(r.records.flowSteps),
    flowLoss: Array.from(r.records.flowLoss),
    status: r.records.gfsStatus,
    low: r.records.sensitivity.map((c) => c?.gfsSharpness ?? null),
  }));
}

describe('net options for the conv nets', () => {
  it('each network has its own defaults; the resolved problem names its size', () => {
    for (const arch of ['vgg11-bn', 'resnet20'] as const) {
      const o = resolveNetOptions({ arch, workers: 0 });
      const d = ARCH_DEFAULTS[arch];
      expect(o.arch).toBe(arch);
      expect(o.n).toBe(d.n);
      expect(o.etas).toEqual([...d.eta]);
      expect(o.width).toBe(d.width);
      expect(o.inputSize).toEqual(d.inputSize);
      expect(o.activations).toEqual(['relu']);
      expect(o.hidden).toEqual([]);
      expect(o.shape).toEqual([1, ...(d.inputSize as readonly number[])]);
    }
    // VGG11-BN at width 1/8 on 1×32×32: the hand count of test/conv-architectures (154 074 at 10 classes)
    expect(resolveNetOptions({ arch: 'vgg11-bn', width: 0.125, workers: 0 }).parameterCount).toBe(154_074);
    // fc keeps its defaults and has no width
    const fc = resolveNetOptions({ workers: 0 });
    expect([fc.arch, fc.width, fc.hidden, fc.n]).toEqual(['fc', 1, [200, 200], 100]);
  });

  it('bad input names the option and the value', () => {
    const error = (o: NetOptions): EoslabError => {
      try {
        resolveNetOptions(o);
      } catch (e) {
        return e as EoslabError;
      }
      throw new Error('no error');
    };
    expect(error({ arch: 'lenet' as never }).message).toMatch(
      /invalid arch: "lenet" \(expected one of fc, vgg11-bn, resnet20\)/,
    );
    expect(error({ arch: 'resnet20', width: 0 }).message).toMatch(/invalid width: 0/);
    expect(error({ arch: 'resnet20', width: -1 }).message).toMatch(/invalid width: -1/);
    expect(error({ arch: 'resnet20', width: Number.NaN }).message).toMatch(/invalid width/);
    expect(error({ arch: 'vgg11-bn', inputSize: 28 }).message).toMatch(
      /invalid inputSize: "28×28" \(expected a multiple of 32 for vgg11-bn/,
    );
    expect(error({ arch: 'vgg11-bn', hidden: [10] }).message).toMatch(/--hidden is for --arch fc/);
    expect(error({ width: 0.5 }).message).toMatch(/--width scales the channels of a conv net/);
    expect(error({ arch: 'resnet20', precision: 'f32' }).message).toMatch(/--precision f32 is for --arch fc/);
    const memory = error({ arch: 'vgg11-bn', width: 4, n: 2000, workers: 0 });
    expect(memory.code).toBe('E_MEMORY');
    expect(memory.message).toMatch(/vgg11-bn of width 4 .* needs [\d.]+ GiB of WASM memory \(at most 4 GiB\)/);
  });
});

describe('the conv nets’ default windows respect the fidelity rule', () => {
  // GD alone at each network's defaults (no flows: 150–240 gradients, seconds). A flow of 0 RK4
  // steps (φ = S by construction) happens exactly when its start is already below τ, so "τ at least
  // 5× below GD's smallest loss over the window" guards every flow of the default runs.
  it.each(['vgg11-bn', 'resnet20'] as const)(
    '%s: τ ≥ 5× below GD’s losses over the window',
    { timeout: 120_000 },
    async (arch) => {
      const o = resolveNetOptions({ arch, workers: 0 });
      const problem = problemOf(o, o.activations[0]!);
      const solver = taskSolver(problem);
      const gd = await solver.gradientDescent(
        initialTheta(problem, solver.parameterCount),
        o.etas[0]!,
        o.steps,
        o.divergeAt,
      );
      expect(gd.diverged).toBe(false);
      const minLoss = Math.min(...Array.from(gd.losses), await solver.loss(gd.theta));
      expect(minLoss / o.lossThreshold).toBeGreaterThanOrEqual(5);
    },
  );
});

describe('net experiment on conv nets', () => {
  it(
    'VGG11-BN: the same bits for 0, 1 and 2 workers; S, φ and the sensitivity report are recorded',
    { timeout: 120_000 },
    async () => {
      const here = await netExperiment({ ...TINY_VGG, workers: 0 });
      const one = await netExperiment({ ...TINY_VGG, workers: 1 });
      const two = await netExperiment({ ...TINY_VGG, workers: 2 });
      expect(numbers(one)).toEqual(numbers(here));
      expect(numbers(two)).toEqual(numbers(here));
      const run = here.runs[0]!;
      expect(run.status).toBe('completed');
      expect(run.loss).toHaveLength(5);
      expect(Array.from(run.records.step)).toEqual([0, 2, 4]);
      for (const phi of run.records.gfsSharpness) expect(phi).toBeGreaterThan(0);
      // the flows ran (τ below GD's losses) and φ differs from S
      for (const steps of run.records.flowSteps) expect(steps).toBeGreaterThan(0);
      expect(run.records.sensitivity.filter((c) => c !== null)).toHaveLength(1);
      expect(figureStem(run, false, 'vgg11-bn')).toBe('fig6-vgg11-bn');
      expect(netFigureSvg(run, here)).toMatch(
        /Fig 6 · VGG11-BN width ×1\/16 \([\d,]+ parameters\), 6 MNIST digits 32×32, η = 0.05/,
      );
    },
  );

  it(
    'ResNet20: whole tasks on 2 workers and a 2-worker ConvTeam sharing every gradient = this thread',
    { timeout: 120_000 },
    async () => {
      const here = await netExperiment({ ...TINY_RESNET, workers: 0 });
      const tasks = await netExperiment({ ...TINY_RESNET, workers: 2, parallel: 'tasks' });
      const team = await netExperiment({ ...TINY_RESNET, workers: 2, parallel: 'team' });
      expect(numbers(tasks)).toEqual(numbers(here));
      expect(numbers(team)).toEqual(numbers(here));
      await expect(netExperiment({ ...TINY_RESNET, parallel: 'threads' as never })).rejects.toThrow(
        /invalid parallel: "threads"/,
      );
      expect(here.runs[0]!.records.gfsStatus.every((s) => s === 'converged' || s === 'max-steps')).toBe(true);
      expect(figureStem(here.runs[0]!, false, 'resnet20')).toBe('fig6-resnet20');
      expect(figureStem({ activation: 'tanh', eta: 0.1 }, true, 'resnet20')).toBe('resnet20-tanh-eta0.1');
      expect(figureStem({ activation: 'relu', eta: 0.1 }, false, 'resnet20', true)).toBe('fig13-resnet20');
    },
  );

  it('a diverging conv run is data (status diverged), not a crash', { timeout: 60_000 }, async () => {
    const e = await netExperiment({ ...TINY_RESNET, eta: 1e6, workers: 0 });
    expect(e.runs[0]!.status).toBe('diverged');
  });
});

describe('Fig 6 / Fig 13', () => {
  it('--figure sets each network at its defaults; per-network options are refused; Fig 13 takes the next n digits', () => {
    const six = resolvePaperFigure({ figure: 'fig6', seed: 3 });
    expect(six.map((o) => [o.arch, o.activation, o.dataOffset, o.seed])).toEqual([
      ['fc', 'hardtanh', undefined, 3],
      ['vgg11-bn', 'relu', undefined, 3],
      ['resnet20', 'relu', undefined, 3],
    ]);
    const thirteen = resolvePaperFigure({ figure: 'fig13' });
    expect(thirteen.map((o) => o.dataOffset)).toEqual([
      ARCH_DEFAULTS.fc.n,
      ARCH_DEFAULTS['vgg11-bn'].n,
      ARCH_DEFAULTS.resnet20.n,
    ]);
    expect(resolvePaperFigure({ figure: 'fig13', dataOffset: 7 }).map((o) => o.dataOffset)).toEqual([7, 7, 7]);
    expect(() => resolvePaperFigure({ figure: 'fig6', eta: 0.1 } as never)).toThrow(
      /--eta is set per network by --figure/,
    );
    expect(() => resolvePaperFigure({ figure: 'fig6', inputSize: 8 } as never)).toThrow(
      /--input-size is set per network/,
    );
  });

  it('the three panels side by side, each network’s files in its subdirectory', { timeout: 120_000 }, async () => {
    const fc = await netExperiment({ arch: 'fc', hidden: [8], n: 6, steps: 2, gfsEvery: 2, flowSteps: 5, workers: 0 });
    const vgg = await netExperiment({ ...TINY_VGG, steps: 2, workers: 0 });
    const resnet = await netExperiment({ ...TINY_RESNET, steps: 2, workers: 0 });
    const p = { figure: 'fig13' as const, experiments: [fc, vgg, resnet], wallSeconds: 1 };
    const svg = paperFigureSvg(p);
    expect(svg).toContain('Fig 13 · the networks of Fig 6 on a second data set');
    for (const name of ['Fig 13 · FC-hardtanh', 'Fig 13 · VGG11-BN', 'Fig 13 · ResNet20']) expect(svg).toContain(name);
    const out = join(tempDir(), 'fig13');
    writePaperFigure(out, p);
    for (const f of [
      'fig13.png',
      'fig13.svg',
      'manifest.json',
      'fc/fig13-fc-hardtanh.png',
      'vgg11-bn/fig13-vgg11-bn.png',
      'resnet20/records.csv',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      options: { figure: string; networks: { arch: string }[] };
    };
    expect(manifest.options.figure).toBe('fig13');
    expect(manifest.options.networks.map((n) => n.arch)).toEqual(['fc', 'vgg11-bn', 'resnet20']);
  });
});

const BIN = join(import.meta.dirname, '..', 'bin', 'eoslab.js');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'net', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runCliProcess(args: string[], killWhen?: string): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'net', ...args], { stdio: 'ignore' });
    const timer = setInterval(() => {
      if (killWhen !== undefined && existsSync(killWhen)) child.kill('SIGKILL');
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal });
    });
  });
}

/** A CSV without its last column (timings). */
const withoutLastColumn = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, -1).join(','));

describe('eoslab net --arch vgg11-bn / resnet20', () => {
  const args = ['--arch', 'resnet20', '--width', '0.125', '--n', '6', '--input-size', '8', '--eta', '0.2'];
  args.push('--steps', '6', '--gfs-every', '2', '--loss-threshold', '0.3', '--flow-steps', '40', '--workers', '1');

  it(
    'after SIGKILL the same command resumes from the checkpoint, with identical results',
    { timeout: 120_000 },
    async () => {
      const root = tempDir();
      const out = join(root, 'killed');
      const killed = await runCliProcess([...args, '--out', out], join(`${out}.partial`, 'run-0', 'gd-4.json'));
      expect(killed.signal).toBe('SIGKILL');
      expect(existsSync(out)).toBe(false);
      const resumed = cli([...args, '--out', out, '--json']);
      expect(resumed.status).toBe(0);
      expect((JSON.parse(resumed.stdout) as { resumedTasks: number }).resumedTasks).toBeGreaterThanOrEqual(2);
      const fresh = join(root, 'fresh');
      expect(cli([...args, '--out', fresh]).status).toBe(0);
      expect(withoutLastColumn(join(out, 'records.csv'))).toEqual(withoutLastColumn(join(fresh, 'records.csv')));
      expect(readFileSync(join(out, 'loss.csv'), 'utf8')).toBe(readFileSync(join(fresh, 'loss.csv'), 'utf8'));
      expect(existsSync(join(out, 'fig6-resnet20.png'))).toBe(true);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
        options: Record<string, unknown>;
      };
      expect(manifest.options['arch']).toBe('resnet20');
      expect(manifest.options['width']).toBe(0.125);
    },
  );

  it('runs on a CIFAR-format directory', { timeout: 60_000 }, () => {
    const dir = join(tempDir(), 'cifar');
    mkdirSync(dir);
    // 8 records of 1 label byte + 3 072 pixel bytes, labels 0–9 cycling, and the class names
    const records = Buffer.alloc(8 * 3073);
    for (let i = 0; i < 8; i++) {
      records[i * 3073] = i % 10;
      for (let p = 1; p <= 3072; p++) records[i * 3073 + p] = (i * 31 + p * 7) % 256;
    }
    writeFileSync(join(dir, 'data_batch_1.bin'), records);
    writeFileSync(
      join(dir, 'batches.meta.txt'),
      'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n',
    );
    const out = join(tempDir(), 'vgg-cifar');
    const r = cli([
      '--arch',
      'vgg11-bn',
      '--data',
      `cifar10:${dir}`,
      '--n',
      '6',
      '--width',
      '0.0625',
      '--steps',
      '2',
      '--gfs-every',
      '2',
      '--flow-steps',
      '5',
      '--workers',
      '0',
      '--out',
      out,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { arch: string; data: { shape: number[]; source: string } };
    expect(summary.arch).toBe('vgg11-bn');
    expect(summary.data.shape).toEqual([3, 32, 32]);
    expect(existsSync(join(out, 'fig6-vgg11-bn.png'))).toBe(true);
  });

  it('bad input: unknown arch, width ≤ 0, input size vs pooling, a wrong data directory, too little memory — one line, exit 2, nothing written', () => {
    const root = tempDir();
    const notCifar = join(root, 'not-cifar');
    mkdirSync(notCifar);
    writeFileSync(join(notCifar, 'readme.txt'), 'no batches here\n');
    const cases: [string[], RegExp][] = [
      [['--arch', 'lenet'], /^eoslab: error: invalid --arch: "lenet" \(expected one of fc, vgg11-bn, resnet20\)/],
      [['--arch', 'resnet20', '--width', '0'], /^eoslab: error: invalid --width: 0/],
      [['--arch', 'resnet20', '--width', '-0.5'], /^eoslab: error: invalid --width: -0.5/],
      [
        ['--arch', 'vgg11-bn', '--input-size', '28'],
        /invalid --input-size: "28×28" \(expected a multiple of 32 for vgg11-bn/,
      ],
      [['--arch', 'vgg11-bn', '--data', `cifar10:${notCifar}`], /cifar10/],
      [['--arch', 'vgg11-bn', '--width', '4', '--n', '2000'], /needs [\d.]+ GiB of WASM memory \(at most 4 GiB\)/],
      [['--arch', 'resnet20', '--hidden', '10'], /--hidden is for --arch fc/],
      [['--figure', 'fig6', '--eta', '0.1'], /--eta is set per network by --figure/],
    ];
    for (const [flags, message] of cases) {
      const out = join(root, `bad-${flags.join('').replace(/[^a-z0-9]/gi, '')}`);
      const r = cli([...flags, '--out', out]);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), `${flags.join(' ')}: ${r.stderr}`).toHaveLength(1);
      expect(r.stderr, flags.join(' ')).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    }
  });
});
