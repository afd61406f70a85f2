/**
 * One tile of a sweep, computed in the calling thread's WASM instance: initialise the cells
 * (grid/init), run GD on all of them (sweep kernel, SIMD or scalar), then summarise (final
 * sharpness, initial φ and π, no-GFS status) — or, for the Fig 2c map, test membership in 𝕊 and
 * φ's monotonicity. Pure function of (job, start, count): tiles never change per-cell results.
 */
import type { Ptr, WasmExports } from '../../wasm/abi.js';
import type { ScalarEngine } from '../../engines/scalar.js';
import type { GridSpec, KernelKind, MapKind, RunSpec } from './grid.js';

/** The grid kernels of assembly/grid and assembly/sweep. */
export interface TileTask {
  readonly grid: GridSpec;
  readonly run: RunSpec;
  readonly map: MapKind;
  readonly kernel: KernelKind;
  readonly start: number;
  readonly count: number;
  /**
   * The whole grid's arrays (over SharedArrayBuffers when the tile runs on a pool worker): the tile
   * writes its cells there directly and returns views of them, instead of copies the main thread
   * would place.
   */
  readonly target?: TileTarget;
}

/** A tile's (or a whole sweep's) per-cell array. */
export type CellArray = Float64Array | Int32Array | Uint8Array;

/**
 * The per-cell arrays of each map, in the one order tiles are transferred, stored (tile files and
 * their checksums) and placed.
 */
export const TILE_ARRAYS = {
  sharpness: ['finalSharpness', 'steps', 'status', 'gdStatus', 'initGfsSharpness', 'initProduct'],
  'invariant-set': ['member', 'monotone', 'gdStatus', 'initGfsSharpness', 'initProduct'],
} as const;

export type TileArrayName = (typeof TILE_ARRAYS)[MapKind][number];

/** Element type of each per-cell array. */
export const CELL_ARRAY_TYPES: Readonly<Record<TileArrayName, 'f64' | 'i32' | 'u8'>> = {
  finalSharpness: 'f64',
  steps: 'i32',
  status: 'u8',
  gdStatus: 'u8',
  initGfsSharpness: 'f64',
  initProduct: 'f64',
  member: 'u8',
  monotone: 'u8',
};

/** The output file of each per-cell array (the writer's and the resumable store's name). */
export const CELL_ARRAY_FILES: Readonly<Record<TileArrayName, string>> = {
  finalSharpness: 'final_sharpness.npy',
  steps: 'steps.npy',
  status: 'status.npy',
  gdStatus: 'gd_status.npy',
  initGfsSharpness: 'init_gfs_sharpness.npy',
  initProduct: 'init_product.npy',
  member: 'in_invariant_set.npy',
  monotone: 'gfs_monotone.npy',
};

/** Bytes per cell of each element type. */
export const CELL_TYPE_BYTES = { f64: 8, i32: 4, u8: 1 } as const;

/** A new per-cell array of `name`'s type (over a SharedArrayBuffer with `shared`). */
export function cellArray(name: TileArrayName, cells: number, shared = false): CellArray {
  const type = CELL_ARRAY_TYPES[name];
  const bytes = CELL_TYPE_BYTES[type];
  const buffer = shared ? new SharedArrayBuffer(bytes * cells) : new ArrayBuffer(bytes * cells);
  return type === 'f64' ? new Float64Array(buffer) : type === 'i32' ? new Int32Array(buffer) : new Uint8Array(buffer);
}

/** Full-grid arrays a tile may write into, by result field. */
export type TileTarget = Partial<Record<TileArrayName, CellArray>>;

/** The per-cell arrays of a tile result or a sweep's result, named, in TILE_ARRAYS order. */
export function namedCellArrays(
  r: { readonly map: MapKind } & Partial<Record<TileArrayName, CellArray>>,
): [TileArrayName, CellArray][] {
  return TILE_ARRAYS[r.map].map((name) => [name, r[name] as CellArray]);
}

export interface SharpnessTile {
  readonly map: 'sharpness';
  readonly start: number;
  readonly count: number;
  readonly finalSharpness: Float64Array;
  readonly steps: Int32Array;
  /** Status with π₀ ≤ 0 cells marked no-GFS. */
  readonly status: Uint8Array;
  /** The GD outcome of every cell (converged / diverged / max steps), no-GFS cells included. */
  readonly gdStatus: Uint8Array;
  readonly initGfsSharpness: Float64Array;
  readonly initProduct: Float64Array;
  /** Σ GD steps over the tile's cells. */
  readonly totalSteps: number;
  /** Seconds spent in the GD sweep kernel. */
  readonly kernelSeconds: number;
  /** Seconds spent initialising the cells and summarising them (0 for tiles read from a store). */
  readonly initSeconds: number;
  readonly summarySeconds: number;
}

export interface InvariantSetTile {
  readonly map: 'invariant-set';
  readonly start: number;
  readonly count: number;
  /** 1 if the initialisation is in 𝕊. */
  readonly member: Uint8Array;
  /** 1 φ non-increasing along GD, 0 it increased, 2 undefined (π ≤ 0) at some step. */
  readonly monotone: Uint8Array;
  /** The GD outcome (converged / diverged / max steps). */
  readonly gdStatus: Uint8Array;
  readonly initGfsSharpness: Float64Array;
  readonly initProduct: Float64Array;
  readonly kernelSeconds: number;
  readonly initSeconds: number;
  readonly summarySeconds: number;
}

export type TileResult = SharpnessTile | InvariantSetTile;

/** What a stored tile records besides its cells. */
export interface TileRecordFields {
  readonly start: number;
  readonly count: number;
  readonly totalSteps: number;
  readonly kernelSeconds: number;
  readonly initSeconds: number;
  readonly summarySeconds: number;
}

/** A tile result from its stored arrays (`array(name)` returns one, or throws when it is missing). */
export function storedTile(
  map: MapKind,
  fields: TileRecordFields,
  array: <N extends TileArrayName>(name: N) => CellArray,
): TileResult {
  const base = {
    start: fields.start,
    count: fields.count,
    gdStatus: array('gdStatus') as Uint8Array,
    initGfsSharpness: array('initGfsSharpness') as Float64Array,
    initProduct: array('initProduct') as Float64Array,
    kernelSeconds: fields.kernelSeconds,
    initSeconds: fields.initSeconds,
    summarySeconds: fields.summarySeconds,
  };
  if (map === 'sharpness') {
    return {
      map,
      ...base,
      finalSharpness: array('finalSharpness') as Float64Array,
      steps: array('steps') as Int32Array,
      status: array('status') as Uint8Array,
      totalSteps: fields.totalSteps,
    };
  }
  return { map, ...base, member: array('member') as Uint8Array, monotone: array('monotone') as Uint8Array };
}

let cachedColumns: { key: string; values: Float64Array } | undefined;

/**
 * The per-column solutions (Σ 1/uᵢ, u, log u, …: `familyCacheStride` doubles) of a family grid, kept
 * across the tiles of one grid in this thread (NaN = not computed yet; sweep/init.ts fills entries on
 * first use). Any grid field that changes a column's solution is part of the key.
 */
function columnCache(engine: ScalarEngine, grid: Extract<GridSpec, { kind: 'family' }>): Float64Array {
  const key = JSON.stringify([grid.depth, grid.direction, grid.phiRange, grid.cols]);
  if (cachedColumns?.key !== key) {
    const stride = engine.kernels.familyCacheStride(grid.depth);
    cachedColumns = { key, values: new Float64Array(grid.cols * stride).fill(Number.NaN) };
  }
  return cachedColumns.values;
}

/**
 * Writes the tile's initial weights (SoA) into WASM memory and returns the pointer. Family grids
 * also write φ(w₀) into `initGfs` (known from the construction) and return `initialGfsKnown`.
 */
function initialiseTile(engine: ScalarEngine, task: TileTask, initGfs: Ptr): { win: Ptr; initialGfsKnown: boolean } {
  const k = engine.kernels;
  const a = engine.arena;
  const { grid, start, count } = task;
  const D = grid.depth;
  const win = a.alloc(D * count * 8);
  if (grid.kind === 'family') {
    const c = a.alloc(D * 8);
    a.f64(c, D).set(grid.direction);
    const columns = columnCache(engine, grid);
    const cache = a.alloc(columns.byteLength);
    a.f64(cache, columns.length).set(columns);
    k.initFamilyCells(
      c,
      D,
      grid.phiRange[0],
      grid.phiRange[1],
      grid.productRange[0],
      grid.productRange[1],
      grid.rows,
      grid.cols,
      start,
      count,
      win,
      initGfs,
      cache,
    );
    columns.set(a.f64(cache, columns.length));
    return { win, initialGfsKnown: true };
  }
  const base = a.alloc(D * 8);
  a.f64(base, D).set(grid.base);
  k.initSliceCells(
    base,
    D,
    grid.axes[0],
    grid.axes[1],
    grid.xRange[0],
    grid.xRange[1],
    grid.yRange[0],
    grid.yRange[1],
    grid.rows,
    grid.cols,
    start,
    count,
    win,
  );
  return { win, initialGfsKnown: false };
}

/** A tile's values of one array: written into the task's target at the tile's cells, or copied. */
function output<T extends CellArray>(task: TileTask, name: TileArrayName, values: T): T {
  const whole = task.target?.[name] as T | undefined;
  if (whole === undefined) return values.slice() as T;
  const cells = whole.subarray(task.start, task.start + task.count) as T;
  cells.set(values);
  return cells;
}

export function runTile(engine: ScalarEngine, task: TileTask): TileResult {
  const k = engine.kernels;
  const a = engine.arena;
  const { run, count } = task;
  const D = task.grid.depth;
  const mark = a.mark();
  try {
    const tInit = performance.now();
    const initGfs = a.alloc(count * 8);
    const initProduct = a.alloc(count * 8);
    const { win, initialGfsKnown } = initialiseTile(engine, task, initGfs);
    const known = initialGfsKnown ? 1 : 0;
    const initSeconds = (performance.now() - tInit) / 1000;
    if (task.map === 'invariant-set') {
      const member = a.alloc(count);
      const monotone = a.alloc(count);
      const gdStatus = a.alloc(count);
      const t0 = performance.now();
      k.invariantMapCells(D, count, win, run.eta, run.tol, run.divergeAt, run.maxSteps, member, monotone, gdStatus);
      const t1 = performance.now();
      const kernelSeconds = (t1 - t0) / 1000;
      // initial φ and π: the summary kernel with no converged cell computes exactly these
      const status = a.alloc(count);
      const finalS = a.alloc(count * 8);
      a.u8(status, count).fill(255);
      k.summarizeCells(D, count, win, win, status, finalS, initGfs, initProduct, known);
      const summarySeconds = (performance.now() - t1) / 1000;
      return {
        map: 'invariant-set',
        start: task.start,
        count,
        member: output(task, 'member', a.u8(member, count)),
        monotone: output(task, 'monotone', a.u8(monotone, count)),
        gdStatus: output(task, 'gdStatus', a.u8(gdStatus, count)),
        initGfsSharpness: output(task, 'initGfsSharpness', a.f64(initGfs, count)),
        initProduct: output(task, 'initProduct', a.f64(initProduct, count)),
        kernelSeconds,
        initSeconds,
        summarySeconds,
      };
    }
    const wout = a.alloc(D * count * 8);
    const steps = a.alloc(count * 4);
    const status = a.alloc(count);
    const finalS = a.alloc(count * 8);
    const sweep = task.kernel === 'scalar' ? k.sweepScalar : k.sweepSimd;
    const t0 = performance.now();
    const totalSteps = sweep(D, count, win, run.eta, run.tol, run.divergeAt, run.maxSteps, wout, steps, status);
    const t1 = performance.now();
    const kernelSeconds = (t1 - t0) / 1000;
    const gdStatus = output(task, 'gdStatus', a.u8(status, count));
    k.summarizeCells(D, count, win, wout, status, finalS, initGfs, initProduct, known);
    const finalSharpness = output(task, 'finalSharpness', a.f64(finalS, count));
    const stepsOut = output(task, 'steps', a.i32(steps, count));
    const statusOut = output(task, 'status', a.u8(status, count));
    const initGfsSharpness = output(task, 'initGfsSharpness', a.f64(initGfs, count));
    const initProductOut = output(task, 'initProduct', a.f64(initProduct, count));
    return {
      map: 'sharpness',
      start: task.start,
      count,
      finalSharpness,
      steps: stepsOut,
      status: statusOut,
      gdStatus,
      initGfsSharpness,
      initProduct: initProductOut,
      totalSteps,
      kernelSeconds,
      initSeconds,
      // the copies out of WASM memory count as summary time
      summarySeconds: (performance.now() - t1) / 1000,
    };
  } finally {
    a.release(mark);
  }
}

/** The typed arrays of a tile result (transferred between threads, not copied; views of a shared target are neither). */
export function tileArrays(result: TileResult): ArrayBufferView[] {
  return namedCellArrays(result).map(([, a]) => a);
}

/** A small fig3 family grid (warm-ups and pool start-up). */
export function smallFig3Grid(side: number): GridSpec {
  return {
    kind: 'family',
    depth: 4,
    direction: [1, 1, -1, -1],
    phiRange: [4.05, 34],
    productRange: [0.05, 5],
    rows: side,
    cols: side,
  };
}

/** The pointer-level signature of `sweepSimd` and `sweepScalar`. */
export type SweepKernel = WasmExports['sweepSimd'];

/**
 * Warm-up: V8 first runs WASM in its baseline compiler and a long call never tiers up, so a
 * worker calls the kernels a few times on a small grid before real work.
 */
export function warmUp(engine: ScalarEngine): void {
  const grid = smallFig3Grid(8);
  const run: RunSpec = { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 300 };
  for (let i = 0; i < 6; i++) {
    for (const kernel of ['simd', 'scalar'] as const)
      runTile(engine, { grid, run, map: 'sharpness', kernel, start: 0, count: 64 });
  }
  runTile(engine, { grid, run: { ...run, maxSteps: 50 }, map: 'invariant-set', kernel: 'simd', start: 0, count: 4 });
}
