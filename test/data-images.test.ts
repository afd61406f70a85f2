/**
 * The image loader (src/data/, README "Data for the networks"): the `--data` specification, the
 * reduction to --input-size (hand-computed blocks and crops), per-channel standardisation (mean 0,
 * std 1 per channel, statistics against a plain two-pass computation in this file), CIFAR-10's
 * binary batches written here (pixel order R, G, B row-major, file order across batches, reading
 * only the records needed, class names), the class subset and the offset, MNIST through the same
 * loader (bit-identical to the FC net's digits), and one clear error for each bad input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDataSpec } from '../src/base/dataSpec.js';
import { EoslabError } from '../src/base/errors.js';
import { OPTIONS } from '../src/base/options.js';
import { loadDigits } from '../src/data/digits.js';
import { inspectImages, loadImages, type ImageSet } from '../src/data/images.js';
import { describeReduction, reduceImage, reduction, standardizeChannels } from '../src/data/transform.js';
import { cifarBatch, cifarByte, meanStd, writeCifarDir } from './helpers/image-files.js';

const TOL_STAT = 1e-12; // loader's mean/std vs the plain two-pass computation here, relative
const TOL_ENTRY = 1e-12; // a standardised entry vs (raw − mean)/std, absolute (|x| ≲ 3: a few ulps)
const TOL_STANDARD = 1e-12; // |mean| and |std − 1| of each standardised channel

const root = mkdtempSync(join(tmpdir(), 'eoslab-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => join(root, `d${dirs++}`);

/** The error `f` throws (it must throw an EoslabError). */
function errorOf(f: () => unknown): EoslabError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(EoslabError);
    return error as EoslabError;
  }
  throw new Error('expected an error');
}

/** Checks an error: E_OPTION naming `option`, one line matching `message`. */
function expectOptionError(f: () => unknown, option: string, message: RegExp): void {
  const e = errorOf(f);
  expect(e.code).toBe('E_OPTION');
  expect(e.option).toBe(option);
  expect(e.exitCode).toBe(2);
  expect(e.message).not.toContain('\n');
  expect(e.message).toMatch(message);
}

/** Channel c of a loaded set, raw values recovered as x·std + mean. */
function channelValues(set: ImageSet, c: number): number[] {
  const plane = set.height * set.width;
  const out: number[] = [];
  for (let i = 0; i < set.n; i++) {
    for (let p = 0; p < plane; p++) out.push(set.X[i * set.inputDim + c * plane + p] as number);
  }
  return out;
}

/** Checks that `set` is `raw` (n × C × H × W, channels first) standardised per channel, statistics computed here. */
function expectStandardised(set: ImageSet, raw: readonly number[]): void {
  const plane = set.height * set.width;
  expect(raw.length).toBe(set.n * set.inputDim);
  for (let c = 0; c < set.channels; c++) {
    const values: number[] = [];
    for (let i = 0; i < set.n; i++) for (let p = 0; p < plane; p++) values.push(raw[i * set.inputDim + c * plane + p]!);
    const { mean, std } = meanStd(values);
    expect(Math.abs((set.mean[c] as number) - mean)).toBeLessThanOrEqual(TOL_STAT * Math.abs(mean));
    expect(Math.abs((set.std[c] as number) - std)).toBeLessThanOrEqual(TOL_STAT * std);
    let worst = 0;
    for (let i = 0; i < set.n; i++) {
      for (let p = 0; p < plane; p++) {
        const k = i * set.inputDim + c * plane + p;
        worst = Math.max(worst, Math.abs((set.X[k] as number) - (raw[k]! - mean) / std));
      }
    }
    expect(worst).toBeLessThan(TOL_ENTRY);
    const standard = meanStd(channelValues(set, c));
    expect(Math.abs(standard.mean)).toBeLessThan(TOL_STANDARD);
    expect(Math.abs(standard.std - 1)).toBeLessThan(TOL_STANDARD);
  }
}

describe('--data specification', () => {
  it('parses mnist, cifar10:DIR and npy:DIR', () => {
    expect(parseDataSpec('mnist')).toEqual({ scheme: 'mnist', dir: null, text: 'mnist' });
    expect(parseDataSpec('cifar10:/x/y')).toEqual({ scheme: 'cifar10', dir: '/x/y', text: 'cifar10:/x/y' });
    expect(parseDataSpec('npy:rel:dir')).toEqual({ scheme: 'npy', dir: 'rel:dir', text: 'npy:rel:dir' });
  });

  it.each(['svhn:/x', 'cifar10', 'cifar10:', 'npy: ', 'MNIST', 'mnist:/x', '', 3, null])('refuses %s', (spec) => {
    expectOptionError(
      () => parseDataSpec(spec),
      'data',
      /^invalid data: .* \(expected mnist, cifar10:DIR or npy:DIR \(DIR a directory\)\)$/,
    );
  });

  it('--input-size: S or HxW, whole pixels ≥ 1', () => {
    expect(OPTIONS.inputSize.parse('16', 'inputSize')).toEqual([16, 16]);
    expect(OPTIONS.inputSize.parse('16x12', 'inputSize')).toEqual([16, 12]);
    expect(OPTIONS.inputSize.parse('8×4', 'inputSize')).toEqual([8, 4]);
    expect(OPTIONS.inputSize.check(7, 'inputSize')).toEqual([7, 7]);
    for (const bad of ['0', '16x0', '-4', '2.5', 'x', '16x', '5000']) {
      expect(() => OPTIONS.inputSize.parse(bad, 'inputSize')).toThrow(/^invalid inputSize: .*"S" or "HxW"/);
    }
    for (const bad of [0, 2.5, Number.NaN, [4], [4, 0], '16']) {
      expect(() => OPTIONS.inputSize.check(bad, 'inputSize')).toThrow(/^invalid inputSize/);
    }
  });
});

describe('reduction to --input-size', () => {
  const grid5 = Float64Array.from({ length: 25 }, (_, k) => k); // 5×5, value = 5·row + column

  it('2×2 block average of the top-left 4×4 crop of a 5×5 image (top = left = ⌊1/2⌋ = 0)', () => {
    const r = reduction(5, 5, 2, 2);
    expect(r).toMatchObject({ factorY: 2, factorX: 2, top: 0, left: 0 });
    const out = new Float64Array(4);
    reduceImage(r, 1, grid5, out, 0);
    // (0+1+5+6)/4, (2+3+7+8)/4, (10+11+15+16)/4, (12+13+17+18)/4
    expect(Array.from(out)).toEqual([3, 5, 13, 15]);
  });

  it('zero-padding when a side is larger: 3×3 → 6×5 centres the image (⌊3/2⌋ = 1 row above, 1 column left)', () => {
    const grid3 = Float64Array.from({ length: 9 }, (_, k) => k + 1);
    const r = reduction(3, 3, 6, 5);
    expect(r).toMatchObject({ factorY: 1, factorX: 1, top: -1, left: -1 });
    const out = new Float64Array(30).fill(Number.NaN);
    reduceImage(r, 1, grid3, out, 0);
    // rows: 1 of zeros, the 3 image rows (each 0, a, b, c, 0), 2 of zeros
    // prettier-ignore
    expect(Array.from(out)).toEqual([
      0, 0, 0, 0, 0,
      0, 1, 2, 3, 0,
      0, 4, 5, 6, 0,
      0, 7, 8, 9, 0,
      0, 0, 0, 0, 0,
      0, 0, 0, 0, 0,
    ]);
    expect(describeReduction(r)).toBe('zero-padded 3×3 → 6×5 (3 rows: 1 above, 2 columns: 1 left; raw value 0)');
    // MNIST's 28×28 → VGG's 32×32: 2 rows and columns of 0 on each side
    expect(reduction(28, 28, 32, 32)).toMatchObject({ factorY: 1, factorX: 1, top: -2, left: -2 });
    // one side padded, the other reduced: 5 rows → 7 (pad), 5 columns → 2 (2×… block average)
    const mixed = reduction(5, 5, 7, 2);
    expect(mixed).toMatchObject({ factorY: 1, factorX: 2, top: -1, left: 0 });
    const m = new Float64Array(14);
    reduceImage(mixed, 1, grid5, m, 0);
    expect(Array.from(m)).toEqual([0, 0, 0.5, 2.5, 5.5, 7.5, 10.5, 12.5, 15.5, 17.5, 20.5, 22.5, 0, 0]);
  });

  it('a plain centre crop when the factor is 1: 5×5 → 3×3 keeps rows and columns 1–3', () => {
    const r = reduction(5, 5, 3, 3);
    expect(r).toMatchObject({ factorY: 1, factorX: 1, top: 1, left: 1 });
    const out = new Float64Array(9);
    reduceImage(r, 1, grid5, out, 0);
    expect(Array.from(out)).toEqual([6, 7, 8, 11, 12, 13, 16, 17, 18]);
    expect(describeReduction(r)).toBe('centre crop 5×5 → 3×3 (rows 1–3, columns 1–3)');
  });

  it('unequal factors and crops, per channel: 2 × 7×8 → 2×2 averages 3×4 blocks of rows 0–5', () => {
    // 7 rows → 2: f_h = 3, crop 6 rows from top ⌊1/2⌋ = 0; 8 columns → 2: f_w = 4, no crop.
    const r = reduction(7, 8, 2, 2);
    expect(r).toMatchObject({ factorY: 3, factorX: 4, top: 0, left: 0 });
    // 9 rows → 2: f_h = 4, crop 8 rows from top ⌊1/2⌋ = 0; 11 columns → 3: f_w = 3, crop 9 from left 1.
    expect(reduction(9, 11, 2, 3)).toMatchObject({ factorY: 4, factorX: 3, top: 0, left: 1 });
    expect(reduction(32, 32, 10, 10)).toMatchObject({ factorY: 3, factorX: 3, top: 1, left: 1 });
    expect(reduction(28, 28, 12, 12)).toMatchObject({ factorY: 2, factorX: 2, top: 2, left: 2 });
    const image = Float64Array.from({ length: 2 * 7 * 8 }, (_, k) => (k * 37) % 11);
    const out = new Float64Array(2 * 4);
    reduceImage(r, 2, image, out, 0);
    for (let c = 0; c < 2; c++) {
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 2; x++) {
          let sum = 0;
          for (let a = 0; a < 3; a++) for (let b = 0; b < 4; b++) sum += image[c * 56 + (3 * y + a) * 8 + 4 * x + b]!;
          expect(out[c * 4 + y * 2 + x]).toBeCloseTo(sum / 12, 14);
        }
      }
    }
    expect(describeReduction(r)).toBe('centre crop 7×8 → 6×8 (rows 0–5, columns 0–7), then 3×4 block average → 2×2');
    expect(describeReduction(reduction(4, 4, 4, 4))).toBe('4×4 as stored');
  });
});

describe('per-channel standardisation', () => {
  it('each channel: mean 0 and std 1 over its values in every image; a constant channel becomes 0', () => {
    // 3 images × 2 channels × 2 pixels; channel 1 is constant.
    const X = Float64Array.from([1, 2, 7, 7, 3, 5, 7, 7, 0, 4, 7, 7]);
    const { mean, std } = standardizeChannels(X, 3, 2, 2);
    const ref = meanStd([1, 2, 3, 5, 0, 4]); // mean 2.5, variance 17.5/6
    expect(mean).toEqual([2.5, 7]);
    expect(Math.abs(std[0]! - ref.std)).toBeLessThan(TOL_STAT);
    expect(std[1]).toBe(0);
    expect([X[2], X[3], X[6], X[7], X[10], X[11]]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Math.abs(X[0]! - (1 - 2.5) / ref.std)).toBeLessThan(TOL_ENTRY);
  });
});

describe('--data cifar10:DIR', () => {
  const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const labels1 = [6, 9, 9, 4];
  const labels2 = [1, 1, 2];
  const dir = writeCifarDir(fresh(), [labels1, labels2], names);
  const data = `cifar10:${dir}`;

  it('lays out every record as 3 × 32 × 32 channels first: R, G, B planes, row-major, byte / 255', () => {
    const set = loadImages({ data, n: 7 });
    expect([set.n, set.channels, set.height, set.width, set.inputDim, set.classes]).toEqual([7, 3, 32, 32, 3072, 10]);
    expect(set.X.length).toBe(7 * 3072);
    expect(set.classNames).toEqual(names);
    expect(set.title).toBe('CIFAR-10 images');
    // file order across batches: batch 1's 4 records, then batch 2's 3
    expect(Array.from(set.labels)).toEqual([...labels1, ...labels2]);
    expect(Array.from(set.sourceIndex)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // hand-picked entries: record 5 (batch 2, record 1), green (plane 1), row 3, column 7
    const raw = (r: number, c: number, y: number, x: number): number => cifarByte(r, c * 1024 + y * 32 + x) / 255;
    const at = (i: number, c: number, y: number, x: number): number =>
      (set.X[i * 3072 + c * 1024 + y * 32 + x] as number) * set.std[c]! + set.mean[c]!;
    expect(at(5, 1, 3, 7)).toBeCloseTo(raw(5, 1, 3, 7), 12);
    expect(at(0, 2, 31, 0)).toBeCloseTo(raw(0, 2, 31, 0), 12);
    expect(at(3, 0, 0, 31)).toBeCloseTo(raw(3, 0, 0, 31), 12);
    // the byte 1 + 1024·1 + 32·3 + 7 of record 5's bytes in data_batch_2.bin is that green value
    const batch2 = cifarBatch(labels2, 4);
    expect(batch2[3073 + 1 + 1024 + 3 * 32 + 7]! / 255).toBe(raw(5, 1, 3, 7));
    // one-hot targets
    for (let i = 0; i < 7; i++) {
      const row = Array.from(set.Y.subarray(i * 10, i * 10 + 10));
      expect(row.indexOf(1)).toBe(set.labels[i]);
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  it('standardises each colour channel over the loaded images (statistics computed here)', () => {
    for (const n of [7, 2]) {
      const set = loadImages({ data, n });
      const raw: number[] = [];
      for (let r = 0; r < n; r++) for (let p = 0; p < 3072; p++) raw.push(cifarByte(r, p) / 255);
      expectStandardised(set, raw);
      expect(set.mean).toHaveLength(3);
      expect(new Set(set.mean).size).toBe(3); // the scramble gives each channel its own mean
    }
  });

  it('reads only the records it needs: a bad label in batch 2 matters only when n reaches it', () => {
    const d = writeCifarDir(fresh(), [[0, 1, 2], [3]]);
    const bad = cifarBatch([12], 3);
    writeFileSync(join(d, 'data_batch_2.bin'), bad);
    expect(loadImages({ data: `cifar10:${d}`, n: 3 }).n).toBe(3);
    expectOptionError(
      () => loadImages({ data: `cifar10:${d}`, n: 4 }),
      'data',
      /^invalid data: "cifar10:.*" \(data_batch_2\.bin record 0 has label 12, out of range \(expected 0–9\)\)$/,
    );
  });

  it('--data-offset takes the next images (disjoint from the first n), --data-classes a subset relabelled 0, 1, …', () => {
    const first = loadImages({ data, n: 3 });
    const next = loadImages({ data, n: 3, dataOffset: 3 });
    expect(Array.from(next.sourceIndex)).toEqual([3, 4, 5]);
    expect(Array.from(first.sourceIndex).filter((i) => next.sourceIndex.includes(i))).toEqual([]);
    const raw: number[] = [];
    for (let r = 3; r < 6; r++) for (let p = 0; p < 3072; p++) raw.push(cifarByte(r, p) / 255);
    expectStandardised(next, raw);
    // labels 1 and 9 only: records 1, 2 (label 9), 4, 5 (label 1), in file order
    const sub = loadImages({ data, n: 4, dataClasses: [1, 9] });
    expect(Array.from(sub.sourceIndex)).toEqual([1, 2, 4, 5]);
    expect(Array.from(sub.labels)).toEqual([1, 1, 0, 0]);
    expect(sub.classes).toBe(2);
    expect(sub.classNames).toEqual(['automobile', 'truck']);
    expect(sub.Y.length).toBe(4 * 2);
    expect(Array.from(sub.Y.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    expect(Array.from(loadImages({ data, n: 2, dataClasses: [1, 9], dataOffset: 1 }).sourceIndex)).toEqual([2, 4]);
    expect(sub.description).toContain('only labels 1, 9 (automobile, truck) as classes 0–1');
  });

  it('--input-size 16: 2×2 block averages of each channel, then standardised', () => {
    const set = loadImages({ data, n: 3, inputSize: 16 });
    expect([set.channels, set.height, set.width, set.inputDim]).toEqual([3, 16, 16, 768]);
    const raw: number[] = [];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < 16; y++) {
          for (let x = 0; x < 16; x++) {
            const b = (yy: number, xx: number): number => cifarByte(r, c * 1024 + yy * 32 + xx) / 255;
            raw.push((b(2 * y, 2 * x) + b(2 * y, 2 * x + 1) + b(2 * y + 1, 2 * x) + b(2 * y + 1, 2 * x + 1)) / 4);
          }
        }
      }
    }
    expectStandardised(set, raw);
    expect(set.description).toContain('2×2 block average → 16×16');
    // 10×12: centre crop 30×24 (rows 1–30, columns 4–27), 3×2 blocks
    const odd = loadImages({ data, n: 1, inputSize: [10, 12] });
    const rawOdd: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 10; y++) {
        for (let x = 0; x < 12; x++) {
          let sum = 0;
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 2; b++) sum += cifarByte(0, c * 1024 + (1 + 3 * y + a) * 32 + 4 + 2 * x + b) / 255;
          rawOdd.push(sum / 6);
        }
      }
    }
    expectStandardised(odd, rawOdd);
  });

  it('inspectImages gives the shape and runs the same checks', () => {
    const shape = inspectImages({ data, n: 2, inputSize: 8, dataClasses: [9] });
    expect([shape.n, shape.channels, shape.height, shape.width, shape.inputDim, shape.classes]).toEqual([
      2, 3, 8, 8, 192, 1,
    ]);
    expect(shape.request).toEqual({ data, n: 2, dataOffset: 0, dataClasses: [9], inputSize: [8, 8] });
    expectOptionError(
      () => inspectImages({ data, n: 3, dataClasses: [9] }),
      'n',
      /^invalid n: 3 \(expected at most 2: the CIFAR-10 batches in .* hold 2 images of labels 9\)$/,
    );
  });

  it('without batches.meta.txt the classes are named 0–9', () => {
    const d = writeCifarDir(fresh(), [[3]]);
    expect(loadImages({ data: `cifar10:${d}`, n: 1 }).classNames).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
  });

  describe('bad input: one line naming the option and the value', () => {
    it('a missing directory, a file, no data_batch_1.bin, a gap in the batches', () => {
      const missing = join(root, 'nowhere');
      expectOptionError(
        () => loadImages({ data: `cifar10:${missing}`, n: 1 }),
        'data',
        /^invalid data: "cifar10:.*nowhere" \(no directory .*nowhere: /,
      );
      const file = join(root, 'a-file');
      writeFileSync(file, 'x');
      expectOptionError(
        () => loadImages({ data: `cifar10:${file}`, n: 1 }),
        'data',
        /a-file is a file, not a directory\)$/,
      );
      const empty = fresh();
      writeCifarDir(empty, []);
      expectOptionError(
        () => loadImages({ data: `cifar10:${empty}`, n: 1 }),
        'data',
        /\(no data_batch_1\.bin in .*: expected CIFAR-10's binary batches \(cifar-10-binary\.tar\.gz unpacks them to cifar-10-batches-bin\/\)\)$/,
      );
      const gap = writeCifarDir(fresh(), [[0]]);
      writeFileSync(join(gap, 'data_batch_3.bin'), cifarBatch([1]));
      expectOptionError(
        () => inspectImages({ data: `cifar10:${gap}`, n: 1 }),
        'data',
        /data_batch_3\.bin is there but data_batch_2\.bin is not: the batches must be consecutive/,
      );
    });

    it.each([
      ['not a multiple of 3 073 bytes', 2 * 3073 + 5],
      ['empty', 0],
      ['one byte short', 3072],
    ])('a batch of the wrong size (%s)', (_, size) => {
      const d = writeCifarDir(fresh(), [[0, 1]]);
      writeFileSync(join(d, 'data_batch_2.bin'), new Uint8Array(size));
      expectOptionError(
        () => inspectImages({ data: `cifar10:${d}`, n: 1 }),
        'data',
        new RegExp(
          `data_batch_2\\.bin has ${size} bytes, not a positive multiple of 3073 \\(CIFAR-10 binary records: 1 label byte \\+ 3072 pixel bytes\\)\\)$`,
        ),
      );
    });

    it('too few records for n, an offset past the end, n ≤ 0', () => {
      expectOptionError(
        () => loadImages({ data, n: 8 }),
        'n',
        /^invalid n: 8 \(expected at most 7: the CIFAR-10 batches in .* hold 7 images\)$/,
      );
      expectOptionError(
        () => loadImages({ data, n: 3, dataOffset: 5 }),
        'n',
        /^invalid n: 3 \(expected at most 2: the CIFAR-10 batches in .* hold 7 images, 5 of them skipped with dataOffset 5\)$/,
      );
      expectOptionError(
        () => loadImages({ data, n: 1, dataOffset: 7 }),
        'dataOffset',
        /^invalid dataOffset: 7 \(expected less than 7: the CIFAR-10 batches in .* hold 7 images\)$/,
      );
      for (const n of [0, -1, 2.5, Number.NaN]) {
        expectOptionError(() => loadImages({ data, n }), 'n', /^invalid n: .* \(expected an integer >= 1\)$/);
      }
      expectOptionError(() => loadImages({ data, n: 1, dataOffset: -1 }), 'dataOffset', /^invalid dataOffset: -1/);
    });

    it('classes not increasing or beyond the source, an input size larger than the images, a bad meta file', () => {
      for (const dataClasses of [[9, 1], [1, 1], [10]]) {
        expectOptionError(
          () => loadImages({ data, n: 1, dataClasses }),
          'dataClasses',
          /^invalid dataClasses: \[.*\] \(expected increasing labels, each < 10 \(the classes of cifar10:.*\)\)$/,
        );
      }
      const d = writeCifarDir(fresh(), [[0]], ['a', 'b']);
      expectOptionError(
        () => loadImages({ data: `cifar10:${d}`, n: 1 }),
        'data',
        /batches\.meta\.txt names 2 classes, not 10\)$/,
      );
    });
  });
});

describe('--data mnist through the same loader', () => {
  const require = createRequire(import.meta.url);
  const digit = (d: number): number[] => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data;

  it("is bit-identical to the FC net's digits (order, values, statistics)", () => {
    const set = loadImages({ n: 50 });
    const digits = loadDigits(50);
    expect([set.channels, set.height, set.width, set.classes]).toEqual([1, 28, 28, 10]);
    expect(set.request.data).toBe('mnist');
    expect(Array.from(set.X)).toEqual(Array.from(digits.X));
    expect(Array.from(set.Y)).toEqual(Array.from(digits.Y));
    expect(Array.from(set.labels)).toEqual(Array.from(digits.labels));
    expect(set.mean).toEqual([digits.mean]);
    expect(set.std).toEqual([digits.std]);
    expect(set.title).toBe('MNIST digits');
  });

  it('--data-offset 50 gives the next 50 digits of the round-robin order, --input-size 14 their 2×2 averages', () => {
    const next = loadImages({ n: 30, dataOffset: 50, inputSize: 14 });
    expect(Array.from(next.sourceIndex)).toEqual(Array.from({ length: 30 }, (_, k) => 50 + k));
    const raw: number[] = [];
    for (let k = 50; k < 80; k++) {
      const d = k % 10;
      const image = digit(d).slice(Math.floor(k / 10) * 784, Math.floor(k / 10) * 784 + 784);
      for (let y = 0; y < 14; y++) {
        for (let x = 0; x < 14; x++) {
          const v = (yy: number, xx: number): number => image[yy * 28 + xx]!;
          raw.push((v(2 * y, 2 * x) + v(2 * y, 2 * x + 1) + v(2 * y + 1, 2 * x) + v(2 * y + 1, 2 * x + 1)) / 4);
        }
      }
    }
    expectStandardised(next, raw);
    expect(Array.from(next.labels)).toEqual(Array.from({ length: 30 }, (_, k) => k % 10));
  });

  it('--data-classes 3,8: the 3s and 8s in round-robin order, relabelled 0 and 1', () => {
    const set = loadImages({ n: 6, dataClasses: [3, 8] });
    expect(Array.from(set.sourceIndex)).toEqual([3, 8, 13, 18, 23, 28]);
    expect(Array.from(set.labels)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(set.classNames).toEqual(['3', '8']);
  });

  it('n beyond the package: the message of the FC net', () => {
    expectOptionError(
      () => inspectImages({ n: 10_001 }),
      'n',
      /^invalid n: 10001 \(expected at most 10000: the mnist package holds 10000 digits\)$/,
    );
  });
});
