/**
 * Small image-data directories written by the tests themselves, in the formats eoslab reads
 * (src/data/): CIFAR-10 binary batches (1 label byte + 1 024 R + 1 024 G + 1 024 B bytes per record)
 * and .npy arrays with any dtype string. The .npy header is built here, not with src/io/npyEncode.ts,
 * so that a bug shared by writer and reader cannot hide.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Pixel byte p (0 … 3 071: channel·1024 + row·32 + column) of CIFAR record r: a fixed scramble. */
export function cifarByte(r: number, p: number): number {
  return (r * 97 + p * 13 + ((p * p) % 61) + 7 * Math.floor(p / 1024)) % 256;
}

/** A CIFAR-format batch: records with these labels and the pixel bytes of cifarByte(first + k, ·). */
export function cifarBatch(labels: readonly number[], first = 0): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, k) => {
    out[k * 3073] = label;
    for (let p = 0; p < 3072; p++) out[k * 3073 + 1 + p] = cifarByte(first + k, p);
  });
  return out;
}

/**
 * A directory data_batch_1.bin, data_batch_2.bin, … holding the given labels per batch; the
 * records are numbered across batches (the source order), so record r has cifarByte(r, ·).
 */
export function writeCifarDir(dir: string, batches: readonly (readonly number[])[], names?: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  let first = 0;
  batches.forEach((labels, b) => {
    writeFileSync(join(dir, `data_batch_${b + 1}.bin`), cifarBatch(labels, first));
    first += labels.length;
  });
  if (names) writeFileSync(join(dir, 'batches.meta.txt'), `${names.join('\n')}\n\n`);
  return dir;
}

/** A .npy file (format 1.0) with the given dtype string, shape and raw little-endian data bytes. */
export function npyBytes(descr: string, shape: readonly number[], data: Uint8Array, fortran = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 11, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

/** The bytes of a typed array (little-endian on every platform Node runs on). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes images.npy, labels.npy (and classes.txt) into dir. */
export function writeNpyDir(
  dir: string,
  images: { descr: string; shape: readonly number[]; data: ArrayBufferView },
  labels: { descr: string; shape: readonly number[]; data: ArrayBufferView },
  classNames?: readonly string[],
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'images.npy'), npyBytes(images.descr, images.shape, bytesOf(images.data)));
  writeFileSync(join(dir, 'labels.npy'), npyBytes(labels.descr, labels.shape, bytesOf(labels.data)));
  if (classNames) writeFileSync(join(dir, 'classes.txt'), classNames.join('\n'));
  return dir;
}

/** Population mean and standard deviation of a list, two passes. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  let sum = 0;
  for (const x of values) sum += x;
  const mean = sum / values.length;
  let ss = 0;
  for (const x of values) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / values.length) };
}
