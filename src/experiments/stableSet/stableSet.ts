/**
 * Damian et al.'s stable set ℳ = {θ : S(θ) ≤ 2/η and ∇L(θ)·u(θ) = 0} (u the top Hessian
 * eigenvector, by the Jacobi kernel) of the depth-3 scalar network on a 2-D slice of weight space
 * (the paper's Fig 7, model.md §3). Kernels: assembly/scalar/stableSet.ts.
 *
 * Parametrisation: the slice (w₁, w₂) with w₃ = c fixed (default c = 0.5, w₁, w₂ ∈ [0, 3]). Every
 * quantity in ℳ's definition is invariant under flipping the signs of two weights, so the quadrant
 * w₁, w₂ ≥ 0 with c > 0 shows all of it. Derived from H = π(2π−1) vvᵀ − π(π−1) diag(v²) (v = w⁻¹):
 * off the minima, ∇L·u = (π − 1) π v·u vanishes exactly when the two smallest |wᵢ| are equal and
 * 0 < π < 1/2 (then the top eigenvector is ⊥ v), so on this slice ℳ's non-minimum part lies on
 * w₁ = w₂ ≤ c, w₁ = c ≤ w₂ and w₂ = c ≤ w₁, ending where π = 1/2 (L = 1/8), and the minima lie on
 * w₁w₂ = 1/c. The slice shows both parts and the gap between them.
 *
 * Detection of the measure-zero set {∇L·u = 0}: sign changes of ∇L·u along every grid edge
 * (rows and columns) with u oriented continuously between the edge's ends, refined by bisection
 * to machine precision. A tolerance band |∇L·u| ≤ τ would either miss the curves (band narrower
 * than a cell) or smear them; and with the solver's sign convention (largest entry of u
 * positive) ∇L·u touches 0 without changing sign on w₁ = w₂, so the orientation is essential.
 * A refined zero is a *minimum* when its loss is ≤ `minLoss`, a *non-minimum* zero when
 * |∇L·u| ≤ ROOT_RTOL·‖∇L‖ there, else a discontinuity of u (a sign change without a zero).
 * A cell belongs to ℳ when a zero with S ≤ 2/η lies in it (the zero at t ∈ [0, 1] along the edge
 * between two cell centres belongs to the nearer centre).
 */
import { engine as defaultEngine } from '../../api.js';
import { ScalarEngine } from '../../engines/scalar.js';
import {
  ROOT_OUTCOME_LABELS,
  RootOutcome,
  STABLE_SET_CELL_STRIDE,
  STABLE_SET_ROOT_STRIDE,
  StableSetCellColumn as Cell,
  StableSetRootColumn as Root,
} from '../../wasm/abi.js';
import { labelOf } from '../../wasm/decode.js';
import { aborted, checkHooks, conflict, invalidOption } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { defineOptions, resolveOptions } from '../../base/optionSet.js';

/** Depth of the network of Fig 7. */
export const STABLE_SET_DEPTH = 3;
/** Doubles per cell / per edge written by the kernels (layouts generated from assembly/scalar/stableSet.ts). */
const CELL_STRIDE = STABLE_SET_CELL_STRIDE;
const ROOT_STRIDE = STABLE_SET_ROOT_STRIDE;
/** A refined zero with |∇L·u| ≤ ROOT_RTOL·‖∇L‖ is a genuine zero of ∇L·u. */
export const ROOT_RTOL = 1e-6;
/** Cells per kernel call (progress granularity). */
const CELL_CHUNK = 4096;
const EDGE_CHUNK = 1024;

/** The options of `stableSet` and `eoslab stable-set`, with their defaults. */
export const STABLE_SET_OPTIONS = defineOptions({
  eta: { spec: OPTIONS.eta, default: 0.1 },
  fixed: { spec: OPTIONS.fixed, default: 0.5 },
  xRange: { spec: OPTIONS.xRange, help: 'range of w₁ (columns)', default: [0, 3] },
  yRange: { spec: OPTIONS.yRange, help: 'range of w₂ (rows)', default: [0, 3] },
  resolution: { spec: OPTIONS.resolution, default: 301 },
  rows: { spec: OPTIONS.rows, help: 'grid rows (w₂)' },
  cols: { spec: OPTIONS.cols, help: 'grid columns (w₁)' },
  minLoss: { spec: OPTIONS.minLoss, default: 1e-8 },
  refine: { spec: OPTIONS.refine, default: 3 },
});

/** Cell classes (code.npy). Codes not listed are 0: no zero of ∇L·u in the cell, S ≤ 2/η. */
export const STABLE_SET_CLASSES = [
  { code: 1, key: 'minimum', label: 'ℳ: minima (π = 1, S ≤ 2/η)', color: '#ffffff' },
  { code: 2, key: 'nonMinimum', label: 'ℳ: non-minimum part (∇L·u = 0, π ≠ 1)', color: '#e31a1c' },
  { code: 3, key: 'sharpMinimum', label: 'minima with S > 2/η (not in ℳ)', color: '#000000' },
  { code: 4, key: 'sharpZero', label: '∇L·u = 0, π ≠ 1, S > 2/η (not in ℳ)', color: '#ff7f00' },
  { code: 5, key: 'unstable', label: 'S > 2/η', color: '#bdbdbd' },
] as const;

/** Priority when several zeros fall in one cell: the non-minimum part of ℳ is drawn on top. */
const CODE_PRIORITY: Readonly<Record<number, number>> = { 0: 0, 5: 1, 3: 2, 4: 3, 1: 4, 2: 5 };

export interface StableSetOptions {
  /** Step size η (ℳ keeps S ≤ 2/η). Default 0.1. */
  eta?: number;
  /** The fixed weight w₃ = c > 0. Default 0.5. */
  fixed?: number;
  /** w₁ range (columns), inclusive. Default [0, 3]. */
  xRange?: readonly [number, number];
  /** w₂ range (rows), inclusive. Default [0, 3]. */
  yRange?: readonly [number, number];
  /** rows = cols = resolution (default 301). */
  resolution?: number;
  rows?: number;
  cols?: number;
  /** A zero of ∇L·u with loss ≤ minLoss is a minimum (default 1e-8). */
  minLoss?: number;
  /**
   * Zoom levels that refine the smallest loss of the non-minimum part (default 3; 0: none): each
   * scans a 41×41 grid over ±2 cells of the previous level around the minimiser, clipped to the
   * slice's ranges.
   */
  refine?: number;
  signal?: AbortSignal;
  /** Progress: phase 'cells' (per-cell S, ∇L·u) then 'zeros' (bisection on the edges). */
  onProgress?: (phase: 'cells' | 'zeros', done: number, total: number) => void;
  /** Engine (WASM instance) to use; default: the library's. */
  engine?: ScalarEngine;
}

export interface ResolvedStableSet {
  eta: number;
  fixed: number;
  xRange: readonly [number, number];
  yRange: readonly [number, number];
  rows: number;
  cols: number;
  minLoss: number;
  refine: number;
}

/** One zero of ∇L·u found on a grid edge. */
export interface StableSetZero {
  w1: number;
  w2: number;
  loss: number;
  sharpness: number;
  product: number;
  /** |∇L·u| / ‖∇L‖ at the zero (0 where ∇L = 0). */
  relativeResidual: number;
  kind: 'minimum' | 'non-minimum';
  /** S ≤ 2/η: the zero belongs to ℳ. */
  inSet: boolean;
  /** Cell (row, col) the zero is assigned to. */
  row: number;
  col: number;
}

export interface SmallestLoss {
  loss: number;
  w1: number;
  w2: number;
  product: number;
  sharpness: number;
}

export interface StableSetArrays {
  /** S per cell. */
  sharpness: Float64Array;
  /** ∇L·u per cell with the solver's sign convention (largest entry of u positive). */
  gradDotU: Float64Array;
  /** |∇L·u| / ‖∇L‖ per cell (0 where ∇L = 0). */
  relGradDotU: Float64Array;
  loss: Float64Array;
  product: Float64Array;
  /** Class per cell (STABLE_SET_CLASSES; 0 = none). */
  code: Uint8Array;
  /** 1 when the cell is in ℳ (codes 1, 2). */
  inSet: Uint8Array;
  /** 1 when the cell contains a minimum (a zero with loss ≤ minLoss), whatever its S. */
  minimum: Uint8Array;
  /** Smallest loss of a zero of ∇L·u in the cell that is in ℳ (NaN: none). */
  zeroLoss: Float64Array;
}

export interface StableSetResult extends ResolvedStableSet {
  depth: number;
  xAxis: Float64Array;
  yAxis: Float64Array;
  arrays: StableSetArrays;
  zeros: StableSetZero[];
  /** Sign changes of the oriented ∇L·u that were jumps of u, not zeros. */
  discontinuities: number;
  counts: Record<string, number>;
  /** Smallest loss over the zeros of ℳ's non-minimum part on the grid (null: none). */
  smallestNonMinimumLoss: SmallestLoss | null;
  /** The same after `refine` zoom levels around the grid's minimiser (null: none / refine 0). */
  refinedSmallestNonMinimumLoss: SmallestLoss | null;
  wallSeconds: number;
}

function linspace(range: readonly [number, number], count: number): Float64Array {
  const [lo, hi] = range;
  return Float64Array.from({ length: count }, (_, k) => lo + ((hi - lo) * k) / (count - 1));
}

/** Validate and resolve options; errors name the option and the value. */
export function resolveStableSetOptions(options: StableSetOptions = {}): ResolvedStableSet {
  if (options.resolution !== undefined && (options.rows !== undefined || options.cols !== undefined)) {
    throw conflict('give either resolution or rows/cols, not both', 'resolution');
  }
  const o = resolveOptions(STABLE_SET_OPTIONS, options);
  const rows = o.rows ?? o.resolution;
  const cols = o.cols ?? o.resolution;
  if (rows * cols > 1 << 24) {
    throw invalidOption('resolution', `${rows}×${cols}`, `at most ${1 << 24} cells`);
  }
  return {
    eta: o.eta,
    fixed: o.fixed,
    xRange: o.xRange,
    yRange: o.yRange,
    rows,
    cols,
    minLoss: o.minLoss,
    refine: o.refine,
  };
}

interface GridScan {
  arrays: StableSetArrays;
  zeros: StableSetZero[];
  discontinuities: number;
}

/** Per-cell quantities, then the zeros of ∇L·u on every edge (the whole computation of one grid). */
function scanGrid(
  e: ScalarEngine,
  r: ResolvedStableSet,
  xAxis: Float64Array,
  yAxis: Float64Array,
  hooks: Pick<StableSetOptions, 'signal' | 'onProgress'>,
): GridScan {
  const k = e.kernels;
  const a = e.arena;
  const D = STABLE_SET_DEPTH;
  const { rows, cols } = r;
  const cells = rows * cols;
  const threshold = 2 / r.eta;
  const arrays: StableSetArrays = {
    sharpness: new Float64Array(cells),
    gradDotU: new Float64Array(cells),
    relGradDotU: new Float64Array(cells),
    loss: new Float64Array(cells),
    product: new Float64Array(cells),
    code: new Uint8Array(cells),
    inSet: new Uint8Array(cells),
    minimum: new Uint8Array(cells),
    zeroLoss: new Float64Array(cells).fill(Number.NaN),
  };
  const vectors = new Float64Array(cells * D);
  const pointOf = (cell: number, out: Float64Array, offset: number): void => {
    out[offset] = xAxis[cell % cols] as number;
    out[offset + 1] = yAxis[Math.floor(cell / cols)] as number;
    out[offset + 2] = r.fixed;
  };
  const check = (): void => {
    if (hooks.signal?.aborted) throw aborted('the stable-set scan');
  };

  // 1. cells
  for (let start = 0; start < cells; start += CELL_CHUNK) {
    check();
    const n = Math.min(CELL_CHUNK, cells - start);
    const mark = a.mark();
    try {
      const pts = a.alloc(n * D * 8);
      const out = a.alloc(n * CELL_STRIDE * 8);
      const vec = a.alloc(n * D * 8);
      const p = a.f64(pts, n * D);
      for (let c = 0; c < n; c++) pointOf(start + c, p, c * D);
      k.stableSetCells(D, n, pts, out, vec);
      const o = a.f64(out, n * CELL_STRIDE);
      for (let c = 0; c < n; c++) {
        const cell = start + c;
        const S = o[c * CELL_STRIDE + Cell.sharpness] as number;
        const dot = o[c * CELL_STRIDE + Cell.gradientDotEigenvector] as number;
        const norm = o[c * CELL_STRIDE + Cell.gradientNorm] as number;
        arrays.sharpness[cell] = S;
        arrays.gradDotU[cell] = dot;
        arrays.relGradDotU[cell] = norm > 0 ? Math.abs(dot) / norm : 0;
        arrays.loss[cell] = o[c * CELL_STRIDE + Cell.loss] as number;
        arrays.product[cell] = o[c * CELL_STRIDE + Cell.product] as number;
        if (!(S <= threshold)) arrays.code[cell] = 5;
      }
      vectors.set(a.f64(vec, n * D), start * D);
    } finally {
      a.release(mark);
    }
    hooks.onProgress?.('cells', start + n, cells);
  }

  // 2. candidate edges: a sign change of ∇L·u with u oriented between the two ends
  const candidates: number[] = []; // pairs (cellA, cellB)
  const orientedSignChange = (ca: number, cb: number): boolean => {
    const fa = arrays.gradDotU[ca] as number;
    let fb = arrays.gradDotU[cb] as number;
    let dot = 0;
    for (let i = 0; i < D; i++) dot += (vectors[ca * D + i] as number) * (vectors[cb * D + i] as number);
    if (dot < 0) fb = -fb;
    return fa === 0 || fb === 0 || fa < 0 !== fb < 0;
  };
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const cell = i * cols + j;
      if (j + 1 < cols && orientedSignChange(cell, cell + 1)) candidates.push(cell, cell + 1);
      if (i + 1 < rows && orientedSignChange(cell, cell + cols)) candidates.push(cell, cell + cols);
    }
  }

  // 3. bisection on the candidate edges
  const zeros: StableSetZero[] = [];
  const endpointZeros = new Set<number>();
  let discontinuities = 0;
  const edges = candidates.length / 2;
  for (let start = 0; start < edges; start += EDGE_CHUNK) {
    check();
    const n = Math.min(EDGE_CHUNK, edges - start);
    const mark = a.mark();
    try {
      const left = a.alloc(n * D * 8);
      const right = a.alloc(n * D * 8);
      const out = a.alloc(n * ROOT_STRIDE * 8);
      const l = a.f64(left, n * D);
      const rr = a.f64(right, n * D);
      for (let c = 0; c < n; c++) {
        pointOf(candidates[2 * (start + c)] as number, l, c * D);
        pointOf(candidates[2 * (start + c) + 1] as number, rr, c * D);
      }
      k.stableSetRoots(D, n, left, right, r.minLoss, ROOT_RTOL, out);
      const o = a.f64(out, n * ROOT_STRIDE);
      for (let c = 0; c < n; c++) {
        const code = o[c * ROOT_STRIDE + Root.outcome] as number;
        labelOf(ROOT_OUTCOME_LABELS, code, 'stable-set edge outcome'); // an unknown code is an error
        if (code === RootOutcome.none) continue;
        if (code === RootOutcome.discontinuity) {
          discontinuities++;
          continue;
        }
        const ca = candidates[2 * (start + c)] as number;
        const cb = candidates[2 * (start + c) + 1] as number;
        const t = o[c * ROOT_STRIDE + Root.t] as number;
        const cell = t <= 0.5 ? ca : cb;
        if (t === 0 || t === 1) {
          if (endpointZeros.has(cell)) continue;
          endpointZeros.add(cell);
        }
        const xa = xAxis[ca % cols] as number;
        const ya = yAxis[Math.floor(ca / cols)] as number;
        const xb = xAxis[cb % cols] as number;
        const yb = yAxis[Math.floor(cb / cols)] as number;
        const S = o[c * ROOT_STRIDE + Root.sharpness] as number;
        const loss = o[c * ROOT_STRIDE + Root.loss] as number;
        const kind = code === RootOutcome.minimum ? 'minimum' : 'non-minimum';
        const inSet = S <= threshold;
        zeros.push({
          w1: xa + t * (xb - xa),
          w2: ya + t * (yb - ya),
          loss,
          sharpness: S,
          product: o[c * ROOT_STRIDE + Root.product] as number,
          relativeResidual: o[c * ROOT_STRIDE + Root.relativeResidual] as number,
          kind,
          inSet,
          row: Math.floor(cell / cols),
          col: cell % cols,
        });
        const cellCode = kind === 'minimum' ? (inSet ? 1 : 3) : inSet ? 2 : 4;
        if ((CODE_PRIORITY[cellCode] as number) > (CODE_PRIORITY[arrays.code[cell] as number] as number)) {
          arrays.code[cell] = cellCode;
        }
        if (kind === 'minimum') arrays.minimum[cell] = 1;
        if (inSet && !(loss >= (arrays.zeroLoss[cell] as number))) arrays.zeroLoss[cell] = loss;
      }
    } finally {
      a.release(mark);
    }
    hooks.onProgress?.('zeros', start + n, edges);
  }
  for (let cell = 0; cell < cells; cell++) {
    const c = arrays.code[cell] as number;
    arrays.inSet[cell] = c === 1 || c === 2 ? 1 : 0;
  }
  return { arrays, zeros, discontinuities };
}

function smallestNonMinimum(zeros: readonly StableSetZero[]): SmallestLoss | null {
  let best: StableSetZero | undefined;
  for (const z of zeros) {
    if (z.kind === 'non-minimum' && z.inSet && (best === undefined || z.loss < best.loss)) best = z;
  }
  return best ? { loss: best.loss, w1: best.w1, w2: best.w2, product: best.product, sharpness: best.sharpness } : null;
}

/** Compute ℳ on the slice: per-cell arrays, every zero of ∇L·u, counts and the smallest loss. */
export function stableSet(options: StableSetOptions = {}): StableSetResult {
  checkHooks(options as { onProgress?: unknown });
  if (options.engine !== undefined && !(options.engine instanceof ScalarEngine)) {
    throw invalidOption('engine', options.engine, 'a ScalarEngine');
  }
  const started = performance.now();
  const r = resolveStableSetOptions(options);
  const e = options.engine ?? defaultEngine();
  const xAxis = linspace(r.xRange, r.cols);
  const yAxis = linspace(r.yRange, r.rows);
  const scan = scanGrid(e, r, xAxis, yAxis, options);
  const counts: Record<string, number> = { cells: r.rows * r.cols, none: 0 };
  for (const cls of STABLE_SET_CLASSES) counts[cls.key] = 0;
  for (const c of scan.arrays.code) {
    const cls = STABLE_SET_CLASSES.find((x) => x.code === c);
    if (cls) counts[cls.key] = (counts[cls.key] ?? 0) + 1;
    else counts.none = (counts.none ?? 0) + 1;
  }
  counts.cellsInSet = scan.arrays.inSet.reduce((s, v) => s + v, 0);
  counts.zeros = scan.zeros.length;
  counts.discontinuities = scan.discontinuities;
  const smallest = smallestNonMinimum(scan.zeros);
  // Zoom: a 41×41 grid over ±2 cells around the current minimiser, `refine` times.
  let refined: SmallestLoss | null = null;
  if (smallest && r.refine > 0) {
    let best = smallest;
    let hx = (r.xRange[1] - r.xRange[0]) / (r.cols - 1);
    let hy = (r.yRange[1] - r.yRange[0]) / (r.rows - 1);
    for (let level = 0; level < r.refine; level++) {
      const zoom: ResolvedStableSet = {
        ...r,
        rows: 41,
        cols: 41,
        xRange: [Math.max(r.xRange[0], best.w1 - 2 * hx), Math.min(r.xRange[1], best.w1 + 2 * hx)],
        yRange: [Math.max(r.yRange[0], best.w2 - 2 * hy), Math.min(r.yRange[1], best.w2 + 2 * hy)],
      };
      const z = scanGrid(e, zoom, linspace(zoom.xRange, 41), linspace(zoom.yRange, 41), { signal: options.signal });
      const next = smallestNonMinimum(z.zeros);
      if (next && next.loss < best.loss) best = next;
      hx = (4 * hx) / 40;
      hy = (4 * hy) / 40;
    }
    refined = best;
  }
  return {
    ...r,
    depth: STABLE_SET_DEPTH,
    xAxis,
    yAxis,
    arrays: scan.arrays,
    zeros: scan.zeros,
    discontinuities: scan.discontinuities,
    counts,
    smallestNonMinimumLoss: smallest,
    refinedSmallestNonMinimumLoss: refined,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** The derived infimum of the loss on ℳ's non-minimum part: π < 1/2 there, so L > ½(1/2)² = 1/8. */
export const DERIVED_NON_MINIMUM_LOSS_INFIMUM = 0.125;
