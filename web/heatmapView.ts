/**
 * The heatmap on a canvas: one raster pixel per cell (row 0, the smallest p₀, at the bottom),
 * coloured like the CLI's Fig 3 — S/(2/η) through viridis on [vmin, 1], the other statuses in
 * their own colours (src/plot/statusLayer.ts) — scaled up without smoothing, with axes, the
 * φ₀ = 2/η line, a colour bar and the selected cell. Drawn progressively: each finished tile
 * paints its cells; when the scale's lower end moves, every finished cell is repainted.
 */
import { NAN_COLOR, parseHex, viridis } from '../src/plot/colormap.js';
import { sharpnessScaleMin, STATUS_CLASSES } from '../src/plot/statusLayer.js';
import { axisTicks } from '../src/plot/ticks.js';
import type { FamilyGrid } from '../src/experiments/heatmap/grid.js';
import type { SharpnessArrays } from '../src/experiments/heatmap/sweep.js';
import { Status } from '../src/wasm/status.js';

const MARGIN = { left: 64, right: 92, top: 14, bottom: 46 };
const FONT = '12px system-ui, sans-serif';

const STATUS_RGB = new Map<number, readonly [number, number, number]>(
  STATUS_CLASSES.map((c) => [c.code, parseHex(c.color)]),
);
const NAN_RGB = parseHex(NAN_COLOR);

export class HeatmapView {
  readonly ctx: CanvasRenderingContext2D;
  private raster: HTMLCanvasElement = document.createElement('canvas');
  private image: ImageData | undefined;
  private grid: FamilyGrid | undefined;
  private eta = 0.1;
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
    const width = this.canvas.width / this.scale - MARGIN.left - MARGIN.right;
    const height = this.canvas.height / this.scale - MARGIN.top - MARGIN.bottom;
    return { x: MARGIN.left, y: MARGIN.top, width, height };
  }

  private get scale(): number {
    return Number(this.canvas.dataset.scale ?? '1');
  }

  /** Starts a new map: an empty raster of the grid's size. */
  reset(grid: FamilyGrid, eta: number): void {
    this.grid = grid;
    this.eta = eta;
    this.lowest = Infinity;
    this.vmin = sharpnessScaleMin(Infinity);
    this.raster.width = grid.cols;
    this.raster.height = grid.rows;
    this.image = new ImageData(grid.cols, grid.rows);
    this.image.data.fill(255);
    this.draw();
  }

  private paintCell(arrays: SharpnessArrays, k: number): void {
    const grid = this.grid as FamilyGrid;
    const data = (this.image as ImageData).data;
    const i = Math.floor(k / grid.cols);
    const j = k - i * grid.cols;
    const p = ((grid.rows - 1 - i) * grid.cols + j) * 4;
    const status = arrays.status[k] as number;
    let rgb: readonly [number, number, number];
    const override = STATUS_RGB.get(status);
    if (override) rgb = override;
    else if (status === Status.converged) {
      const fraction = ((arrays.finalSharpness[k] as number) * this.eta) / 2;
      rgb = Number.isNaN(fraction) ? NAN_RGB : viridis((fraction - this.vmin) / (1 - this.vmin));
    } else return; // not computed yet
    data[p] = rgb[0];
    data[p + 1] = rgb[1];
    data[p + 2] = rgb[2];
    data[p + 3] = 255;
  }

  /** Paints the cells [start, start + count) of `arrays`; repaints all done cells if the scale moved. */
  paint(arrays: SharpnessArrays, start: number, count: number, done: (k: number) => boolean): void {
    for (let k = start; k < start + count; k++) {
      const v = ((arrays.finalSharpness[k] as number) * this.eta) / 2;
      if (Number.isFinite(v) && v < this.lowest) this.lowest = v;
    }
    const vmin = sharpnessScaleMin(this.lowest);
    if (vmin !== this.vmin) {
      this.vmin = vmin;
      const cells = arrays.status.length;
      for (let k = 0; k < cells; k++) if (done(k)) this.paintCell(arrays, k);
    } else {
      for (let k = start; k < start + count; k++) this.paintCell(arrays, k);
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
    // φ₀ = 2/η
    const threshold = 2 / this.eta;
    if (threshold > x0 && threshold < x1) {
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
    this.drawColorbar(p);
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
}

/** Colour swatch of each status class (the legend next to the counts). */
export function statusLegend(): { code: number; label: string; color: string }[] {
  return STATUS_CLASSES.map((c) => ({ code: c.code, label: c.label, color: c.color }));
}
