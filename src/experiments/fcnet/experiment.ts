/**
 * The fully connected network experiment of the paper's Section 4.2 / Fig 6, 12 (Kreisler et al.
 * 2023, App. B.4): GD with constant η on an MLP (784 → 200 → 200 → 10) over the first n MNIST
 * digits, recording L at every step and, every `gfsEvery` steps, the sharpness S and the GFS
 * sharpness φ (RK4 flow to the loss threshold τ, then Lanczos). For a few records the flow is
 * continued to τ/10 and φ evaluated again: the threshold-sensitivity report.
 *
 * Parallelism: a run's GD is a chain of chunks (one per record), each a pool task; every record
 * spawns an independent GFS task. The scheduler keeps each worker busy, GD chunks first (they are
 * the critical path), then GFS tasks in step order; several runs (activations × step sizes) share
 * the pool. Every task is a pure function of its inputs (tasks.ts), so results do not depend on
 * the worker count.
 *
 * Resumption: with a checkpoint directory every finished task is written there atomically
 * (θ and the top eigenvector of each record, the chunk's losses, each φ); a killed run started
 * again with the same options continues from the last record of each run and skips finished
 * GFS evaluations.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { aborted, checkHooks, conflict, EoslabError, invalidOption } from '../../base/errors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { OPTIONS } from '../../base/options.js';
import { CORES, defineOptions, resolveOptions } from '../../base/optionSet.js';
import { currentBuild } from '../../io/store.js';
import { compiledWorker, runQueueOnPool } from '../../pool/pool.js';
import { availableDigits, loadDigits } from './data.js';
import {
  DEFAULT_HIDDEN,
  GFS_LANCZOS_ITERATIONS as GFS_BASIS,
  type Activation,
  type FlowStatus,
} from '../../engines/mlp.js';
import {
  runFcnetTask,
  type FcnetProblem,
  type FcnetTask,
  type FcnetTaskResult,
  type GdChunkResult,
  type GfsTaskResult,
  type SensitivityResult,
} from './tasks.js';

/**
 * The options of `fcnetExperiment` and `eoslab fcnet`, with their defaults, chosen by measurement
 * (README, "Fully connected networks"): the paper's Fig 6 network
 * (FC-hardtanh 784 → 200 → 200 → 10) on the first 100 digits. Per-channel standardisation gives
 * S₀ = 56 at θ₀, so η = 0.03 (2/η = 66.7) leaves room for progressive sharpening. GD's smallest
 * loss over the 600 steps is 9.3e-4 (at step 600), and the flow threshold 5e-5 lies 18.6× below
 * it, so every flow runs (1 000–2 700 RK4 steps); the flow budget covers the longest flow and its
 * continuation to τ/10 (3 700 more steps) with room to spare. n = 100 (not 1 000) keeps the run
 * within minutes: a flow to 1/10 of GD's loss costs about 5× GD's own time, and at n = 1 000 one
 * flow from step 300 moves the loss only from 0.118 to 0.101 in 200 RK4 steps (100 s).
 */
export const FCNET_OPTIONS = defineOptions({
  activation: { spec: OPTIONS.activations, default: ['hardtanh'] },
  n: { spec: OPTIONS.digits, default: 100 },
  eta: { spec: OPTIONS.etas, default: [0.03] },
  steps: { spec: OPTIONS.steps, default: 600, help: 'number of GD steps' },
  gfsEvery: { spec: OPTIONS.gfsEvery, default: 50 },
  sEvery: { spec: OPTIONS.sEvery, default: 10 },
  lossThreshold: { spec: OPTIONS.lossThreshold, default: 5e-5 },
  flowSteps: { spec: OPTIONS.flowSteps, default: 8000 },
  rk4Alpha: { spec: OPTIONS.rk4Alpha, default: 1 },
  sharpnessEvery: { spec: OPTIONS.sharpnessEvery, default: 20 },
  sensitivityRecords: { spec: OPTIONS.sensitivityRecords, default: 3 },
  hidden: { spec: OPTIONS.hidden, default: DEFAULT_HIDDEN },
  seed: { spec: OPTIONS.seed, default: 0, help: 'seed of the initial weights' },
  divergeAt: { spec: OPTIONS.divergeAtLoss, default: 1e3 },
  workers: { spec: OPTIONS.workers, default: CORES },
});

/** Lanczos tolerance of the sharpness estimates (not an option). */
const LANCZOS_TOL = 1e-4;

/** The threshold-sensitivity report evaluates φ again at this fraction of the loss threshold. */
export const SENSITIVITY_FACTOR = 0.1;

export interface FcnetOptions {
  /** One activation or several (one run per activation and step size). */
  activation?: Activation | readonly Activation[];
  /** First n digits of the mnist package (≤ availableDigits()). */
  n?: number;
  /** Hidden layer widths (default [200, 200]). */
  hidden?: ArrayLike<number>;
  /** One step size or several. */
  eta?: number | ArrayLike<number>;
  steps?: number;
  /** Record S and φ every this many GD steps (and at steps 0 and `steps`). */
  gfsEvery?: number;
  /** Also record S every this many GD steps (cheap next to φ: one warm-started Lanczos). */
  sEvery?: number;
  /** Seed of θ₀. */
  seed?: number;
  /** The flow stops when L < lossThreshold. */
  lossThreshold?: number;
  /** RK4 step budget of one flow. */
  flowSteps?: number;
  /** RK4 step h = rk4Alpha / S. */
  rk4Alpha?: number;
  /** RK4 steps between re-estimates of S along the flow. */
  sharpnessEvery?: number;
  /** A GD loss above this (or not finite) ends the run as diverged. */
  divergeAt?: number;
  /**
   * Records (the first, evenly spaced ones and the last) whose flow is continued from L <
   * lossThreshold to L < SENSITIVITY_FACTOR · lossThreshold, with φ evaluated at both ends.
   */
  sensitivityRecords?: number;
  /** Worker threads (default: cores; 0 = this thread). */
  workers?: number;
  /** Directory for checkpoints (resume); none when undefined. */
  checkpoint?: string;
  signal?: AbortSignal;
  /**
   * Called once at the start and after every finished task with (work done, work expected), in
   * gradient evaluations (an HVP counts 1.5): a GFS task is expected to use its whole RK4 budget
   * and the expectation drops when it stops early.
   */
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedFcnet {
  activations: Activation[];
  n: number;
  hidden: number[];
  etas: number[];
  steps: number;
  gfsEvery: number;
  sEvery: number;
  seed: number;
  lossThreshold: number;
  flowSteps: number;
  rk4Alpha: number;
  sharpnessEvery: number;
  divergeAt: number;
  lanczosTol: number;
  sensitivityRecords: number;
  workers: number;
}

/** wasm32 memory, less a margin for the module's own data. */
const WASM_BYTES = 4 * 2 ** 30 - 64 * 2 ** 20;

/**
 * Bytes one MlpEngine reserves (engine.ts): X, Y, the work area (4 blocks of n × d per layer, 4 of
 * n × widest, a gradient), 6 P-vectors and the Lanczos basis of 61 P-vectors plus its scalars.
 */
export function engineBytes(n: number, hidden: readonly number[]): number {
  const sizes = [784, ...hidden, 10];
  let P = 0;
  let layerEntries = 0;
  for (let l = 1; l < sizes.length; l++) {
    P += (sizes[l] as number) * ((sizes[l - 1] as number) + 1);
    layerEntries += 4 * n * (sizes[l] as number);
  }
  const widest = Math.max(...sizes.slice(1));
  return 8 * (n * (784 + 10) + layerEntries + 4 * n * widest + P + 6 * P + (GFS_BASIS + 1) * P + 8 * GFS_BASIS);
}

export function resolveFcnetOptions(options: FcnetOptions = {}): ResolvedFcnet {
  // one step size may be given as a number
  const eta = typeof options.eta === 'number' ? [options.eta] : options.eta;
  const o = resolveOptions(FCNET_OPTIONS, { ...options, eta });
  const available = availableDigits();
  if (o.n > available) {
    throw invalidOption('n', o.n, `at most ${available}: the mnist package holds ${available} digits`);
  }
  const etas = Array.from(o.eta);
  if (new Set(etas).size !== etas.length) throw invalidOption('eta', etas.join(','), 'distinct step sizes');
  const hidden = Array.from(o.hidden);
  const bytes = engineBytes(o.n, hidden);
  if (bytes > WASM_BYTES) {
    throw new EoslabError(
      'E_MEMORY',
      `a ${[784, ...hidden, 10].join('→')} network on ${o.n} digits needs ${(bytes / 2 ** 30).toFixed(1)} GiB of WASM memory (at most 4 GiB); use smaller --hidden or --n`,
      'hidden',
    );
  }
  if (o.steps / o.gfsEvery > 100_000)
    throw conflict(`steps / gfs-every = ${o.steps / o.gfsEvery} records: at most 100000`, 'gfsEvery');
  return {
    activations: [...o.activation],
    n: o.n,
    hidden,
    etas,
    steps: o.steps,
    gfsEvery: o.gfsEvery,
    sEvery: o.sEvery,
    seed: o.seed,
    lossThreshold: o.lossThreshold,
    flowSteps: o.flowSteps,
    rk4Alpha: o.rk4Alpha,
    sharpnessEvery: o.sharpnessEvery,
    divergeAt: o.divergeAt,
    lanczosTol: LANCZOS_TOL,
    sensitivityRecords: o.sensitivityRecords,
    workers: o.workers,
  };
}

/** The record steps 0, k, 2k, …, steps (the last one even when k does not divide steps). */
export function recordSteps(steps: number, every: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < steps; t += every) out.push(t);
  out.push(steps);
  return out;
}

/**
 * Indices (into the records) of the threshold-sensitivity report: `count` of them spread evenly
 * from the first record to the last (rounded, duplicates dropped), e.g. 0, 3, 6 of 7 records.
 */
export function sensitivityIndices(records: number, count: number): number[] {
  if (records <= 0 || count <= 0) return [];
  if (count === 1) return [records - 1];
  const out = new Set<number>();
  for (let k = 0; k < count; k++) out.add(Math.round((k * (records - 1)) / (count - 1)));
  return [...out].sort((a, b) => a - b);
}

export type RunStatus = 'completed' | 'diverged';

/** One GD run (one activation, one step size). */
export interface FcnetRun {
  activation: Activation;
  eta: number;
  /** GD steps taken (steps, or fewer when diverged). */
  steps: number;
  status: RunStatus;
  /** L(θ_t), t = 0 … steps. */
  loss: Float64Array;
  /** S at every sEvery-th step and at every record, in step order. */
  sharpnessTrace: { step: Float64Array; sharpness: Float64Array };
  records: {
    step: Float64Array;
    loss: Float64Array;
    sharpness: Float64Array;
    gfsSharpness: Float64Array;
    /** 'converged' (flow reached the threshold), 'max-steps', 'non-finite'. */
    gfsStatus: FlowStatus[];
    flowSteps: Float64Array;
    flowTime: Float64Array;
    flowLoss: Float64Array;
    /** Hessian-vector products of the GFS evaluation (flow step sizes + final Lanczos). */
    hvps: Float64Array;
    lanczosResidual: Float64Array;
    /** The threshold-sensitivity report's φ at SENSITIVITY_FACTOR · lossThreshold, or null. */
    sensitivity: (SensitivityResult | null)[];
    seconds: Float64Array;
  };
}

/** The loaded digits' per-channel statistics (the standardisation of loadDigits). */
export interface FcnetDataStatistics {
  /** Mean and population std of all 784·n raw pixel values. */
  mean: number;
  std: number;
  /** Largest |x| of the standardised inputs. */
  maxAbsInput: number;
}

export interface FcnetExperiment extends ResolvedFcnet {
  data: FcnetDataStatistics;
  runs: FcnetRun[];
  wallSeconds: number;
  /** Tasks taken from the checkpoint instead of computed. */
  resumedTasks: number;
}

/** to.push(...from) without the argument-count limit of a spread (long chunks). */
function append(to: number[], from: ArrayLike<number>): void {
  for (let i = 0; i < from.length; i++) to.push(from[i] as number);
}

function problemOf(o: ResolvedFcnet, activation: Activation): FcnetProblem {
  return { activation, n: o.n, hidden: o.hidden, seed: o.seed };
}

// ------------------------------------------------------------------------------------------------
// Checkpoint directory: job.json (identity hash), then per run r: state-<t>.f64 (θ_t, then the top
// eigenvector at θ_t), gd-<t>.json (the chunk ending at t), gfs-<t>.json.
// ------------------------------------------------------------------------------------------------

interface Checkpoint {
  dir: string;
}

/** The checkpoint format (stored GFS results carry the sensitivity continuation since /2). */
const CHECKPOINT_FORMAT = 'eoslab-fcnet/2';

/**
 * What the results depend on: every option but the worker count, the data (source, order,
 * standardisation and its statistics) and the build.
 */
function identity(o: ResolvedFcnet, data: FcnetDataStatistics): string {
  const { workers: _workers, ...rest } = o;
  void _workers;
  const canonical = JSON.stringify({
    options: rest,
    data: { source: 'mnist', order: 'round-robin', standardisation: 'per-channel', ...data },
    build: currentBuild(),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

function openCheckpoint(dir: string, o: ResolvedFcnet, data: FcnetDataStatistics): Checkpoint {
  const hash = identity(o, data);
  const jobFile = join(dir, 'job.json');
  if (existsSync(jobFile)) {
    let stored: { format?: string; hash?: string } = {};
    try {
      stored = JSON.parse(readFileSync(jobFile, 'utf8')) as typeof stored;
    } catch {
      stored = {};
    }
    if (stored.format !== CHECKPOINT_FORMAT || stored.hash !== hash) {
      throw conflict(
        `${dir} holds the checkpoint of a different fcnet run (other options or another build); remove it or use another --out`,
        'out',
      );
    }
  } else {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new EoslabError(
        'E_IO',
        `refusing to use ${dir} as a checkpoint: it is not empty and has no job.json`,
        'out',
        dir,
      );
    }
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(jobFile, `${JSON.stringify({ format: CHECKPOINT_FORMAT, hash, options: o, data }, null, 2)}\n`);
  }
  return { dir };
}

const runDir = (c: Checkpoint, r: number): string => join(c.dir, `run-${r}`);

function saveState(c: Checkpoint, r: number, t: number, theta: Float64Array, vector: Float64Array): void {
  const bytes = new Float64Array(theta.length + vector.length);
  bytes.set(theta);
  bytes.set(vector, theta.length);
  writeFileAtomic(join(runDir(c, r), `state-${t}.f64`), new Uint8Array(bytes.buffer));
}

function loadState(c: Checkpoint, r: number, t: number): { theta: Float64Array; vector: Float64Array } | undefined {
  const file = join(runDir(c, r), `state-${t}.f64`);
  if (!existsSync(file)) return undefined;
  const buf = readFileSync(file);
  const all = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const P = all.length / 2;
  return { theta: all.slice(0, P), vector: all.slice(P) };
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined; // a torn file cannot happen (atomic writes); an edited one is recomputed
  }
}

/** JSON cannot hold NaN/Infinity: numbers are stored as strings when not finite. */
const enc = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
const dec = (x: number | string): number => (typeof x === 'number' ? x : Number(x));

interface StoredGd {
  losses: (number | string)[];
  loss: number | string;
  sharpness: number | string;
  traceSteps: number[];
  traceSharpness: (number | string)[];
  lanczosResidual: number | string;
  diverged: boolean;
}

interface StoredSensitivity {
  threshold: number;
  gfsSharpness: number | string;
  status: FlowStatus;
  flowSteps: number;
  flowTime: number | string;
  flowLoss: number | string;
  hvps: number;
  lanczosResidual: number | string;
}

interface StoredGfs {
  sensitivity: StoredSensitivity | null;
  gfsSharpness: number | string;
  status: FlowStatus;
  flowSteps: number;
  flowTime: number | string;
  flowLoss: number | string;
  hvps: number;
  lanczosIterations: number;
  lanczosResidual: number | string;
  seconds: number;
}

// ------------------------------------------------------------------------------------------------
// The run state and the scheduler.
// ------------------------------------------------------------------------------------------------

interface RunState {
  activation: Activation;
  eta: number;
  records: number[];
  /** Index into records of the last GD record reached. */
  reached: number;
  losses: number[];
  recordLoss: number[];
  sharpness: number[];
  traceSteps: number[];
  traceSharpness: number[];
  gfs: (GfsTaskResult | undefined)[];
  diverged: boolean;
  theta: Float64Array | null;
  vector: Float64Array | null;
}

type Job = { run: number; record: number; task: FcnetTask };

export async function fcnetExperiment(options: FcnetOptions = {}): Promise<FcnetExperiment> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  const o = resolveFcnetOptions(options);
  const started = performance.now();
  const data = dataStatistics(o.n);
  const checkpoint = options.checkpoint !== undefined ? openCheckpoint(options.checkpoint, o, data) : undefined;
  const records = recordSteps(o.steps, o.gfsEvery);
  const sensitive = new Set(sensitivityIndices(records.length, o.sensitivityRecords));
  const runs: RunState[] = [];
  for (const activation of o.activations) {
    for (const eta of o.etas) {
      runs.push({
        activation,
        eta,
        records,
        reached: -1,
        losses: [],
        recordLoss: [],
        sharpness: [],
        traceSteps: [],
        traceSharpness: [],
        gfs: [],
        diverged: false,
        theta: null,
        vector: null,
      });
    }
  }
  let resumedTasks = 0;
  if (checkpoint !== undefined) resumedTasks = resume(checkpoint, runs);

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
      const state = loadState(checkpoint, r, s.records[k] as number);
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
  const account = (job: Job, result: FcnetTaskResult): void => {
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

  const onResult = (job: Job, result: FcnetTaskResult): void => {
    const s = runs[job.run] as RunState;
    const t = s.records[job.record] as number;
    if (job.task.kind === 'gd') {
      const g = result as GdChunkResult;
      append(s.losses, g.losses);
      append(s.traceSteps, g.traceSteps);
      append(s.traceSharpness, g.traceSharpness);
      if (checkpoint) {
        if (!g.diverged) saveState(checkpoint, job.run, t, g.theta, g.vector);
        const stored: StoredGd = {
          losses: Array.from(g.losses, enc),
          loss: enc(g.loss),
          sharpness: enc(g.sharpness),
          traceSteps: Array.from(g.traceSteps),
          traceSharpness: Array.from(g.traceSharpness, enc),
          lanczosResidual: enc(g.lanczosResidual),
          diverged: g.diverged,
        };
        writeFileAtomic(join(runDir(checkpoint, job.run), `gd-${t}.json`), JSON.stringify(stored));
      }
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
      if (checkpoint) {
        const c = g.sensitivity;
        const stored: StoredGfs = {
          ...g,
          gfsSharpness: enc(g.gfsSharpness),
          flowTime: enc(g.flowTime),
          flowLoss: enc(g.flowLoss),
          lanczosResidual: enc(g.lanczosResidual),
          sensitivity:
            c === null
              ? null
              : {
                  ...c,
                  gfsSharpness: enc(c.gfsSharpness),
                  flowTime: enc(c.flowTime),
                  flowLoss: enc(c.flowLoss),
                  lanczosResidual: enc(c.lanczosResidual),
                },
        };
        writeFileAtomic(join(runDir(checkpoint, job.run), `gfs-${t}.json`), JSON.stringify(stored));
      }
    }
  };
  const take = (): Job | undefined => {
    if (gdQueue.length > 0) return gdQueue.shift();
    // GFS tasks in step order across runs (the figure fills in from the left).
    let best = -1;
    gfsQueue.forEach((j, i) => {
      const b = gfsQueue[best];
      if (best < 0 || j.record < (b as Job).record) best = i;
    });
    return best < 0 ? undefined : gfsQueue.splice(best, 1)[0];
  };

  if (options.signal?.aborted) throw aborted('the fcnet experiment');
  if (o.workers === 0) {
    for (let job = take(); job !== undefined; job = take()) {
      if (options.signal?.aborted) throw aborted('the fcnet experiment');
      const result = runFcnetTask(job.task);
      onResult(job, result);
      account(job, result);
    }
  } else {
    // GD chunks first (the critical path), then GFS tasks: `take` decides, at most `workers` run.
    await runQueueOnPool<Job, FcnetTask, FcnetTaskResult>(
      compiledWorker('experiments/fcnet/worker'),
      o.workers,
      take,
      (job) => job.task,
      (result, job) => {
        onResult(job, result);
        account(job, result);
      },
      options.signal,
      'the fcnet experiment',
    );
  }
  return {
    ...o,
    data,
    runs: runs.map((s) => finish(s)),
    wallSeconds: (performance.now() - started) / 1000,
    resumedTasks,
  };
}

/** Loads what the checkpoint holds into the run states; returns the number of tasks found. */
function resume(c: Checkpoint, runs: RunState[]): number {
  let found = 0;
  runs.forEach((s, r) => {
    for (let k = 0; k < s.records.length; k++) {
      const t = s.records[k] as number;
      const gd = readJson<StoredGd>(join(runDir(c, r), `gd-${t}.json`));
      if (gd === undefined) break;
      if (gd.diverged) {
        append(s.losses, gd.losses.map(dec));
        append(s.traceSteps, gd.traceSteps);
        append(s.traceSharpness, gd.traceSharpness.map(dec));
        s.diverged = true;
        found++;
        break;
      }
      const state = loadState(c, r, t);
      if (state === undefined) break;
      append(s.losses, gd.losses.map(dec));
      append(s.traceSteps, [...gd.traceSteps, t]);
      append(s.traceSharpness, [...gd.traceSharpness.map(dec), dec(gd.sharpness)]);
      s.recordLoss.push(dec(gd.loss));
      s.sharpness.push(dec(gd.sharpness));
      s.reached = k;
      s.theta = state.theta;
      s.vector = state.vector;
      found++;
      const gfs = readJson<StoredGfs>(join(runDir(c, r), `gfs-${t}.json`));
      if (gfs !== undefined) {
        const c = gfs.sensitivity;
        s.gfs[k] = {
          ...gfs,
          gfsSharpness: dec(gfs.gfsSharpness),
          flowTime: dec(gfs.flowTime),
          flowLoss: dec(gfs.flowLoss),
          lanczosResidual: dec(gfs.lanczosResidual),
          sensitivity:
            c === null
              ? null
              : {
                  ...c,
                  gfsSharpness: dec(c.gfsSharpness),
                  flowTime: dec(c.flowTime),
                  flowLoss: dec(c.flowLoss),
                  lanczosResidual: dec(c.lanczosResidual),
                },
        };
        found++;
      }
    }
  });
  return found;
}

function finish(s: RunState): FcnetRun {
  const count = s.reached + 1;
  // A diverged run's losses end with the bad one; a completed run's with L(θ_steps) of its last record.
  const loss = Float64Array.from(s.diverged ? s.losses : [...s.losses, s.recordLoss[count - 1] as number]);
  const steps = loss.length - 1;
  const pick = (f: (g: GfsTaskResult) => number): Float64Array =>
    Float64Array.from({ length: count }, (_, k) => {
      const g = s.gfs[k];
      return g === undefined ? Number.NaN : f(g);
    });
  return {
    activation: s.activation,
    eta: s.eta,
    steps,
    status: s.diverged ? 'diverged' : 'completed',
    loss,
    sharpnessTrace: { step: Float64Array.from(s.traceSteps), sharpness: Float64Array.from(s.traceSharpness) },
    records: {
      step: Float64Array.from(s.records.slice(0, count)),
      loss: Float64Array.from(s.recordLoss),
      sharpness: Float64Array.from(s.sharpness),
      gfsSharpness: pick((g) => g.gfsSharpness),
      gfsStatus: Array.from({ length: count }, (_, k) => s.gfs[k]?.status ?? 'non-finite'),
      flowSteps: pick((g) => g.flowSteps),
      flowTime: pick((g) => g.flowTime),
      flowLoss: pick((g) => g.flowLoss),
      hvps: pick((g) => g.hvps),
      lanczosResidual: pick((g) => g.lanczosResidual),
      sensitivity: Array.from({ length: count }, (_, k) => s.gfs[k]?.sensitivity ?? null),
      seconds: pick((g) => g.seconds),
    },
  };
}

/** The per-channel statistics of the first n digits (what loadDigits standardises with). */
function dataStatistics(n: number): FcnetDataStatistics {
  const d = loadDigits(n);
  let maxAbsInput = 0;
  for (let i = 0; i < d.X.length; i++) maxAbsInput = Math.max(maxAbsInput, Math.abs(d.X[i] as number));
  return { mean: d.mean, std: d.std, maxAbsInput };
}

/** Removes a checkpoint directory (after the outputs are written). */
export function discardCheckpoint(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
