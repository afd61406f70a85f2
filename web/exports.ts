/**
 * What the page downloads, named as `eoslab heatmap` names its files (src/experiments/heatmap/
 * writer.ts): the arrays of the map on screen as .npy (rows × cols, C order) and its picture as
 * PNG. No DOM here (tested in Node).
 */
import type { MapKind } from '../src/experiments/heatmap/grid.js';
import { invariantClasses } from '../src/experiments/heatmap/heatmap.js';
import type { SweepArrays } from '../src/experiments/heatmap/sweep.js';
import { encodeNpy, type NpyArray } from '../src/io/npyEncode.js';

export interface ArrayExport {
  readonly name: string;
  /** The array (computed when asked: the class map is derived from the others). */
  data(): NpyArray;
}

/**
 * The arrays of a map: final sharpness and status (Fig 3); 𝕊 membership, monotone φ and the class
 * map of the CLI's figure (Fig 2c).
 */
export function arrayExports(a: SweepArrays): ArrayExport[] {
  if (a.map === 'sharpness') {
    return [
      { name: 'final_sharpness.npy', data: () => a.finalSharpness },
      { name: 'status.npy', data: () => a.status },
    ];
  }
  return [
    { name: 'in_invariant_set.npy', data: () => a.member },
    { name: 'gfs_monotone.npy', data: () => a.monotone },
    { name: 'map_class.npy', data: () => invariantClasses(a.member, a.monotone, a.gdStatus, a.initGfsSharpness) },
  ];
}

/** The .npy file of one export, shaped like the grid (rows × cols). */
export function npyFile(e: ArrayExport, rows: number, cols: number): Uint8Array {
  return encodeNpy(e.data(), [rows, cols]);
}

/** The PNG's name: the CLI's figure of that map. */
export function pngName(map: MapKind): string {
  return map === 'sharpness' ? 'heatmap.png' : 'invariant_set.png';
}
