/**
 * SVG → PNG rendering through resvg-js, with the two DejaVu Sans files shipped in the package's
 * `fonts/` directory (system fonts are never consulted, so output is the same on every machine).
 *
 * resvg-js is a native addon (one prebuilt binary per platform, installed as an optional
 * dependency), so it is loaded on the first render, not when this module is imported: the library
 * works without it, and asking for a PNG where it cannot load is one E_DEPENDENCY error.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Resvg, ResvgRenderOptions } from '@resvg/resvg-js';
import { existsSync } from 'node:fs';
import { EoslabError, missingDependency } from '../base/errors.js';

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

// src/plot/render.ts and dist/plot/render.js both sit two levels below the package root
const FONT_DIRECTORY = new URL('../../fonts/', import.meta.url);

/** Absolute path of DejaVuSans.ttf in the package's fonts/ directory. */
export function dejavuSansPath(): string {
  return fileURLToPath(new URL('DejaVuSans.ttf', FONT_DIRECTORY));
}

/**
 * Regular and bold DejaVu Sans (titles use `font-weight="bold"`). resvg draws no text at all
 * without a font (system fonts are off, for identical PNGs everywhere), so a missing file is an
 * error rather than a figure without labels.
 */
export function fontFiles(directory: URL = FONT_DIRECTORY): string[] {
  const files = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((name) => fileURLToPath(new URL(name, directory)));
  for (const file of files) {
    if (!existsSync(file)) {
      throw new EoslabError(
        'E_DEPENDENCY',
        `PNG output needs the font ${file} (the package's fonts/ directory): reinstall eoslab`,
      );
    }
  }
  return files;
}

type ResvgClass = new (svg: string, options?: ResvgRenderOptions) => Resvg;
let cachedResvg: ResvgClass | undefined;

/** The Resvg class, loaded on first use; E_DEPENDENCY when the package or its binary is missing. */
function resvgClass(): ResvgClass {
  if (cachedResvg === undefined) {
    try {
      const require = createRequire(import.meta.url);
      cachedResvg = (require('@resvg/resvg-js') as { Resvg: ResvgClass }).Resvg;
    } catch (error) {
      throw missingDependency(
        'PNG output',
        '@resvg/resvg-js (with its native binary for this platform)',
        'npm install @resvg/resvg-js',
        error,
      );
    }
  }
  return cachedResvg;
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
  const options = resvgOptions(opts);
  const Renderer = resvgClass();
  return new Renderer(svg, options).render();
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
