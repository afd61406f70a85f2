/**
 * Image sets for the networks (model.md §5 "Data"; README, "Data for the networks"): n images of a
 * source as n × C × H × W float64 (channels first, row-major), standardised per channel, with their
 * labels, one-hot targets, the class count and the per-channel statistics, for the fully connected
 * network (which reads each image as one row of C·H·W inputs) and the convolutional ones.
 *
 * Sources (`data`, parsed by base/dataSpec.ts): `mnist` (mnist.ts), `cifar10:DIR` (cifar10.ts),
 * `npy:DIR` (npyImages.ts). Each has an order; the set is, in that order:
 *   1. the images whose label is in `dataClasses` (all when not given), relabelled 0, 1, … in the
 *      order of `dataClasses` (which must increase);
 *   2. of those, skip the first `dataOffset` (default 0) and keep the next n — so `dataOffset: n`
 *      gives n more images, disjoint from the first n (the second data set of Fig 13 by default);
 *   3. each reduced to `inputSize` H×W when given (centre crop, then block average: transform.ts);
 *   4. each channel standardised over the n images kept (population mean and std, two passes).
 * Only the images kept are read (the labels of skipped ones too when `dataClasses` filters).
 */
import { parseDataSpec, type DataSpec } from '../base/dataSpec.js';
import { invalidOption } from '../base/errors.js';
import { OPTIONS } from '../base/options.js';
import { openCifar10 } from './cifar10.js';
import { openMnist } from './mnist.js';
import { openNpyImages } from './npyImages.js';
import type { ImageSource } from './source.js';
import { describeReduction, reduceImage, reduction, standardizeChannels, type Reduction } from './transform.js';

/** Which images to load: the options of the same names (`--data`, `--n`, …). */
export interface ImageRequest {
  /** `mnist` (default), `cifar10:DIR` or `npy:DIR`. */
  data?: string;
  /** Number of images (≥ 1). */
  n: number;
  /** Images of the (filtered) source order skipped before the n kept (default 0). */
  dataOffset?: number;
  /** Keep only these labels, increasing; they become classes 0, 1, … (default: all classes). */
  dataClasses?: ArrayLike<number> | null;
  /** Reduce every image to H×W (a number: square); default: as stored. */
  inputSize?: number | readonly [number, number] | null;
}

/** An ImageRequest checked and with its defaults: what a manifest or a checkpoint records. */
export interface ResolvedImageRequest {
  data: string;
  n: number;
  dataOffset: number;
  dataClasses: number[] | null;
  inputSize: [number, number] | null;
}

/** The shape of an image set, known before its pixels are read. */
export interface ImageSetShape {
  readonly request: ResolvedImageRequest;
  readonly n: number;
  readonly channels: number;
  /** Height and width after the reduction. */
  readonly height: number;
  readonly width: number;
  /** C·H·W: the fully connected network's input size. */
  readonly inputDim: number;
  /** Number of classes (the targets' width): the source's, or the length of dataClasses. */
  readonly classes: number;
  readonly classNames: readonly string[];
  /** Short, for titles: "MNIST digits", "CIFAR-10 images", "images". */
  readonly title: string;
  /** Where the images come from and what was done to them, in words (for manifests). */
  readonly description: string;
}

export interface ImageSet extends ImageSetShape {
  /** n × C × H × W, channels first, row-major, each channel standardised: (raw − mean_c)/std_c. */
  readonly X: Float64Array;
  /** n × classes, row-major, one-hot targets. */
  readonly Y: Float64Array;
  /** The class of each image (after relabelling by dataClasses). */
  readonly labels: Uint16Array;
  /** Each image's index in the source's order (before the class filter and the offset). */
  readonly sourceIndex: Uint32Array;
  /** Per channel: the mean of the raw (reduced) values over the n images. */
  readonly mean: readonly number[];
  /** Per channel: their population (1/N) standard deviation. */
  readonly std: readonly number[];
}

/** Checks a request against the options table (the same errors as the command line) and applies the defaults. */
export function resolveImageRequest(request: ImageRequest): ResolvedImageRequest {
  if (typeof request !== 'object' || request === null) throw invalidOption('options', request, 'an object of options');
  const classes = request.dataClasses;
  return {
    data: OPTIONS.data.check(request.data ?? 'mnist', 'data'),
    n: OPTIONS.images.check(request.n, 'n'),
    dataOffset: OPTIONS.dataOffset.check(request.dataOffset ?? 0, 'dataOffset'),
    dataClasses:
      classes === undefined || classes === null ? null : Array.from(OPTIONS.dataClasses.check(classes, 'dataClasses')),
    inputSize:
      request.inputSize === undefined || request.inputSize === null
        ? null
        : [...OPTIONS.inputSize.check(request.inputSize, 'inputSize')],
  };
}

/** Opens the source a spec names (the files' formats are checked here). */
export function openImageSource(spec: DataSpec): ImageSource {
  if (spec.scheme === 'cifar10') return openCifar10(spec);
  if (spec.scheme === 'npy') return openNpyImages(spec);
  return openMnist();
}

interface Plan extends ImageSetShape {
  readonly source: ImageSource;
  readonly indices: Uint32Array;
  /** Source label → class (−1: filtered out). */
  readonly classOf: Int32Array;
  readonly reduction: Reduction | null;
}

/** Checks the request against the source and picks the images (their indices), reading labels only. */
function plan(source: ImageSource, request: ResolvedImageRequest): Plan {
  const { n, dataOffset, dataClasses, inputSize } = request;
  const classOf = new Int32Array(source.classes);
  for (let c = 0; c < source.classes; c++) classOf[c] = dataClasses === null ? c : -1;
  if (dataClasses !== null) {
    const increasing = dataClasses.every((c, k) => k === 0 || c > (dataClasses[k - 1] as number));
    if (!increasing || dataClasses.some((c) => c >= source.classes)) {
      throw invalidOption(
        'dataClasses',
        dataClasses,
        `increasing labels, each < ${source.classes} (the classes of ${source.spec.text})`,
      );
    }
    dataClasses.forEach((c, k) => {
      classOf[c] = k;
    });
  }
  const filtered = dataClasses === null ? '' : ` of labels ${dataClasses.join(', ')}`;
  const tooFew = (available: number): never => {
    const holds = `${source.holds(available)}${filtered}`;
    if (dataOffset >= available) throw invalidOption('dataOffset', dataOffset, `less than ${available}: ${holds}`);
    const skipped = dataOffset > 0 ? `, ${dataOffset} of them skipped with dataOffset ${dataOffset}` : '';
    throw invalidOption('n', n, `at most ${available - dataOffset}: ${holds}${skipped}`);
  };
  let indices: Uint32Array;
  if (dataClasses === null) {
    if (dataOffset + n > source.count) tooFew(source.count);
    indices = Uint32Array.from({ length: n }, (_, k) => dataOffset + k);
  } else {
    indices = new Uint32Array(n);
    let found = 0;
    for (let i = 0; i < source.count && found < dataOffset + n; i++) {
      if ((classOf[source.label(i)] as number) < 0) continue;
      if (found >= dataOffset) indices[found - dataOffset] = i;
      found++;
    }
    if (found < dataOffset + n) tooFew(found);
  }
  let height = source.height;
  let width = source.width;
  let reduced: Reduction | null = null;
  if (inputSize !== null) {
    const [h, w] = inputSize;
    reduced = reduction(source.height, source.width, h, w);
    height = h;
    width = w;
  }
  const classNames =
    dataClasses === null ? [...source.classNames] : dataClasses.map((c) => source.classNames[c] as string);
  const relabelled =
    dataClasses === null
      ? ''
      : `, only labels ${dataClasses.join(', ')} (${classNames.join(', ')}) as classes 0–${dataClasses.length - 1}`;
  const kept = dataOffset > 0 ? `images ${dataOffset}–${dataOffset + n - 1}` : `the first ${n} images`;
  const description =
    `${kept}${relabelled} of ${source.description}; ` +
    `${reduced ? describeReduction(reduced) : `${height}×${width} as stored`}; ` +
    `${source.channels === 1 ? 'the one channel' : `each of the ${source.channels} channels`} standardised by its mean and population std over the ${n} images`;
  return {
    request,
    n,
    channels: source.channels,
    height,
    width,
    inputDim: source.channels * height * width,
    classes: dataClasses?.length ?? source.classes,
    classNames,
    title: source.title,
    description,
    source,
    indices,
    classOf,
    reduction: reduced,
  };
}

function shapeOf(p: Plan): ImageSetShape {
  const { request, n, channels, height, width, inputDim, classes, classNames, title, description } = p;
  return { request, n, channels, height, width, inputDim, classes, classNames, title, description };
}

/**
 * The shape of the set a request gives, with every check of the request against its source (the
 * directory, the files' formats, n and the offset against the images there, the classes, the input
 * size) — without reading pixels: for validating options before any work.
 */
export function inspectImages(request: ImageRequest): ImageSetShape {
  const resolved = resolveImageRequest(request);
  const source = openImageSource(parseDataSpec(resolved.data));
  try {
    return shapeOf(plan(source, resolved));
  } finally {
    source.close();
  }
}

/** Loads the image set of a request (see the file comment). */
export function loadImages(request: ImageRequest): ImageSet {
  const resolved = resolveImageRequest(request);
  const source = openImageSource(parseDataSpec(resolved.data));
  try {
    const p = plan(source, resolved);
    const { n, channels, classes, inputDim } = p;
    const X = new Float64Array(n * inputDim);
    const Y = new Float64Array(n * classes);
    const labels = new Uint16Array(n);
    const raw = p.reduction ? new Float64Array(channels * source.height * source.width) : undefined;
    for (let i = 0; i < n; i++) {
      const index = p.indices[i] as number;
      const label = raw ? source.read(index, raw, 0) : source.read(index, X, i * inputDim);
      if (raw) reduceImage(p.reduction as Reduction, channels, raw, X, i * inputDim);
      const c = p.classOf[label] as number;
      labels[i] = c;
      Y[i * classes + c] = 1;
    }
    const { mean, std } = standardizeChannels(X, n, channels, p.height * p.width);
    return { ...shapeOf(p), X, Y, labels, sourceIndex: p.indices, mean, std };
  } finally {
    source.close();
  }
}
