/**
 * Atomic output: every file is written to a temporary sibling and renamed into place, so a
 * reader (or a crash) never sees a half-written file.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EoslabError } from '../errors.js';

let counter = 0;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new EoslabError('E_IO', `cannot write ${path}: ${(error as Error).message}`, 'out', path);
  }
}

/** Creates the output directory (and parents); fails with E_IO naming it. */
export function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new EoslabError('E_IO', `cannot create output directory ${dir}: ${(error as Error).message}`, 'out', dir);
  }
}
