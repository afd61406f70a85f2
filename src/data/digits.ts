/**
 * The first n MNIST digits as the fully connected network's rows (model.md §5, "Data [ours]"):
 * `loadImages({ data: 'mnist', n })` (images.ts) in the shape the FC experiments and the library
 * have used since the start — n × 784 inputs, standardised per channel (one mean, one population
 * std over all 784·n pixel values), one-hot targets n × 10, in the round-robin class order of
 * mnist.ts.
 */
import { invalidOption } from '../base/errors.js';
import { loadImages } from './images.js';
import { availableDigits, DIGIT_CLASSES, DIGIT_PIXELS } from './mnist.js';

export interface DigitsData {
  /** Number of samples. */
  readonly n: number;
  readonly inputDim: typeof DIGIT_PIXELS;
  readonly classes: typeof DIGIT_CLASSES;
  /** n × 784, row-major, standardised per channel: (raw − mean)/std. */
  readonly X: Float64Array;
  /** n × 10, row-major, one-hot targets. */
  readonly Y: Float64Array;
  /** The digit of each sample. */
  readonly labels: Uint8Array;
  /** The channel mean: the mean of all 784·n raw [0, 1] pixel values. */
  readonly mean: number;
  /** The channel's population (1/N) standard deviation over the same 784·n values (two passes). */
  readonly std: number;
}

/** The first n digits in round-robin class order, standardised per channel, with one-hot targets. */
export function loadDigits(n: number): DigitsData {
  const available = availableDigits();
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > available) {
    throw invalidOption('n', n, `an integer >= 1 and <= ${available} (the images in the mnist package)`);
  }
  const set = loadImages({ data: 'mnist', n });
  return {
    n,
    inputDim: DIGIT_PIXELS,
    classes: DIGIT_CLASSES,
    X: set.X,
    Y: set.Y,
    labels: Uint8Array.from(set.labels),
    mean: set.mean[0] as number,
    std: set.std[0] as number,
  };
}
