/**
 * Piscina worker for the regression experiment: one task = one data seed. An EoslabError (e.g.
 * data that fail validation) is returned as data, because errors lose their class crossing
 * threads; the main thread rethrows it.
 */
import { errorAsData } from '../../pool/pool.js';
import { runSeed, type SeedTask } from './experiment.js';

export default function computeSeed(task: SeedTask): unknown {
  try {
    return runSeed(task);
  } catch (error) {
    return errorAsData(error);
  }
}
