/**
 * Options of the heatmaps (Fig 3) and invariant-set maps (Fig 2c): their types, defaults and
 * validation into a ResolvedHeatmap (errors name the option and the value), and the memory check
 * that refuses, before any work, a grid that would not fit.
 */
import { availableParallelism, totalmem } from 'node:os';
import { checkWeights, resolveFamilyDirection } from '../../api.js';
import { conflict, EoslabError, invalidOption } from '../../base/errors.js';
import { heatmapPreset } from '../../base/presets.js';
import { DEFAULTS, OPTIONS, type OptionSpec } from '../../base/options.js';
import type { GridSpec, KernelKind, MapKind, RunSpec } from './grid.js';
import type { SweepPool } from './sweep.js';

/** Largest grid: cell indices are 32-bit in the kernels. */
export const MAX_CELLS = 2 ** 31 - 1;
/**
 * Bytes per cell at the peak of a run or merge: the arrays (3 float64 + int32 + 2 uint8 = 30 B),
 * tiles in flight, the .npy encodings and the figure — measured 85–95 B/cell when merging 2048²
 * and 4096² grids, so 96.
 */
export const BYTES_PER_CELL = 96;

/**
 * Memory a run may use: EOSLAB_MEMORY_LIMIT (bytes) if set, else 75 % of this machine's memory.
 */
export function memoryBudget(env: NodeJS.ProcessEnv = process.env): number {
  const limit = Number(env.EOSLAB_MEMORY_LIMIT);
  return Number.isFinite(limit) && limit > 0 ? limit : 0.75 * totalmem();
}

/**
 * Refuses, before any work, a grid whose arrays would not fit in memory, with the estimate and
 * the way out (shards hold only their tiles; merging needs the whole grid once).
 */
export function checkMemory(cells: number, what: string, env: NodeJS.ProcessEnv = process.env): void {
  const need = cells * BYTES_PER_CELL;
  const budget = memoryBudget(env);
  if (need > budget) {
    const gib = (x: number): string => (x / 2 ** 30).toFixed(1);
    throw new EoslabError(
      'E_MEMORY',
      `${what} of ${cells} cells needs ≈ ${gib(need)} GiB of memory (${BYTES_PER_CELL} bytes per cell) but ${gib(budget)} GiB are available: split it with --shard i/n on machines that together hold it, or lower --resolution`,
      'resolution',
      cells,
    );
  }
}
/** Default cells per axis: 256 × 256 = 65 536 initialisations, about a second on 2 cores. */
export const DEFAULT_RESOLUTION = DEFAULTS.resolution;

export interface SliceOptions {
  /** The fixed point; its depth is the network's. */
  base: ArrayLike<number>;
  /** 0-based indices of the weights on the x (columns) and y (rows) axes. */
  axes: readonly [number, number];
  xRange: readonly [number, number];
  yRange: readonly [number, number];
}

export interface HeatmapOptions {
  /** Named setting (SPEC §2); its values are defaults for the options below. */
  preset?: string;
  /** rows = cols = resolution. */
  resolution?: number;
  rows?: number;
  cols?: number;
  eta?: number;
  depth?: number;
  direction?: ArrayLike<number>;
  /** φ₀ range of the (φ₀, p₀) family (columns). */
  phiRange?: readonly [number, number];
  /** p₀ range (rows). */
  productRange?: readonly [number, number];
  /** Sweep a 2-D slice of weight space instead of the (φ₀, p₀) family. */
  slice?: SliceOptions;
  maxSteps?: number;
  tol?: number;
  divergeAt?: number;
  map?: MapKind;
  kernel?: KernelKind;
  /** Worker threads (default: available cores; 0 = this thread). */
  workers?: number;
  /** Cells per tile (default DEFAULTS.tileSize = 1024). */
  tileSize?: number;
  signal?: AbortSignal;
  onProgress?: (cellsDone: number, cellsTotal: number) => void;
  /** A running pool to use (its worker count wins over `workers`); default: a pool for this run. */
  pool?: SweepPool;
}

export interface ResolvedHeatmap {
  grid: GridSpec;
  run: RunSpec;
  map: MapKind;
  kernel: KernelKind;
  workers: number;
  tileSize: number;
  preset?: string;
}

const FIG3 = heatmapPreset('fig3');

function checkRange(
  value: unknown,
  label: string,
  spec: OptionSpec<readonly [number, number]>,
): readonly [number, number] {
  return spec.check(value, label);
}

/** Validate and resolve heatmap options; throws EoslabError naming the offending option. */
export function resolveHeatmapOptions(options: HeatmapOptions): ResolvedHeatmap {
  const preset = options.preset !== undefined ? heatmapPreset(options.preset) : FIG3;
  if (options.resolution !== undefined && (options.rows !== undefined || options.cols !== undefined)) {
    throw conflict('give either resolution or rows/cols, not both', 'resolution');
  }
  const resolution =
    options.resolution !== undefined ? OPTIONS.resolution.check(options.resolution, 'resolution') : DEFAULT_RESOLUTION;
  const rows = options.rows !== undefined ? OPTIONS.rows.check(options.rows, 'rows') : resolution;
  const cols = options.cols !== undefined ? OPTIONS.cols.check(options.cols, 'cols') : resolution;
  const cells = rows * cols;
  if (cells > MAX_CELLS) {
    const gib = ((cells * BYTES_PER_CELL) / 2 ** 30).toFixed(0);
    throw invalidOption(
      'resolution',
      `${rows}×${cols}`,
      `at most ${MAX_CELLS} cells per run (this grid needs ≈ ${gib} GiB)`,
    );
  }
  const run: RunSpec = {
    eta: OPTIONS.eta.check(options.eta ?? preset.eta, 'eta'),
    tol: OPTIONS.tol.check(options.tol ?? preset.tol, 'tol'),
    divergeAt: OPTIONS.divergeAt.check(options.divergeAt ?? preset.divergeAt, 'divergeAt'),
    maxSteps: OPTIONS.maxSteps.check(options.maxSteps ?? preset.maxSteps, 'maxSteps'),
  };
  if (!(run.tol > 0)) {
    // with tol = 0 no cell can converge and the map would be empty
    throw invalidOption('tol', run.tol, 'a loss threshold > 0 for heatmaps (cells converge when the loss is below it)');
  }
  let grid: GridSpec;
  if (options.slice !== undefined) {
    if (options.phiRange !== undefined || options.productRange !== undefined || options.direction !== undefined) {
      throw conflict('a slice grid takes xRange/yRange, not phiRange/productRange/direction', 'slice');
    }
    const base = checkWeights(options.slice.base, 'slice.base');
    const depth = base.length;
    if (options.depth !== undefined && options.depth !== depth) {
      throw invalidOption('depth', options.depth, `the slice base's depth ${depth}`);
    }
    const axes = options.slice.axes;
    const axisOk = (a: unknown): boolean => Number.isInteger(a) && (a as number) >= 0 && (a as number) < depth;
    if (!Array.isArray(axes) || axes.length !== 2 || !axisOk(axes[0]) || !axisOk(axes[1]) || axes[0] === axes[1]) {
      throw invalidOption('slice.axes', axes, `two different weight indices in 0..${depth - 1}`);
    }
    grid = {
      kind: 'slice',
      depth,
      base: Array.from(base),
      axes: [axes[0], axes[1]],
      xRange: checkRange(options.slice.xRange, 'slice.xRange', OPTIONS.xRange),
      yRange: checkRange(options.slice.yRange, 'slice.yRange', OPTIONS.yRange),
      rows,
      cols,
    };
  } else {
    const { direction, depth } = resolveFamilyDirection(options, preset.depth);
    const phiRange = checkRange(options.phiRange ?? preset.phiRange, 'phiRange', OPTIONS.phiRange);
    if (phiRange[0] < depth) {
      if (options.phiRange === undefined) {
        throw conflict(
          `the default φ₀ range [${phiRange.join(', ')}] starts below the depth ${depth} (φ₀ ≥ D): give phiRange`,
          'phiRange',
        );
      }
      throw invalidOption('phiRange', Array.from(phiRange), `GFS sharpness values >= the depth ${depth} (φ₀ ≥ D)`);
    }
    const productRange = checkRange(options.productRange ?? preset.productRange, 'productRange', OPTIONS.productRange);
    grid = { kind: 'family', depth, direction: Array.from(direction), phiRange, productRange, rows, cols };
  }
  const map = options.map !== undefined ? OPTIONS.map.check(options.map, 'map') : 'sharpness';
  const kernel = options.kernel !== undefined ? OPTIONS.kernel.check(options.kernel, 'kernel') : 'simd';
  const workers =
    options.workers !== undefined ? OPTIONS.workers.check(options.workers, 'workers') : availableParallelism();
  const tileSize =
    options.tileSize !== undefined ? OPTIONS.tileSize.check(options.tileSize, 'tileSize') : DEFAULTS.tileSize;
  const resolved: ResolvedHeatmap = { grid, run, map, kernel, workers, tileSize };
  if (options.preset !== undefined) resolved.preset = options.preset;
  return resolved;
}
