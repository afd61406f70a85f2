/**
 * Piscina worker: one WASM instance per worker thread, compiled and warmed up once at start;
 * each task is one tile, whose result buffers are transferred (not copied) back.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ScalarEngine } from '../../engines/scalar.js';
import { errorAsData } from '../../pool/pool.js';
import { runTile, tileBuffers, warmUp, type TileTask } from './tile.js';

const engine = new ScalarEngine();
warmUp(engine);

/**
 * Test hook: EOSLAB_TEST_TILE_DELAY_MS slows every tile down, so that tests can kill a run
 * reliably between tiles on any machine. Unset in normal use.
 */
const testDelay = Number(process.env.EOSLAB_TEST_TILE_DELAY_MS ?? 0);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export default function computeTile(task: TileTask): unknown {
  if (testDelay > 0) Atomics.wait(sleeper, 0, 0, testDelay);
  let result;
  try {
    result = runTile(engine, task);
  } catch (error) {
    return errorAsData(error); // rethrown in the main thread with its class, and not retried
  }
  // Piscina's transferable protocol: the value, plus the buffers to move with it
  const movable = { [transferableSymbol]: tileBuffers(result), [valueSymbol]: result };
  return move(movable as unknown as Parameters<typeof move>[0]);
}
