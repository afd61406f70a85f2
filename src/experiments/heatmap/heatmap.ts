/**
 * Sharpness-at-convergence heatmaps (the paper's Fig 3) and invariant-set maps (Fig 2c):
 * validated options → a sweep over the worker pool → arrays, counts and output files.
 */
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { checkWeights, defaultDirection, resolveFamilyDirection } from '../../api.js';
import { checkHooks, conflict, EoslabError, invalidOption } from '../../base/errors.js';
import { writeFileAtomic, writeOutputDirectory } from '../../io/atomic.js';
import { writeManifest } from '../../io/manifest.js';
import { writeNpy } from '../../io/npy.js';
import { DEFAULTS, OPTIONS, type OptionSpec } from '../../options.js';
import { categoricalMap, heatmapFigure, sideBySide, svgSize, svgToPng } from '../../plot/index.js';
import { heatmapPreset } from '../../base/presets.js';
import { runSweep, SweepPool, type SweepArrays, type TileAccounting } from './sweep.js';
import type { TileStore } from '../../io/store.js';
import {
  axisLabels,
  cellCount,
  linspace,
  xRangeOf,
  yRangeOf,
  type GridSpec,
  type KernelKind,
  type MapKind,
  type RunSpec,
} from './grid.js';
import { Status, STATUS_LABELS } from '../../base/status.js';

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

export interface HeatmapResult extends ResolvedHeatmap {
  rows: number;
  cols: number;
  xAxis: Float64Array;
  yAxis: Float64Array;
  arrays: SweepArrays;
  /** Cells per status name (sharpness map) or per map class (invariant-set map). */
  counts: Record<string, number>;
  wallSeconds: number;
  /** Tiles computed, resumed from a tile store, and retried after worker failures. */
  tiles?: TileAccounting;
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
  const counts: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const c of codes) {
    const label = labels[c];
    if (label !== undefined) counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** Run a heatmap sweep on the worker pool. */
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
  hooks: Pick<HeatmapOptions, 'signal' | 'onProgress' | 'pool'> & { store?: TileStore } = {},
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
  };
}

/** Status classes drawn over the colour map in the Fig 3 heatmap. */
const STATUS_CLASSES = [
  { code: Status.diverged, label: 'diverged', color: '#d7301f' },
  { code: Status.maxSteps, label: 'not converged (max steps)', color: '#f0f0f0' },
  { code: Status.noGfs, label: 'no GFS (π₀ ≤ 0)', color: '#000000' },
  { code: Status.nonFinite, label: 'non-finite', color: '#ff00ff' },
];

function gridTitle(r: HeatmapResult): string {
  const g = r.grid;
  const where = g.kind === 'family' ? `D = ${g.depth}` : `slice of D = ${g.depth}`;
  return `${where}, η = ${r.run.eta}, ${r.rows}×${r.cols}`;
}

/** Largest raster side drawn in a figure; larger grids are subsampled for the picture only. */
export const FIGURE_MAX_SIDE = 2048;

/** Nearest-cell subsampling of a row-major grid to at most `maxSide` cells per side. */
function forFigure<T extends Float64Array | Uint8Array>(
  data: T,
  rows: number,
  cols: number,
  maxSide = FIGURE_MAX_SIDE,
): { data: T; rows: number; cols: number; note: string } {
  if (rows <= maxSide && cols <= maxSide) return { data, rows, cols, note: '' };
  const r = Math.min(rows, maxSide);
  const c = Math.min(cols, maxSide);
  const out = new (data.constructor as { new (n: number): T })(r * c);
  for (let i = 0; i < r; i++) {
    const src = Math.floor(((i + 0.5) * rows) / r);
    for (let j = 0; j < c; j++) out[i * c + j] = data[src * cols + Math.floor(((j + 0.5) * cols) / c)] as number;
  }
  return { data: out, rows: r, cols: c, note: ` (drawn at ${r}×${c})` };
}

/** Lower end of the colour scale of Fig 3's second panel, which separates 0.98 from 1. */
export const EDGE_ZOOM_LOW = 0.95;
/** Largest raster side of that panel (it shows the same cells; a coarser raster is enough). */
const EDGE_ZOOM_MAX_SIDE = 1024;
/** Category code of converged cells below EDGE_ZOOM_LOW in the second panel. */
const BELOW_ZOOM = 250;

/**
 * Fig 3: final sharpness as a fraction of 2/η with the non-converged statuses as their own layer,
 * in two panels: (a) the whole range, (b) the same map with its colour scale on [0.95, 1], where
 * a viridis step of 0.01 is a fifth of the scale, so S∞ = 0.98·2/η and S∞ = 2/η look different.
 */
export function heatmapSvg(r: HeatmapResult): string {
  if (r.arrays.map !== 'sharpness') throw new TypeError('heatmapSvg needs a sharpness map');
  const a = r.arrays;
  const fraction = Float64Array.from(a.finalSharpness, (s) => (s * r.run.eta) / 2);
  let lo = Infinity;
  for (const v of fraction) if (Number.isFinite(v)) lo = Math.min(lo, v);
  const vmin = Number.isFinite(lo) ? Math.min(0.9, Math.floor(lo * 10) / 10) : 0;
  const labels = axisLabels(r.grid);
  const threshold = 2 / r.run.eta;
  const reference =
    r.grid.kind === 'family' && threshold > r.grid.phiRange[0] && threshold < r.grid.phiRange[1]
      ? [{ orientation: 'vertical' as const, at: threshold, label: 'φ₀ = 2/η' }]
      : [];
  const statusClasses = STATUS_CLASSES.map((c) => ({ ...c, count: r.counts[STATUS_LABELS[c.code] as string] ?? 0 }));
  const panel = {
    width: 760,
    xRange: xRangeOf(r.grid),
    yRange: yRangeOf(r.grid),
    extent: 'centers' as const,
    xLabel: labels.x,
    yLabel: labels.y,
    colorbarLabel: 'final sharpness S / (2/η)',
    referenceLines: reference,
  };
  const values = forFigure(fraction, r.rows, r.cols);
  const codes = forFigure(a.status, r.rows, r.cols);
  const whole = heatmapFigure({
    ...panel,
    idPrefix: 'fig3a',
    title: '(a) all converged cells',
    rows: values.rows,
    cols: values.cols,
    values: values.data,
    valueRange: [vmin, 1],
    categories: { codes: codes.data, classes: statusClasses },
  });
  const zoomValues = forFigure(fraction, r.rows, r.cols, EDGE_ZOOM_MAX_SIDE);
  const zoomCodes = forFigure(a.status, r.rows, r.cols, EDGE_ZOOM_MAX_SIDE).data.slice();
  let below = 0;
  for (let i = 0; i < fraction.length; i++) if ((fraction[i] as number) < EDGE_ZOOM_LOW) below++;
  zoomValues.data.forEach((v, i) => {
    if (v < EDGE_ZOOM_LOW) zoomCodes[i] = BELOW_ZOOM;
  });
  const edge = heatmapFigure({
    ...panel,
    idPrefix: 'fig3b',
    title: `(b) colour scale on [${EDGE_ZOOM_LOW}, 1]: near the edge of stability`,
    rows: zoomValues.rows,
    cols: zoomValues.cols,
    values: zoomValues.data,
    valueRange: [EDGE_ZOOM_LOW, 1],
    categories: {
      codes: zoomCodes,
      classes: [
        ...statusClasses,
        { code: BELOW_ZOOM, label: `converged, S/(2/η) < ${EDGE_ZOOM_LOW}`, color: '#a8a8a8', count: below },
      ],
    },
  });
  const figure = hasFig3Setting(r) ? 'Fig 3 · ' : '';
  return sideBySide([whole, edge], `${figure}Final sharpness / (2/η) · ${gridTitle(r)}${values.note}`);
}

/**
 * Whether a map uses the paper's Fig 3 setting (the fig3 preset's depth, direction, η, ranges and
 * stopping rule), whatever its resolution: only then do its titles carry a figure number.
 */
function hasFig3Setting(r: ResolvedHeatmap): boolean {
  const g = r.grid;
  const p = FIG3;
  const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
    a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
  return (
    g.kind === 'family' &&
    g.depth === p.depth &&
    same(g.direction, defaultDirection(p.depth)) &&
    same(g.phiRange, p.phiRange) &&
    same(g.productRange, p.productRange) &&
    r.run.eta === p.eta &&
    r.run.tol === p.tol &&
    r.run.maxSteps === p.maxSteps &&
    r.run.divergeAt === p.divergeAt
  );
}

/** Fig 2c: membership of the initialisation in 𝕊 and monotonicity of φ along GD. */
export function invariantSetSvg(r: HeatmapResult): string {
  if (r.arrays.map !== 'invariant-set') throw new TypeError('invariantSetSvg needs an invariant-set map');
  const labels = axisLabels(r.grid);
  const codes = forFigure(
    invariantClasses(r.arrays.member, r.arrays.monotone, r.arrays.gdStatus, r.arrays.initGfsSharpness),
    r.rows,
    r.cols,
  );
  return categoricalMap({
    width: 820,
    title: `${hasFig3Setting(r) ? 'Fig 2c · ' : ''}Invariant set 𝕊 and monotone φ · ${gridTitle(r)}${codes.note}`,
    rows: codes.rows,
    cols: codes.cols,
    codes: codes.data,
    classes: INVARIANT_CLASSES.map((c) => ({ ...c, count: r.counts[c.label] ?? 0 })),
    xRange: xRangeOf(r.grid),
    yRange: yRangeOf(r.grid),
    extent: 'centers',
    xLabel: labels.x,
    yLabel: labels.y,
  });
}

/**
 * Writes the .npy arrays, the figure (PNG + SVG) and manifest.json into `out` as one set (staged,
 * then swapped into place). Returns the file names.
 */
export function writeHeatmap(out: string, r: HeatmapResult, extra: Record<string, unknown> = {}): string[] {
  let files: string[] = [];
  writeOutputDirectory(out, (staging) => {
    files = writeHeatmapFiles(staging, r, extra);
  });
  return files;
}

function writeHeatmapFiles(dir: string, r: HeatmapResult, extra: Record<string, unknown>): string[] {
  const shape = [r.rows, r.cols];
  const files: string[] = [];
  const npy = (name: string, data: Float64Array | Int32Array | Uint8Array, dims: readonly number[] = shape): void => {
    writeNpy(join(dir, name), data, dims);
    files.push(name);
  };
  npy('init_gfs_sharpness.npy', r.arrays.initGfsSharpness);
  npy('init_product.npy', r.arrays.initProduct);
  npy('x_axis.npy', r.xAxis, [r.cols]);
  npy('y_axis.npy', r.yAxis, [r.rows]);
  let svg: string;
  let figure: string;
  if (r.arrays.map === 'sharpness') {
    npy('final_sharpness.npy', r.arrays.finalSharpness);
    npy('steps.npy', r.arrays.steps);
    npy('status.npy', r.arrays.status);
    npy('gd_status.npy', r.arrays.gdStatus);
    svg = heatmapSvg(r);
    figure = 'heatmap';
  } else {
    npy('in_invariant_set.npy', r.arrays.member);
    npy('gfs_monotone.npy', r.arrays.monotone);
    npy('gd_status.npy', r.arrays.gdStatus);
    npy(
      'map_class.npy',
      invariantClasses(r.arrays.member, r.arrays.monotone, r.arrays.gdStatus, r.arrays.initGfsSharpness),
    );
    svg = invariantSetSvg(r);
    figure = 'invariant_set';
  }
  writeFileAtomic(join(dir, `${figure}.svg`), svg);
  writeFileAtomic(join(dir, `${figure}.png`), svgToPng(svg, { width: 2 * svgSize(svg).width }));
  files.push(`${figure}.svg`, `${figure}.png`);
  writeManifest(dir, {
    command: 'heatmap',
    options: {
      preset: r.preset ?? null,
      grid: r.grid,
      run: r.run,
      map: r.map,
      kernel: r.kernel,
      workers: r.workers,
      tileSize: r.tileSize,
      axes: {
        x: { label: axisLabels(r.grid).x, range: xRangeOf(r.grid) },
        y: { label: axisLabels(r.grid).y, range: yRangeOf(r.grid) },
      },
      ...extra,
    },
    timings: { kernelSeconds: r.arrays.kernelSeconds, wallSeconds: r.wallSeconds },
    outputs: files,
    summary: {
      cells: cellCount(r.grid),
      counts: r.counts,
      layout: 'row i = second axis (y), column j = first axis (x); arrays are C-order (rows, cols)',
      codes:
        r.arrays.map === 'sharpness'
          ? {
              'status.npy': Object.fromEntries(STATUS_LABELS.slice(0, Status.running).map((l, i) => [i, l])),
              'gd_status.npy': { 0: 'converged', 1: 'diverged', 2: 'max-steps' },
            }
          : {
              'in_invariant_set.npy': { 0: 'not in 𝕊', 1: 'in 𝕊' },
              'gfs_monotone.npy': { 0: 'φ increased', 1: 'φ non-increasing', 2: 'π ≤ 0 at some step (φ undefined)' },
              'gd_status.npy': { 0: 'converged', 1: 'diverged', 2: 'max-steps' },
              'map_class.npy': Object.fromEntries(INVARIANT_CLASSES.map((c) => [c.code, c.label])),
            },
      ...(r.tiles ? { tiles: r.tiles } : {}),
      ...(r.arrays.map === 'sharpness'
        ? {
            totalSteps: r.arrays.totalSteps,
            kernelSecondsNote: 'kernelSeconds is summed over workers (time inside the GD sweep kernel)',
            mstepsPerSecondPerWorker:
              r.arrays.kernelSeconds > 0 ? r.arrays.totalSteps / r.arrays.kernelSeconds / 1e6 : null,
          }
        : {}),
    },
  });
  files.push('manifest.json');
  return files;
}
