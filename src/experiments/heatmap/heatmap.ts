/**
 * Sharpness-at-convergence heatmaps (the paper's Fig 3) and invariant-set maps (Fig 2c):
 * validated options (resolve.ts) → a sweep over the worker pool → arrays and counts, then the
 * figures (figures.ts) and the output files (writer.ts).
 */
import { checkHooks, invalidOption } from '../../base/errors.js';
import { Status, STATUS_LABELS } from '../../wasm/status.js';
import type { TileRepository } from './tileStore.js';
import { cellCount, linspace, xRangeOf, yRangeOf } from './grid.js';
import { checkMemory, resolveHeatmapOptions, type HeatmapOptions, type ResolvedHeatmap } from './resolve.js';
import {
  runSweep,
  SweepPool,
  type InvariantSetArrays,
  type SharpnessArrays,
  type SweepArrays,
  type TileAccounting,
} from './sweep.js';

/** A heatmap's grid, arrays and counts; `A` narrows the arrays to one map kind. */
export interface HeatmapResult<A extends SweepArrays = SweepArrays> extends ResolvedHeatmap {
  rows: number;
  cols: number;
  xAxis: Float64Array;
  yAxis: Float64Array;
  /** Discriminated by `arrays.map`: 'sharpness' (Fig 3) or 'invariant-set' (Fig 2c). */
  arrays: A;
  /** Cells per status name (sharpness map) or per map class (invariant-set map). */
  counts: Record<string, number>;
  wallSeconds: number;
  /** Where the time went (see HeatmapTimings). */
  timings: HeatmapTimings;
  /** Tiles computed, resumed from a tile store, and retried after worker failures. */
  tiles?: TileAccounting;
}

/** Where a heatmap's time goes, in seconds. */
export interface HeatmapTimings {
  /** Worker time summed over workers: cell initialisation, the GD sweep kernel, the summaries. */
  initSeconds: number;
  sweepSeconds: number;
  summarySeconds: number;
  /** Main-thread time writing tiles to the store (resumable runs) and checkpointing them. */
  persistSeconds: number;
  /** Wall time of the computation: pool start-up, tiles, placement, persistence. */
  computeSeconds: number;
  /** Set by the writer: main-thread time writing the output files (.npy, figure files, manifest). */
  outputSeconds?: number;
  /** Set by the writer: time rendering the figure (SVG and PNG; in a worker, overlapping the writes, when it has one). */
  figureSeconds?: number;
}
/** Invariant-set map classes (Fig 2c). */
export const INVARIANT_CLASSES = [
  { code: 0, label: 'outside 𝕊, φ monotone', color: '#9ecae1' },
  { code: 1, label: 'outside 𝕊, φ increased or π ≤ 0 later', color: '#fdae6b' },
  { code: 2, label: 'in 𝕊, φ monotone', color: '#08519c' },
  { code: 3, label: 'in 𝕊, Theorem 3.2 violated', color: '#e31a1c' },
  { code: 4, label: 'no GFS at start (π₀ ≤ 0)', color: '#252525' },
  { code: 5, label: 'outside 𝕊, GD diverged', color: '#bdbdbd' },
] as const;

/**
 * Class code per cell of an invariant-set map. A cell in 𝕊 whose φ increased, whose product later
 * reached ≤ 0 or whose GD diverged violates Theorem 3.2 (class 3).
 */
export function invariantClasses(
  member: Uint8Array,
  monotone: Uint8Array,
  gdStatus: Uint8Array,
  initGfsSharpness: Float64Array,
): Uint8Array {
  return Uint8Array.from(member, (m, k) => {
    if (Number.isNaN(initGfsSharpness[k])) return 4;
    const keptMonotone = monotone[k] === 1 && gdStatus[k] !== Status.diverged;
    if (m === 1) return keptMonotone ? 2 : 3;
    if (gdStatus[k] === Status.diverged) return 5;
    return monotone[k] === 1 ? 0 : 1;
  });
}

function countCodes(codes: Uint8Array, labels: readonly string[]): Record<string, number> {
  const histogram = new Float64Array(256);
  for (let k = 0; k < codes.length; k++) {
    const c = codes[k] as number;
    histogram[c] = (histogram[c] as number) + 1;
  }
  return Object.fromEntries(labels.map((l, code) => [l, histogram[code] as number]));
}

/** Run a heatmap sweep on the worker pool. */
/**
 * Runs a heatmap sweep. Without `map` (or with `map: 'sharpness'`) the result holds the
 * sharpness arrays (`arrays.finalSharpness`, …); with `map: 'invariant-set'`, the Fig 2c arrays.
 */
export function heatmap(options?: HeatmapOptions & { map?: 'sharpness' }): Promise<HeatmapResult<SharpnessArrays>>;
export function heatmap(options: HeatmapOptions & { map: 'invariant-set' }): Promise<HeatmapResult<InvariantSetArrays>>;
export function heatmap(options?: HeatmapOptions): Promise<HeatmapResult>;
export async function heatmap(options: HeatmapOptions = {}): Promise<HeatmapResult> {
  checkHooks(options as { onProgress?: unknown; signal?: unknown });
  if (options.pool !== undefined && !(options.pool instanceof SweepPool)) {
    throw invalidOption('pool', options.pool, 'a SweepPool');
  }
  const resolved = resolveHeatmapOptions(options);
  checkMemory(cellCount(resolved.grid), 'a heatmap');
  return runHeatmap(resolved, options);
}

export async function runHeatmap(
  resolved: ResolvedHeatmap,
  hooks: Pick<HeatmapOptions, 'signal' | 'onProgress' | 'pool'> & { store?: TileRepository } = {},
): Promise<HeatmapResult> {
  const started = performance.now();
  const poolOptions: Parameters<typeof runSweep>[1] = {
    workers: resolved.workers,
    tileSize: resolved.tileSize,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.pool ? { pool: hooks.pool } : {}),
    ...(hooks.store ? { store: hooks.store } : {}),
  };
  const arrays = await runSweep(resolved, poolOptions);
  const result = heatmapResult(
    { ...resolved, workers: hooks.pool ? hooks.pool.workers : resolved.workers },
    arrays,
    (performance.now() - started) / 1000,
  );
  result.tiles = arrays.tiles;
  return result;
}

/** Counts, axes and metadata around the arrays of a finished sweep (also used by `merge`). */
export function heatmapResult(resolved: ResolvedHeatmap, arrays: SweepArrays, wallSeconds: number): HeatmapResult {
  const { grid } = resolved;
  const counts =
    arrays.map === 'sharpness'
      ? countCodes(arrays.status, STATUS_LABELS.slice(0, Status.running))
      : countCodes(
          invariantClasses(arrays.member, arrays.monotone, arrays.gdStatus, arrays.initGfsSharpness),
          INVARIANT_CLASSES.map((c) => c.label),
        );
  return {
    ...resolved,
    rows: grid.rows,
    cols: grid.cols,
    xAxis: linspace(xRangeOf(grid), grid.cols),
    yAxis: linspace(yRangeOf(grid), grid.rows),
    arrays,
    counts,
    wallSeconds,
    timings: {
      initSeconds: arrays.initSeconds,
      sweepSeconds: arrays.kernelSeconds,
      summarySeconds: arrays.summarySeconds,
      persistSeconds: arrays.persistSeconds,
      computeSeconds: wallSeconds,
    },
  };
}
