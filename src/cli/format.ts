/** Text helpers for CLI output: aligned key/value tables and JSON without NaN. */

export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return Number.isInteger(value) ? String(value) : formatFloat(value);
  }
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    return `[${Array.from(value as ArrayLike<number>, (v) => formatValue(v)).join(', ')}]`;
  }
  if (value === null || value === undefined) return '—';
  return String(value);
}

/**
 * Twelve significant digits with trailing zeros of the mantissa dropped: `0.125`, `7.4583e-10`,
 * `1.5e+21`. Only the mantissa is trimmed — the exponent's digits are never touched.
 */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = value.toPrecision(12);
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? '' : text.slice(e);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return trimmed + exponent;
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
