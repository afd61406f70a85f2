/**
 * NumPy `.npy` header decoding (format versions 1.0, 2.0 and 3.0): the magic `\x93NUMPY`, the
 * version, the header length (2 bytes little-endian in 1.0, 4 bytes in 2.0/3.0), then a Python
 * dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (N, H, W), }` padded with spaces
 * and ending in a newline; the raw data follows. The inverse of npyEncode.ts's header. No file
 * system here: callers read the bytes (the data loaders read only the records they need).
 */

export interface NpyHeader {
  /** The dtype string, e.g. '|u1', '<f4', '<i8'. */
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Bytes before the data (preamble and header). */
  readonly dataOffset: number;
}

/** The longest header read before giving up (numpy writes a few hundred bytes at most). */
export const NPY_MAX_HEADER = 65_536;

/**
 * Decodes the header at the start of `bytes` (at least the preamble and the header itself).
 * Throws an Error whose message says what is wrong (not a .npy file, truncated, a malformed dict).
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b))
    throw new Error('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6] as number;
  let length: number;
  let start: number;
  if (major === 1) {
    length = (bytes[8] as number) | ((bytes[9] as number) << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error('truncated .npy header');
    length = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    start = 12;
  } else {
    throw new Error(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (length > NPY_MAX_HEADER) throw new Error(`.npy header of ${length} bytes is too long`);
  if (bytes.length < start + length) throw new Error('truncated .npy header');
  let text = '';
  for (let i = start; i < start + length; i++) text += String.fromCharCode(bytes[i] as number);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new Error(`malformed .npy header ${JSON.stringify(text.trim())}`);
  const dims = (shape[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw new Error(`malformed .npy shape (${shape[1]})`);
  return {
    descr: descr[1] as string,
    fortranOrder: fortran[1] === 'True',
    shape: dims.map((d) => Number.parseInt(d, 10)),
    dataOffset: start + length,
  };
}

/** Bytes per element of a numeric dtype string ('|u1' → 1, '<f8' → 8), or undefined. */
export function npyItemSize(descr: string): number | undefined {
  const m = /^[<>|=]([iuf])(\d+)$/.exec(descr);
  return m ? Number(m[2]) : undefined;
}
