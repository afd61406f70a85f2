/**
 * What every image source gives the loader (images.ts): its shape, its classes, and random access
 * to the images of its order by index — so the loader reads only the images it keeps. Sources:
 * mnist.ts (the `mnist` package), cifar10.ts (CIFAR-10's binary batches), npyImages.ts (.npy
 * arrays). Also the shared pieces: the error that names `--data` and its value, and exact reads.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { EoslabError, messageOf, showValue } from '../base/errors.js';
import type { DataSpec } from '../base/dataSpec.js';

/** Largest number of classes (one-hot targets n × classes; labels 0 … 999). */
export const MAX_CLASSES = 1000;

export interface ImageSource {
  readonly spec: DataSpec;
  /** Short, for figure titles: "MNIST digits", "CIFAR-10 images". */
  readonly title: string;
  /** What one item is called in messages: "digits", "images". */
  readonly noun: string;
  /** "the mnist package holds 10000 digits": what an error about n or the offset says. */
  holds(count: number): string;
  /** Where the images come from, their order and raw scale, in words for manifests. */
  readonly description: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Number of classes: labels are 0 … classes − 1. */
  readonly classes: number;
  readonly classNames: readonly string[];
  /** Images in the source's order. */
  readonly count: number;
  /** The label of image i of the order (0 ≤ i < count); an out-of-range label is an error. */
  label(i: number): number;
  /** Image i's raw values, C × H × W channels first, into `to` from `offset`; returns its label. */
  read(i: number, to: Float64Array, offset: number): number;
  /** Releases open files. */
  close(): void;
}

/** `invalid data: "cifar10:DIR" (why)`: the one error of a data directory in the wrong format. */
export function dataError(spec: DataSpec, why: string, cause?: unknown): EoslabError {
  return new EoslabError(
    'E_OPTION',
    `invalid data: ${showValue(spec.text)} (${why})`,
    'data',
    spec.text,
    undefined,
    cause === undefined ? undefined : { cause },
  );
}

/** The directory of a spec, checked to exist and be a directory. */
export function checkDirectory(spec: DataSpec): string {
  const dir = spec.dir as string;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw dataError(spec, `no directory ${dir}: ${messageOf(error)}`, error);
  }
  if (!isDirectory) throw dataError(spec, `${dir} is a file, not a directory`);
  return dir;
}

/** The size of a file, or undefined when there is none. */
export function fileSize(path: string): number | undefined {
  try {
    const info = statSync(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** A file read by position, opened on first use. */
export class PositionalFile {
  #fd: number | undefined;
  constructor(
    readonly path: string,
    private readonly spec: DataSpec,
  ) {}

  /** Reads `bytes.length` bytes at `position` (all of them, or an error naming the file). */
  read(bytes: Uint8Array, position: number): Uint8Array {
    try {
      this.#fd ??= openSync(this.path, 'r');
      let done = 0;
      while (done < bytes.length) {
        const got = readSync(this.#fd, bytes, done, bytes.length - done, position + done);
        if (got === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
        done += got;
      }
      return bytes;
    } catch (error) {
      throw dataError(this.spec, `cannot read ${this.path}: ${messageOf(error)}`, error);
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** The non-empty lines of a small text file (class names), trimmed. */
export function nameLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
