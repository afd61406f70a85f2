/**
 * What the cell inspector computes, in its Web Worker (web/inspectorWorker.ts), never on the
 * page's main thread: a cell's GD run through `trajectory()` of the library (the engine behind
 * `eoslab trajectory`, the same WASM), with the map's η, tolerance, divergence bound and step
 * budget, so its last row is the map's cell bit for bit; the summary of `eoslab trajectory`
 * (src/experiments/trajectory/summary.ts) and membership in 𝕊; then the GPGD bifurcation diagram
 * of `eoslab bifurcation --phi-range a,b` (options resolved by `resolvePhiAxisOptions`, orbits by
 * `runOrbitTask`, the function each of the CLI's chunks runs: orbits do not depend on the
 * chunking) over the φ range the run covers, at the cell's balance direction — the paper's Fig 4
 * for this cell. One chunk: 400 orbits of 2000 steps of the 1-D map take milliseconds.
 *
 * Any cell of a (φ₀, p₀) family grid or of a weight-space slice: a slice cell starts from the base
 * point with its two weights set to the cell's axis values (the arithmetic of the tile kernel's
 * grid/init), and its diagram takes the balance direction of its own gradient-flow solution.
 */
import { engine, gfs, inInvariantSet, trajectory, type Trajectory } from '../src/api.js';
import { runOrbitTask, type OrbitChunk } from '../src/experiments/bifurcation/chunks.js';
import { resolvePhiAxisOptions } from '../src/experiments/bifurcation/orbits.js';
import { linspace, type GridSpec, type RunSpec } from '../src/experiments/heatmap/grid.js';
import { thresholdCrossing, trajectorySummary } from '../src/experiments/trajectory/summary.js';

/** A cell to inspect: the map's grid and GD settings, and the cell (row i, column j). */
export interface CellTask {
  readonly grid: GridSpec;
  readonly run: RunSpec;
  readonly cell: { i: number; j: number };
}

/** Where a cell starts: (φ₀, p₀) in the family's direction, or the slice's weights. */
export type CellStart =
  | { kind: 'family'; phi0: number; p0: number; direction: readonly number[] }
  | { kind: 'slice'; x: number; y: number; w0: Float64Array };

export interface Inspection {
  cell: { i: number; j: number };
  start: CellStart;
  eta: number;
  trajectory: Trajectory;
  summary: ReturnType<typeof trajectorySummary>;
  member: boolean;
}

/** The start of cell (i, j): column j on the first axis, row i on the second (inclusive linspaces). */
export function cellStart(grid: GridSpec, cell: { i: number; j: number }): CellStart {
  const inside = (v: number, n: number): boolean => Number.isInteger(v) && v >= 0 && v < n;
  if (!inside(cell.i, grid.rows) || !inside(cell.j, grid.cols)) {
    throw new RangeError(`no cell (${cell.i}, ${cell.j}) in a ${grid.rows}×${grid.cols} grid`);
  }
  if (grid.kind === 'family') {
    return {
      kind: 'family',
      phi0: linspace(grid.phiRange, grid.cols)[cell.j] as number,
      p0: linspace(grid.productRange, grid.rows)[cell.i] as number,
      direction: grid.direction,
    };
  }
  const x = linspace(grid.xRange, grid.cols)[cell.j] as number;
  const y = linspace(grid.yRange, grid.rows)[cell.i] as number;
  const w0 = Float64Array.from(grid.base);
  w0[grid.axes[0]] = x;
  w0[grid.axes[1]] = y;
  return { kind: 'slice', x, y, w0 };
}

/** Runs the GD trajectory of a cell with the map's settings. */
export function inspectCell(task: CellTask, onProgress?: (rowsDone: number, rowsTotal: number) => void): Inspection {
  const start = cellStart(task.grid, task.cell);
  const { eta, tol, divergeAt, maxSteps } = task.run;
  const from =
    start.kind === 'family' ? { phi0: start.phi0, p0: start.p0, direction: start.direction } : { w0: start.w0 };
  const t = trajectory({ ...from, eta, steps: maxSteps, tol, divergeAt, ...(onProgress ? { onProgress } : {}) });
  return {
    cell: task.cell,
    start,
    eta,
    trajectory: t,
    summary: trajectorySummary(t, eta, thresholdCrossing(t, eta)),
    member: inInvariantSet(t.w0, eta).member,
  };
}

/** φ values on the diagram's axis. */
export const DIAGRAM_POINTS = 400;

/** The φ range a run covers, padded, never below the depth. */
export function phiRangeOf(t: Trajectory, depth: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t.gfsSharpness) {
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  if (!(lo <= hi)) return [depth, depth + 1];
  const pad = Math.max(0.5, (hi - lo) * 0.08);
  return [Math.max(depth, lo - pad), hi + pad];
}

/**
 * The balance direction of a cell's diagram: the family's; for a slice cell, c = log 𝒮(w₀) (the
 * family's minimum is w* = e^{tc}, model.md §2), centred so that Σc = 0 to the last bit it can.
 */
export function diagramDirection(start: CellStart): readonly number[] {
  if (start.kind === 'family') return start.direction;
  const g = gfs(start.w0);
  if (g.status !== 'ok') throw new RangeError('the start has no gradient-flow solution (π₀ ≤ 0): no GPGD diagram');
  const logs = Array.from(g.gfs, (v) => Math.log(Math.abs(v)));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return logs.map((v) => v - mean);
}

export interface CellDiagram extends OrbitChunk {
  /** K: orbit values per φ. */
  readonly keep: number;
}

/** The diagram over the run's φ range at its balance direction (the CLI's default p₀ and orbit settings). */
export function cellDiagram(x: Inspection): CellDiagram {
  const direction = diagramDirection(x.start);
  const r = resolvePhiAxisOptions({
    phiRange: phiRangeOf(x.trajectory, direction.length),
    points: DIAGRAM_POINTS,
    direction,
    eta: x.eta,
  });
  const chunk = runOrbitTask(engine(), {
    kind: 'phi-axis',
    settings: r.settings,
    direction: Array.from(r.direction),
    p0: r.p0,
    phi: r.phi,
    start: 0,
  });
  return { ...chunk, keep: r.settings.keep };
}
