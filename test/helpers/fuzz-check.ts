/**
 * The properties of the fuzz suite (test/fuzz.test.ts): a library call returns a well-formed result
 * or throws an EoslabError; a CLI call exits 0, or exits 2 with exactly one `eoslab: error:` line,
 * and never leaves a partial output behind. Violations throw plain Errors with the evidence (the
 * unexpected exception's stack, the CLI's stderr) so that fast-check reports them with the
 * shrunk counterexample.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EoslabError, type ErrorCode } from '../../src/base/errors.js';
import { runCli } from '../../src/cli/main.js';
import { FUZZ_SCALE } from './fuzz-values.js';

/** Wall-clock budget of one call (the sizes are tiny; a slow call means a near-hang). */
export const CALL_BUDGET_MS = 10_000;

/** Error codes a library call without file output may raise for bad input. */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_OPTION',
  'E_UNKNOWN_OPTION',
  'E_UNKNOWN_COMMAND',
  'E_UNKNOWN_PRESET',
  'E_CONFLICT',
  'E_MEMORY',
  'E_ABORTED',
]);

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}\n${error.stack ?? ''}`;
  let shown: string;
  try {
    shown = String(error);
  } catch {
    shown = Object.prototype.toString.call(error);
  }
  return `a thrown non-Error (${typeof error}): ${shown}`;
}

/**
 * Every leaf of a result is a number (NaN and ±Inf allowed), string, boolean, null or undefined,
 * inside arrays, typed arrays and plain objects; no BigInt, symbol, function or promise leaks out.
 */
export function checkResultShape(value: unknown, path = 'result', depth = 0, seen = new Set<unknown>()): void {
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new Error(`${path} is a ${typeof value}`);
    default:
      break;
  }
  if (value === null || seen.has(value)) return;
  seen.add(value);
  if (depth > 8) return;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) throw new Error(`${path} is a BigInt array`);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  if (value instanceof Promise) throw new Error(`${path} is a Promise`);
  if (Array.isArray(value)) {
    value.slice(0, 200).forEach((v, i) => checkResultShape(v, `${path}[${i}]`, depth + 1, seen));
    return;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, 200)) {
    checkResultShape(v, `${path}.${key}`, depth + 1, seen);
  }
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: EoslabError };

/**
 * The library property: `call` returns a well-formed result, or throws an EoslabError with an
 * input-error code and a one-line message; within the time budget.
 */
export async function expectLibraryOutcome(label: string, call: () => unknown): Promise<Outcome> {
  const started = performance.now();
  let outcome: Outcome;
  let value: unknown;
  let thrown: { error: unknown } | undefined;
  try {
    value = await call();
  } catch (error) {
    thrown = { error };
  }
  if (thrown === undefined) {
    checkResultShape(value, `${label}(…)`);
    outcome = { ok: true, value };
  } else {
    const { error } = thrown;
    if (!(error instanceof EoslabError)) {
      throw new Error(`${label} threw something other than an EoslabError: ${describeThrown(error)}`, {
        cause: error,
      });
    }
    if (!INPUT_CODES.has(error.code)) {
      throw new Error(`${label} threw EoslabError ${error.code} for input: ${error.message}`, { cause: error });
    }
    if (error.message.trim() === '' || error.message.includes('\n')) {
      throw new Error(`${label} threw an EoslabError whose message is not one line: ${JSON.stringify(error.message)}`);
    }
    outcome = { ok: false, error };
  }
  const ms = performance.now() - started;
  if (ms > CALL_BUDGET_MS * FUZZ_SCALE)
    throw new Error(`${label} took ${ms.toFixed(0)} ms (budget ${CALL_BUDGET_MS} ms)`);
  return outcome;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
  ms: number;
}

export async function cli(argv: readonly string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const started = performance.now();
  let code: number;
  try {
    code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), interactive: false });
  } catch (error) {
    throw new Error(`runCli rejected instead of returning an exit code: ${describeThrown(error)}`, { cause: error });
  }
  return { code, out, err, ms: performance.now() - started };
}

/**
 * Whether an argv holds a range whose span is tiny relative to its values (|b − a| ≤ 1e-12·|a|):
 * such ranges have crashed the process (V8 fatal error in the figure's axis ticks), so they run
 * in a child process where a crash is reported instead of killing the test runner.
 */
export function needsIsolation(argv: readonly string[]): boolean {
  const values = argv.flatMap((t, i) => {
    const eq = t.indexOf('=');
    return t.startsWith('--') && eq > 0 ? [t.slice(eq + 1)] : t.startsWith('--') ? [] : [argv[i] as string];
  });
  return values.some((v) => {
    const parts = v.split(',');
    if (parts.length !== 2) return false;
    const [a, b] = parts.map((p) => Number(p.trim())) as [number, number];
    return Number.isFinite(a) && Number.isFinite(b) && a < b && b - a <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  });
}

/** One CLI call in a child process (see needsIsolation); a crash becomes a failed check. */
export function cliInChild(argv: readonly string[], cwd: string): CliResult {
  const child = fileURLToPath(new URL('./fuzz-child.ts', import.meta.url));
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(argv), cwd], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../..', import.meta.url)), // the repository, where tsx resolves
    timeout: CALL_BUDGET_MS * 3 * FUZZ_SCALE,
  });
  const ms = performance.now() - started;
  if (r.status !== 0 || r.signal) {
    throw new Error(
      `eoslab ${argv.map((a) => JSON.stringify(a)).join(' ')}: the process crashed (status ${r.status}, signal ${r.signal}):\n${r.stderr.slice(0, 1500)}`,
    );
  }
  const parsed = JSON.parse(r.stdout) as { code: number; out: string; err: string };
  return { ...parsed, ms: ms / 3 };
}

/** Leftovers of atomic writes: `.name.pid.n.tmp`, `dir.staging-…`, `dir.old-…`. */
export function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      if (/\.tmp$|\.staging-|\.old-\d|\.partial$/.test(name)) found.push(path);
      if (depth < 3 && statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path, depth + 1);
    }
  };
  walk(dir, 0);
  return found;
}

/** A manifest.json in `dir` or one level below (a shard writes OUT/shard-i-of-n/). */
function hasManifest(dir: string): boolean {
  if (existsSync(join(dir, 'manifest.json'))) return true;
  try {
    return readdirSync(dir).some((name) => existsSync(join(dir, name, 'manifest.json')));
  } catch {
    return false;
  }
}

export interface OutPlan {
  /** The value of --out (a path in the scratch directory, or a bad value). */
  readonly value: string;
  /** The directory existed (empty) before the call. */
  readonly existed: boolean;
  /** The value is a real path (not a bad value rejected by validation). */
  readonly isPath: boolean;
}

/**
 * The CLI property: exit 0; or exit 2 with exactly one `eoslab: error: …` line on stderr, nothing
 * on stdout, and --out untouched (absent, or still empty if it existed). Never an internal error,
 * never an atomic-write leftover in the scratch directory, never a successful run without its
 * manifest.
 */
export function checkCliOutcome(
  argv: readonly string[],
  r: CliResult,
  scratch: string,
  out: OutPlan | undefined,
  writesOutput: boolean,
): void {
  const shown = `eoslab ${argv.map((a) => JSON.stringify(a)).join(' ')}`;
  if (r.err.includes('internal error')) throw new Error(`${shown}: internal error (exit ${r.code}):\n${r.err}`);
  if (r.ms > CALL_BUDGET_MS * FUZZ_SCALE) throw new Error(`${shown}: took ${r.ms.toFixed(0)} ms`);
  const junk = leftovers(scratch);
  if (junk.length > 0) throw new Error(`${shown} (exit ${r.code}) left ${junk.join(', ')}`);
  if (r.code === 0) {
    const help = argv.includes('-h') || argv.includes('--help');
    if (r.err !== '') throw new Error(`${shown}: exit 0 with stderr ${JSON.stringify(r.err)}`);
    if (out?.isPath && writesOutput && !help) {
      if (!hasManifest(out.value)) {
        throw new Error(`${shown}: exit 0 but ${out.value}/manifest.json is missing`);
      }
    }
    return;
  }
  if (r.code !== 2) throw new Error(`${shown}: exit code ${r.code} (expected 0 or 2); stderr:\n${r.err}`);
  const lines = r.err.split('\n');
  if (lines.length !== 2 || lines[1] !== '' || !/^eoslab: error: \S/.test(lines[0] ?? '')) {
    throw new Error(`${shown}: stderr is not exactly one "eoslab: error:" line: ${JSON.stringify(r.err)}`);
  }
  if (r.out !== '')
    throw new Error(`${shown}: failed (exit 2) but printed to stdout: ${JSON.stringify(r.out.slice(0, 300))}`);
  if (out?.isPath) {
    if (!out.existed && existsSync(out.value)) {
      const content = statSync(out.value).isDirectory() ? readdirSync(out.value).join(', ') : 'a file';
      throw new Error(`${shown}: failed (exit 2) but created --out ${out.value} (${content})`);
    }
    if (out.existed && readdirSync(out.value).length > 0) {
      throw new Error(
        `${shown}: failed (exit 2) but wrote into the existing --out: ${readdirSync(out.value).join(', ')}`,
      );
    }
  }
}

export function removeQuietly(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
