/**
 * Public surface of eoslab's figure library: SVG line charts and heatmaps, the viridis colour map,
 * tick generation, a PNG encoder and SVG → PNG rendering.
 */
export { encodePng, crc32, pngDataUri, PNG_SIGNATURE } from './png.js';
export {
  viridis,
  toHex,
  parseHex,
  categoricalColor,
  categoricalPalette,
  CATEGORICAL_PALETTE,
  VIRIDIS_ANCHORS,
  NAN_COLOR,
  QUANTITY_COLORS,
  QUANTITY_NAMES,
  type Rgb,
} from './colormap.js';
export { escapeXml, fmt, el, text, svgDocument, estimateTextWidth, type Attrs, type AttrValue } from './svg.js';
export {
  niceStep,
  linearTicks,
  niceLinearDomain,
  logTicks,
  logMinorTicks,
  formatTick,
  axisTicks,
  type AxisTicks,
  type ScaleType,
} from './ticks.js';
export {
  lineChart,
  decimatePolyline,
  type LineChartSpec,
  type Panel,
  type LineSeries,
  type HorizontalLine,
  type LegendPosition,
} from './lineChart.js';
export {
  heatmapFigure,
  categoricalMap,
  type HeatmapSpec,
  type CategoricalMapSpec,
  type CategoryClass,
  type Categories,
  type ReferenceLine,
  type RangeMeaning,
} from './heatmap.js';
export { svgToPng, svgToRgba, dejavuSansPath, type RenderOptions, type RenderedRaster } from './render.js';
export { sideBySide, svgSize } from './compose.js';
