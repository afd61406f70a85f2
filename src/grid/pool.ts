/**
 * Fans a sweep out over a Piscina worker pool: the grid is cut into contiguous tiles, each worker
 * (one warmed-up WASM instance) computes whole tiles, and results are copied into the full arrays
 * at their cell offsets — so the output is bit-identical for any worker count and tile size.
 * `workers: 0` computes the tiles in the calling thread (no pool).
 */
import { statSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { engine as defaultEngine } from '../api.js';
import { aborted, EoslabError } from '../errors.js';
import { cellCount, tiles, type GridSpec, type KernelKind, type MapKind, type RunSpec } from './spec.js';
import { runTile, type InvariantSetTile, type SharpnessTile, type TileResult, type TileTask } from './tile.js';

export interface SweepJob {
  readonly grid: GridSpec;
  readonly run: RunSpec;
  readonly map: MapKind;
  readonly kernel: KernelKind;
}

export interface PoolOptions {
  /** Worker threads (0 = compute in this thread). */
  readonly workers: number;
  /** Cells per tile. */
  readonly tileSize: number;
  readonly signal?: AbortSignal;
  /** Called after every finished tile with the number of cells done. */
  readonly onProgress?: (cellsDone: number, cellsTotal: number) => void;
}

export interface SharpnessArrays {
  readonly map: 'sharpness';
  readonly finalSharpness: Float64Array;
  readonly steps: Int32Array;
  /** 0 converged, 1 diverged, 2 max steps, 3 no GFS (π₀ ≤ 0), 4 non-finite. */
  readonly status: Uint8Array;
  /** The GD outcome of every cell (0/1/2), also for no-GFS cells. */
  readonly gdStatus: Uint8Array;
  readonly initGfsSharpness: Float64Array;
  readonly initProduct: Float64Array;
  /** Σ GD steps over all cells. */
  totalSteps: number;
  /** Σ over tiles of the seconds spent in the sweep kernel (summed over workers). */
  kernelSeconds: number;
}

export interface InvariantSetArrays {
  readonly map: 'invariant-set';
  readonly member: Uint8Array;
  readonly monotone: Uint8Array;
  readonly gdStatus: Uint8Array;
  readonly initGfsSharpness: Float64Array;
  readonly initProduct: Float64Array;
  totalSteps: number;
  kernelSeconds: number;
}

export type SweepArrays = SharpnessArrays | InvariantSetArrays;

/** Sources compiled into the worker; when running from src/, dist/ must not be older than them. */
const WORKER_SOURCES = ['grid/worker', 'grid/tile', 'grid/spec', 'engine', 'wasm/module', 'status', 'errors'];

/**
 * The compiled worker: dist/grid/worker.js — also when this module runs from src/ under tsx or
 * vitest, in which case a dist/ older than the sources is refused (the pool would run old code).
 */
export function workerFile(): string {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return fileURLToPath(new URL('./worker.js', here));
  const compiled = fileURLToPath(new URL('../../dist/grid/worker.js', here));
  for (const source of WORKER_SOURCES) {
    const ts = fileURLToPath(new URL(`../${source}.ts`, here));
    const js = fileURLToPath(new URL(`../../dist/${source}.js`, here));
    let stale: boolean;
    try {
      stale = statSync(js).mtimeMs < statSync(ts).mtimeMs;
    } catch {
      stale = true;
    }
    if (stale) {
      throw new EoslabError(
        'E_WASM',
        `dist/${source}.js is missing or older than src/${source}.ts: run \`npm run build\``,
      );
    }
  }
  return compiled;
}

function allocate(job: SweepJob, cells: number): SweepArrays {
  const shared = {
    initGfsSharpness: new Float64Array(cells),
    initProduct: new Float64Array(cells),
    totalSteps: 0,
    kernelSeconds: 0,
  };
  if (job.map === 'invariant-set') {
    return {
      map: 'invariant-set',
      member: new Uint8Array(cells),
      monotone: new Uint8Array(cells),
      gdStatus: new Uint8Array(cells),
      ...shared,
    };
  }
  return {
    map: 'sharpness',
    finalSharpness: new Float64Array(cells),
    steps: new Int32Array(cells),
    status: new Uint8Array(cells),
    gdStatus: new Uint8Array(cells),
    ...shared,
  };
}

function place(out: SweepArrays, tile: TileResult): void {
  out.initGfsSharpness.set(tile.initGfsSharpness, tile.start);
  out.initProduct.set(tile.initProduct, tile.start);
  out.gdStatus.set(tile.gdStatus, tile.start);
  out.kernelSeconds += tile.kernelSeconds;
  if (out.map === 'sharpness') {
    const t = tile as SharpnessTile;
    out.finalSharpness.set(t.finalSharpness, t.start);
    out.steps.set(t.steps, t.start);
    out.status.set(t.status, t.start);
    out.totalSteps += t.totalSteps;
  } else {
    const t = tile as InvariantSetTile;
    out.member.set(t.member, t.start);
    out.monotone.set(t.monotone, t.start);
  }
}

/**
 * A reusable pool of warmed-up workers (each compiles the WASM once). `runSweep` makes a transient
 * one when none is given; benchmarks and long sessions keep one across sweeps.
 */
export class SweepPool {
  readonly workers: number;
  private readonly piscina: Piscina<TileTask, TileResult>;
  private failure: unknown;
  private expectFailures = false;

  constructor(workers: number) {
    this.workers = workers;
    this.piscina = new Piscina<TileTask, TileResult>({
      filename: workerFile(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
    });
    // Results still in flight when an abort destroys the pool arrive as pool 'error' events
    // ("unexpected message"): expected then, a real failure otherwise.
    this.piscina.on('error', (error: unknown) => {
      if (!this.expectFailures) this.failure ??= error;
    });
  }

  /** Runs the tasks; `finished` sees every tile as it arrives. Abort destroys the pool. */
  async run(tasks: readonly TileTask[], finished: (tile: TileResult) => void, signal?: AbortSignal): Promise<void> {
    const onAbort = (): void => {
      this.expectFailures = true;
      void this.piscina.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(
        tasks.map((task) =>
          this.piscina.run(task).then(finished, (error: unknown) => {
            if (signal?.aborted) throw aborted('the sweep');
            throw error;
          }),
        ),
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Starts every worker and waits until each has compiled and warmed up its WASM. */
  async ready(): Promise<void> {
    const grid: GridSpec = {
      kind: 'family',
      depth: 4,
      direction: [1, 1, -1, -1],
      phiRange: [4.05, 34],
      productRange: [0.05, 5],
      rows: 2,
      cols: 2,
    };
    const run: RunSpec = { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 10 };
    const tasks = Array.from({ length: this.workers * 2 }, () => ({
      grid,
      run,
      map: 'sharpness' as const,
      kernel: 'simd' as const,
      start: 0,
      count: 4,
    }));
    await this.run(tasks, () => {});
  }

  async close(): Promise<void> {
    this.expectFailures = true;
    await this.piscina.destroy();
  }
}

export async function runSweep(job: SweepJob, options: PoolOptions & { pool?: SweepPool }): Promise<SweepArrays> {
  const cells = cellCount(job.grid);
  const out = allocate(job, cells);
  const parts = tiles(cells, options.tileSize);
  const tasks: TileTask[] = parts.map((p) => ({ ...job, start: p.start, count: p.count }));
  let done = 0;
  const finished = (tile: TileResult): void => {
    place(out, tile);
    done += tile.count;
    options.onProgress?.(done, cells);
  };
  if (options.signal?.aborted) throw aborted('the sweep');
  if (options.workers === 0 && !options.pool) {
    const engine = defaultEngine();
    for (const task of tasks) {
      finished(runTile(engine, task));
      await yieldToEventLoop();
      if (options.signal?.aborted) throw aborted('the sweep');
    }
    return out;
  }
  const pool = options.pool ?? new SweepPool(options.workers);
  try {
    await pool.run(tasks, finished, options.signal);
  } finally {
    if (!options.pool) await pool.close();
  }
  return out;
}
