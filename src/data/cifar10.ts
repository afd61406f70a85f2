/**
 * `--data cifar10:DIR`: CIFAR-10's binary version (cifar-10-binary.tar.gz from Krizhevsky's page,
 * which unpacks to cifar-10-batches-bin/) in a directory the user has. The training set is
 * data_batch_1.bin, data_batch_2.bin, … (up to 5, consecutive), each a sequence of 3 073-byte
 * records: 1 label byte (0–9), then 3 072 pixel bytes — the 1 024 red values of the 32×32 image in
 * row-major order, then the 1 024 green, then the 1 024 blue. The source order is the file order
 * (batch 1's records, then batch 2's, …): the paper's "first n images". A pixel's value is its
 * byte / 255, channels first as stored. batches.meta.txt, when present, names the 10 classes.
 * Only the records the loader asks for are read (one positioned read each).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSpec } from '../base/dataSpec.js';
import { checkDirectory, dataError, fileSize, nameLines, PositionalFile, type ImageSource } from './source.js';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = 3 * CIFAR_SIDE * CIFAR_SIDE;
/** One record: a label byte and 3 072 pixel bytes. */
export const CIFAR_RECORD = 1 + CIFAR_PIXELS;
export const CIFAR_CLASSES = 10;
/** The training batches of the binary version. */
export const CIFAR_BATCHES = 5;

/** Opens the training batches of `spec` (scheme cifar10), checking the directory and file sizes. */
export function openCifar10(spec: DataSpec): ImageSource {
  const dir = checkDirectory(spec);
  const files: { file: PositionalFile; name: string; records: number; first: number }[] = [];
  let count = 0;
  let missing: string | undefined;
  for (let b = 1; b <= CIFAR_BATCHES; b++) {
    const name = `data_batch_${b}.bin`;
    const path = join(dir, name);
    const size = fileSize(path);
    if (size === undefined) {
      missing ??= name;
      continue;
    }
    if (missing !== undefined) {
      throw dataError(
        spec,
        `${name} is there but ${missing} is not: the batches must be consecutive from data_batch_1.bin`,
      );
    }
    if (size === 0 || size % CIFAR_RECORD !== 0) {
      throw dataError(
        spec,
        `${path} has ${size} bytes, not a positive multiple of ${CIFAR_RECORD} (CIFAR-10 binary records: 1 label byte + ${CIFAR_PIXELS} pixel bytes)`,
      );
    }
    files.push({ file: new PositionalFile(path, spec), name, records: size / CIFAR_RECORD, first: count });
    count += size / CIFAR_RECORD;
  }
  if (files.length === 0) {
    throw dataError(
      spec,
      `no data_batch_1.bin in ${dir}: expected CIFAR-10's binary batches (cifar-10-binary.tar.gz unpacks them to cifar-10-batches-bin/)`,
    );
  }
  let classNames = Array.from({ length: CIFAR_CLASSES }, (_, c) => String(c));
  const meta = join(dir, 'batches.meta.txt');
  if (fileSize(meta) !== undefined) {
    const names = nameLines(readFileSync(meta, 'utf8'));
    if (names.length !== CIFAR_CLASSES) {
      throw dataError(spec, `${meta} names ${names.length} classes, not ${CIFAR_CLASSES}`);
    }
    classNames = names;
  }

  /** The batch holding image i and the byte position of its record there. */
  const locate = (i: number): { batch: (typeof files)[number]; position: number } => {
    let k = files.length - 1;
    while ((files[k] as (typeof files)[number]).first > i) k--;
    const batch = files[k] as (typeof files)[number];
    return { batch, position: (i - batch.first) * CIFAR_RECORD };
  };
  const checkLabel = (label: number, i: number): number => {
    if (label >= CIFAR_CLASSES) {
      const { batch, position } = locate(i);
      throw dataError(
        spec,
        `${batch.name} record ${position / CIFAR_RECORD} has label ${label}, out of range (expected 0–${CIFAR_CLASSES - 1})`,
      );
    }
    return label;
  };
  const byte = new Uint8Array(1);
  const record = new Uint8Array(CIFAR_RECORD);
  const batches = files.map((f) => f.name.replace('.bin', '').replace('data_batch_', '')).join(', ');
  return {
    spec,
    title: 'CIFAR-10 images',
    noun: 'images',
    holds: (k) => `the CIFAR-10 batches in ${dir} hold ${k} images`,
    description: `CIFAR-10's binary training batches ${batches} in ${dir} (${count} records, in file order), pixel bytes / 255, channels R, G, B`,
    channels: 3,
    height: CIFAR_SIDE,
    width: CIFAR_SIDE,
    classes: CIFAR_CLASSES,
    classNames,
    count,
    label(i) {
      const { batch, position } = locate(i);
      return checkLabel((batch.file.read(byte, position)[0] as number) & 0xff, i);
    },
    read(i, to, offset) {
      const { batch, position } = locate(i);
      batch.file.read(record, position);
      for (let p = 0; p < CIFAR_PIXELS; p++) to[offset + p] = (record[1 + p] as number) / 255;
      return checkLabel(record[0] as number, i);
    },
    close() {
      for (const f of files) f.file.close();
    },
  };
}
