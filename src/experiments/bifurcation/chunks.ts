/**
 * Runs the orbits of many starts (Kreisler et al. 2023, Figs 4, 10, 11): the starts are cut into
 * contiguous chunks, each computed by one WASM instance — a worker's on the pool (pool/pool.ts, task
 * `bifurcation`) or, with `workers: 0`, this thread's — and the chunks are assembled into one result.
 * Each start's orbit depends on its own input only, so results are identical for any worker count.
 */
import { availableParallelism } from 'node:os';
import { engine as defaultEngine } from '../../api.js';
import type { ScalarEngine } from '../../engines/scalar.js';
import { runJobs } from '../../pool/pool.js';
import { OPTIONS } from '../../base/options.js';
import { ORBIT_STATUS_LABELS, orbitStatusLabel, type OrbitSettings, type RunHooks } from './settings.js';

export type OrbitTask =
  | {
      readonly kind: 'phi-axis';
      readonly settings: OrbitSettings;
      readonly direction: readonly number[];
      readonly p0: number;
      readonly phi: Float64Array;
      readonly start: number;
    }
  | {
      readonly kind: 'points';
      readonly settings: OrbitSettings;
      readonly depth: number;
      /** Row-major count × depth weights. */
      readonly points: Float64Array;
      readonly start: number;
    }
  | {
      readonly kind: 'slice';
      readonly settings: OrbitSettings;
      readonly model: SliceModel;
      readonly d0: number;
      readonly phi: Float64Array;
      readonly start: number;
    };

/** 'exact': GPGD on the slice (the exact fixed-c map); 'quasistatic': its second-order expansion in b = d − 1 (ours). */
export type SliceModel = 'exact' | 'quasistatic';

export interface OrbitChunk {
  readonly start: number;
  readonly count: number;
  readonly orbits: Float64Array;
  readonly period: Int32Array;
  readonly status: Uint8Array;
  readonly lyapunov: Float64Array;
  readonly phi: Float64Array;
}

function taskCount(task: OrbitTask): number {
  return task.kind === 'points' ? task.points.length / task.depth : task.phi.length;
}

/** Runs one chunk in `engine`'s WASM instance. */
export function runOrbitTask(engine: ScalarEngine, task: OrbitTask): OrbitChunk {
  const k = engine.kernels;
  const a = engine.arena;
  const s = task.settings;
  const n = taskCount(task);
  const K = s.keep;
  const method = s.method === 'gpgd' ? 1 : 0;
  const mark = a.mark();
  try {
    const out = a.alloc(n * K * 8);
    const period = a.alloc(n * 4);
    const status = a.alloc(n);
    const lyapunov = a.alloc(n * 8);
    const phiOut = a.alloc(n * 8);
    let rc: number;
    if (task.kind === 'points') {
      const D = task.depth;
      const pts = a.alloc(n * D * 8);
      const soa = a.f64(pts, n * D);
      for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) soa[d * n + i] = task.points[i * D + d] as number;
      rc = k.bifurcationFromPoints(
        D,
        pts,
        n,
        s.eta,
        s.orbitSteps,
        K,
        s.maxPeriod,
        s.periodTol,
        s.divergeAt,
        method,
        out,
        period,
        status,
        lyapunov,
        phiOut,
      );
    } else {
      const phi = a.alloc(n * 8);
      a.f64(phi, n).set(task.phi);
      if (task.kind === 'phi-axis') {
        const D = task.direction.length;
        const c = a.alloc(D * 8);
        a.f64(c, D).set(task.direction);
        rc = k.bifurcationOverPhi(
          c,
          D,
          s.eta,
          phi,
          n,
          task.p0,
          s.orbitSteps,
          K,
          s.maxPeriod,
          s.periodTol,
          s.divergeAt,
          method,
          out,
          period,
          status,
          lyapunov,
        );
      } else {
        rc = k.sliceBifurcationOverPhi(
          task.model === 'exact' ? 0 : 1,
          s.eta,
          phi,
          n,
          task.d0,
          s.orbitSteps,
          K,
          s.maxPeriod,
          s.periodTol,
          s.divergeAt,
          out,
          period,
          status,
          lyapunov,
        );
      }
      a.f64(phiOut, n).set(task.phi);
    }
    if (rc !== 0) throw new Error(`eoslab: orbit kernel rejected its sizes (n = ${n}, K = ${K})`);
    return {
      start: task.start,
      count: n,
      orbits: a.f64(out, n * K).slice(),
      period: a.i32(period, n).slice(),
      status: a.u8(status, n).slice(),
      lyapunov: a.f64(lyapunov, n).slice(),
      phi: a.f64(phiOut, n).slice(),
    };
  } finally {
    a.release(mark);
  }
}

/** The arrays of a chunk (transferred back from a worker, not copied). */
export function orbitChunkArrays(chunk: OrbitChunk): ArrayBufferView[] {
  return [chunk.orbits, chunk.period, chunk.status, chunk.lyapunov, chunk.phi];
}

/** Orbit steps above which the default is to use every core. */
const PARALLEL_THRESHOLD = 2_000_000;

function resolveWorkers(workers: number | undefined, totalSteps: number): number {
  if (workers !== undefined) return OPTIONS.workers.check(workers, 'workers');
  return totalSteps >= PARALLEL_THRESHOLD ? availableParallelism() : 0;
}

export interface BifurcationResult {
  readonly kind: 'phi-axis' | 'points' | 'slice';
  /** Number of starts n. */
  readonly count: number;
  /** φ of each start: the axis value, or φ(w) of a point (NaN without a GFS). */
  readonly phi: Float64Array;
  /**
   * n × K, row-major: the values after the last K of N steps — products π for GPGD, d = xy = √π
   * on the slice. NaN-filled when the orbit diverged or has no GFS.
   */
  readonly orbits: Float64Array;
  /** Detected period (0: none). */
  readonly period: Int32Array;
  /** OrbitStatus code per start. */
  readonly status: Uint8Array;
  /** Lyapunov exponent: mean log|g′| over the last max(K, N/2) steps (NaN when the orbit failed). */
  readonly lyapunov: Float64Array;
  /** Starts per status label. */
  readonly counts: Record<string, number>;
  readonly settings: OrbitSettings;
  readonly workers: number;
  readonly seconds: number;
}

function countStatuses(status: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(ORBIT_STATUS_LABELS.map((l) => [l, 0]));
  for (const code of status) {
    const label = orbitStatusLabel(code);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** Splits n starts into chunks (a few per worker, for balance and progress), runs and assembles them. */
export async function runChunks(
  kind: BifurcationResult['kind'],
  n: number,
  settings: OrbitSettings,
  makeTask: (start: number, count: number) => OrbitTask,
  hooks: RunHooks,
): Promise<BifurcationResult> {
  const started = performance.now();
  const workers = resolveWorkers(hooks.workers, n * settings.orbitSteps);
  const K = settings.keep;
  const result = {
    orbits: new Float64Array(n * K),
    period: new Int32Array(n),
    status: new Uint8Array(n),
    lyapunov: new Float64Array(n),
    phi: new Float64Array(n),
  };
  const chunkSize = Math.max(1, Math.min(512, Math.ceil(n / (Math.max(workers, 1) * 8))));
  const tasks: OrbitTask[] = [];
  for (let start = 0; start < n; start += chunkSize) tasks.push(makeTask(start, Math.min(chunkSize, n - start)));
  let done = 0;
  const place = (chunk: OrbitChunk): void => {
    result.orbits.set(chunk.orbits, chunk.start * K);
    result.period.set(chunk.period, chunk.start);
    result.status.set(chunk.status, chunk.start);
    result.lyapunov.set(chunk.lyapunov, chunk.start);
    result.phi.set(chunk.phi, chunk.start);
    done += chunk.count;
    hooks.onProgress?.(done, n);
  };
  await runJobs(workers, {
    task: 'bifurcation',
    jobs: tasks,
    local: (task: OrbitTask) => runOrbitTask(defaultEngine(), task),
    onResult: place,
    signal: hooks.signal,
    what: 'the bifurcation run',
  });
  return {
    kind,
    count: n,
    ...result,
    counts: countStatuses(result.status),
    settings,
    workers,
    seconds: (performance.now() - started) / 1000,
  };
}
