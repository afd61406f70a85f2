/**
 * Piscina worker for the regression experiment: one task = one data seed (SPEC §4). An
 * EoslabError (e.g. an initial φ not above λ_flat) is returned as data, because errors lose
 * their class crossing threads; the main thread rethrows it.
 */
import { EoslabError } from '../errors.js';
import { runSeed, type SeedTask } from './experiment.js';

export default function computeSeed(task: SeedTask): unknown {
  try {
    return runSeed(task);
  } catch (error) {
    if (error instanceof EoslabError) {
      return { error: { code: error.code, message: error.message, option: error.option } };
    }
    throw error;
  }
}
