import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

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

/** Rows per write when streaming a CSV to disk. */
const CHUNK_ROWS = 8192;

/**
 * Streams a CSV to `path` in chunks (a 10-million-row trajectory never becomes one string), via a
 * temporary sibling renamed into place.
 */
export function writeCsv(path: string, columns: readonly Column[], rows: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${columns.map((c) => c.name).join(',')}\n`);
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const end = Math.min(rows, start + CHUNK_ROWS);
      const lines: string[] = [];
      for (let r = start; r < end; r++) {
        lines.push(
          columns.map((c) => ('labels' in c ? (c.labels[r] ?? '') : formatNumber(c.values[r] as number))).join(','),
        );
      }
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
