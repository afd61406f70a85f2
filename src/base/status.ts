/**
 * Status codes shared by every kernel and output (mirrors `assembly/abi.ts`).
 * A diverging or saddle-bound run is data, never an exception.
 */
export const Status = {
  converged: 0,
  diverged: 1,
  maxSteps: 2,
  noGfs: 3,
  nonFinite: 4,
  /** A trajectory row with nothing to report (CSV label "ok"). */
  running: 5,
} as const;

export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

/** Human/CSV names, indexed by code. */
export const STATUS_LABELS: readonly string[] = ['converged', 'diverged', 'max-steps', 'no-gfs', 'non-finite', 'ok'];

export function statusLabel(code: number): string {
  return Number.isInteger(code) ? (STATUS_LABELS[code] ?? `unknown(${code})`) : `unknown(${typeof code})`;
}
