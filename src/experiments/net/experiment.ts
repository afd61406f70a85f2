/**
 * The network experiment of the paper's Section 4.2 / Fig 6, 12, 13 (Kreisler et al. 2023, App.
 * B.4): GD with constant η on a network — the fully connected one (784 → 200 → 200 → 10, each image
 * one row of C·H·W inputs) or a conv net (VGG11-BN, ResNet20: engines/conv/architectures.ts) — over
 * the first n images of `--data` (MNIST digits by default; src/data/), recording L at every step
 * and, every `gfsEvery` steps, the sharpness S and the GFS sharpness φ (RK4 flow to the loss
 * threshold τ, then Lanczos). For a few records the flow is continued to τ/10 and φ evaluated
 * again: the threshold-sensitivity report. The options and each network's defaults: options.ts.
 *
 * Parallelism, two ways with the same bits (every batch operation is the same fixed-order sum over
 * the same shards, engines/networkBatch.ts): from TEAM_MIN_DIGITS images on (or with one worker,
 * or `parallel: 'team'`) every gradient and HVP is shared by a team of pool workers
 * (pool/mlpTeam.ts, pool/convTeam.ts) and the tasks (tasks.ts: a GD chunk per record, then a GFS
 * evaluation per record) run one after the other, GD first, one team per activation; below it each
 * worker takes whole tasks (the `net` task of the worker entry), GD chunks first, then GFS
 * evaluations in step order across runs. Every task is a pure function of its inputs, so results
 * do not depend on the worker count.
 *
 * Resumption: with a checkpoint directory (checkpoint.ts) every finished task is written there
 * atomically (θ and the top eigenvector of each record, the chunk's losses, each φ); a killed run
 * started again with the same options continues from the last record of each run and skips
 * finished GFS evaluations. The run states and results: results.ts.
 */
import { checkHooks, invalidOption } from '../../base/errors.js';
import { removeJobDirectory } from '../../io/store.js';
import { createMlpSolver } from '../../pool/mlpTeam.js';
import { runJobs } from '../../pool/pool.js';
import type { Activation } from '../../engines/mlp.js';
import { NetworkSolver } from '../../engines/networkSolver.js';
import { defaultShards } from '../../engines/networkBatch.js';
import { ConvBatch, channelsLastImages } from '../../engines/conv/batch.js';
import { ConvTeam } from '../../pool/convTeam.js';
import { NetCheckpoint } from './checkpoint.js';
import {
  imageRequestOf,
  problemOf,
  type FcnetOptions,
  resolveNetOptions,
  SENSITIVITY_FACTOR,
  type NetOptions,
  type ResolvedNet,
} from './options.js';
import { recordSteps, sensitivityIndices } from './plan.js';
import { loadImages, type ImageSet } from '../../data/images.js';
import {
  append,
  dataStatistics,
  finish,
  newRunState,
  type NetDataStatistics,
  type NetRun,
  type RunState,
} from './results.js';
import {
  architectureOf,
  runNetTask,
  runNetTaskHere,
  type NetTask,
  type NetTaskResult,
  type GdChunkResult,
  type GfsTaskResult,
} from './tasks.js';

export type { NetRun, NetDataStatistics, RunStatus } from './results.js';
export {
  ARCH_DEFAULTS,
  NET_OPTIONS,
  SENSITIVITY_FACTOR,
  imageRequestOf,
  problemOf,
  resolveFcnetOptions,
  resolveNetOptions,
  type ArchDefaults,
  type FcnetOptions,
  type NetOptions,
  type ResolvedNet,
} from './options.js';
export { engineBytes, recordSteps, sensitivityIndices } from './plan.js';

export interface NetExperiment extends ResolvedNet {
  /** The images loaded for `data`: shape, classes, per-channel statistics. */
  images: NetDataStatistics;
  runs: NetRun[];
  wallSeconds: number;
  /** Tasks taken from the checkpoint instead of computed. */
  resumedTasks: number;
}

/**
 * Below this many digits a gradient is too short to share (each shard's fixed passes over the P
 * parameters weigh as much as its rows: at n = 100 a 2-worker team ran 1.1–1.4× one thread), so
 * the workers take whole tasks instead — each on the same shards, so with the same bits.
 */
export const TEAM_MIN_DIGITS = 500;

type Job = { run: number; record: number; task: NetTask };

/** Removes and returns the queued job of the given run(s) with the lowest record (FIFO among equals). */
function takeFrom(queue: Job[], runs: number | readonly number[]): Job | undefined {
  const ok = (j: Job): boolean => (typeof runs === 'number' ? j.run === runs : runs.includes(j.run));
  let best = -1;
  queue.forEach((j, i) => {
    if (ok(j) && (best < 0 || j.record < (queue[best] as Job).record)) best = i;
  });
  return best < 0 ? undefined : queue.splice(best, 1)[0];
}

export async function netExperiment(options: NetOptions = {}): Promise<NetExperiment> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  const o = resolveNetOptions(options);
  const parallel = options.parallel ?? 'auto';
  if (!['auto', 'tasks', 'team'].includes(parallel)) {
    throw invalidOption('parallel', parallel, "one of 'auto', 'tasks', 'team'");
  }
  const started = performance.now();
  // read before anything is written: a bad record (a label out of range) stops the run here
  const images = loadImages(imageRequestOf(o));
  const statistics = dataStatistics(images);
  // The results depend on every option but the worker count, and on the data.
  const { workers: _workers, ...identity } = o;
  const checkpoint =
    options.checkpoint !== undefined ? NetCheckpoint.open(options.checkpoint, identity, statistics) : undefined;
  const records = recordSteps(o.steps, o.gfsEvery);
  const sensitive = new Set(sensitivityIndices(records.length, o.sensitivityRecords));
  const runs = o.activations.flatMap((activation) => o.etas.map((eta) => newRunState(activation, eta, records)));
  let resumedTasks = 0;
  if (checkpoint !== undefined) resumedTasks = checkpoint.resume(runs);

  const gdTask = (r: number): Job | undefined => {
    const s = runs[r] as RunState;
    if (s.diverged || s.reached >= s.records.length - 1) return undefined;
    const from = s.reached < 0 ? 0 : (s.records[s.reached] as number);
    const to = s.records[s.reached + 1] as number;
    return {
      run: r,
      record: s.reached + 1,
      task: {
        kind: 'gd',
        problem: problemOf(o, s.activation),
        eta: s.eta,
        from,
        to,
        theta: s.theta,
        vector: s.vector,
        divergeAt: o.divergeAt,
        lanczosTol: o.lanczosTol,
        sEvery: o.sEvery,
      },
    };
  };
  const gfsJob = (r: number, k: number, theta: Float64Array, vector: Float64Array): Job => ({
    run: r,
    record: k,
    task: {
      kind: 'gfs',
      problem: problemOf(o, (runs[r] as RunState).activation),
      theta,
      vector,
      lossThreshold: o.lossThreshold,
      flowSteps: o.flowSteps,
      rk4Alpha: o.rk4Alpha,
      sharpnessEvery: o.sharpnessEvery,
      sensitivityThreshold: sensitive.has(k) ? SENSITIVITY_FACTOR * o.lossThreshold : null,
    },
  });

  const gdQueue: Job[] = [];
  const gfsQueue: Job[] = [];
  runs.forEach((s, r) => {
    const next = gdTask(r);
    if (next) gdQueue.push(next);
    // Records reached before a kill whose φ is still missing.
    for (let k = 0; k <= s.reached; k++) {
      if (s.gfs[k] !== undefined || checkpoint === undefined) continue;
      const state = checkpoint.loadState(r, s.records[k] as number);
      if (state) gfsQueue.push(gfsJob(r, k, state.theta, state.vector));
    }
  });
  // Progress in gradient evaluations (an HVP ≈ 1.5). A GD chunk is expected to cost its steps, 30
  // HVPs for S at its end and 15 per S inside; a GFS evaluation the mean of the finished ones (its whole RK4 budget before the first
  // one ends). A finished task replaces its expectation by its actual cost.
  const HVP = 1.5;
  const gdCost = (steps: number, hvps: number): number => steps + HVP * hvps;
  const gfsCost = (flowSteps: number, hvps: number): number => 4 * flowSteps + HVP * hvps;
  const expectGd = (steps: number): number => gdCost(steps, 30 + 15 * Math.floor(steps / o.sEvery));
  const gfsBudget = gfsCost(o.flowSteps, 6 * Math.ceil(o.flowSteps / o.sharpnessEvery) + 40);
  let gfsSeen = 0;
  let gfsSpent = 0;
  const expectGfs = (): number => (gfsSeen > 0 ? gfsSpent / gfsSeen : gfsBudget);
  let done = 0;
  let gdLeft = 0; // expected cost of the GD chunks not yet finished
  let gfsLeft = 0; // number of GFS evaluations not yet finished
  for (const s of runs) {
    if (s.diverged) continue;
    for (let k = s.reached + 1; k < s.records.length; k++) {
      gdLeft += expectGd((s.records[k] as number) - (k > 0 ? (s.records[k - 1] as number) : 0));
    }
    gfsLeft += s.records.length - s.gfs.filter((g) => g !== undefined).length;
  }
  for (const j of gfsQueue) if ((runs[j.run] as RunState).diverged) gfsLeft++; // reached before a divergence
  const report = (): void => options.onProgress?.(done, done + gdLeft + gfsLeft * expectGfs());
  report();
  const account = (job: Job, result: NetTaskResult): void => {
    if (job.task.kind === 'gd') {
      const g = result as GdChunkResult;
      done += gdCost(g.losses.length, g.lanczosIterations);
      gdLeft -= expectGd(job.task.to - job.task.from);
      if (g.diverged) {
        // The records after this chunk will not be reached: neither their GD nor their φ.
        const s = runs[job.run] as RunState;
        for (let k = job.record + 1; k < s.records.length; k++) {
          gdLeft -= expectGd((s.records[k] as number) - (s.records[k - 1] as number));
        }
        gfsLeft -= s.records.length - job.record;
      }
    } else {
      const g = result as GfsTaskResult;
      const actual =
        gfsCost(g.flowSteps, g.hvps) + (g.sensitivity ? gfsCost(g.sensitivity.flowSteps, g.sensitivity.hvps) : 0);
      done += actual;
      gfsSpent += actual;
      gfsSeen++;
      gfsLeft--;
    }
    if (gdLeft < 1e-9) gdLeft = 0; // rounding
    report();
  };

  const onResult = (job: Job, result: NetTaskResult): void => {
    const s = runs[job.run] as RunState;
    const t = s.records[job.record] as number;
    if (job.task.kind === 'gd') {
      const g = result as GdChunkResult;
      append(s.losses, g.losses);
      append(s.traceSteps, g.traceSteps);
      append(s.traceSharpness, g.traceSharpness);
      checkpoint?.saveGd(job.run, t, g);
      if (g.diverged) {
        s.diverged = true;
        return;
      }
      s.traceSteps.push(t);
      s.traceSharpness.push(g.sharpness);
      s.reached = job.record;
      s.recordLoss.push(g.loss);
      s.sharpness.push(g.sharpness);
      s.theta = g.theta;
      s.vector = g.vector;
      gfsQueue.push(gfsJob(job.run, job.record, g.theta, g.vector));
      const next = gdTask(job.run);
      if (next) gdQueue.push(next);
    } else {
      const g = result as GfsTaskResult;
      s.gfs[job.record] = g;
      checkpoint?.saveGfs(job.run, t, g);
    }
  };
  const byTasks = parallel === 'tasks' || (parallel === 'auto' && o.n < TEAM_MIN_DIGITS);
  if (o.workers > 1 && byTasks) {
    // Task-parallel: GD chunks first (the critical path), then GFS tasks in step order across
    // runs (the figure fills in from the left); `take` decides whenever a worker is free.
    const take = (): Job | undefined =>
      gdQueue.shift() ??
      takeFrom(
        gfsQueue,
        runs.map((_, r) => r),
      );
    await runJobs(o.workers, {
      task: 'net',
      jobs: take,
      input: (job: Job) => job.task,
      local: runNetTaskHere,
      onResult: (result: NetTaskResult, job: Job) => {
        onResult(job, result);
        account(job, result);
      },
      signal: options.signal,
      what: 'the net experiment',
    });
  } else {
    await runOnTeams(o, images, runs, gdQueue, gfsQueue, options.signal, (job, result) => {
      onResult(job, result);
      account(job, result);
    });
  }
  return {
    ...o,
    images: statistics,
    runs: runs.map((s) => finish(s)),
    wallSeconds: (performance.now() - started) / 1000,
    resumedTasks,
  };
}

/** Removes a checkpoint directory (after the outputs are written). */
export function discardCheckpoint(dir: string): void {
  removeJobDirectory(dir);
}

/**
 * The solver of one activation's runs whose every gradient and HVP is shared by a team of
 * `o.workers` pool workers (a TeamBatch for fc, a ConvTeam for a conv net) or computed in this
 * thread (--workers 0): the same shards, so the same bits.
 */
function teamSolver(o: ResolvedNet, images: ImageSet, activation: Activation, signal: AbortSignal | undefined) {
  const what = 'the net experiment';
  if (o.arch === 'fc') {
    const shape = { input: images.inputDim, hidden: o.hidden, output: images.classes, activation };
    const data = { n: images.n, X: images.X, Y: images.Y };
    return createMlpSolver({ shape, data }, { workers: o.workers, precision: o.precision, signal, what });
  }
  const net = architectureOf(problemOf(o, activation));
  if (o.workers === 0) return new NetworkSolver(ConvBatch.ofImages(net.spec, images), { signal, what });
  const X = channelsLastImages(images.X, images.n, images.channels, images.height, images.width);
  const team = new ConvTeam(
    net.spec,
    { n: images.n, X, Y: images.Y },
    { workers: o.workers, shards: defaultShards(images.n) },
  );
  return new NetworkSolver(team, { signal, what });
}

/**
 * Data-parallel: one solver per activation whose team of pool workers shares every gradient and
 * HVP (or this thread with --workers 0); the runs of that activation one after the other, each
 * run's GD chunks, then the GFS evaluations in step order.
 */
async function runOnTeams(
  o: ResolvedNet,
  images: ImageSet,
  runs: readonly RunState[],
  gdQueue: Job[],
  gfsQueue: Job[],
  signal: AbortSignal | undefined,
  onResult: (job: Job, result: NetTaskResult) => void,
): Promise<void> {
  for (const activation of o.activations) {
    const mine = runs.map((s, r) => (s.activation === activation ? r : -1)).filter((r) => r >= 0);
    const pending = (): boolean =>
      gdQueue.some((j) => mine.includes(j.run)) || gfsQueue.some((j) => mine.includes(j.run));
    if (!pending()) continue;
    const solver = teamSolver(o, images, activation, signal);
    try {
      for (const r of mine) {
        for (let job = takeFrom(gdQueue, r); job !== undefined; job = takeFrom(gdQueue, r)) {
          onResult(job, await runNetTask(solver, job.task));
        }
      }
      for (let job = takeFrom(gfsQueue, mine); job !== undefined; job = takeFrom(gfsQueue, mine)) {
        onResult(job, await runNetTask(solver, job.task));
      }
    } finally {
      await solver.close();
    }
  }
}

/** `netExperiment` with --arch fc (what `eoslab fcnet` runs). */
export function fcnetExperiment(options: FcnetOptions = {}): Promise<NetExperiment> {
  return netExperiment({ ...options, arch: 'fc' });
}
