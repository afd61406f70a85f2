/**
 * Minimal PNG encoder for 8-bit RGBA rasters (colour type 6), used to embed heatmap cells in SVG.
 *
 * Layout: signature, IHDR, one IDAT (zlib stream of rows, each prefixed with filter byte 0), IEND.
 * Chunk CRCs are CRC-32 (ISO 3309, polynomial 0xEDB88320) computed from a 256-entry table.
 */
import { deflateSync } from 'node:zlib';

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE: Readonly<Uint8Array> = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** PNG limits width and height to 2^31 − 1; we also cap the pixel count to keep buffers sane. */
const MAX_DIMENSION = 0x7fffffff;
const MAX_PIXELS = 1 << 28;

const CRC_TABLE: Uint32Array = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 of `bytes` (as used by PNG chunks and zip), table driven. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: length (4 bytes BE), type, data, CRC over type + data. */
function chunk(type: string, data: Uint8Array): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) {
    throw new RangeError(`encodePng: chunk type (${type}) must be four ASCII letters`);
  }
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
    throw new RangeError(`encodePng: ${name} (${value}) must be an integer in [1, ${MAX_DIMENSION}]`);
  }
}

/**
 * Encodes a row-major, top-to-bottom RGBA raster (4 bytes per pixel, non-premultiplied) as PNG.
 * Throws `RangeError` if the dimensions are not positive integers or `rgba.length ≠ width·height·4`.
 */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  checkDimension('width', width);
  checkDimension('height', height);
  if (width * height > MAX_PIXELS) {
    throw new RangeError(`encodePng: width*height (${width * height}) must not exceed ${MAX_PIXELS} pixels`);
  }
  const expected = width * height * 4;
  if (rgba.length !== expected) {
    throw new RangeError(`encodePng: rgba.length (${rgba.length}) must equal width*height*4 (${expected})`);
  }

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: truecolour with alpha
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace

  const stride = width * 4;
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const rowStart = y * (stride + 1);
    filtered[rowStart] = 0; // filter type None
    filtered.set(rgba.subarray(y * stride, (y + 1) * stride), rowStart + 1);
  }

  return Buffer.concat([
    Buffer.from(PNG_SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** `data:` URI of a PNG buffer, for `<image href>`. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}
