/**
 * The WASM interface has one source, assembly/: src/wasm/abi.ts is generated from it (exports'
 * signatures from asc's bindings, status enums and record layouts from `@abi` enums) and must be
 * up to date; the generator's parsing is checked on a small input.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error — a plain .mjs script without type declarations
import { generate, parseEnums } from '../scripts/gen-abi.mjs';
import { statusLabel } from '../src/wasm/status.js';
import { decodeRun, RUN_STRIDE } from '../src/experiments/check/record.js';
import { orbitStatusLabel } from '../src/experiments/bifurcation/settings.js';
import { CheckRunColumn, OrbitStatus, RegressionStatus, Status, WASM_FUNCTIONS } from '../src/wasm/abi.js';
import { instantiate } from '../src/wasm/module.js';

describe('generated WASM interface', () => {
  it('src/wasm/abi.ts matches the assembly sources and the current build', () => {
    const out = execFileSync(process.execPath, ['scripts/gen-abi.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/up to date/);
  });

  it('lists exactly the functions the module exports', () => {
    const raw = instantiate() as unknown as Record<string, unknown>;
    const exported = Object.keys(raw).filter((k) => typeof raw[k] === 'function');
    expect([...exported].sort()).toEqual([...WASM_FUNCTIONS].sort());
  });

  it('parses @abi enums: values, labels, descriptions, records and their stride', () => {
    const source = `
/** Codes of a thing. @abi */
export enum Thing {
  /** all good */
  ok = 0,
  /** went wrong @label went-wrong */
  wentWrong,
  /** skipped */
  skipped = 5,
}
/** Columns of a row. @abi record */
export enum Row {
  /** first column */
  first,
  second,
  /** number of columns @stride */
  stride,
}
/** Not part of the interface */
export enum Private { a, b }
`;
    const enums = parseEnums([['x.ts', source]]) as {
      name: string;
      members: { name: string; value: number; label: string }[];
    }[];
    expect(enums.map((e) => e.name)).toEqual(['Thing', 'Row']);
    expect(enums[0]?.members.map((m) => [m.name, m.value, m.label])).toEqual([
      ['ok', 0, 'ok'],
      ['wentWrong', 1, 'went-wrong'],
      ['skipped', 5, 'skipped'],
    ]);
    const bindings = `declare namespace __AdaptedExports {
  /**
   * assembly/x/f
   * @param p \`usize\`
   * @param n \`i32\`
   * @returns \`f64\`
   */
  export function f(p: number, n: number): number;
}`;
    const text = generate(bindings, [['x.ts', source]]) as string;
    expect(text).toContain('f(p: Ptr, n: number): number;');
    expect(text).toContain('export const ROW_STRIDE = 2;');
    expect(text).toContain('export const ROW_COLUMNS: readonly string[] = ["first column","second"];');
    expect(text).toContain(
      'export const THING_LABELS: Readonly<Record<number, string>> = {"0":"ok","1":"went-wrong","5":"skipped"};',
    );
  });

  it('refuses a record whose columns are not 0, 1, 2, … or that has no stride', () => {
    const gap = '/** r @abi record */\nexport enum R {\n  a,\n  b = 3,\n  /** @stride */\n  stride,\n}';
    expect(() => parseEnums([['r.ts', gap]])).toThrow(/must be 1/);
    const noStride = '/** r @abi record */\nexport enum R {\n  a,\n  b,\n}';
    expect(() => parseEnums([['r.ts', noStride]])).toThrow(/@stride/);
  });
});

describe('decoding codes from the module', () => {
  it('an unknown status code is an error naming it, never another status', () => {
    expect(statusLabel(Status.maxSteps)).toBe('max-steps');
    expect(statusLabel(Status.running)).toBe('ok');
    expect(() => statusLabel(6)).toThrow(/invalid status: 6/);
    expect(() => statusLabel(Number.NaN)).toThrow(/invalid status/);
    expect(() => orbitStatusLabel(9)).toThrow(/invalid orbit status: 9/);
    const run = new Float64Array(RUN_STRIDE);
    run[CheckRunColumn.status] = Status.noGfs;
    expect(decodeRun(run, 0).status).toBe('no-gfs');
    run[CheckRunColumn.status] = 17;
    expect(() => decodeRun(run, 0)).toThrow(/check run status/);
  });

  it('orbit and regression statuses share the codes they share with Status', () => {
    expect(OrbitStatus.diverged).toBe(Status.diverged);
    expect(OrbitStatus.noGfs).toBe(Status.noGfs);
    expect(OrbitStatus.nonFinite).toBe(Status.nonFinite);
    expect(RegressionStatus.converged).toBe(Status.converged);
    expect(RegressionStatus.diverged).toBe(Status.diverged);
    expect(RegressionStatus.running).toBe(Status.running);
  });
});
