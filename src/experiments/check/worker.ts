/**
 * Piscina worker of `eoslab check`: one WASM instance per thread; each task draws and runs a
 * contiguous block of samples (see task.ts beside it).
 */
import { ScalarEngine } from '../../engines/scalar.js';
import { runCheckTask, type CheckTask, type CheckTaskResult } from './task.js';

const engine = new ScalarEngine();

export default function runChecks(task: CheckTask): CheckTaskResult {
  return runCheckTask(engine, task);
}
