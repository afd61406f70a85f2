/**
 * The fully connected network on other data than MNIST (`--data`, src/data/): a small CIFAR-format
 * directory written here runs end to end — through the library (its input width follows the data:
 * 3 072 inputs, or C·H·W after --input-size; the same bits whether the pool workers or this thread
 * read the files) and through `eoslab fcnet --data cifar10:DIR` (a few steps, seconds) — and every
 * bad data input is one line on stderr, exit 2, with nothing written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImages } from '../src/data/images.js';
import { fcnetExperiment, resolveFcnetOptions, type FcnetOptions } from '../src/experiments/net/experiment.js';
import { netFigureSvg as fcnetFigureSvg } from '../src/experiments/net/figures.js';
import { cifarBatch, writeCifarDir, writeNpyDir } from './helpers/image-files.js';

const root = mkdtempSync(join(tmpdir(), 'eoslab-data-fcnet-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 16 records over two batches, labels cycling through the 10 classes. */
const cifar = writeCifarDir(
  join(root, 'cifar-10-batches-bin'),
  [Array.from({ length: 10 }, (_, k) => k), Array.from({ length: 6 }, (_, k) => (k * 3) % 10)],
  ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
);

/** A short run: 12 images, one hidden layer of 8, 4 GD steps, flows of at most 20 RK4 steps. */
const SHORT = {
  data: `cifar10:${cifar}`,
  n: 12,
  hidden: [8],
  activation: 'tanh',
  eta: 0.01,
  steps: 4,
  gfsEvery: 2,
  sEvery: 2,
  flowSteps: 20,
  lossThreshold: 1e-3,
  sensitivityRecords: 0,
} as const satisfies FcnetOptions;

describe('fcnet on CIFAR-format data', () => {
  it('the network reads each image as 3 072 inputs (or C·H·W after --input-size) and 10 outputs', () => {
    const o = resolveFcnetOptions({ ...SHORT, workers: 0 });
    expect([o.input, o.classes, o.data, o.dataOffset]).toEqual([3072, 10, SHORT.data, 0]);
    const small = resolveFcnetOptions({ ...SHORT, inputSize: 8, dataClasses: [0, 3, 6, 9], n: 5, workers: 0 });
    expect([small.input, small.classes, small.inputSize, small.dataClasses]).toEqual([192, 4, [8, 8], [0, 3, 6, 9]]);
  });

  it('runs, records the per-channel statistics, and gives the same bits with pool workers reading the files', async () => {
    const here = await fcnetExperiment({ ...SHORT, workers: 0 });
    const pooled = await fcnetExperiment({ ...SHORT, workers: 2 });
    expect(here.runs[0]!.status).toBe('completed');
    expect(Array.from(pooled.runs[0]!.loss)).toEqual(Array.from(here.runs[0]!.loss));
    expect(Array.from(pooled.runs[0]!.records.gfsSharpness)).toEqual(Array.from(here.runs[0]!.records.gfsSharpness));
    const images = loadImages(SHORT);
    expect(here.images.mean).toEqual([...images.mean]);
    expect(here.images.std).toEqual([...images.std]);
    expect(here.images.shape).toEqual([3, 32, 32]);
    expect(here.images.classNames[9]).toBe('truck');
    expect(fcnetFigureSvg(here.runs[0]!, here)).toContain('FC-tanh 3072→8→10, 12 CIFAR-10 images, η = 0.01');
  });

  it('a checkpoint belongs to its images: other data (here the next 4 images) cannot resume it', async () => {
    const checkpoint = join(root, 'ckpt.partial');
    const quick = { ...SHORT, n: 4, steps: 2, flowSteps: 2, workers: 0, checkpoint };
    expect((await fcnetExperiment(quick)).resumedTasks).toBe(0);
    expect((await fcnetExperiment(quick)).resumedTasks).toBeGreaterThan(0);
    await expect(fcnetExperiment({ ...quick, dataOffset: 4 })).rejects.toThrow(/different net run/);
  });
});

const BIN = join(import.meta.dirname, '..', 'bin', 'eoslab.js');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'fcnet', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FLAGS = ['--n', '12', '--hidden', '8', '--activation', 'tanh', '--eta', '0.01', '--steps', '4'];
FLAGS.push('--gfs-every', '2', '--flow-steps', '20', '--loss-threshold', '1e-3', '--sensitivity-records', '0');

describe('eoslab fcnet --data', () => {
  it('cifar10:DIR runs end to end: figure, CSVs, and the data in --json and manifest.json', () => {
    const out = join(root, 'out-cifar');
    const r = cli([
      ...FLAGS,
      '--data',
      `cifar10:${cifar}`,
      '--input-size',
      '16',
      '--workers',
      '0',
      '--out',
      out,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      data: { source: string; shape: number[]; classes: number; mean: number[]; std: number[] };
    };
    const images = loadImages({ data: `cifar10:${cifar}`, n: 12, inputSize: 16 });
    expect(summary.data.source).toBe(`cifar10:${cifar}`);
    expect(summary.data.shape).toEqual([3, 16, 16]);
    expect(summary.data.classes).toBe(10);
    expect(summary.data.mean).toEqual([...images.mean]);
    expect(summary.data.std).toEqual([...images.std]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      options: Record<string, unknown>;
    };
    expect(manifest.options.data).toBe(`cifar10:${cifar}`);
    expect(manifest.options.inputSize).toEqual([16, 16]);
    expect(manifest.options.dataMean).toEqual([...images.mean]);
    expect(manifest.options.imageShape).toEqual([3, 16, 16]);
    expect(manifest.options.images).toMatch(
      /^the first 12 images of CIFAR-10's binary training batches 1, 2 in .*2×2 block average → 16×16/,
    );
    expect(existsSync(join(out, 'fig12-fc-tanh.png'))).toBe(true);
    expect(readFileSync(join(out, 'fig12-fc-tanh.svg'), 'utf8')).toContain('768→8→10, 12 CIFAR-10 images');
    // the table names the data too
    const table = cli([
      ...FLAGS,
      '--data',
      `cifar10:${cifar}`,
      '--data-offset',
      '4',
      '--workers',
      '0',
      '--out',
      join(root, 'out-table'),
    ]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(
      /data\s+12 CIFAR-10 images \(3×32×32, 10 classes\), per-channel mean \S+, \S+, \S+, std/,
    );
  });

  it('bad data input: one line, exit 2, nothing written', () => {
    const short = writeCifarDir(join(root, 'short'), [[0, 1, 2]]);
    const ragged = writeCifarDir(join(root, 'ragged'), [[0, 1]]);
    writeFileSync(join(ragged, 'data_batch_1.bin'), cifarBatch([0, 1]).subarray(0, 3073 + 100));
    const badLabel = join(root, 'bad-label');
    writeCifarDir(badLabel, [[0]]);
    writeFileSync(join(badLabel, 'data_batch_1.bin'), cifarBatch([0, 11]));
    const npyDtype = writeNpyDir(
      join(root, 'npy-dtype'),
      { descr: '<i2', shape: [2, 6, 6], data: new Int16Array(72) },
      { descr: '|u1', shape: [2], data: Uint8Array.from([0, 1]) },
    );
    const npyLabel = writeNpyDir(
      join(root, 'npy-label'),
      { descr: '|u1', shape: [2, 6, 6], data: new Uint8Array(72) },
      { descr: '<i4', shape: [2], data: Int32Array.from([0, 1000]) },
    );
    const cases: [string[], RegExp][] = [
      [
        ['--data', 'svhn:/data'],
        /^eoslab: error: invalid --data: "svhn:\/data" \(expected mnist, cifar10:DIR or npy:DIR/,
      ],
      [
        ['--data', `cifar10:${join(root, 'absent')}`],
        /^eoslab: error: invalid --data: "cifar10:.*absent" \(no directory /,
      ],
      [['--data', `cifar10:${ragged}`], /data_batch_1\.bin has 3173 bytes, not a positive multiple of 3073/],
      [
        ['--data', `cifar10:${short}`, '--n', '5'],
        /^eoslab: error: invalid --n: 5 \(expected at most 3: the CIFAR-10 batches in .* hold 3 images\)/,
      ],
      [
        ['--data', `cifar10:${short}`, '--n', '2', '--data-offset', '3'],
        /invalid --data-offset: 3 \(expected less than 3/,
      ],
      [
        ['--data', `cifar10:${badLabel}`, '--n', '2'],
        /data_batch_1\.bin record 1 has label 11, out of range \(expected 0–9\)/,
      ],
      [
        ['--data', `npy:${npyDtype}`, '--n', '2'],
        /images\.npy has dtype <i2; expected uint8, float32 or float64 images/,
      ],
      [
        ['--data', `npy:${npyLabel}`, '--n', '2'],
        /labels\.npy: label 1000 of image 1 is out of range \(expected 0–999\)/,
      ],
      [['--data', `cifar10:${short}`, '--n', '0'], /^eoslab: error: invalid --n: 0 \(expected an integer >= 1\)/],
      [['--data', `cifar10:${short}`, '--n', '2', '--input-size', '0'], /invalid --input-size: "0" \(expected a size/],
      [
        ['--data', `cifar10:${short}`, '--n', '2', '--data-classes', '3,1'],
        /invalid --data-classes: \[3, 1\] \(expected increasing labels/,
      ],
    ];
    for (const [flags, message] of cases) {
      const out = join(root, `bad-${flags.join('').replace(/[^a-z0-9]/gi, '')}`);
      const r = cli([
        ...FLAGS.filter((_, i) => !(flags.includes('--n') && (i === 0 || i === 1))),
        ...flags,
        '--workers',
        '0',
        '--out',
        out,
      ]);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), flags.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    }
  });
});
