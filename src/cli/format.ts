/** Text helpers for CLI output: aligned key/value tables and JSON without NaN. */

export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (Number.isInteger(value)) return String(value);
    // 12 significant digits without the mantissa's trailing zeros (the exponent keeps its digits)
    const [mantissa, exponent] = value.toPrecision(12).split('e') as [string, string | undefined];
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
  }
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    return `[${Array.from(value as ArrayLike<number>, (v) => formatValue(v)).join(', ')}]`;
  }
  if (value === null || value === undefined) return '—';
  return String(value);
}

export function table(rows: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return `${rows.map(([k, v]) => `${k.padEnd(width)}${formatValue(v)}`).join('\n')}\n`;
}

/** JSON for machines: typed arrays → arrays, NaN/±Inf → null. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
      }
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      return v;
    },
    2,
  )}\n`;
}
