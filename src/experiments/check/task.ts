/**
 * One task of `eoslab check`, run by a pool worker (task `check` of pool/worker.ts) or in this thread: draws a contiguous
 * block of samples and as many Lemma 3.13/3.14 points, and runs them through the theorem kernels.
 */
import type { ScalarEngine } from '../../engines/scalar.js';
import { runGpgdKernel, runKernel } from './kernels.js';
import { drawCheckSample, drawGpgdPoint, type GpgdSample } from './sampling.js';
import type { ResolvedCheck } from './settings.js';

export interface CheckTask {
  readonly check: ResolvedCheck;
  readonly start: number;
  readonly count: number;
}

export interface CheckTaskResult {
  readonly start: number;
  readonly count: number;
  /** count × RUN_STRIDE. */
  readonly runs: Float64Array;
  /** count × 2: φ₀, p₀. */
  readonly samples: Float64Array;
  /** count × GPGD_STRIDE (empty when the Lemma 3.13 band is empty). */
  readonly gpgd: Float64Array;
}

/** Draws and runs samples [start, start + count) of a check (and as many Lemma 3.13/3.14 points). */
export function runCheckTask(e: ScalarEngine, task: CheckTask): CheckTaskResult {
  const { check, start, count } = task;
  const D = check.depth;
  const initial = new Float64Array(count * D);
  const samples = new Float64Array(count * 2);
  for (let i = 0; i < count; i++) {
    const s = drawCheckSample(check, start + i);
    initial.set(e.initFromGfsSharpness(s.direction, s.phi0, s.p0), i * D);
    samples[2 * i] = s.phi0;
    samples[2 * i + 1] = s.p0;
  }
  const runs = runKernel(e, check, D, initial, false);
  let gpgd: Float64Array = new Float64Array(0);
  if (check.gpgdBand !== null) {
    const points = new Float64Array(count * D);
    for (let i = 0; i < count; i++) {
      const g = drawGpgdPoint(check, start + i) as GpgdSample;
      points.set(e.initFromGfsSharpness(g.direction, g.phi, 1 + g.b0), i * D);
    }
    gpgd = runGpgdKernel(e, D, points, check.eta, check.gpgdSteps);
  }
  return { start, count, runs, samples, gpgd };
}

/** The arrays of a task's result (transferred back from a worker, not copied). */
export function checkTaskArrays(result: CheckTaskResult): ArrayBufferView[] {
  return [result.runs, result.samples, result.gpgd];
}
