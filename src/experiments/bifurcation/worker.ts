/**
 * Piscina worker of the bifurcation runs (`chunks.ts` beside it): one WASM instance per worker
 * thread; each task is one chunk of orbit starts, whose result buffers are moved back.
 */
import { movableChunk, runOrbitTask, type OrbitTask } from './chunks.js';
import { ScalarEngine } from '../../engines/scalar.js';

const engine = new ScalarEngine();

export default function computeOrbits(task: OrbitTask): unknown {
  return movableChunk(runOrbitTask(engine, task));
}
