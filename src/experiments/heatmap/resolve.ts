/**
 * Options of the heatmaps (Fig 3) and invariant-set maps (Fig 2c): their types, defaults and
 * validation into a ResolvedHeatmap (errors name the option and the value), and the memory check
 * that refuses, before any work, a grid that would not fit.
 */
import { totalmem } from 'node:os';
import { checkWeights, resolveFamilyDirection } from '../../api.js';
import { conflict, EoslabError, invalidOption } from '../../base/errors.js';
import { heatmapPreset, type HeatmapPreset } from '../../base/presets.js';
import { OPTIONS } from '../../base/options.js';
import { CORES, defineOptions, derived, resolveOptions } from '../../base/optionSet.js';
import { autoTileSize, type GridSpec, type KernelKind, type MapKind, type RunSpec } from './grid.js';
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

export interface SliceOptions {
  /** The fixed point; its depth is the network's. */
  base: ArrayLike<number>;
  /** 0-based indices of the weights on the x (columns) and y (rows) axes. */
  axes: readonly [number, number];
  xRange: readonly [number, number];
  yRange: readonly [number, number];
}

export interface HeatmapOptions {
  /** Named setting (model.md §2); its values are defaults for the options below. */
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
  /** Cells per tile (default: by grid size, autoTileSize — 1024 up to 256², 16 384 at 2048²). */
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

/** A value of the preset (fig3's unless another is given). */
function fromPreset<K extends 'eta' | 'maxSteps' | 'tol' | 'divergeAt'>(key: K) {
  return derived(`${FIG3[key]} (the preset’s)`, (o: { preset: string }) => heatmapPreset(o.preset)[key]);
}

/** The preset's value in words, for options whose default `resolveHeatmapOptions` works out. */
function presetText(key: keyof HeatmapPreset): string {
  const value = FIG3[key];
  return `${Array.isArray(value) ? value.join(',') : String(value)} (the preset’s)`;
}

/**
 * The options of heatmaps and invariant-set maps (the slice grid is given as `slice`), with their
 * defaults: the preset's (docs/model.md §2) for the run and the family. The depth, direction and ranges are
 * resolved together by `resolveHeatmapOptions`.
 */
export const HEATMAP_OPTIONS = defineOptions({
  preset: { spec: OPTIONS.heatmapPreset, default: 'fig3' },
  /** 256 × 256 = 65 536 initialisations, about a second on 2 cores. */
  resolution: { spec: OPTIONS.resolution, default: 256 },
  rows: { spec: OPTIONS.rows },
  cols: { spec: OPTIONS.cols },
  eta: { spec: OPTIONS.eta, default: fromPreset('eta') },
  depth: {
    spec: OPTIONS.depth,
    help: 'depth D of the (φ₀, p₀) family',
    defaultText: `the direction’s length, else ${presetText('depth')}`,
  },
  direction: { spec: OPTIONS.direction, defaultText: '(1,…,1,−…) with Σc = 0' },
  phiRange: { spec: OPTIONS.phiRange, defaultText: presetText('phiRange') },
  productRange: { spec: OPTIONS.productRange, defaultText: presetText('productRange') },
  maxSteps: { spec: OPTIONS.maxSteps, default: fromPreset('maxSteps') },
  tol: { spec: OPTIONS.tol, default: fromPreset('tol') },
  divergeAt: { spec: OPTIONS.divergeAt, default: fromPreset('divergeAt') },
  map: { spec: OPTIONS.map, default: 'sharpness' },
  kernel: { spec: OPTIONS.kernel, default: 'simd' },
  workers: { spec: OPTIONS.workers, default: CORES },
  tileSize: { spec: OPTIONS.tileSize, defaultText: 'by grid size: ≈ 256 tiles, 1024 to 65536 cells' },
});

/** Default cells per axis. */
export const DEFAULT_RESOLUTION = HEATMAP_OPTIONS.resolution.default;

/** Validate and resolve heatmap options; throws EoslabError naming the offending option. */
export function resolveHeatmapOptions(options: HeatmapOptions): ResolvedHeatmap {
  const preset = options.preset !== undefined ? heatmapPreset(options.preset) : FIG3;
  if (options.resolution !== undefined && (options.rows !== undefined || options.cols !== undefined)) {
    throw conflict('give either resolution or rows/cols, not both', 'resolution');
  }
  const o = resolveOptions(HEATMAP_OPTIONS, options);
  const rows = o.rows ?? o.resolution;
  const cols = o.cols ?? o.resolution;
  const cells = rows * cols;
  if (cells > MAX_CELLS) {
    const gib = ((cells * BYTES_PER_CELL) / 2 ** 30).toFixed(0);
    throw invalidOption(
      'resolution',
      `${rows}×${cols}`,
      `at most ${MAX_CELLS} cells per run (this grid needs ≈ ${gib} GiB)`,
    );
  }
  const run: RunSpec = { eta: o.eta, tol: o.tol, divergeAt: o.divergeAt, maxSteps: o.maxSteps };
  if (!(run.tol > 0)) {
    // with tol = 0 no cell can converge and the map would be empty
    throw invalidOption('tol', run.tol, 'a loss threshold > 0 for heatmaps (cells converge when the loss is below it)');
  }
  let grid: GridSpec;
  if (options.slice !== undefined) {
    if (o.phiRange !== undefined || o.productRange !== undefined || o.direction !== undefined) {
      throw conflict('a slice grid takes xRange/yRange, not phiRange/productRange/direction', 'slice');
    }
    const base = checkWeights(options.slice.base, 'slice.base');
    const depth = base.length;
    if (o.depth !== undefined && o.depth !== depth) {
      throw invalidOption('depth', o.depth, `the slice base's depth ${depth}`);
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
      xRange: OPTIONS.xRange.check(options.slice.xRange, 'slice.xRange'),
      yRange: OPTIONS.yRange.check(options.slice.yRange, 'slice.yRange'),
      rows,
      cols,
    };
  } else {
    const { direction, depth } = resolveFamilyDirection(o, preset.depth);
    const phiRange = o.phiRange ?? OPTIONS.phiRange.check(preset.phiRange, 'phiRange');
    if (phiRange[0] < depth) {
      if (o.phiRange === undefined) {
        throw conflict(
          `the default φ₀ range [${phiRange.join(', ')}] starts below the depth ${depth} (φ₀ ≥ D): give phiRange`,
          'phiRange',
        );
      }
      throw invalidOption('phiRange', Array.from(phiRange), `GFS sharpness values >= the depth ${depth} (φ₀ ≥ D)`);
    }
    const productRange = o.productRange ?? OPTIONS.productRange.check(preset.productRange, 'productRange');
    grid = { kind: 'family', depth, direction: Array.from(direction), phiRange, productRange, rows, cols };
  }
  const resolved: ResolvedHeatmap = {
    grid,
    run,
    map: o.map,
    kernel: o.kernel,
    workers: o.workers,
    tileSize: o.tileSize ?? autoTileSize(cells),
  };
  if (options.preset !== undefined) resolved.preset = options.preset;
  return resolved;
}
