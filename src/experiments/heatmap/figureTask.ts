/**
 * The heatmap's figure (PNG + SVG) as a pool task, `heatmapFigure`: the writer renders it in a
 * worker while the main thread writes the .npy files (or in the calling thread when there is no
 * pool). The task receives only the arrays the figure draws.
 */
import { svgSize, svgToPng } from '../../plot/index.js';
import { heatmapSvg, invariantSetSvg } from './figures.js';
import type { HeatmapResult } from './heatmap.js';

export interface RenderedFigure {
  /** File name without extension. */
  readonly name: 'heatmap' | 'invariant_set';
  readonly svg: string;
  readonly png: Uint8Array;
  /** Seconds spent rendering (SVG and PNG). */
  readonly seconds: number;
}

/** A result holding only what the figure reads (sent to a worker instead of every array). */
export function figureInput(r: HeatmapResult): HeatmapResult {
  const a = r.arrays;
  const none = { initProduct: new Float64Array(0), gdStatus: new Uint8Array(0) };
  const arrays: HeatmapResult['arrays'] =
    a.map === 'sharpness'
      ? { ...a, ...none, steps: new Int32Array(0), initGfsSharpness: new Float64Array(0) }
      : { ...a, initProduct: none.initProduct };
  return { ...r, arrays, xAxis: new Float64Array(0), yAxis: new Float64Array(0) };
}

/** Renders the figure of a heatmap (Fig 3 or Fig 2c): the SVG, and the PNG at twice its width. */
export function renderFigure(r: HeatmapResult): RenderedFigure {
  const t0 = performance.now();
  const svg = r.arrays.map === 'sharpness' ? heatmapSvg(r) : invariantSetSvg(r);
  const png = svgToPng(svg, { width: 2 * svgSize(svg).width });
  return {
    name: r.arrays.map === 'sharpness' ? 'heatmap' : 'invariant_set',
    svg,
    png,
    seconds: (performance.now() - t0) / 1000,
  };
}
