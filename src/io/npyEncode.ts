/**
 * NumPy `.npy` (format version 1.0) encoding: magic, header dict padded to a multiple of 64 bytes,
 * then the raw little-endian C-order data. Loads with `numpy.load`. No file system here: the
 * explorer page encodes its downloads with it too (npy.ts writes files).
 */
export type NpyArray = Float64Array | Int32Array | Uint8Array | BigInt64Array;

/** The .npy dtype of `data` ('<f8', '<i4', '<i8', '|u1'). */
export function npyDtype(data: NpyArray): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  return '|u1';
}

/** The .npy preamble and header of `data` with `shape` (a multiple of 64 bytes). */
export function npyHeader(data: NpyArray, shape: readonly number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length)
    throw new RangeError(`encodeNpy: shape ${shape.join('×')} does not hold ${data.length} values`);
  return npyHeaderOf(npyDtype(data), shape);
}

/** The .npy preamble and header of an array of dtype `dtype` ('<f8', '<i4', '|u1', '<i8') and `shape`. */
export function npyHeaderOf(dtype: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((preamble + header.length + 1) / 64) * 64;
  header = header.padEnd(total - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  return out;
}

/** The array's bytes as they go into a .npy file (a view: typed arrays are little-endian on every platform Node supports). */
export function npyDataBytes(data: NpyArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const header = npyHeader(data, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(npyDataBytes(data), header.length);
  return out;
}
