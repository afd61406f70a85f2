/**
 * The view in the URL: the form's fields and the inspected cell as query parameters, so a link
 * restores the same map and the same cell. Values are kept as typed (a bad value in a link is
 * shown next to its field like a bad value typed by hand). No DOM here (tested in Node).
 */
import { DEFAULT_VALUES, FIELDS, type Field, type FormValues } from './form.js';

/** Query parameter of each field (short, readable links). */
const PARAMS: Record<Field, string> = {
  map: 'map',
  eta: 'eta',
  depth: 'D',
  direction: 'dir',
  phiMin: 'phi0',
  phiMax: 'phi1',
  pMin: 'p0',
  pMax: 'p1',
  resolution: 'res',
  maxSteps: 'steps',
};

export interface ViewState {
  values: FormValues;
  /** The inspected cell (row i = p₀ index, column j = φ₀ index). */
  cell?: { i: number; j: number };
}

/** The query string of a view (fields equal to the defaults are left out). */
export function encodeState(state: ViewState): string {
  const q = new URLSearchParams();
  for (const field of FIELDS) {
    if (state.values[field] !== DEFAULT_VALUES[field]) q.set(PARAMS[field], state.values[field]);
  }
  if (state.cell) q.set('cell', `${state.cell.i},${state.cell.j}`);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

/** The view of a query string (missing fields take the defaults; a malformed cell is dropped). */
export function decodeState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const values = { ...DEFAULT_VALUES };
  for (const field of FIELDS) {
    const v = q.get(PARAMS[field]);
    if (v !== null) values[field] = v;
  }
  const state: ViewState = { values };
  const cell = /^(\d+),(\d+)$/.exec(q.get('cell') ?? '');
  if (cell) state.cell = { i: Number(cell[1]), j: Number(cell[2]) };
  return state;
}
