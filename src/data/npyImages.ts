/**
 * `--data npy:DIR`: images and labels as NumPy arrays in a directory — how a user brings SVHN or any
 * other labelled image set (README, "Data for the networks"):
 *   images.npy   uint8 (|u1: value / 255) or float32/float64 (<f4, <f8: as stored, finite), C order,
 *                shaped (N, H, W, C) channels last (numpy's and SVHN's habit), (N, C, H, W) channels
 *                first, or (N, H, W) grey. A 4-D array is channels last when its last axis has at
 *                most 4 entries and its second more than 4, channels first the other way round;
 *                any other 4-D shape is refused as ambiguous;
 *   labels.npy   integers (|u1, |i1, <u2, <i2, <u4, <i4, <u8, <i8), shaped (N,) or (N, 1);
 *   classes.txt  optional: one class name per line; their number is the class count. Without it
 *                the class count is (largest label) + 1. Labels lie in 0 … count − 1 (at most 999).
 * The source order is the arrays' order. Only the images the loader asks for are read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSpec } from '../base/dataSpec.js';
import { npyItemSize, NPY_MAX_HEADER, parseNpyHeader, type NpyHeader } from '../io/npyDecode.js';
import {
  checkDirectory,
  dataError,
  fileSize,
  MAX_CLASSES,
  nameLines,
  PositionalFile,
  type ImageSource,
} from './source.js';

export const NPY_IMAGES = 'images.npy';
export const NPY_LABELS = 'labels.npy';
export const NPY_CLASSES = 'classes.txt';

/** Image dtypes: unsigned bytes (scaled by 1/255) and little-endian floats. */
const IMAGE_DTYPES = ['|u1', '<u1', '=u1', '>u1', '<f4', '<f8'];
/** Label dtypes: little-endian integers (one-byte ones with any byte-order mark). */
const LABEL_DTYPES = ['|u1', '<u1', '|i1', '<i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8'];

function readHeader(spec: DataSpec, file: PositionalFile, size: number): NpyHeader {
  const bytes = new Uint8Array(Math.min(size, NPY_MAX_HEADER + 12));
  file.read(bytes, 0);
  try {
    return parseNpyHeader(bytes);
  } catch (error) {
    throw dataError(spec, `${file.path}: ${(error as Error).message}`, error);
  }
}

function checkArray(
  spec: DataSpec,
  path: string,
  header: NpyHeader,
  size: number,
  dtypes: readonly string[],
  what: string,
): number {
  if (!dtypes.includes(header.descr)) {
    throw dataError(spec, `${path} has dtype ${header.descr}; expected ${what} (${dtypes.join(', ')})`);
  }
  if (header.fortranOrder) throw dataError(spec, `${path} is in Fortran order; expected C order (numpy's default)`);
  const itemSize = npyItemSize(header.descr) as number;
  const expected = header.dataOffset + header.shape.reduce((a, b) => a * b, 1) * itemSize;
  if (size !== expected) {
    throw dataError(
      spec,
      `${path} has ${size} bytes, but its header (${header.descr}, shape (${header.shape.join(', ')})) needs ${expected}`,
    );
  }
  return itemSize;
}

/** The labels as numbers, read whole (N small integers). */
function decodeLabels(bytes: Uint8Array, descr: string, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = npyItemSize(descr) as number;
  const signed = descr[1] === 'i';
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * size;
    if (size === 1) out.push(signed ? view.getInt8(at) : view.getUint8(at));
    else if (size === 2) out.push(signed ? view.getInt16(at, true) : view.getUint16(at, true));
    else if (size === 4) out.push(signed ? view.getInt32(at, true) : view.getUint32(at, true));
    else out.push(Number(signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true)));
  }
  return out;
}

/** Opens images.npy and labels.npy of `spec` (scheme npy), checking dtypes, shapes, sizes and labels. */
export function openNpyImages(spec: DataSpec): ImageSource {
  const dir = checkDirectory(spec);
  const imagesPath = join(dir, NPY_IMAGES);
  const labelsPath = join(dir, NPY_LABELS);
  const imagesSize = fileSize(imagesPath);
  const labelsSize = fileSize(labelsPath);
  if (imagesSize === undefined || labelsSize === undefined) {
    const absent = [imagesSize === undefined ? NPY_IMAGES : '', labelsSize === undefined ? NPY_LABELS : ''];
    throw dataError(
      spec,
      `no ${absent.filter((s) => s !== '').join(' and ')} in ${dir}: expected ${NPY_IMAGES} (N, H, W, C) and ${NPY_LABELS} (N,)`,
    );
  }
  const imagesFile = new PositionalFile(imagesPath, spec);
  const header = readHeader(spec, imagesFile, imagesSize);
  const itemSize = checkArray(spec, imagesPath, header, imagesSize, IMAGE_DTYPES, 'uint8, float32 or float64 images');
  const shape = header.shape;
  let channelsLast = false;
  let dims: [number, number, number, number];
  if (shape.length === 3) {
    dims = [shape[0] as number, 1, shape[1] as number, shape[2] as number];
  } else if (shape.length === 4) {
    const [n, a, b, c] = shape as [number, number, number, number];
    if (c <= 4 && a > 4) {
      channelsLast = true;
      dims = [n, c, a, b];
    } else if (a <= 4 && c > 4) {
      dims = [n, a, b, c];
    } else {
      throw dataError(
        spec,
        `${imagesPath} has shape (${shape.join(', ')}): cannot tell channels last (N, H, W, C ≤ 4) from channels first (N, C ≤ 4, H, W)`,
      );
    }
  } else {
    throw dataError(
      spec,
      `${imagesPath} has shape (${shape.join(', ')}); expected (N, H, W, C), (N, C, H, W) or (N, H, W)`,
    );
  }
  const [count, channels, height, width] = dims;
  if (dims.some((d) => d < 1)) throw dataError(spec, `${imagesPath} has shape (${shape.join(', ')}): no images`);

  const labelsFile = new PositionalFile(labelsPath, spec);
  const labelsHeader = readHeader(spec, labelsFile, labelsSize);
  checkArray(spec, labelsPath, labelsHeader, labelsSize, LABEL_DTYPES, 'integer labels');
  const ls = labelsHeader.shape;
  if (!(ls.length === 1 || (ls.length === 2 && ls[1] === 1)) || ls[0] !== count) {
    throw dataError(
      spec,
      `${labelsPath} has shape (${ls.join(', ')}); expected (${count},) or (${count}, 1), one label per image`,
    );
  }
  const labelBytes = new Uint8Array(labelsSize - labelsHeader.dataOffset);
  labelsFile.read(labelBytes, labelsHeader.dataOffset);
  labelsFile.close();
  const labels = decodeLabels(labelBytes, labelsHeader.descr, count);

  const namesPath = join(dir, NPY_CLASSES);
  let classNames: string[] | undefined;
  if (fileSize(namesPath) !== undefined) {
    classNames = nameLines(readFileSync(namesPath, 'utf8'));
    if (classNames.length < 1 || classNames.length > MAX_CLASSES) {
      throw dataError(spec, `${namesPath} names ${classNames.length} classes; expected 1 to ${MAX_CLASSES}`);
    }
  }
  const limit = classNames?.length ?? MAX_CLASSES;
  labels.forEach((label, i) => {
    if (!(label >= 0 && label < limit)) {
      throw dataError(
        spec,
        `${labelsPath}: label ${label} of image ${i} is out of range (expected 0–${limit - 1}${classNames ? `, the classes of ${NPY_CLASSES}` : ''})`,
      );
    }
  });
  const classes = classNames?.length ?? labels.reduce((a, b) => Math.max(a, b), 0) + 1;
  classNames ??= Array.from({ length: classes }, (_, c) => String(c));

  const plane = height * width;
  const values = channels * plane;
  const record = new Uint8Array(values * itemSize);
  const view = new DataView(record.buffer);
  const kind = header.descr.slice(1);
  const value = (k: number): number =>
    kind === 'u1'
      ? (record[k] as number) / 255
      : kind === 'f4'
        ? view.getFloat32(4 * k, true)
        : view.getFloat64(8 * k, true);
  const layout = shape.length === 3 ? '(N, H, W)' : channelsLast ? '(N, H, W, C)' : '(N, C, H, W)';
  return {
    spec,
    title: 'images',
    noun: 'images',
    holds: (k) => `${imagesPath} holds ${k} images`,
    description: `${imagesPath} (${count} × ${channels} × ${height} × ${width}, stored ${layout} ${header.descr}${kind === 'u1' ? ', value / 255' : ', values as stored'}) and ${labelsPath}, in array order`,
    channels,
    height,
    width,
    classes,
    classNames,
    count,
    label: (i) => labels[i] as number,
    read(i, to, offset) {
      imagesFile.read(record, header.dataOffset + i * record.length);
      for (let k = 0; k < values; k++) {
        const x = value(k);
        if (!Number.isFinite(x)) {
          throw dataError(spec, `${imagesPath}: image ${i} holds ${x} at position ${k}; expected finite values`);
        }
        // stored index k → channels-first index: (y, x, c) → c·H·W + (y·W + x) when channels last
        const target = channelsLast ? (k % channels) * plane + Math.floor(k / channels) : k;
        to[offset + target] = x;
      }
      return labels[i] as number;
    },
    close() {
      imagesFile.close();
    },
  };
}
