/**
 * The map on a canvas: one raster pixel per cell (row 0, the smallest p₀, at the bottom), scaled
 * up without smoothing, with axes and the selected cell, coloured like the CLI's figure of that map:
 * - the sharpness map (Fig 3): S/(2/η) through viridis on [vmin, 1], the other statuses in their
 *   own colours (src/plot/statusLayer.ts), a colour bar and the φ₀ = 2/η line;
 * - the invariant-set map (Fig 2c): the classes of `invariantClasses` in the colours of
 *   INVARIANT_CLASSES, the CLI's legend below the axes (with each class's count once the map is
 *   done), no colour bar and no reference line (the CLI's invariant_set.png has none).
 * Drawn progressively: each finished tile paints its cells; when the sharpness scale's lower end
 * moves, every finished cell is repainted.
 */
import { NAN_COLOR, parseHex, viridis } from '../src/plot/colormap.js';
import { sharpnessScaleMin, STATUS_CLASSES } from '../src/plot/statusLayer.js';
import { axisTicks } from '../src/plot/ticks.js';
import type { FamilyGrid, MapKind } from '../src/experiments/heatmap/grid.js';
import { INVARIANT_CLASSES, invariantClasses } from '../src/experiments/heatmap/heatmap.js';
import type { SweepArrays } from '../src/experiments/heatmap/sweep.js';
import { Status, STATUS_LABELS } from '../src/wasm/status.js';

const FONT = '12px system-ui, sans-serif';
const LEGEND_FONT = '11px system-ui, sans-serif';
/** Height of one legend row of the invariant-set map, and its rows (6 classes, 2 per row). */
const LEGEND_ROW = 16;
const LEGEND_COLUMNS = 2;
const LEGEND_ROWS = Math.ceil(INVARIANT_CLASSES.length / LEGEND_COLUMNS);

/** Margins around the plot: the sharpness map keeps room for its colour bar, the 𝕊 map for its legend. */
const MARGINS: Record<MapKind, { left: number; right: number; top: number; bottom: number }> = {
  sharpness: { left: 64, right: 92, top: 14, bottom: 46 },
  'invariant-set': { left: 64, right: 16, top: 14, bottom: 52 + LEGEND_ROWS * LEGEND_ROW },
};

const STATUS_RGB = new Map<number, readonly [number, number, number]>(
  STATUS_CLASSES.map((c) => [c.code, parseHex(c.color)]),
);
const CLASS_RGB = new Map<number, readonly [number, number, number]>(
  INVARIANT_CLASSES.map((c) => [c.code, parseHex(c.color)]),
);
const NAN_RGB = parseHex(NAN_COLOR);
/** The converged cells' swatch: viridis from its low to its high end. */
export const VIRIDIS_SWATCH = `linear-gradient(90deg,${[0, 0.5, 1].map((t) => `rgb(${viridis(t).join(',')})`).join(',')})`;

/** One class of a map's legend: its key in the counts of `heatmapResult`, its label and colour (CSS). */
export interface LegendEntry {
  key: string;
  label: string;
  color: string;
}

/** The classes of a map, in the order of its counts: statuses (Fig 3) or invariant-set classes (Fig 2c). */
export function mapLegend(map: MapKind): LegendEntry[] {
  if (map === 'invariant-set') return INVARIANT_CLASSES.map((c) => ({ key: c.label, label: c.label, color: c.color }));
  const override = new Map<number, { label: string; color: string }>(STATUS_CLASSES.map((c) => [c.code, c]));
  return STATUS_LABELS.slice(0, Status.running).map((key, code) => ({
    key,
    label: override.get(code)?.label ?? key,
    color: override.get(code)?.color ?? VIRIDIS_SWATCH,
  }));
}

/** What the page says about cell k under the pointer (full values are in the inspector). */
export function describeCell(arrays: SweepArrays, k: number, eta: number, done: boolean): string {
  const where = `φ₀ = ${arrays.initGfsSharpness[k]?.toPrecision(6)}, p₀ = ${arrays.initProduct[k]?.toPrecision(6)}`;
  if (!done) return `${where}: not computed yet`;
  if (arrays.map === 'invariant-set') {
    const [code] = invariantClasses(
      arrays.member.subarray(k, k + 1),
      arrays.monotone.subarray(k, k + 1),
      arrays.gdStatus.subarray(k, k + 1),
      arrays.initGfsSharpness.subarray(k, k + 1),
    );
    return `${where}: ${INVARIANT_CLASSES[code as number]?.label}`;
  }
  const ratio = ((arrays.finalSharpness[k] as number) * eta) / 2;
  const status = STATUS_LABELS[arrays.status[k] as number];
  return `${where}: ${status}${Number.isFinite(ratio) ? `, S∞/(2/η) = ${ratio.toFixed(5)}` : ''}, ${arrays.steps[k]} steps`;
}

export class HeatmapView {
  readonly ctx: CanvasRenderingContext2D;
  private raster: HTMLCanvasElement = document.createElement('canvas');
  private image: ImageData | undefined;
  private grid: FamilyGrid | undefined;
  private eta = 0.1;
  map: MapKind = 'sharpness';
  /** Cells per class of a finished map (the 𝕊 map's legend shows them). */
  private counts: Record<string, number> | undefined;
  /** Lowest finite S/(2/η) so far, and the scale's lower end. */
  private lowest = Infinity;
  vmin = 0;
  selected: { i: number; j: number } | undefined;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2-D canvas');
    this.ctx = ctx;
  }

  get plot(): { x: number; y: number; width: number; height: number } {
    const m = MARGINS[this.map];
    const width = this.canvas.width / this.scale - m.left - m.right;
    const height = this.canvas.height / this.scale - m.top - m.bottom;
    return { x: m.left, y: m.top, width, height };
  }

  private get scale(): number {
    return Number(this.canvas.dataset.scale ?? '1');
  }

  /** Starts a new map: an empty raster of the grid's size. */
  reset(grid: FamilyGrid, eta: number, map: MapKind): void {
    this.grid = grid;
    this.eta = eta;
    this.map = map;
    this.counts = undefined;
    this.lowest = Infinity;
    this.vmin = sharpnessScaleMin(Infinity);
    this.raster.width = grid.cols;
    this.raster.height = grid.rows;
    this.image = new ImageData(grid.cols, grid.rows);
    this.image.data.fill(255);
    this.draw();
  }

  /** The counts of the finished map (shown in the 𝕊 map's legend). */
  setCounts(counts: Record<string, number>): void {
    this.counts = counts;
    this.draw();
  }

  private put(k: number, rgb: readonly [number, number, number]): void {
    const grid = this.grid as FamilyGrid;
    const data = (this.image as ImageData).data;
    const i = Math.floor(k / grid.cols);
    const j = k - i * grid.cols;
    const p = ((grid.rows - 1 - i) * grid.cols + j) * 4;
    data[p] = rgb[0];
    data[p + 1] = rgb[1];
    data[p + 2] = rgb[2];
    data[p + 3] = 255;
  }

  private paintSharpness(arrays: Extract<SweepArrays, { map: 'sharpness' }>, k: number): void {
    const status = arrays.status[k] as number;
    const override = STATUS_RGB.get(status);
    if (override) return this.put(k, override);
    if (status !== Status.converged) return; // not computed yet
    const fraction = ((arrays.finalSharpness[k] as number) * this.eta) / 2;
    this.put(k, Number.isNaN(fraction) ? NAN_RGB : viridis((fraction - this.vmin) / (1 - this.vmin)));
  }

  /** Paints the cells [start, start + count) of `arrays`; repaints all done cells if the scale moved. */
  paint(arrays: SweepArrays, start: number, count: number, done: (k: number) => boolean): void {
    if (arrays.map === 'invariant-set') {
      const end = start + count;
      const codes = invariantClasses(
        arrays.member.subarray(start, end),
        arrays.monotone.subarray(start, end),
        arrays.gdStatus.subarray(start, end),
        arrays.initGfsSharpness.subarray(start, end),
      );
      codes.forEach((code, n) => this.put(start + n, CLASS_RGB.get(code) ?? NAN_RGB));
    } else {
      for (let k = start; k < start + count; k++) {
        const v = ((arrays.finalSharpness[k] as number) * this.eta) / 2;
        if (Number.isFinite(v) && v < this.lowest) this.lowest = v;
      }
      const vmin = sharpnessScaleMin(this.lowest);
      if (vmin !== this.vmin) {
        this.vmin = vmin;
        const cells = arrays.status.length;
        for (let k = 0; k < cells; k++) if (done(k)) this.paintSharpness(arrays, k);
      } else {
        for (let k = start; k < start + count; k++) this.paintSharpness(arrays, k);
      }
    }
    this.raster.getContext('2d')?.putImageData(this.image as ImageData, 0, 0);
    this.draw();
  }

  /** The cell under a point of the canvas (CSS pixels), if any. */
  cellAt(x: number, y: number): { i: number; j: number } | undefined {
    const grid = this.grid;
    if (!grid) return undefined;
    const p = this.plot;
    const fx = (x - p.x) / p.width;
    const fy = (p.y + p.height - y) / p.height;
    if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) return undefined;
    return { i: Math.floor(fy * grid.rows), j: Math.floor(fx * grid.cols) };
  }

  /** Centre of a cell on the canvas (CSS pixels). */
  cellCentre(cell: { i: number; j: number }): { x: number; y: number } {
    const grid = this.grid as FamilyGrid;
    const p = this.plot;
    return {
      x: p.x + ((cell.j + 0.5) / grid.cols) * p.width,
      y: p.y + p.height - ((cell.i + 0.5) / grid.rows) * p.height,
    };
  }

  draw(): void {
    const { ctx, canvas } = this;
    const s = this.scale;
    ctx.setTransform(s, 0, 0, s, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width / s, canvas.height / s);
    const grid = this.grid;
    if (!grid) return;
    const p = this.plot;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.raster, p.x, p.y, p.width, p.height);
    // axes: cell centres span the ranges (extent 'centers', like the CLI's figure)
    const [x0, x1] = grid.phiRange;
    const [y0, y1] = grid.productRange;
    const dx = (x1 - x0) / Math.max(1, grid.cols - 1) / 2;
    const dy = (y1 - y0) / Math.max(1, grid.rows - 1) / 2;
    const xs = (v: number): number => p.x + ((v - (x0 - dx)) / (x1 - x0 + 2 * dx)) * p.width;
    const ys = (v: number): number => p.y + p.height - ((v - (y0 - dy)) / (y1 - y0 + 2 * dy)) * p.height;
    ctx.strokeStyle = '#333333';
    ctx.lineWidth = 1;
    ctx.strokeRect(p.x - 0.5, p.y - 0.5, p.width + 1, p.height + 1);
    ctx.fillStyle = '#222222';
    ctx.font = FONT;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xt = axisTicks('linear', x0 - dx, x1 + dx, 7);
    xt.major.forEach((v, n) => {
      const px = xs(v);
      ctx.beginPath();
      ctx.moveTo(px, p.y + p.height);
      ctx.lineTo(px, p.y + p.height + 5);
      ctx.stroke();
      ctx.fillText(xt.labels[n] as string, px, p.y + p.height + 7);
    });
    ctx.fillText('initial GFS sharpness φ₀', p.x + p.width / 2, p.y + p.height + 26);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const yt = axisTicks('linear', y0 - dy, y1 + dy, 6);
    yt.major.forEach((v, n) => {
      const py = ys(v);
      ctx.beginPath();
      ctx.moveTo(p.x - 5, py);
      ctx.lineTo(p.x, py);
      ctx.stroke();
      ctx.fillText(yt.labels[n] as string, p.x - 7, py);
    });
    ctx.save();
    ctx.translate(14, p.y + p.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('initial product p₀', 0, 0);
    ctx.restore();
    if (this.map === 'sharpness') {
      this.drawThreshold(p, xs, x0, x1);
      this.drawColorbar(p);
    } else {
      this.drawClassLegend(p);
    }
    if (this.selected) {
      const c = this.cellCentre(this.selected);
      const w = Math.max(6, p.width / grid.cols);
      const h = Math.max(6, p.height / grid.rows);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      ctx.strokeRect(c.x - w / 2 - 2, c.y - h / 2 - 2, w + 4, h + 4);
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = 1;
      ctx.strokeRect(c.x - w / 2 - 3, c.y - h / 2 - 3, w + 6, h + 6);
    }
  }

  /** The φ₀ = 2/η line of Fig 3, when 2/η is inside the φ₀ range. */
  private drawThreshold(p: { y: number; height: number }, xs: (v: number) => number, x0: number, x1: number): void {
    const { ctx } = this;
    const threshold = 2 / this.eta;
    if (!(threshold > x0 && threshold < x1)) return;
    const px = xs(threshold);
    ctx.save();
    ctx.strokeStyle = '#e41a1c';
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, p.y);
    ctx.lineTo(px, p.y + p.height);
    ctx.stroke();
    ctx.restore();
    const label = 'φ₀ = 2/η';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = 'rgba(255,255,255,0.8)';
    ctx.fillRect(px + 2, p.y + 3, ctx.measureText(label).width + 5, 16);
    ctx.fillStyle = '#e41a1c';
    ctx.fillText(label, px + 4, p.y + 5);
  }

  private drawColorbar(p: { x: number; y: number; width: number; height: number }): void {
    const { ctx } = this;
    const x = p.x + p.width + 14;
    const w = 14;
    for (let n = 0; n < p.height; n++) {
      const [r, g, b] = viridis(1 - n / (p.height - 1));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x, p.y + n, w, 1.5);
    }
    ctx.strokeStyle = '#333333';
    ctx.strokeRect(x - 0.5, p.y - 0.5, w + 1, p.height + 1);
    const ticks = axisTicks('linear', this.vmin, 1, 5);
    ctx.fillStyle = '#222222';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ticks.major.forEach((v, n) => {
      const py = p.y + p.height - ((v - this.vmin) / (1 - this.vmin)) * p.height;
      ctx.fillText(ticks.labels[n] as string, x + w + 4, py);
    });
    ctx.save();
    ctx.translate(x + w + 40, p.y + p.height / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('final sharpness S / (2/η)', 0, 0);
    ctx.restore();
  }

  /** The 𝕊 map's classes below the axes, as the CLI's figure lists them: swatch, label, (count). */
  private drawClassLegend(p: { x: number; y: number; width: number; height: number }): void {
    const { ctx } = this;
    ctx.font = LEGEND_FONT;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const top = p.y + p.height + 46;
    const column = p.width / LEGEND_COLUMNS;
    INVARIANT_CLASSES.forEach((c, n) => {
      const x = p.x + (n % LEGEND_COLUMNS) * column;
      const y = top + Math.floor(n / LEGEND_COLUMNS) * LEGEND_ROW;
      ctx.fillStyle = c.color;
      ctx.fillRect(x, y - 5, 11, 11);
      ctx.strokeStyle = '#888888';
      ctx.strokeRect(x - 0.5, y - 5.5, 12, 12);
      ctx.fillStyle = '#222222';
      const count = this.counts?.[c.label];
      ctx.fillText(count === undefined ? c.label : `${c.label} (${count})`, x + 16, y, column - 20);
    });
    ctx.font = FONT;
  }
}
