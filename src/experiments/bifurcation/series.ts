/**
 * Shared pieces of the bifurcation figures (Kreisler et al. 2023, Figs 4, 10, 11): the colours of
 * orbit classes, the scatter points of the orbits as plot series, reference lines and axis ranges.
 */
import type { LineSeries } from '../../plot/index.js';
import type { BifurcationResult } from './chunks.js';
import { OrbitStatus } from './settings.js';

/** Colours of the orbit classes, of GD's iterates and of reference lines. */
export const COLORS = {
  periodic: '#1f3b73',
  chaotic: '#d62728',
  unresolved: '#9e9e9e',
  gd: '#ff7f0e',
  reference: '#555555',
  faint: '#c6cbd6',
};

/** Scatter points (φ, value) of the orbits: a periodic orbit contributes its p distinct values. */
export function orbitScatter(
  result: BifurcationResult,
  include: (status: number) => boolean,
): { x: Float64Array; y: Float64Array } {
  const K = result.settings.keep;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < result.count; k++) {
    const status = result.status[k] as number;
    if (!include(status)) continue;
    const p = result.period[k] as number;
    const from = status === OrbitStatus.periodic && p > 0 ? K - p : 0;
    for (let j = from; j < K; j++) {
      const v = result.orbits[k * K + j] as number;
      if (Number.isFinite(v)) {
        xs.push(result.phi[k] as number);
        ys.push(v);
      }
    }
  }
  return { x: Float64Array.from(xs), y: Float64Array.from(ys) };
}

/** Scatter series of the periodic, unresolved and chaotic orbits of a result. */
export function orbitSeries(result: BifurcationResult, label: string, size = 0.25): LineSeries[] {
  const periodic = orbitScatter(result, (s) => s === OrbitStatus.periodic);
  const chaotic = orbitScatter(result, (s) => s === OrbitStatus.chaotic);
  const unresolved = orbitScatter(result, (s) => s === OrbitStatus.unresolved);
  const series: LineSeries[] = [];
  const add = (name: string, d: { x: Float64Array; y: Float64Array }, color: string): void => {
    if (d.x.length > 0) series.push({ name, x: d.x, y: d.y, color, mode: 'markers', width: size });
  };
  add(`${label}: periodic orbit`, periodic, COLORS.periodic);
  add(`${label}: unresolved in N steps`, unresolved, COLORS.unresolved);
  add(`${label}: chaotic (λ > 0.01)`, chaotic, COLORS.chaotic);
  return series;
}

/** A dashed vertical reference line drawn as a two-point series. */
export function verticalLine(
  x: number,
  y: readonly [number, number],
  name: string,
  color = COLORS.reference,
): LineSeries {
  return { name, x: [x, x], y: [y[0], y[1]], color, dash: true, width: 1.2, mode: 'line' };
}

/** The smallest and largest finite value ([0, 1] when there is none). */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** A range widened by `fraction` of its span on each side. */
export function padded([lo, hi]: readonly [number, number], fraction: number): [number, number] {
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - fraction * span, hi + fraction * span];
}

export function yRangeWithin(
  orbits: BifurcationResult,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  xRange: readonly [number, number],
  whole: [number, number],
): [number, number] {
  const K = orbits.settings.keep;
  const inside: number[] = [];
  for (let k = 0; k < orbits.count; k++) {
    const phi = orbits.phi[k] as number;
    if (phi >= xRange[0] && phi <= xRange[1]) inside.push(...extent(orbits.orbits.subarray(k * K, (k + 1) * K)));
  }
  gdPhi.forEach((phi, t) => {
    if (phi >= xRange[0] && phi <= xRange[1]) inside.push(gdProduct[t] as number);
  });
  if (inside.length === 0) return whole;
  const r = padded(extent(inside), 0.05);
  return [Math.max(0, r[0]), r[1]];
}
