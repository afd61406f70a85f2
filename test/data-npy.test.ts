/**
 * `--data npy:DIR` (src/data/npyImages.ts) on .npy files written here: channels-last, channels-first
 * and grey layouts transposed to channels first (hand-checked entries), uint8 scaled by 1/255 and
 * floats kept, labels of every integer width, (N,) and (N, 1), the class count from the labels or
 * classes.txt, the standardisation, and one clear error for each wrong dtype, shape, size or label.
 * Also the .npy header decoder (src/io/npyDecode.ts) against our encoder and hand-written headers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { loadImages } from '../src/data/images.js';
import { encodeNpy } from '../src/io/npyEncode.js';
import { parseNpyHeader } from '../src/io/npyDecode.js';
import { meanStd, npyBytes, writeNpyDir } from './helpers/image-files.js';

const TOL_ENTRY = 1e-12; // a standardised entry vs (raw − mean)/std computed here, absolute
const TOL_STANDARD = 1e-12; // |mean| and |std − 1| of each standardised channel

const root = mkdtempSync(join(tmpdir(), 'eoslab-npy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => join(root, `d${dirs++}`);

function expectDataError(f: () => unknown, message: RegExp, option = 'data'): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EoslabError);
  const e = error as EoslabError;
  expect(e.code).toBe('E_OPTION');
  expect(e.option).toBe(option);
  expect(e.message).not.toContain('\n');
  expect(e.message).toMatch(message);
}

/** N = 3 images 6×5 with 3 channels: value(i, y, x, c) = a fixed byte scramble. */
const N = 3;
const H = 6;
const W = 5;
const C = 3;
const value = (i: number, y: number, x: number, c: number): number => (i * 71 + y * 29 + x * 11 + c * 53 + y * x) % 256;
const labels3 = BigInt64Array.from([2n, 0n, 2n]);

describe('--data npy:DIR', () => {
  it('(N, H, W, C) uint8 → channels first, value / 255, standardised per channel', () => {
    const data = new Uint8Array(N * H * W * C);
    for (let i = 0; i < N; i++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) data[((i * H + y) * W + x) * C + c] = value(i, y, x, c);
    const dir = writeNpyDir(
      fresh(),
      { descr: '|u1', shape: [N, H, W, C], data },
      { descr: '<i8', shape: [N], data: labels3 },
    );
    const set = loadImages({ data: `npy:${dir}`, n: 3 });
    expect([set.n, set.channels, set.height, set.width, set.inputDim]).toEqual([3, 3, 6, 5, 90]);
    expect(set.classes).toBe(3); // largest label 2, plus one
    expect(set.classNames).toEqual(['0', '1', '2']);
    expect(Array.from(set.labels)).toEqual([2, 0, 2]);
    // raw channels-first values, statistics per channel computed here
    for (let c = 0; c < C; c++) {
      const raw: number[] = [];
      for (let i = 0; i < N; i++)
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) raw.push(value(i, y, x, c) / 255);
      const { mean, std } = meanStd(raw);
      expect(set.mean[c]).toBeCloseTo(mean, 14);
      expect(set.std[c]).toBeCloseTo(std, 14);
      let k = 0;
      let worst = 0;
      const standard: number[] = [];
      for (let i = 0; i < N; i++) {
        for (let p = 0; p < H * W; p++) {
          const x = set.X[i * 90 + c * 30 + p]!;
          worst = Math.max(worst, Math.abs(x - (raw[k++]! - mean) / std));
          standard.push(x);
        }
      }
      expect(worst).toBeLessThan(TOL_ENTRY);
      const s = meanStd(standard);
      expect(Math.abs(s.mean)).toBeLessThan(TOL_STANDARD);
      expect(Math.abs(s.std - 1)).toBeLessThan(TOL_STANDARD);
    }
    // a hand-picked entry: image 1, channel 2, row 4, column 3 ← stored at [1, 4, 3, 2]
    expect(set.X[1 * 90 + 2 * 30 + 4 * 5 + 3]! * set.std[2]! + set.mean[2]!).toBeCloseTo(value(1, 4, 3, 2) / 255, 12);
  });

  it('(N, C, H, W) float32 and (N, H, W) float64 are kept as stored; labels (N, 1) uint8; classes.txt names them', () => {
    const f32 = Float32Array.from({ length: 2 * 2 * 6 * 6 }, (_, k) => Math.sin(k) * 3.5);
    const dir = writeNpyDir(
      fresh(),
      { descr: '<f4', shape: [2, 2, 6, 6], data: f32 },
      { descr: '|u1', shape: [2, 1], data: Uint8Array.from([1, 3]) },
      ['zero', 'one', 'two', 'three', 'four'],
    );
    const set = loadImages({ data: `npy:${dir}`, n: 2 });
    expect([set.channels, set.height, set.width, set.classes]).toEqual([2, 6, 6, 5]);
    expect(set.classNames[3]).toBe('three');
    // channel 1 of image 1, pixel (2, 5): stored at 72 + 36 + 2·6 + 5
    const k = 72 + 36 + 17;
    expect(set.X[k]! * set.std[1]! + set.mean[1]!).toBeCloseTo(f32[k]!, 12);
    const grey = Float64Array.from({ length: 4 * 5 * 7 }, (_, k2) => k2 / 7 - 3);
    const greyDir = writeNpyDir(
      fresh(),
      { descr: '<f8', shape: [4, 5, 7], data: grey },
      { descr: '<u2', shape: [4], data: Uint16Array.from([0, 1, 0, 1]) },
    );
    const g = loadImages({ data: `npy:${greyDir}`, n: 2, dataOffset: 2 });
    expect([g.channels, g.height, g.width]).toEqual([1, 5, 7]);
    expect(Array.from(g.sourceIndex)).toEqual([2, 3]);
    const raw = Array.from(grey.subarray(70, 140));
    const { mean, std } = meanStd(raw);
    raw.forEach((r, i) => expect(Math.abs(g.X[i]! - (r - mean) / std)).toBeLessThan(TOL_ENTRY));
  });

  it('every integer label width: i1, i2, i4, u4, u8', () => {
    const images = { descr: '|u1', shape: [2, 5, 5], data: Uint8Array.from({ length: 50 }, (_, k) => k) };
    for (const [descr, data] of [
      ['|i1', Int8Array.from([4, 1])],
      ['<i2', Int16Array.from([4, 1])],
      ['<i4', Int32Array.from([4, 1])],
      ['<u4', Uint32Array.from([4, 1])],
      ['<u8', BigUint64Array.from([4n, 1n])],
    ] as const) {
      const dir = writeNpyDir(fresh(), images, { descr, shape: [2], data });
      const set = loadImages({ data: `npy:${dir}`, n: 2 });
      expect(Array.from(set.labels)).toEqual([4, 1]);
      expect(set.classes).toBe(5);
    }
  });

  describe('bad input: one line naming --data and what is wrong', () => {
    const goodImages = { descr: '|u1', shape: [2, 6, 6, 3], data: new Uint8Array(2 * 108).map((_, k) => k % 251) };
    const goodLabels = { descr: '<i8', shape: [2], data: BigInt64Array.from([0n, 1n]) };

    it('missing files and directory', () => {
      expectDataError(() => loadImages({ data: `npy:${join(root, 'nowhere')}`, n: 1 }), /\(no directory .*nowhere/);
      const dir = fresh();
      writeNpyDir(dir, goodImages, goodLabels);
      rmSync(join(dir, 'labels.npy'));
      expectDataError(
        () => loadImages({ data: `npy:${dir}`, n: 1 }),
        /\(no labels\.npy in .*: expected images\.npy \(N, H, W, C\) and labels\.npy \(N,\)\)$/,
      );
    });

    it.each([
      [
        'images of integers',
        { ...goodImages, descr: '<i4', data: new Int32Array(2 * 108) },
        goodLabels,
        /images\.npy has dtype <i4; expected uint8, float32 or float64 images/,
      ],
      [
        'big-endian floats',
        { ...goodImages, descr: '>f8', data: new Float64Array(2 * 108) },
        goodLabels,
        /images\.npy has dtype >f8/,
      ],
      [
        'float labels',
        goodImages,
        { descr: '<f8', shape: [2], data: Float64Array.from([0, 1]) },
        /labels\.npy has dtype <f8; expected integer labels/,
      ],
      [
        '2-D images',
        { ...goodImages, shape: [2, 108] },
        goodLabels,
        /images\.npy has shape \(2, 108\); expected \(N, H, W, C\), \(N, C, H, W\) or \(N, H, W\)/,
      ],
      [
        'an ambiguous layout',
        { ...goodImages, shape: [8, 3, 3, 3] },
        { ...goodLabels, shape: [8], data: new BigInt64Array(8) },
        /shape \(8, 3, 3, 3\): cannot tell channels last .* from channels first/,
      ],
      [
        'one label too few',
        goodImages,
        { ...goodLabels, shape: [1], data: BigInt64Array.from([0n]) },
        /labels\.npy has shape \(1\); expected \(2,\) or \(2, 1\), one label per image/,
      ],
      [
        'a negative label',
        goodImages,
        { ...goodLabels, data: BigInt64Array.from([0n, -1n]) },
        /labels\.npy: label -1 of image 1 is out of range \(expected 0–999\)/,
      ],
      [
        'a label beyond classes.txt',
        goodImages,
        { ...goodLabels, data: BigInt64Array.from([0n, 2n]) },
        /label 2 of image 1 is out of range \(expected 0–1, the classes of classes\.txt\)/,
      ],
    ])('%s', (what, images, labels, message) => {
      const dir = writeNpyDir(fresh(), images, labels, what === 'a label beyond classes.txt' ? ['a', 'b'] : undefined);
      expectDataError(() => loadImages({ data: `npy:${dir}`, n: 1 }), message);
    });

    it('a truncated file, Fortran order, not a .npy file, a NaN pixel', () => {
      const dir = writeNpyDir(fresh(), goodImages, goodLabels);
      const full = npyBytes('|u1', [2, 6, 6, 3], goodImages.data);
      writeFileSync(join(dir, 'images.npy'), full.subarray(0, full.length - 1));
      expectDataError(
        () => loadImages({ data: `npy:${dir}`, n: 1 }),
        new RegExp(
          `images\\.npy has ${full.length - 1} bytes, but its header \\(\\|u1, shape \\(2, 6, 6, 3\\)\\) needs ${full.length}\\)$`,
        ),
      );
      writeFileSync(join(dir, 'images.npy'), npyBytes('|u1', [2, 6, 6, 3], goodImages.data, true));
      expectDataError(() => loadImages({ data: `npy:${dir}`, n: 1 }), /images\.npy is in Fortran order/);
      writeFileSync(join(dir, 'images.npy'), 'hello, not numpy');
      expectDataError(() => loadImages({ data: `npy:${dir}`, n: 1 }), /images\.npy: not a \.npy file/);
      const nan = Float32Array.from({ length: 216 }, (_, k) => (k === 150 ? Number.NaN : k));
      writeFileSync(join(dir, 'images.npy'), npyBytes('<f4', [2, 6, 6, 3], new Uint8Array(nan.buffer)));
      expect(loadImages({ data: `npy:${dir}`, n: 1 }).n).toBe(1); // image 0 is finite
      expectDataError(
        () => loadImages({ data: `npy:${dir}`, n: 2 }),
        /images\.npy: image 1 holds NaN at position 42; expected finite values\)$/,
      );
    });

    it('n beyond the images', () => {
      const dir = writeNpyDir(fresh(), goodImages, goodLabels);
      expectDataError(
        () => loadImages({ data: `npy:${dir}`, n: 3 }),
        /^invalid n: 3 \(expected at most 2: .*images\.npy holds 2 images\)$/,
        'n',
      );
    });
  });
});

describe('.npy header decoding', () => {
  it('reads back what our encoder writes', () => {
    for (const [data, shape] of [
      [new Float64Array(6), [2, 3]],
      [new Uint8Array(24), [2, 3, 4]],
      [new Int32Array(5), [5]],
      [new BigInt64Array(1), [1, 1, 1, 1]],
    ] as const) {
      const bytes = encodeNpy(data, shape);
      const header = parseNpyHeader(bytes);
      expect(header.shape).toEqual(shape);
      expect(header.fortranOrder).toBe(false);
      expect(header.dataOffset % 64).toBe(0);
      expect(bytes.length - header.dataOffset).toBe(data.byteLength);
    }
    expect(parseNpyHeader(encodeNpy(new Uint8Array(1), [1])).descr).toBe('|u1');
  });

  it('version 2.0 (4-byte header length), a scalar shape, and malformed headers', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }\n";
    const v2 = new Uint8Array(12 + dict.length);
    v2.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, dict.length, 0, 0, 0]);
    for (let i = 0; i < dict.length; i++) v2[12 + i] = dict.charCodeAt(i);
    expect(parseNpyHeader(v2)).toEqual({
      descr: '<f4',
      fortranOrder: false,
      shape: [3, 4],
      dataOffset: 12 + dict.length,
    });
    expect(parseNpyHeader(npyBytes('<f8', [], new Uint8Array(8))).shape).toEqual([]);
    expect(() => parseNpyHeader(v2.subarray(0, 20))).toThrow(/truncated/);
    expect(() => parseNpyHeader(new Uint8Array(16))).toThrow(/not a \.npy file/);
    const bad = npyBytes('<f8', [2], new Uint8Array(16));
    bad[6] = 9;
    expect(() => parseNpyHeader(bad)).toThrow(/unsupported \.npy format version 9/);
  });
});
