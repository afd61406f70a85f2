/**
 * Piscina worker: one WASM instance per worker thread, compiled and warmed up once at start;
 * each task is one tile, whose result buffers are transferred (not copied) back.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ScalarEngine } from '../engine.js';
import { runTile, tileBuffers, warmUp, type TileTask } from './tile.js';

const engine = new ScalarEngine();
warmUp(engine);

export default function computeTile(task: TileTask): unknown {
  const result = runTile(engine, task);
  // Piscina's transferable protocol: the value, plus the buffers to move with it
  const movable = { [transferableSymbol]: tileBuffers(result), [valueSymbol]: result };
  return move(movable as unknown as Parameters<typeof move>[0]);
}
