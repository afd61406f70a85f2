/**
 * Status codes shared by every kernel and output. The codes and their labels are defined once, by
 * the `Status` enum of assembly/abi.ts, and generated into src/wasm/abi.ts; a diverging or
 * saddle-bound run is data, never an exception.
 */
import { STATUS_LABELS as LABELS, Status } from './abi.js';
import { labelOf, labelsInOrder } from './decode.js';

export { Status };
export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

/** Human/CSV names, indexed by code (running's label is "ok"). */
export const STATUS_LABELS: readonly string[] = labelsInOrder(LABELS);

/** The label of a status code; an unknown code is an error naming it. */
export function statusLabel(code: number): string {
  return labelOf(LABELS, code, 'status');
}
