/**
 * `eoslab check`: numerical checks of the paper's theorems on random initialisations
 * (model.md §1.7, §1.8). Kernels: assembly/scalar/checks/theorems.ts; runs fan out over the worker pool
 * (pool/pool.ts, task `check`), and every sample is a pure function of (seed, index), so the counts are
 * identical for any number of workers.
 *
 * Distribution of the initialisations: sampling.ts.
 *
 * Besides Theorem 3.2 and Lemmas 3.10–3.12 along every run, the check reports (Kreisler et al.
 * 2023; the paper's constants are lost, so what is checked is stated with each counter):
 *  · Theorem 3.3 for runs in 𝕊 at t = 0 whose φ crosses 2/η: the crossing step t₀, L(t₀), the final
 *    gap 2/η − S∞, a two-step loss decay rate after t₀ and convergence; violations counted for the
 *    runs with L(t₀) ≤ CHECK_OPTIONS.thm33SmallLoss's default (see `summarize`);
 *  · the entry into 𝕊 of runs that start outside it and whether φ is monotone from there on;
 *  · Lemmas 3.13 and 3.14 on separate points (`drawGpgdPoint`): GPGD from 1/η < φ < 2/η near
 *    π = 1 (sign alternation and geometric decay of π − 1), and L(GD²(w)) against L(GPGD²(w)).
 *
 * Files: settings.ts (defaults, tolerances, options), sampling.ts (the random starts), record.ts
 * (the kernels' record layout), kernels.ts (calls into the kernels), task.ts (one worker task),
 * this file (the pool run), pointChecks.ts (checks on one given point), stats.ts, theorem33.ts and
 * summary.ts (the summary), report.ts (text and JSON), figure.ts and writer.ts (--out).
 */
import { engine as defaultEngine } from '../../api.js';
import { checkHooks } from '../../base/errors.js';
import { runJobs } from '../../pool/pool.js';
import { GPGD_STRIDE, RUN_STRIDE } from './record.js';
import { DISTRIBUTION } from './sampling.js';
import { CHECK_TOLERANCES, resolveCheckOptions, type CheckOptions, type ResolvedCheck } from './settings.js';
import { summarize, type CheckSummary } from './summary.js';
import { runCheckTask, type CheckTask, type CheckTaskResult } from './task.js';

/** Samples per task handed to a worker. */
const TASK_SIZE = 50;

export interface CheckResult extends ResolvedCheck {
  summary: CheckSummary;
  /** samples × RUN_STRIDE (see RUN_COLUMNS). */
  runs: Float64Array;
  /** samples × 2: φ₀, p₀. */
  initial: Float64Array;
  /** samples × GPGD_STRIDE (see GPGD_COLUMNS); empty when the Lemma 3.13 band is empty. */
  gpgd: Float64Array;
  wallSeconds: number;
  distribution: string;
  tolerances: typeof CHECK_TOLERANCES;
}

/** Run the checks on `samples` random initialisations (the distribution: sampling.ts). */
export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  return runCheck(resolveCheckOptions(options), options);
}

export async function runCheck(
  c: ResolvedCheck,
  hooks: Pick<CheckOptions, 'signal' | 'onProgress'> = {},
): Promise<CheckResult> {
  const started = performance.now();
  const runs = new Float64Array(c.samples * RUN_STRIDE);
  const initial = new Float64Array(c.samples * 2);
  const gpgd = new Float64Array(c.gpgdBand === null ? 0 : c.samples * GPGD_STRIDE);
  const tasks: CheckTask[] = [];
  for (let start = 0; start < c.samples; start += TASK_SIZE) {
    tasks.push({ check: c, start, count: Math.min(TASK_SIZE, c.samples - start) });
  }
  let done = 0;
  const finished = (t: CheckTaskResult): void => {
    runs.set(t.runs, t.start * RUN_STRIDE);
    initial.set(t.samples, t.start * 2);
    gpgd.set(t.gpgd, t.gpgd.length > 0 ? t.start * GPGD_STRIDE : 0);
    done += t.count;
    hooks.onProgress?.(done, c.samples);
  };
  await runJobs(c.workers, {
    task: 'check',
    jobs: tasks,
    local: (task: CheckTask) => runCheckTask(defaultEngine(), task),
    onResult: finished,
    signal: hooks.signal,
    what: 'the check',
  });
  return {
    ...c,
    summary: summarize(c, runs, gpgd),
    runs,
    initial,
    gpgd,
    wallSeconds: (performance.now() - started) / 1000,
    distribution: DISTRIBUTION,
    tolerances: CHECK_TOLERANCES,
  };
}
