/**
 * Decoding codes that cross the WASM boundary. The label tables are generated from the assembly
 * enums (src/wasm/abi.ts); a code outside its table means the host and the module disagree (or a
 * caller passed a wrong code), which is an error — never silently another status.
 */
import { invalidOption } from '../base/errors.js';

/** The label of `code` in `labels`, or an error naming `what` and the codes it accepts. */
export function labelOf(labels: Readonly<Record<number, string>>, code: unknown, what: string): string {
  const label = typeof code === 'number' && Number.isInteger(code) ? labels[code] : undefined;
  if (label === undefined) {
    const codes = Object.entries(labels).map(([k, v]) => `${k} (${v})`);
    throw invalidOption(what, code, `a ${what} code: one of ${codes.join(', ')}`);
  }
  return label;
}

/** The labels of a table in code order (codes need not be contiguous). */
export function labelsInOrder(labels: Readonly<Record<number, string>>): string[] {
  return Object.keys(labels)
    .map(Number)
    .sort((a, b) => a - b)
    .map((k) => labels[k] as string);
}
