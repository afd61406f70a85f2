/**
 * SVG → PNG rendering through resvg-js, with DejaVu Sans loaded from the `dejavu-fonts-ttf`
 * package (system fonts are never consulted, so output is the same on every machine).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

/** Options of {@link svgToPng} / {@link svgToRgba}. */
export interface RenderOptions {
  /** Output width in pixels; the SVG is scaled to fit it (default: the SVG's own width). */
  readonly width?: number;
}

/** A rendered raster: non-premultiplied RGBA, top row first. */
export interface RenderedRaster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Buffer;
}

let cachedFontDirectory: string | undefined;

/** The `ttf/` directory of the installed `dejavu-fonts-ttf` package. */
function fontDirectory(): string {
  if (cachedFontDirectory === undefined) {
    const require = createRequire(import.meta.url);
    cachedFontDirectory = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  }
  return cachedFontDirectory;
}

/** Absolute path of DejaVuSans.ttf inside the installed `dejavu-fonts-ttf` package. */
export function dejavuSansPath(): string {
  return join(fontDirectory(), 'DejaVuSans.ttf');
}

/** Regular and bold DejaVu Sans (titles use `font-weight="bold"`). */
function fontFiles(): string[] {
  return [dejavuSansPath(), join(fontDirectory(), 'DejaVuSans-Bold.ttf')];
}

function resvgOptions(opts: RenderOptions | undefined): ResvgRenderOptions {
  const width = opts?.width;
  if (width !== undefined && !(Number.isInteger(width) && width >= 1 && width <= 16384)) {
    throw new RangeError(`svgToPng: width (${width}) must be an integer in [1, 16384]`);
  }
  return {
    fitTo: width === undefined ? { mode: 'original' } : { mode: 'width', value: width },
    background: '#ffffff',
    font: {
      fontFiles: fontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
    logLevel: 'off',
  };
}

function render(svg: string, opts: RenderOptions | undefined): ReturnType<Resvg['render']> {
  if (typeof svg !== 'string' || svg.length === 0) {
    throw new RangeError('svgToPng: svg must be a non-empty string');
  }
  return new Resvg(svg, resvgOptions(opts)).render();
}

/** Renders `svg` to PNG bytes on a white background, scaled to `opts.width` if given. */
export function svgToPng(svg: string, opts?: RenderOptions): Buffer {
  return render(svg, opts).asPng();
}

/** Renders `svg` to raw RGBA pixels (same options as {@link svgToPng}). */
export function svgToRgba(svg: string, opts?: RenderOptions): RenderedRaster {
  const image = render(svg, opts);
  return { width: image.width, height: image.height, pixels: image.pixels };
}
