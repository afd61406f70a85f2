/**
 * Runs the two commands whose outputs must stay byte-identical across refactors (`npm start` and
 * `eoslab trajectory --preset fig2`) into a scratch directory and returns the SHA-256 of every
 * file they write (manifest.json without its run-dependent fields).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';

/**
 * Manifest fields that differ between two runs of the same command or between machines and builds
 * (timings, paths, dates, the host, the worker count, the package version and the WASM build).
 */
const RUN_DEPENDENT = new Set([
  'timings',
  'mstepsPerSecondPerWorker',
  'out',
  'createdAt',
  'environment',
  'workers',
  'version',
  'wasm',
]);

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !RUN_DEPENDENT.has(k))
        .map(([k, v]) => [k, stable(v)]),
    );
  }
  return value;
}

function hashDirectory(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    let bytes: Buffer = readFileSync(join(dir, name));
    if (name === 'manifest.json') bytes = Buffer.from(JSON.stringify(stable(JSON.parse(bytes.toString('utf8')))));
    out[name] = createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}

export type Fingerprints = Record<string, Record<string, string>>;

export async function fingerprintMainOutputs(): Promise<Fingerprints> {
  const scratch = mkdtempSync(join(tmpdir(), 'eoslab-outputs-'));
  const io = { out: () => undefined, err: (t: string) => process.stderr.write(t), interactive: false };
  try {
    const commands: Record<string, string[]> = {
      'npm start': ['heatmap', '--preset', 'fig3', '--out', join(scratch, 'heatmap')],
      'trajectory --preset fig2': ['trajectory', '--preset', 'fig2', '--out', join(scratch, 'trajectory')],
    };
    const result: Fingerprints = {};
    for (const [name, argv] of Object.entries(commands)) {
      const code = await runCli(argv, io);
      if (code !== 0) throw new Error(`${name} exited with ${code}`);
      result[name] = hashDirectory(argv[argv.length - 1] as string);
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
