/**
 * Piscina worker of the fcnet experiment: one task = one GD chunk or one GFS evaluation
 * (tasks.ts). The worker keeps its MlpEngine (digits and WASM instance) between tasks. An
 * EoslabError is returned as data (errors lose their class crossing threads).
 */
import { errorAsData } from '../../pool/pool.js';
import { runFcnetTask, type FcnetTask } from './tasks.js';

export default function computeFcnetTask(task: FcnetTask): unknown {
  try {
    return runFcnetTask(task);
  } catch (error) {
    return errorAsData(error);
  }
}
