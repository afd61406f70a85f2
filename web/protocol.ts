/** Messages between the page and its heatmap workers (web/heatmapWorker.ts). */
import type { TileResult, TileTask } from '../src/experiments/heatmap/tile.js';

export type ToWorker = { type: 'tile'; id: number; task: TileTask };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'tile'; id: number; result: TileResult }
  | { type: 'error'; id?: number; message: string };
