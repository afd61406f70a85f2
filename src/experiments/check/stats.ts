/**
 * Small statistics for the summaries of `eoslab check`: violation counts, order statistics and a
 * least-squares slope.
 */

/** Violation counts of one check: runs with ≥ 1 violating step, and the violating steps. */
export interface ViolationCount {
  runs: number;
  steps: number;
}

/** Order statistics of a sample (linear interpolation between order statistics; NaN when empty). */
export interface Quantiles {
  count: number;
  min: number;
  p01: number;
  p10: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
}

/** Quantiles of the finite values of `values`. */
export function quantiles(values: readonly number[]): Quantiles {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const at = (q: number): number => {
    if (v.length === 0) return Number.NaN;
    const h = (v.length - 1) * q;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, v.length - 1);
    return (v[lo] as number) + (h - lo) * ((v[hi] as number) - (v[lo] as number));
  };
  return {
    count: v.length,
    min: at(0),
    p01: at(0.01),
    p10: at(0.1),
    median: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
  };
}

/** Least-squares slope of y on x over the pairs with both finite. */
export function slope(x: readonly number[], y: readonly number[]): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    n++;
    sx += a;
    sy += b;
    sxx += a * a;
    sxy += a * b;
  }
  const den = n * sxx - sx * sx;
  return n >= 2 && den > 0 ? (n * sxy - sx * sy) / den : Number.NaN;
}
