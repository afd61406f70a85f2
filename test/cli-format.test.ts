/**
 * CLI number formatting: 12 significant digits, trailing zeros of the mantissa dropped, the
 * exponent left intact (8.296e-10 once printed as 8.296e-1).
 */
import { describe, expect, it } from 'vitest';
import { formatValue } from '../src/cli/format.js';

describe('formatValue', () => {
  it.each([
    [8.296091591475374e-10, '8.29609159148e-10'],
    [1.5e-20, '1.5e-20'],
    [2.5e30, '2.5e+30'],
    [1e-10, '1e-10'],
    [0.1, '0.1'],
    [100.5, '100.5'],
    [-0.25, '-0.25'],
    [12345000000, '12345000000'],
    [Number.NaN, 'NaN'],
    [Infinity, 'Infinity'],
  ])('%s → %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
    if (Number.isFinite(value)) expect(Math.abs(Number(formatValue(value)) / value - 1)).toBeLessThan(1e-11);
  });
});
