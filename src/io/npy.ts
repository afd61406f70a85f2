/**
 * NumPy `.npy` (format version 1.0) writer: magic, header dict padded to a multiple of 64 bytes,
 * then the raw little-endian C-order data. Loads with `numpy.load`.
 */
import { writeFileAtomic } from './atomic.js';

export { encodeNpy, type NpyArray } from './npyEncode.js';
import { encodeNpy, type NpyArray } from './npyEncode.js';

export function writeNpy(path: string, data: NpyArray, shape: readonly number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}
