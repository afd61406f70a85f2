/**
 * Fans a sweep out over the worker pool (pool/pool.ts, task `heatmap`): the grid is cut into
 * contiguous tiles, each worker (one warmed-up WASM instance) computes whole tiles, and results are
 * copied into the full arrays at their cell offsets — so the output is bit-identical for any worker
 * count and tile size. `workers: 0` computes the tiles in the calling thread (no pool).
 */
import { engine as defaultEngine } from '../../api.js';
import { EoslabError } from '../../base/errors.js';
import { runJobs, WorkerPool, type JobSpec, type WorkerPoolOptions } from '../../pool/pool.js';
import type { TileRepository } from './tileStore.js';
import { cellCount, tiles, type GridSpec, type KernelKind, type MapKind, type RunSpec } from './grid.js';
import {
  cellArray,
  namedCellArrays,
  runTile,
  TILE_ARRAYS,
  smallFig3Grid,
  type CellArray,
  type TileArrayName,
  type TileResult,
  type TileTarget,
  type TileTask,
} from './tile.js';

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
  /** Σ over tiles of the seconds spent initialising and summarising cells (summed over workers). */
  initSeconds: number;
  summarySeconds: number;
  /** Main-thread seconds spent persisting tiles to a store. */
  persistSeconds: number;
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
  initSeconds: number;
  summarySeconds: number;
  persistSeconds: number;
}

export type SweepArrays = SharpnessArrays | InvariantSetArrays;

/**
 * The full-grid arrays; over SharedArrayBuffers when pool workers write their tiles into them
 * directly (no copy of every tile on the main thread, and the pages are first touched by the
 * workers, in parallel).
 */
function allocate(job: SweepJob, cells: number, sharedMemory = false): SweepArrays {
  const arrays = Object.fromEntries(TILE_ARRAYS[job.map].map((name) => [name, cellArray(name, cells, sharedMemory)]));
  const totals = { totalSteps: 0, kernelSeconds: 0, initSeconds: 0, summarySeconds: 0, persistSeconds: 0 };
  return { map: job.map, ...arrays, ...totals } as SweepArrays;
}

/**
 * Copies a tile's values into the full arrays — except those the tile wrote there itself (views of
 * the shared target at the tile's cells).
 */
function place(out: SweepArrays, tile: TileResult): void {
  const whole = out as unknown as Record<TileArrayName, CellArray>;
  for (const [name, part] of namedCellArrays(tile)) {
    const into = whole[name];
    const inPlace =
      part.buffer === into.buffer && part.byteOffset === into.byteOffset + tile.start * into.BYTES_PER_ELEMENT;
    if (!inPlace) into.set(part, tile.start);
  }
  out.kernelSeconds += tile.kernelSeconds;
  out.initSeconds += tile.initSeconds;
  out.summarySeconds += tile.summarySeconds;
  if (tile.map === 'sharpness') out.totalSteps += tile.totalSteps;
}

/** Attempts per tile before a sweep gives up (a worker that crashes mid-tile is replaced). */
export const MAX_TILE_ATTEMPTS = 3;

function tileFailure(task: TileTask, attempts: number, error: unknown): EoslabError {
  const last = error instanceof Error ? error.message : String(error);
  return new EoslabError(
    'E_WORKER',
    `tile at cells ${task.start}–${task.start + task.count - 1} failed ${attempts} times (last: ${last})`,
    'tile',
    task.start,
    1,
  );
}

/** The heatmap's pools: every worker warms its WASM kernels up as it starts. */
const SWEEP_POOL: WorkerPoolOptions = { prepare: ['heatmap'], idleTimeout: 60_000 };

/**
 * The heatmap's jobs for runJobs: one `heatmap` task per tile, all queued at once; a tile whose
 * worker crashes or is killed is retried (up to MAX_TILE_ATTEMPTS attempts, then E_WORKER naming
 * the tile); with no pool the tiles run in this thread.
 */
function tileJobs(
  tasks: readonly TileTask[],
  finished: (tile: TileResult) => void,
  signal: AbortSignal | undefined,
): JobSpec<TileTask, TileTask, TileResult> {
  return {
    task: 'heatmap',
    jobs: tasks,
    local: (task) => runTile(defaultEngine(), task),
    onResult: finished,
    signal,
    what: 'the sweep',
    attempts: MAX_TILE_ATTEMPTS,
    failure: tileFailure,
    pool: SWEEP_POOL,
  };
}

/**
 * A reusable pool of warmed-up workers (each compiles the WASM once and warms its kernels up).
 * `runSweep` makes a transient one when none is given; benchmarks and long sessions keep one
 * across sweeps.
 */
export class SweepPool extends WorkerPool {
  constructor(workers: number) {
    super(workers, SWEEP_POOL);
  }

  /** Worker threads. */
  get workers(): number {
    return this.size;
  }

  /** Runs the tiles; `finished` sees every tile as it arrives. Abort destroys the pool. */
  async run(tasks: readonly TileTask[], finished: (tile: TileResult) => void, signal?: AbortSignal): Promise<void> {
    await this.runJobs(tileJobs(tasks, finished, signal));
  }

  /** Waits until every worker has started, compiled and warmed up its WASM. */
  async ready(): Promise<void> {
    const grid = smallFig3Grid(2);
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
}

/** Where tiles come from and go: an optional store to resume from and write to, a tile range. */
export interface TilePlan {
  /** Finished tiles are written here; tiles already stored are loaded instead of computed. */
  readonly store?: TileRepository;
  /** Tile indices [first, last) to cover (a shard); default all. */
  readonly range?: readonly [number, number];
  /** Receives the main-thread seconds spent persisting tiles (writes and checkpoints). */
  readonly timing?: PersistenceTiming;
  /** Full-grid arrays the tiles write their cells into directly (TileTask.target). */
  readonly target?: SweepArrays;
}

/** Seconds between checkpoints of a tile store (fsync of the tiles written since the last one). */
export const CHECKPOINT_SECONDS = 2;

export interface TileAccounting {
  /** Tiles computed by this call. */
  computed: number;
  /** Tiles loaded from the store (finished by an earlier, interrupted run). */
  resumed: number;
  /** Tiles retried after a worker failure. */
  retried: number;
  /** Stored tiles found damaged (bad checksum or truncated) and recomputed. */
  damaged: number;
}

/** Main-thread seconds spent writing tiles to the store (encoding, checksums, writes, checkpoints). */
export interface PersistenceTiming {
  persistSeconds: number;
}

/**
 * Computes the tiles of `job` in `plan.range` that the store does not hold yet, calling `onTile`
 * for every tile (stored ones first) — the engine of runSweep, shards and resumption.
 */
export async function computeTiles(
  job: SweepJob,
  options: PoolOptions & { pool?: SweepPool },
  plan: TilePlan,
  onTile: (tile: TileResult, fresh: boolean) => void,
): Promise<TileAccounting> {
  const cells = cellCount(job.grid);
  const all = tiles(cells, options.tileSize);
  const [first, last] = plan.range ?? [0, all.length];
  const wanted = all.slice(first, last);
  const stored = plan.store?.completed() ?? new Set<number>();
  const accounting: TileAccounting = { computed: 0, resumed: 0, retried: 0, damaged: 0 };
  for (const p of wanted) {
    if (!stored.has(p.start)) continue;
    let tile: TileResult;
    try {
      tile = plan.store!.read(p.start);
    } catch (error) {
      // a tile damaged on disk (e.g. by a machine crash) is recomputed, not trusted
      if (!(error instanceof EoslabError) || error.code !== 'E_IO') throw error;
      plan.store!.discard(p.start);
      stored.delete(p.start);
      accounting.damaged++;
      continue;
    }
    onTile(tile, false);
    accounting.resumed++;
  }
  const target: TileTarget | undefined = plan.target ? Object.fromEntries(namedCellArrays(plan.target)) : undefined;
  const tasks: TileTask[] = wanted
    .filter((p) => !stored.has(p.start))
    .map((p) => ({ ...job, start: p.start, count: p.count, ...(target ? { target } : {}) }));
  const store = plan.store;
  let lastCheckpoint = performance.now();
  let checkpoint: Promise<void> = Promise.resolve();
  let checkpointError: unknown;
  const startCheckpoint = (s: TileRepository): void => {
    // at most one checkpoint in flight; its fsyncs run in the thread pool while tiles go on
    checkpoint = checkpoint.then(() => s.checkpoint()).catch((error: unknown) => void (checkpointError ??= error));
  };
  const persisted = (seconds: number): void => {
    if (plan.timing) plan.timing.persistSeconds += seconds;
  };
  const finished = (tile: TileResult): void => {
    if (store) {
      const t0 = performance.now();
      store.write(tile);
      if (t0 - lastCheckpoint > CHECKPOINT_SECONDS * 1000) {
        lastCheckpoint = t0;
        startCheckpoint(store);
      }
      persisted((performance.now() - t0) / 1000);
    }
    accounting.computed++;
    onTile(tile, true);
  };
  try {
    const { retried } = await runJobs(options.pool ?? options.workers, tileJobs(tasks, finished, options.signal));
    accounting.retried = retried;
  } finally {
    // the last tiles become durable before the caller reports them saved (also after an abort)
    const t0 = performance.now();
    if (store) startCheckpoint(store);
    await checkpoint;
    persisted((performance.now() - t0) / 1000);
  }
  if (checkpointError !== undefined) throw checkpointError;
  return accounting;
}

/**
 * Places tiles into full-grid arrays (allocated for `job`; over SharedArrayBuffers with
 * `sharedMemory`, for tiles that pool workers write in place).
 */
export function assembler(
  job: SweepJob,
  sharedMemory = false,
): { out: SweepArrays; place: (tile: TileResult) => void } {
  const out = allocate(job, cellCount(job.grid), sharedMemory);
  return { out, place: (tile) => place(out, tile) };
}

export async function runSweep(
  job: SweepJob,
  options: PoolOptions & { pool?: SweepPool; store?: TileRepository },
): Promise<SweepArrays & { tiles: TileAccounting }> {
  const cells = cellCount(job.grid);
  // pool workers write their tiles straight into shared arrays; this thread then only persists them
  const onPool = options.pool !== undefined || options.workers > 0;
  const { out, place: placeTile } = assembler(job, onPool);
  let done = 0;
  const plan: TilePlan = { target: out, ...(options.store ? { store: options.store, timing: out } : {}) };
  const accounting = await computeTiles(job, options, plan, (tile) => {
    placeTile(tile);
    done += tile.count;
    options.onProgress?.(done, cells);
  });
  return Object.assign(out, { tiles: accounting });
}
