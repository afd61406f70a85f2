/**
 * Tests of the figure library (src/plot): PNG encoding, colour map, SVG helpers, ticks, line
 * charts, heatmaps and resvg rendering. PNGs are checked with an independent decoder written here
 * (bitwise CRC-32, zlib inflate, all five PNG row filters).
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  NAN_COLOR,
  axisTicks,
  categoricalMap,
  categoricalPalette,
  crc32,
  decimatePolyline,
  el,
  encodePng,
  escapeXml,
  fmt,
  formatTick,
  heatmapFigure,
  lineChart,
  linearTicks,
  logTicks,
  parseHex,
  svgToPng,
  svgToRgba,
  toHex,
  viridis,
  type HeatmapSpec,
} from '../src/plot/index.js';
import { fontFiles } from '../src/plot/render.js';
import { basename } from 'node:path';

// ---------------------------------------------------------------------------------------------
// Independent PNG decoder
// ---------------------------------------------------------------------------------------------

/** CRC-32 computed bit by bit (no table), independent of the encoder's implementation. */
function bitwiseCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

interface PngChunk {
  type: string;
  data: Buffer;
}

function readChunks(png: Buffer): PngChunk[] {
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const storedCrc = png.readUInt32BE(offset + 8 + length);
    expect(storedCrc, `CRC of ${type}`).toBe(bitwiseCrc32(png.subarray(offset + 4, offset + 8 + length)));
    chunks.push({ type, data });
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  return chunks;
}

interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  filters: Set<number>;
  rgba: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Decodes 8-bit RGB/RGBA non-interlaced PNGs (what encodePng and resvg produce). */
function decodePng(png: Buffer): DecodedPng {
  const chunks = readChunks(png);
  expect(chunks[0]?.type).toBe('IHDR');
  expect(chunks[chunks.length - 1]?.type).toBe('IEND');
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8]!;
  const colorType = ihdr[9]!;
  expect(bitDepth).toBe(8);
  expect([2, 6]).toContain(colorType);
  expect(ihdr[12]).toBe(0); // no interlace
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  expect(raw.length).toBe((stride + 1) * height);
  const pixels = new Uint8Array(stride * height);
  const filters = new Set<number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    filters.add(filter);
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`bad filter ${filter}`);
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  let rgba = pixels;
  if (channels === 3) {
    rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgba.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = 255;
    }
  }
  return { width, height, colorType, filters, rgba };
}

function pixelAt(image: { width: number; rgba: Uint8Array }, x: number, y: number): number[] {
  const i = (Math.floor(y) * image.width + Math.floor(x)) * 4;
  return [...image.rgba.subarray(i, i + 4)];
}

function rgbaOf(hex: string): number[] {
  return [...parseHex(hex), 255];
}

// ---------------------------------------------------------------------------------------------
// PNG encoder
// ---------------------------------------------------------------------------------------------

describe('encodePng', () => {
  it('round-trips pixels through an independent decoder with valid CRCs', () => {
    const width = 5;
    const height = 3;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37 + 11) & 0xff;
    const png = encodePng(rgba, width, height);
    const chunks = readChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const decoded = decodePng(png);
    expect(decoded.width).toBe(width);
    expect(decoded.height).toBe(height);
    expect(decoded.colorType).toBe(6);
    expect([...decoded.filters]).toEqual([0]);
    expect([...decoded.rgba]).toEqual([...rgba]);
  });

  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const random = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) % 251);
    expect(crc32(random)).toBe(bitwiseCrc32(random));
  });

  it('rejects inconsistent sizes', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(
      'encodePng: rgba.length (10) must equal width*height*4 (16)',
    );
    expect(() => encodePng(new Uint8Array(0), 0, 1)).toThrow(RangeError);
    expect(() => encodePng(new Uint8Array(8), 1.5, 1)).toThrow('encodePng: width (1.5)');
  });
});

// ---------------------------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------------------------

function relativeLuminance([r, g, b]: readonly number[]): number {
  const lin = (c: number): number => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

describe('viridis', () => {
  it('has the viridis endpoints and midpoint, and clamps t', () => {
    expect(toHex(viridis(0))).toBe('#440154');
    expect(toHex(viridis(1))).toBe('#fde725');
    expect(toHex(viridis(0.5))).toBe('#21908c');
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(Infinity)).toEqual(viridis(1));
    expect(() => viridis(Number.NaN)).toThrow(RangeError);
  });

  it('has strictly increasing luminance', () => {
    let previous = -1;
    for (let i = 0; i <= 200; i++) {
      const l = relativeLuminance(viridis(i / 200));
      expect(l).toBeGreaterThan(previous);
      previous = l;
    }
  });

  it('converts hex both ways and validates', () => {
    expect(parseHex('#0aF')).toEqual([0, 170, 255]);
    expect(parseHex('#12ab9C')).toEqual([0x12, 0xab, 0x9c]);
    expect(toHex([0, 170, 255])).toBe('#00aaff');
    expect(() => toHex([256, 0, 0])).toThrow('toHex: r (256)');
    expect(() => parseHex('red')).toThrow(RangeError);
  });

  it('gives distinct categorical colours', () => {
    const palette = categoricalPalette(10);
    expect(new Set(palette).size).toBe(10);
    expect(categoricalPalette(12)[10]).toBe(palette[0]);
  });
});

// ---------------------------------------------------------------------------------------------
// SVG helpers
// ---------------------------------------------------------------------------------------------

describe('svg helpers', () => {
  it('escapes XML and formats coordinates without exponents', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;');
    expect(fmt(12.5)).toBe('12.5');
    expect(fmt(3)).toBe('3');
    expect(fmt(1e-7)).toBe('0');
    expect(fmt(-0.001)).toBe('0');
    expect(fmt(2 / 3, 3)).toBe('0.667');
    expect(fmt(1e25)).not.toMatch(/e/);
    expect(() => fmt(Number.NaN)).toThrow(RangeError);
  });

  it('builds elements with escaped attributes', () => {
    expect(el('rect', { x: 1.005, y: 2, fill: 'a"b', hidden: false, missing: undefined })).toBe(
      '<rect x="1" y="2" fill="a&quot;b"/>',
    );
    expect(el('g', {}, ['<a/>', '<b/>'])).toBe('<g><a/><b/></g>');
    expect(() => el('bad tag')).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------------------------------

describe('ticks', () => {
  it('produces nice linear ticks', () => {
    expect(linearTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(-1, 1)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(linearTicks(0.1, 0.35)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    expect(linearTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(linearTicks(1e-9, 3e-9)).toEqual([1e-9, 1.5e-9, 2e-9, 2.5e-9, 3e-9]);
  });

  it('keeps linear ticks inside the range with a 1/2/5×10^k step (random ranges)', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let trial = 0; trial < 300; trial++) {
      const scale = 10 ** Math.floor(random() * 20 - 10);
      const a = (random() - 0.5) * 100 * scale;
      const b = a + (random() + 0.01) * 50 * scale;
      const ticks = linearTicks(a, b, 5);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(12);
      const step = ticks[1]! - ticks[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
      for (let i = 0; i < ticks.length; i++) {
        expect(ticks[i]!).toBeGreaterThanOrEqual(a - step * 1e-6);
        expect(ticks[i]!).toBeLessThanOrEqual(b + step * 1e-6);
        if (i > 0) expect(Math.abs(ticks[i]! - ticks[i - 1]! - step)).toBeLessThan(step * 1e-6);
      }
    }
  });

  it('produces decade ticks on log axes and falls back below one decade', () => {
    expect(logTicks(1e-30, 10)).toEqual([1e-30, 1e-25, 1e-20, 1e-15, 1e-10, 1e-5, 1]);
    expect(logTicks(1e-3, 1e3)).toEqual([1e-3, 1e-2, 0.1, 1, 10, 100, 1000]);
    expect(logTicks(3, 50)).toEqual([5, 10, 20, 50]);
    expect(logTicks(2, 8)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(() => logTicks(0, 1)).toThrow('logTicks: min (0) must be positive on a log axis');
    const log = axisTicks('log', 1e-3, 1e3);
    expect(log.minor).toContain(0.002);
    expect(log.minor).toContain(900);
    expect(log.minor).not.toContain(1);
    expect(axisTicks('log', 1e-30, 10).minor).toEqual([]);
  });

  it('formats tick labels', () => {
    expect(formatTick(1e-8)).toBe('1e-8');
    expect(formatTick(0.5)).toBe('0.5');
    expect(formatTick(20)).toBe('20');
    expect(formatTick(1.5)).toBe('1.5');
    expect(formatTick(2.5e-7)).toBe('2.5e-7');
    expect(formatTick(1e6)).toBe('1e6');
    expect(formatTick(1, 0.5)).toBe('1.0');
    expect(formatTick(0, 0.5)).toBe('0.0');
    expect(formatTick(0.1 + 0.2, 0.1)).toBe('0.3');
    expect(axisTicks('log', 1e-30, 10).labels).toEqual(['1e-30', '1e-25', '1e-20', '1e-15', '1e-10', '1e-5', '1']);
  });
});

// ---------------------------------------------------------------------------------------------
// Line charts
// ---------------------------------------------------------------------------------------------

/** The `d` attribute of the path drawing series `name`. */
function seriesPath(svg: string, name: string): string {
  const match = new RegExp(`<path class="series" data-series="${name}" d="([^"]*)"`).exec(svg);
  if (!match) throw new Error(`series ${name} not found`);
  return match[1]!;
}

/** All coordinate pairs of a path made of M/L commands. */
function pathPoints(d: string): [number, number][] {
  const numbers = d
    .replace(/h0/g, '')
    .split(/[ML ]/)
    .filter((s) => s.length > 0)
    .map(Number);
  const points: [number, number][] = [];
  for (let i = 0; i < numbers.length; i += 2) points.push([numbers[i]!, numbers[i + 1]!]);
  return points;
}

/** Plot rectangle of panel `index` (from its clip path). */
function clipRect(svg: string, index: number): { x: number; y: number; width: number; height: number } {
  const match = new RegExp(
    `<clipPath id="lc-clip-${index}"><rect x="([\\d.]+)" y="([\\d.]+)" width="([\\d.]+)" height="([\\d.]+)"/>`,
  ).exec(svg);
  if (!match) throw new Error('clip path not found');
  const [, x, y, width, height] = match.map(Number);
  return { x: x!, y: y!, width: width!, height: height! };
}

describe('lineChart', () => {
  it('breaks lines at NaN/Infinity and contains its labels', () => {
    const svg = lineChart({
      title: 'Loss & sharpness',
      panels: [
        {
          title: 'panel A',
          xLabel: 'step',
          yLabel: 'loss',
          yScale: 'linear',
          series: [
            { name: 'a<b', x: [0, 1, 2, 3, 4, 5, 6, 7], y: [1, 2, NaN, 3, 4, Infinity, 5, 6] },
            { name: 'plain', x: [0, 7], y: [2, 2] },
          ],
          hlines: [{ y: 5.5, label: '2/η' }],
        },
      ],
    });
    const d = seriesPath(svg, 'a&lt;b');
    expect(d.match(/M/g)?.length).toBe(3);
    expect(seriesPath(svg, 'plain').match(/M/g)?.length).toBe(1);
    for (const label of ['Loss &amp; sharpness', 'panel A', '>step<', '>loss<', '>a&lt;b<', '>2/η<']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('class="hline"');
    expect(svg).toContain('<clipPath id="lc-clip-0">');
  });

  it('breaks at non-positive values on log axes and ignores them in auto ranges', () => {
    const svg = lineChart({
      panels: [
        {
          xLabel: 'x',
          yLabel: 'y',
          yScale: 'log',
          series: [{ name: 's', x: [0, 1, 2, 3, 4, 5], y: [1e-3, 1e-2, 0, -5, 1e-1, 1] }],
        },
      ],
    });
    const d = seriesPath(svg, 's');
    expect(d.match(/M/g)?.length).toBe(2);
    const plot = clipRect(svg, 0);
    for (const [x, y] of pathPoints(d)) {
      expect(x).toBeGreaterThanOrEqual(plot.x - 0.1);
      expect(x).toBeLessThanOrEqual(plot.x + plot.width + 0.1);
      expect(y).toBeGreaterThanOrEqual(plot.y - 0.1);
      expect(y).toBeLessThanOrEqual(plot.y + plot.height + 0.1);
    }
    expect(svg).toContain('>0.001<');
  });

  it('clips far-out-of-range data geometrically without exponent notation', () => {
    const svg = lineChart({
      panels: [
        {
          xLabel: 'x',
          yLabel: 'y',
          yScale: 'linear',
          yRange: [0, 1],
          series: [{ name: 's', x: [0, 1, 2, 3], y: [0.5, 1e200, -1e200, 0.5] }],
        },
      ],
    });
    const d = seriesPath(svg, 's');
    expect(d).not.toMatch(/e/);
    const plot = clipRect(svg, 0);
    for (const [, y] of pathPoints(d)) {
      expect(y).toBeGreaterThanOrEqual(plot.y - 21);
      expect(y).toBeLessThanOrEqual(plot.y + plot.height + 21);
    }
  });

  it('decimates 10^5 points to a bounded path', () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + Math.sin(i / 5000));
    const svg = lineChart({
      width: 800,
      panels: [{ xLabel: 'step', yLabel: 'y', yScale: 'linear', series: [{ name: 'noisy', x, y }] }],
    });
    const d = seriesPath(svg, 'noisy');
    const points = pathPoints(d);
    const plot = clipRect(svg, 0);
    expect(points.length).toBeLessThanOrEqual(4 * (Math.ceil(plot.width) + 1));
    expect(svg.length).toBeLessThan(80_000);
    // The envelope survives: the extreme values of the data reach the extreme pixel rows.
    const ys = points.map((p) => p[1]);
    expect(Math.min(...ys)).toBeLessThan(plot.y + plot.height * 0.1);
    expect(Math.max(...ys)).toBeGreaterThan(plot.y + plot.height * 0.9);
  });

  it('decimatePolyline keeps first/last vertices and per-column extremes', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const line: number[] = [];
    for (let i = 0; i < 5000; i++) line.push(i * 0.013, random() * 100);
    const out = decimatePolyline(line);
    expect(out.length).toBeLessThan(line.length / 3);
    expect(out.slice(0, 2)).toEqual(line.slice(0, 2));
    expect(out.slice(-2)).toEqual(line.slice(-2));
    const extremes = (pts: number[]): Map<number, [number, number]> => {
      const map = new Map<number, [number, number]>();
      for (let i = 0; i < pts.length; i += 2) {
        const column = Math.floor(pts[i]!);
        const [lo, hi] = map.get(column) ?? [Infinity, -Infinity];
        map.set(column, [Math.min(lo, pts[i + 1]!), Math.max(hi, pts[i + 1]!)]);
      }
      return map;
    };
    expect(extremes(out)).toEqual(extremes(line));
  });

  it('renders markers, dashes and a two-panel layout through resvg', () => {
    const svg = lineChart({
      width: 600,
      title: 'two panels',
      panels: [
        {
          xLabel: 'step',
          yLabel: 'loss',
          yScale: 'log',
          yRange: [1e-30, 10],
          series: [{ name: 'loss', x: [0, 1, 2], y: [1, 1e-10, 1e-25] }],
        },
        {
          xLabel: 'step',
          yLabel: 'λ',
          yScale: 'linear',
          series: [
            { name: 'a', x: [0, 1, 2], y: [1, 2, 3], dash: true },
            { name: 'b', x: [0, 1, 2], y: [3, 2, 1], mode: 'markers' },
          ],
          hlines: [{ y: 2.5, label: '2/η', color: '#d62728' }],
        },
      ],
    });
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('<clipPath id="lc-clip-1">');
    const image = svgToRgba(svg);
    expect(image.width).toBe(600);
  });

  it("draws 'rings' markers as open circles (stroke, no fill), in the legend too", () => {
    const svg = lineChart({
      panels: [
        {
          xLabel: 'x',
          yLabel: 'y',
          yScale: 'linear',
          series: [
            { name: 'filled', x: [0, 1], y: [1, 2], mode: 'markers', color: '#111111' },
            { name: 'open', x: [0, 1], y: [2, 1], mode: 'rings', color: '#222222' },
          ],
        },
      ],
    });
    expect(svg).toMatch(/data-series="filled"[^>]*fill="#111111"[^>]*stroke="none"/);
    expect(svg).toMatch(/data-series="open"[^>]*fill="none"[^>]*stroke="#222222"/);
    expect(svg).toMatch(/<circle[^>]*fill="none"[^>]*stroke="#222222"/);
    expect(() =>
      lineChart({
        panels: [
          {
            xLabel: 'x',
            yLabel: 'y',
            yScale: 'linear',
            series: [{ name: 's', x: [1], y: [1], mode: 'dots' as never }],
          },
        ],
      }),
    ).toThrow(/mode \(dots\) must be 'line', 'markers' or 'rings'/);
  });

  it('rejects invalid specs with a message naming the field', () => {
    expect(() =>
      lineChart({
        panels: [
          {
            xLabel: 'x',
            yLabel: 'y',
            yScale: 'linear',
            series: [{ name: 's', x: [1, 2, 3], y: [1, 2, 3, 4] }],
          },
        ],
      }),
    ).toThrow('lineChart: panels[0].series[0].x.length (3) must equal panels[0].series[0].y.length (4)');
    expect(() => lineChart({ panels: [] })).toThrow('lineChart: panels.length (0) must be ≥ 1');
    expect(() =>
      lineChart({
        panels: [{ xLabel: 'x', yLabel: 'y', yScale: 'log', yRange: [0, 1], series: [] }],
      }),
    ).toThrow('lineChart: panels[0].yRange[0] (0) must be positive on a log axis');
    expect(() =>
      lineChart({
        panels: [{ xLabel: 'x', yLabel: 'y', yScale: 'linear', xRange: [2, 1], series: [] }],
      }),
    ).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Heatmaps
// ---------------------------------------------------------------------------------------------

/** Position and size of the embedded raster image, from the SVG. */
function rasterRect(svg: string): {
  x: number;
  y: number;
  width: number;
  height: number;
  svgWidth: number;
} {
  const image = /<image class="raster" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  const root = /<svg [^>]*width="([\d.]+)"/.exec(svg);
  if (!image || !root) throw new Error('raster not found');
  const [, x, y, width, height] = image.map(Number);
  return { x: x!, y: y!, width: width!, height: height!, svgWidth: Number(root[1]) };
}

/** Pixel centre (in the rendered image) of data cell (row, col), with row 0 at the bottom. */
function cellCentre(
  rect: ReturnType<typeof rasterRect>,
  rows: number,
  cols: number,
  row: number,
  col: number,
  renderWidth: number,
): [number, number] {
  const scale = renderWidth / rect.svgWidth;
  return [
    (rect.x + ((col + 0.5) * rect.width) / cols) * scale,
    (rect.y + ((rows - 1 - row + 0.5) * rect.height) / rows) * scale,
  ];
}

function sampleHeatmap(): HeatmapSpec {
  const rows = 6;
  const cols = 8;
  const values = new Float64Array(rows * cols);
  const codes = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) values[r * cols + c] = r + c / 10;
  }
  codes[0] = 1; // row 0, col 0 → bottom-left: diverged
  codes[(rows - 1) * cols + cols - 1] = 2; // top-right: no GFS
  codes[2 * cols + 3] = 9; // unlisted code → colour map
  values[3 * cols + 1] = Number.NaN; // NaN without class → grey
  values[4 * cols + 6] = Infinity; // clamps to the top colour
  return {
    title: 'test heatmap',
    rows,
    cols,
    values,
    xRange: [0, 8],
    yRange: [0, 6],
    xLabel: 'η',
    yLabel: 'y₀',
    valueRange: [0, 5],
    colorbarLabel: 'sharpness',
    categories: {
      codes,
      classes: [
        { code: 1, label: 'diverged', color: '#d62728', count: 1 },
        { code: 2, label: 'no GFS', color: '#1f77b4' },
      ],
    },
  };
}

describe('heatmapFigure', () => {
  it('renders cells with class colours, viridis and NaN grey, row 0 at the bottom', () => {
    const spec = sampleHeatmap();
    const svg = heatmapFigure(spec);
    const renderWidth = 900;
    const png = svgToPng(svg, { width: renderWidth });
    const image = decodePng(png);
    expect(image.width).toBe(renderWidth);
    const rect = rasterRect(svg);
    const at = (row: number, col: number): number[] =>
      pixelAt(image, ...cellCentre(rect, spec.rows, spec.cols, row, col, renderWidth));
    expect(at(0, 0)).toEqual(rgbaOf('#d62728'));
    expect(at(5, 7)).toEqual(rgbaOf('#1f77b4'));
    expect(at(3, 1)).toEqual(rgbaOf(NAN_COLOR));
    expect(at(4, 6)).toEqual([...viridis(1), 255]);
    expect(at(2, 3)).toEqual([...viridis((2 + 0.3) / 5), 255]);
    expect(at(1, 5)).toEqual([...viridis((1 + 0.5) / 5), 255]);
    // The same pixels straight from resvg agree with our decoder.
    const raw = svgToRgba(svg, { width: renderWidth });
    expect(raw.width).toBe(image.width);
    expect(raw.height).toBe(image.height);
    expect(Buffer.compare(raw.pixels, Buffer.from(image.rgba))).toBe(0);
    // Legend text, with counts when given, and the NaN entry.
    expect(svg).toContain('>diverged (1)<');
    expect(svg).toContain('>no GFS<');
    expect(svg).toContain('>no value (NaN)<');
    expect(svg).toContain('>sharpness<');
  });

  it('keeps cells crisp (nearest-neighbour scaling)', () => {
    const rows = 10;
    const cols = 13;
    const codes = new Uint8Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) codes[r * cols + c] = (r + c) % 2;
    const svg = categoricalMap({
      title: 'checkerboard',
      rows,
      cols,
      codes,
      xRange: [0, 1],
      yRange: [0, 1],
      xLabel: 'x',
      yLabel: 'y',
      classes: [
        { code: 0, label: 'even', color: '#000000' },
        { code: 1, label: 'odd', color: '#ffff00' },
      ],
    });
    const renderWidth = 700;
    const image = decodePng(svgToPng(svg, { width: renderWidth }));
    const rect = rasterRect(svg);
    const scale = renderWidth / rect.svgWidth;
    const allowed = new Set(['0,0,0,255', '255,255,0,255']);
    let checked = 0;
    for (let py = Math.ceil(rect.y * scale) + 2; py < (rect.y + rect.height) * scale - 2; py++) {
      for (let px = Math.ceil(rect.x * scale) + 2; px < (rect.x + rect.width) * scale - 2; px++) {
        const colour = pixelAt(image, px, py).join(',');
        if (!allowed.has(colour)) throw new Error(`blended pixel ${colour} at (${px}, ${py})`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    // Bottom-left cell is data (0, 0) → code 0 → black.
    expect(pixelAt(image, ...cellCentre(rect, rows, cols, 0, 0, renderWidth))).toEqual([0, 0, 0, 255]);
    expect(pixelAt(image, ...cellCentre(rect, rows, cols, 1, 0, renderWidth))).toEqual([255, 255, 0, 255]);
  });

  it('draws reference lines, a colour bar and data-unit ticks', () => {
    const spec = {
      ...sampleHeatmap(),
      referenceLines: [{ orientation: 'vertical' as const, at: 2, label: 'η = 2' }],
    };
    const svg = heatmapFigure(spec);
    expect(svg).toContain('class="reference"');
    expect(svg).toContain('>η = 2<');
    expect(svg).toContain('class="colorbar"');
    expect(svg).toContain('<linearGradient');
    expect(svg).toMatch(/>5\.0<|>5</);
    expect(svg).toContain('style="image-rendering:pixelated;image-rendering:optimizeSpeed"');
  });

  it('rejects invalid specs with documented messages', () => {
    const spec = sampleHeatmap();
    expect(() =>
      heatmapFigure({
        ...spec,
        rows: 3,
        cols: 4,
        values: new Float64Array(10),
        categories: undefined,
      }),
    ).toThrow('heatmapFigure: values.length (10) must equal rows*cols (12)');
    expect(() => heatmapFigure({ ...spec, valueRange: [1, 1] })).toThrow(
      'heatmapFigure: valueRange ([1, 1]) must be finite with valueRange[0] < valueRange[1]',
    );
    expect(() =>
      heatmapFigure({
        ...spec,
        categories: {
          codes: spec.categories!.codes,
          classes: [{ code: 1, label: 'x', color: 'red' }],
        },
      }),
    ).toThrow('heatmapFigure: categories.classes[0].color ("red") must be #rgb or #rrggbb');
    expect(() => heatmapFigure({ ...spec, categories: { codes: new Uint8Array(3), classes: [] } })).toThrow(
      'heatmapFigure: categories.codes.length (3) must equal rows*cols (48)',
    );
    expect(() => heatmapFigure({ ...spec, rows: 0 })).toThrow('heatmapFigure: rows (0) must be a positive integer');
    expect(() => heatmapFigure({ ...spec, xRange: [1, 1] })).toThrow('heatmapFigure: xRange ([1, 1])');
    expect(() =>
      categoricalMap({
        title: 't',
        rows: 1,
        cols: 2,
        codes: Uint8Array.of(0, 5),
        xRange: [0, 1],
        yRange: [0, 1],
        xLabel: 'x',
        yLabel: 'y',
        classes: [{ code: 0, label: 'a', color: '#000' }],
      }),
    ).toThrow('categoricalMap: codes[1] (5) is not listed in classes');
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

describe('svgToPng', () => {
  it('the fonts are in the package; a missing one is an error (resvg would draw no text at all)', () => {
    const here = fontFiles();
    expect(here.map((f) => basename(f))).toEqual(['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']);
    const elsewhere = new URL('file:///nonexistent-eoslab-fonts/');
    expect(() => fontFiles(elsewhere)).toThrow(/PNG output needs the font .*DejaVuSans\.ttf .*reinstall eoslab/);
  });

  it('renders text with the bundled DejaVu font at the requested width', () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50" viewBox="0 0 200 50">' +
      '<text x="10" y="35" font-size="30" fill="#000">Agy 123</text></svg>';
    const image = decodePng(svgToPng(svg, { width: 400 }));
    expect(image.width).toBe(400);
    expect(image.height).toBe(100);
    let dark = 0;
    for (let i = 0; i < image.rgba.length; i += 4) if (image.rgba[i]! < 100) dark++;
    expect(dark).toBeGreaterThan(500);
    expect(pixelAt(image, 399, 0)).toEqual([255, 255, 255, 255]); // white background
  });

  it('validates options', () => {
    expect(() => svgToPng('<svg xmlns="http://www.w3.org/2000/svg"/>', { width: 0 })).toThrow(
      'svgToPng: width (0) must be an integer in [1, 16384]',
    );
  });
});
