/**
 * `manifest.json` beside every output: what was run (command, all resolved options, seeds),
 * with which build (package version, WASM SHA-256, Node version), how long it took and what it
 * wrote. Enough to reproduce every number in the directory.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { wasmHash } from '../wasm/module.js';
import { version } from '../base/version.js';
import { writeFileAtomic } from './atomic.js';

export interface ManifestInput {
  command: string;
  options: Record<string, unknown>;
  /** Random seeds used (empty for deterministic runs). */
  seeds?: readonly number[];
  timings: Record<string, number>;
  outputs: readonly string[];
  summary?: Record<string, unknown>;
}

/** JSON replacer: typed arrays become arrays, non-finite numbers become strings ("NaN", "Infinity"). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  return {
    tool: 'eoslab',
    version: version(),
    command: input.command,
    options: input.options,
    seeds: input.seeds ?? [],
    wasm: { file: 'build/release.wasm', sha256: wasmHash() },
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
    },
    createdAt: new Date().toISOString(),
    timings: input.timings,
    outputs: input.outputs,
    summary: input.summary ?? {},
  };
}

export function writeManifest(dir: string, input: ManifestInput): string {
  const path = join(dir, 'manifest.json');
  writeFileAtomic(path, `${JSON.stringify(buildManifest(input), jsonReplacer, 2)}\n`);
  return path;
}
