/**
 * Axis ticks: "nice" linear ticks (1, 2 or 5 × 10^k), logarithmic decade ticks (falling back to
 * 1-2-5 or linear ticks when the range spans too few decades) and tick label formatting.
 */

/** Axis scale type shared by the chart modules. */
export type ScaleType = 'linear' | 'log';

/** Major ticks (labelled), minor ticks (unlabelled) and the labels of the major ticks. */
export interface AxisTicks {
  readonly major: number[];
  readonly minor: number[];
  readonly labels: string[];
}

const NICE_MANTISSAS = [1, 2, 5, 10] as const;

/** Relative tolerance used when deciding whether a tick lies inside [min, max]. */
const INSIDE_TOLERANCE = 1e-9;

function checkRange(fn: string, min: number, max: number): void {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new RangeError(`${fn}: range [${min}, ${max}] must be finite`);
  }
  if (!(min < max)) {
    throw new RangeError(`${fn}: range [${min}, ${max}] must satisfy min < max`);
  }
}

function checkCount(fn: string, count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`${fn}: count (${count}) must be a positive integer`);
  }
}

/** `k · mantissa · 10^exponent` computed through decimal text, so 3 × 0.1 gives 0.3 exactly. */
function decimalMultiple(k: number, mantissa: number, exponent: number): number {
  return Number(`${k * mantissa}e${exponent}`);
}

/** A nice step (1, 2 or 5 × 10^k) close to `span / targetCount`, as mantissa and exponent. */
function niceStepParts(span: number, targetCount: number): { mantissa: number; exponent: number } {
  const raw = span / targetCount;
  let exponent = Math.floor(Math.log10(raw));
  const residual = raw / 10 ** exponent;
  // Choose the mantissa nearest to the raw step in log space (thresholds √2, √10, √50).
  let mantissa: number = NICE_MANTISSAS[3];
  if (residual < Math.SQRT2) mantissa = 1;
  else if (residual < Math.sqrt(10)) mantissa = 2;
  else if (residual < Math.sqrt(50)) mantissa = 5;
  if (mantissa === 10) {
    mantissa = 1;
    exponent += 1;
  }
  return { mantissa, exponent };
}

/** A nice step (1, 2 or 5 × 10^k) close to `span / targetCount`. */
export function niceStep(span: number, targetCount = 5): number {
  if (!Number.isFinite(span) || span <= 0) {
    throw new RangeError(`niceStep: span (${span}) must be finite and positive`);
  }
  checkCount('niceStep', targetCount);
  const { mantissa, exponent } = niceStepParts(span, targetCount);
  return decimalMultiple(1, mantissa, exponent);
}

/** Nice linear ticks inside [min, max] (about `targetCount` of them, always at least two). */
export function linearTicks(min: number, max: number, targetCount = 5): number[] {
  checkRange('linearTicks', min, max);
  checkCount('linearTicks', targetCount);
  for (let target = targetCount; ; target++) {
    const { mantissa, exponent } = niceStepParts(max - min, target);
    const step = decimalMultiple(1, mantissa, exponent);
    const tolerance = step * INSIDE_TOLERANCE;
    const first = Math.ceil((min - tolerance) / step);
    const last = Math.floor((max + tolerance) / step);
    // A range far narrower than its values (1 → 1 + 2⁻⁵²) puts the tick indices beyond 2⁵³,
    // where k++ stops counting: label the two ends instead.
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last - first > 1000) return [min, max];
    if (last - first + 1 >= 2 || target > targetCount + 10) {
      const ticks: number[] = [];
      for (let k = first; k <= last; k++) ticks.push(decimalMultiple(k, mantissa, exponent));
      return ticks;
    }
  }
}

/** [min, max] widened outward to multiples of the nice step for `targetCount` ticks. */
export function niceLinearDomain(min: number, max: number, targetCount = 5): [number, number] {
  checkRange('niceLinearDomain', min, max);
  checkCount('niceLinearDomain', targetCount);
  const { mantissa, exponent } = niceStepParts(max - min, targetCount);
  const step = decimalMultiple(1, mantissa, exponent);
  const tolerance = step * INSIDE_TOLERANCE;
  return [
    decimalMultiple(Math.floor((min + tolerance) / step), mantissa, exponent),
    decimalMultiple(Math.ceil((max - tolerance) / step), mantissa, exponent),
  ];
}

function checkLogRange(fn: string, min: number, max: number): void {
  checkRange(fn, min, max);
  if (min <= 0) {
    throw new RangeError(`${fn}: min (${min}) must be positive on a log axis`);
  }
}

/** Values m·10^k (m in `mantissas`) inside [min, max], ascending. */
function logSequence(min: number, max: number, mantissas: readonly number[], stride = 1): number[] {
  const lo = Math.floor(Math.log10(min)) - 1;
  const hi = Math.ceil(Math.log10(max)) + 1;
  const out: number[] = [];
  const start = Math.ceil(lo / stride) * stride;
  for (let exponent = start; exponent <= hi; exponent += stride) {
    for (const mantissa of mantissas) {
      const value = decimalMultiple(1, mantissa, exponent);
      if (value >= min * (1 - INSIDE_TOLERANCE) && value <= max * (1 + INSIDE_TOLERANCE)) {
        out.push(value);
      }
    }
  }
  return out;
}

/**
 * Major ticks of a log axis over [min, max] (min > 0).
 * - ≥ 2 decades: powers of ten, every `stride`-th decade (stride 1, 2, 3, 5, 10, 20, …) so that
 *   at most `maxCount` ticks appear;
 * - 1–2 decades: 1-2-5 × 10^k if that yields at least three ticks;
 * - < 1 decade: nice linear ticks (they are then drawn at their log positions).
 */
export function logTicks(min: number, max: number, maxCount = 8): number[] {
  checkLogRange('logTicks', min, max);
  checkCount('logTicks', maxCount);
  const decades = Math.log10(max) - Math.log10(min);
  if (decades < 1) return linearTicks(min, max, Math.min(5, maxCount));
  const strides = [1, 2, 3, 5];
  for (let scale = 1; ; scale *= 10) {
    for (const base of strides) {
      const stride = base * scale;
      const ticks = logSequence(min, max, [1], stride);
      if (ticks.length <= maxCount) {
        if (ticks.length >= 3) return ticks;
        const oneTwoFive = logSequence(min, max, [1, 2, 5]);
        if (oneTwoFive.length >= 3 && oneTwoFive.length <= Math.max(3, maxCount)) return oneTwoFive;
        return ticks.length >= 2 ? ticks : linearTicks(min, max, Math.min(5, maxCount));
      }
    }
  }
}

/**
 * Unlabelled minor ticks of a log axis: 2…9 × 10^k when the major ticks are consecutive decades
 * and there are at most `maxDecades` of them; otherwise none.
 */
export function logMinorTicks(min: number, max: number, major: readonly number[], maxDecades = 8): number[] {
  checkLogRange('logMinorTicks', min, max);
  const decades = Math.log10(max) - Math.log10(min);
  if (decades < 1 || decades > maxDecades || major.length < 2) return [];
  const ratio = (major[1] as number) / (major[0] as number);
  if (Math.abs(ratio - 10) > 1e-6) return [];
  return logSequence(min, max, [2, 3, 4, 5, 6, 7, 8, 9]);
}

/** Number of fractional digits in the shortest decimal form of `value` (e.g. 0.25 → 2). */
function fractionDigits(value: number): number {
  const text = Number(Math.abs(value).toPrecision(12)).toString();
  const exp = /e([+-]\d+)$/.exec(text);
  const mantissa = exp ? text.slice(0, exp.index) : text;
  const dot = mantissa.indexOf('.');
  const mantissaDigits = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, mantissaDigits - (exp ? Number(exp[1]) : 0));
}

function trimExponential(text: string): string {
  const [mantissa = '', exponent = '0'] = text.split('e');
  const trimmedMantissa = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmedMantissa}e${Number(exponent)}`;
}

/**
 * Label of a tick value: `0`, plain decimals for 1e-3 ≤ |v| < 1e5 (`0.5`, `20`, `1.5`) and
 * exponent form otherwise (`1e-8`, `2.5e-7`, `1e6`). With `step` (the spacing of linear ticks),
 * decimals are chosen from the step so all labels of an axis share a precision.
 */
export function formatTick(value: number, step?: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`formatTick: value (${value}) must be finite`);
  }
  if (step !== undefined && !(Number.isFinite(step) && step > 0)) {
    throw new RangeError(`formatTick: step (${step}) must be finite and positive`);
  }
  if (value === 0 || (step !== undefined && Math.abs(value) < step * 1e-9)) {
    // Zero shares the decimals of its neighbours on a linear axis ("0.0" next to "0.5").
    return step !== undefined && step >= 1e-3 && step < 1e5 ? (0).toFixed(fractionDigits(step)) : '0';
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    if (step === undefined) return trimExponential(Number(value.toPrecision(12)).toExponential());
    const digits = Math.max(0, Math.floor(Math.log10(magnitude)) - Math.floor(Math.log10(step)));
    return trimExponential(value.toExponential(Math.min(digits, 12)));
  }
  if (step === undefined) return Number(value.toPrecision(12)).toString();
  const text = value.toFixed(Math.min(fractionDigits(step), 20));
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Major/minor ticks and labels for an axis of the given scale over [min, max]. */
export function axisTicks(scale: ScaleType, min: number, max: number, targetCount = 5): AxisTicks {
  if (scale === 'linear') {
    const major = linearTicks(min, max, targetCount);
    // the difference of two ticks carries rounding noise (4.9999999998e-6): a nice step has 1 digit
    const step = major.length >= 2 ? Number(((major[1] as number) - (major[0] as number)).toPrecision(3)) : undefined;
    return { major, minor: [], labels: major.map((v) => formatTick(v, step)) };
  }
  const major = logTicks(min, max, Math.max(targetCount + 3, 3));
  const isDecadeSequence =
    major.length >= 2 && major.every((v) => Number.isInteger(Math.round(Math.log10(v) * 1e9) / 1e9));
  const minor = logMinorTicks(min, max, major);
  if (isDecadeSequence) {
    return { major, minor, labels: major.map((v) => formatTick(v)) };
  }
  // 1-2-5 or linear fallback ticks: label each value on its own (no shared step).
  const linearStep =
    Math.log10(max / min) < 1 && major.length >= 2 ? (major[1] as number) - (major[0] as number) : undefined;
  return { major, minor, labels: major.map((v) => formatTick(v, linearStep)) };
}
