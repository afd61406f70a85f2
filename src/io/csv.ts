/**
 * CSV writing: numbers in shortest round-trip form (every digit of a float64 is kept), NaN and
 * ±Inf as `nan`, `inf`, `-inf` (what NumPy's `genfromtxt` and pandas read back).
 */
export type Column = { name: string; values: ArrayLike<number> } | { name: string; labels: readonly string[] };

export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/** One header line and `rows` data lines; every column must have `rows` entries. */
export function toCsv(columns: readonly Column[], rows: number): string {
  const lines: string[] = [columns.map((c) => c.name).join(',')];
  for (let r = 0; r < rows; r++) {
    const cells = columns.map((c) => ('labels' in c ? (c.labels[r] ?? '') : formatNumber(c.values[r] as number)));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
