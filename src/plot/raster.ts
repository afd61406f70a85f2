/**
 * Raster encoding of grid figures: cell colours → an RGBA image (one pixel per cell, data row 0 at
 * the bottom), embedded in the SVG as a PNG data URI and scaled up with nearest-neighbour sampling,
 * so cells stay crisp in resvg (which honours `image-rendering: optimizeSpeed`) and in browsers
 * (`pixelated`).
 */
import type { Rect } from './axes.js';
import { encodePng, pngDataUri } from './png.js';
import { el } from './svg.js';

/** One cell colour: red, green, blue, alpha in [0, 255]. */
export type Rgba = [number, number, number, number];

/**
 * RGBA raster (top row first) for a grid whose data row 0 is at the bottom: image row r holds data
 * row `rows − 1 − r`.
 */
export function rasterize(rows: number, cols: number, colorOf: (cell: number) => Rgba): Uint8Array {
  const rgba = new Uint8Array(rows * cols * 4);
  for (let r = 0; r < rows; r++) {
    const dataRow = rows - 1 - r;
    for (let c = 0; c < cols; c++) {
      // element stores: TypedArray.set with a plain array takes a generic path per call
      const color = colorOf(dataRow * cols + c);
      const at = (r * cols + c) * 4;
      rgba[at] = color[0];
      rgba[at + 1] = color[1];
      rgba[at + 2] = color[2];
      rgba[at + 3] = color[3];
    }
  }
  return rgba;
}

/** The `<image>` element showing a rows × cols RGBA raster stretched over `plot`. */
export function rasterImage(rgba: Uint8Array, cols: number, rows: number, plot: Rect): string {
  const href = pngDataUri(encodePng(rgba, cols, rows));
  return el('image', {
    class: 'raster',
    x: plot.x,
    y: plot.y,
    width: plot.width,
    height: plot.height,
    preserveAspectRatio: 'none',
    'image-rendering': 'optimizeSpeed',
    // Last declaration wins where understood: resvg knows only optimizeSpeed, browsers both.
    style: 'image-rendering:pixelated;image-rendering:optimizeSpeed',
    href,
  });
}
