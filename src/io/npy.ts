/**
 * NumPy `.npy` (format version 1.0) writer: magic, header dict padded to a multiple of 64 bytes,
 * then the raw little-endian C-order data. Loads with `numpy.load`.
 */
import { writeFileAtomic } from './atomic.js';

export { encodeNpy, npyHeader, type NpyArray } from './npyEncode.js';
import { npyDataBytes, npyHeader, type NpyArray } from './npyEncode.js';

/** Writes a .npy file atomically, streaming the array's own bytes after the header (no copy). */
export function writeNpy(path: string, data: NpyArray, shape: readonly number[]): void {
  writeFileAtomic(path, [npyHeader(data, shape), npyDataBytes(data)]);
}
