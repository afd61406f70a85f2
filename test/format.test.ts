/**
 * CLI number formatting: twelve significant digits, trailing zeros of the mantissa dropped, the
 * exponent kept whole (a regex once trimmed `7.4583e-10` to `7.4583e-1`).
 */
import { describe, expect, it } from 'vitest';
import { formatFloat, formatValue, table } from '../src/cli/format.js';

describe('formatFloat', () => {
  it('keeps every digit of the exponent, including trailing zeros', () => {
    expect(formatFloat(7.45826289617e-10)).toBe('7.45826289617e-10');
    expect(formatFloat(7.4583e-10)).toBe('7.4583e-10');
    expect(formatFloat(1e-20)).toBe('1e-20');
    expect(formatFloat(2.5e-100)).toBe('2.5e-100');
    expect(formatFloat(1.5e30)).toBe('1.5e+30');
    expect(formatFloat(-3.1e-10)).toBe('-3.1e-10');
  });

  it('drops trailing zeros of the mantissa only', () => {
    expect(formatFloat(0.125)).toBe('0.125');
    expect(formatFloat(0.1)).toBe('0.1');
    expect(formatFloat(100.5)).toBe('100.5');
    expect(formatFloat(1 / 3)).toBe('0.333333333333');
    expect(formatFloat(-0.5)).toBe('-0.5');
    expect(formatFloat(1.0000000000001)).toBe('1');
  });

  it('round-trips to 12 significant digits', () => {
    for (const x of [Math.PI, -Math.E * 1e-7, 6.02214076e23, 1.602e-19, 123456.789]) {
      expect(Number(formatFloat(x))).toBe(Number(x.toPrecision(12)));
    }
  });

  it('prints non-finite values as JavaScript does', () => {
    expect(formatFloat(Infinity)).toBe('Infinity');
    expect(formatFloat(-Infinity)).toBe('-Infinity');
    expect(formatFloat(Number.NaN)).toBe('NaN');
  });
});

describe('formatValue and table', () => {
  it('formats numbers, integers, arrays and missing values', () => {
    expect(formatValue(42)).toBe('42');
    expect(formatValue(-0.25)).toBe('-0.25');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Float64Array.of(1, 7.4583e-10))).toBe('[1, 7.4583e-10]');
    expect(formatValue(null)).toBe('—');
    expect(table([['loss', 7.4583e-10]])).toBe('loss  7.4583e-10\n');
  });
});
