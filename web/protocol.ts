/** Messages between the page and its workers: heatmap tiles (web/heatmapWorker.ts) and the cell inspector (web/inspectorWorker.ts). */
import type { TileResult, TileTask } from '../src/experiments/heatmap/tile.js';
import type { CellDiagram, CellTask, Inspection } from './cellInspection.js';

export type ToWorker = { type: 'tile'; id: number; task: TileTask };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'tile'; id: number; result: TileResult }
  | { type: 'error'; id?: number; message: string };

export type ToInspector = { type: 'inspect'; id: number; task: CellTask };

/** Per inspection: progress, then the trajectory, then the diagram or why there is none; or an error. */
export type FromInspector =
  | { type: 'ready' }
  | { type: 'progress'; id: number; rows: number; total: number }
  | { type: 'trajectory'; id: number; inspection: Inspection }
  | { type: 'diagram'; id: number; diagram: CellDiagram }
  | { type: 'no-diagram'; id: number; message: string }
  | { type: 'error'; id?: number; message: string };
