/** `count` evenly spaced values from range[0] to range[1], both included (an axis of a grid). */
export function linspace(range: readonly [number, number], count: number): Float64Array {
  const [lo, hi] = range;
  return Float64Array.from({ length: count }, (_, k) => lo + ((hi - lo) * k) / (count - 1));
}
