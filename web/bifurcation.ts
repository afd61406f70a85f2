/**
 * Draws an inspected cell's GPGD bifurcation diagram (computed in the inspector's worker,
 * web/cellInspection.ts): the orbits as grey dots, 2/η dashed, the GD iterates (φₜ, πₜ) in orange
 * on top — the paper's Fig 4 for this cell. The legend sits in its own strip between the title and
 * the plot, so it never covers the orbits, the iterates or the 2/η marker.
 */
import type { Trajectory } from '../src/api.js';
import { axisTicks } from '../src/plot/ticks.js';
import type { CellDiagram } from './cellInspection.js';

const GD_COLOR = '#d95f02';
const ORBIT_COLOR = 'rgba(40,40,40,0.55)';
const THRESHOLD_COLOR = '#555555';
/** Title line, then the legend strip, then the plot. */
const TITLE_Y = 4;
const LEGEND_Y = 26;
const PLOT_TOP = 38;

/** Draws the orbits, 2/η and the GD iterates in the (φ, π) plane. */
export function drawDiagram(canvas: HTMLCanvasElement, r: CellDiagram, t: Trajectory, eta: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const s = Number(canvas.dataset.scale ?? '1');
  const W = canvas.width / s;
  const H = canvas.height / s;
  ctx.setTransform(s, 0, 0, s, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  const p = { x: 62, y: PLOT_TOP, w: W - 74, h: H - PLOT_TOP - 34 };
  const K = r.keep;
  const x0 = r.phi[0] as number;
  const x1 = r.phi[r.count - 1] as number;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of r.orbits) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  for (let k = 0; k < t.rows; k++) {
    const v = t.product[k] as number;
    const phi = t.gfsSharpness[k] as number;
    if (Number.isFinite(v) && phi >= x0 && phi <= x1) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  if (!(lo < hi)) [lo, hi] = [0.5, 1.5];
  const pad = (hi - lo) * 0.05;
  [lo, hi] = [lo - pad, hi + pad];
  const xs = (v: number): number => p.x + ((v - x0) / (x1 - x0)) * p.w;
  const ys = (v: number): number => p.y + p.h - ((v - lo) / (hi - lo)) * p.h;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#222222';
  ctx.strokeStyle = '#cccccc';
  const yt = axisTicks('linear', lo, hi, 5);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  yt.major.forEach((v, k) => ctx.fillText(yt.labels[k] as string, p.x - 4, ys(v)));
  const xt = axisTicks('linear', x0, x1, 6);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  xt.major.forEach((v, k) => ctx.fillText(xt.labels[k] as string, xs(v), p.y + p.h + 5));
  ctx.fillText('GFS sharpness φ', p.x + p.w / 2, p.y + p.h + 18);
  ctx.save();
  ctx.translate(12, p.y + p.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('product π', 0, 0);
  ctx.restore();
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText('GPGD bifurcation diagram, GD iterates on top', p.x, TITLE_Y);
  drawLegend(ctx, p.x);
  ctx.save();
  ctx.beginPath();
  ctx.rect(p.x, p.y, p.w, p.h);
  ctx.clip();
  ctx.fillStyle = ORBIT_COLOR;
  for (let n = 0; n < r.count; n++) {
    const x = xs(r.phi[n] as number);
    for (let k = 0; k < K; k++) {
      const v = r.orbits[n * K + k] as number;
      if (Number.isFinite(v)) ctx.fillRect(x - 0.5, ys(v) - 0.5, 1, 1);
    }
  }
  const threshold = 2 / eta;
  ctx.strokeStyle = THRESHOLD_COLOR;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(xs(threshold), p.y);
  ctx.lineTo(xs(threshold), p.y + p.h);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = GD_COLOR;
  for (let k = 0; k < t.rows; k++) {
    const phi = t.gfsSharpness[k] as number;
    const v = t.product[k] as number;
    if (Number.isFinite(phi) && Number.isFinite(v)) {
      ctx.beginPath();
      ctx.arc(xs(phi), ys(v), 1.8, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.restore();
  ctx.strokeStyle = '#333333';
  ctx.strokeRect(p.x - 0.5, p.y - 0.5, p.w + 1, p.h + 1);
}

/** One line above the plot: a sample of each mark, then its name. */
function drawLegend(ctx: CanvasRenderingContext2D, left: number): void {
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const y = LEGEND_Y;
  let x = left;
  const label = (text: string): void => {
    ctx.fillStyle = '#222222';
    ctx.fillText(text, x, y);
    x += ctx.measureText(text).width + 16;
  };
  ctx.fillStyle = GD_COLOR;
  ctx.beginPath();
  ctx.arc(x + 4, y, 3, 0, 2 * Math.PI);
  ctx.fill();
  x += 12;
  label('GD iterates (φₜ, πₜ)');
  ctx.fillStyle = ORBIT_COLOR;
  for (const dx of [0, 4, 8]) ctx.fillRect(x + dx, y - 0.5, 1.5, 1.5);
  x += 14;
  label('GPGD orbits');
  ctx.strokeStyle = THRESHOLD_COLOR;
  ctx.lineWidth = 1;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + 22, y);
  ctx.stroke();
  ctx.setLineDash([]);
  x += 27;
  label('φ = 2/η');
}
