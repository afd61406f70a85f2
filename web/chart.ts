/**
 * A small line chart on a canvas for the inspector: y against step, linear or log, with dashed
 * horizontal reference lines, a marked step and a legend; ticks from the CLI's figure library
 * (src/plot/ticks.ts). Long series are drawn as per-pixel min/max columns.
 */
import { axisTicks } from '../src/plot/ticks.js';

export interface ChartSeries {
  name: string;
  y: Float64Array;
  color: string;
  dash?: boolean;
}

export interface ChartSpec {
  title: string;
  yLabel: string;
  log?: boolean;
  series: ChartSeries[];
  /** Horizontal reference lines (e.g. 2/η). */
  lines?: { y: number; name: string; color: string }[];
  /** A marked step (e.g. the crossing), drawn as a vertical line. */
  marker?: { step: number; name: string; color: string };
}

const M = { left: 62, right: 12, top: 22, bottom: 34 };

export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const s = Number(canvas.dataset.scale ?? '1');
  const W = canvas.width / s;
  const H = canvas.height / s;
  ctx.setTransform(s, 0, 0, s, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  const p = { x: M.left, y: M.top, w: W - M.left - M.right, h: H - M.top - M.bottom };
  const n = Math.max(...spec.series.map((c) => c.y.length));
  if (n === 0) return;
  let lo = Infinity;
  let hi = -Infinity;
  const take = (v: number): void => {
    if (!Number.isFinite(v) || (spec.log && !(v > 0))) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const c of spec.series) for (const v of c.y) take(v);
  for (const l of spec.lines ?? []) take(l.y);
  if (!(lo < hi)) [lo, hi] = spec.log ? [lo / 10 || 1e-3, hi * 10 || 1] : [lo - 1 || -1, hi + 1 || 1];
  if (spec.log) {
    lo = 10 ** Math.floor(Math.log10(lo));
    hi = 10 ** Math.ceil(Math.log10(hi));
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const xMax = Math.max(1, n - 1);
  const xs = (step: number): number => p.x + (step / xMax) * p.w;
  const ys = spec.log
    ? (v: number): number => p.y + p.h - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * p.h
    : (v: number): number => p.y + p.h - ((v - lo) / (hi - lo)) * p.h;
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#cccccc';
  ctx.fillStyle = '#222222';
  ctx.lineWidth = 1;
  const yt = axisTicks(spec.log ? 'log' : 'linear', lo, hi, 5);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  yt.major.forEach((v, k) => {
    const py = ys(v);
    ctx.beginPath();
    ctx.moveTo(p.x, py);
    ctx.lineTo(p.x + p.w, py);
    ctx.stroke();
    ctx.fillText(yt.labels[k] as string, p.x - 4, py);
  });
  const xt = axisTicks('linear', 0, xMax, 6);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  xt.major.forEach((v, k) => {
    const px = xs(v);
    ctx.beginPath();
    ctx.moveTo(px, p.y + p.h);
    ctx.lineTo(px, p.y + p.h + 4);
    ctx.stroke();
    ctx.fillText(xt.labels[k] as string, px, p.y + p.h + 6);
  });
  ctx.fillText('step', p.x + p.w / 2, p.y + p.h + 19);
  ctx.save();
  ctx.translate(12, p.y + p.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(spec.yLabel, 0, 0);
  ctx.restore();
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(spec.title, p.x, 4);
  ctx.save();
  ctx.beginPath();
  ctx.rect(p.x, p.y, p.w, p.h);
  ctx.clip();
  for (const l of spec.lines ?? []) {
    ctx.strokeStyle = l.color;
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    ctx.moveTo(p.x, ys(l.y));
    ctx.lineTo(p.x + p.w, ys(l.y));
    ctx.stroke();
  }
  ctx.setLineDash([]);
  for (const c of spec.series) drawSeries(ctx, c, xs, ys, p.w, spec.log === true);
  if (spec.marker) {
    ctx.strokeStyle = spec.marker.color;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(xs(spec.marker.step), p.y);
    ctx.lineTo(xs(spec.marker.step), p.y + p.h);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
  ctx.strokeStyle = '#333333';
  ctx.strokeRect(p.x - 0.5, p.y - 0.5, p.w + 1, p.h + 1);
  // legend, top right
  const items = [
    ...spec.series.map((c) => ({ name: c.name, color: c.color, dash: c.dash === true })),
    ...(spec.lines ?? []).map((l) => ({ name: l.name, color: l.color, dash: true })),
    ...(spec.marker ? [{ name: spec.marker.name, color: spec.marker.color, dash: true }] : []),
  ];
  ctx.font = '11px system-ui, sans-serif';
  const width = Math.max(...items.map((i) => ctx.measureText(i.name).width)) + 34;
  const lx = p.x + p.w - width - 4;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(lx, p.y + 4, width, items.length * 15 + 6);
  items.forEach((item, k) => {
    const y = p.y + 12 + k * 15;
    ctx.strokeStyle = item.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(item.dash ? [4, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx + 5, y);
    ctx.lineTo(lx + 25, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222222';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(item.name, lx + 29, y);
  });
}

function drawSeries(
  ctx: CanvasRenderingContext2D,
  c: ChartSeries,
  xs: (step: number) => number,
  ys: (v: number) => number,
  width: number,
  log: boolean,
): void {
  const y = c.y;
  const ok = (v: number): boolean => Number.isFinite(v) && (!log || v > 0);
  ctx.strokeStyle = c.color;
  ctx.lineWidth = 1.4;
  ctx.setLineDash(c.dash ? [5, 3] : []);
  ctx.beginPath();
  const perColumn = Math.max(1, Math.floor(y.length / (2 * width)));
  let pen = false;
  for (let start = 0; start < y.length; start += perColumn) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let k = start; k < Math.min(y.length, start + perColumn); k++) {
      const v = y[k] as number;
      if (ok(v)) {
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
    }
    if (mn > mx) {
      pen = false;
      continue;
    }
    const px = xs(start);
    if (!pen) ctx.moveTo(px, ys(mx));
    else ctx.lineTo(px, ys(mx));
    if (mn !== mx) ctx.lineTo(px, ys(mn));
    pen = true;
  }
  ctx.stroke();
  ctx.setLineDash([]);
}
