/**
 * The GPGD bifurcation diagram of an inspected cell: the dense diagram of `eoslab bifurcation
 * --phi-range a,b` (its options resolved by `resolvePhiAxisOptions`, its orbits by `runOrbitTask`,
 * the function each of the CLI's chunks runs: same WASM and arithmetic, and orbits do not depend
 * on the chunking) over the φ range the cell's GD run covers, at its balance direction, with the GD
 * iterates (φₜ, πₜ) on top (the paper's Fig 4 for this cell). One chunk in this thread: 400 orbits
 * of 2000 steps of the 1-D map take milliseconds.
 */
import { engine, type Trajectory } from '../src/api.js';
import { runOrbitTask, type OrbitChunk } from '../src/experiments/bifurcation/chunks.js';
import { resolvePhiAxisOptions } from '../src/experiments/bifurcation/orbits.js';
import { axisTicks } from '../src/plot/ticks.js';

/** φ values on the diagram's axis. */
export const DIAGRAM_POINTS = 400;

/** The φ range a run covers, padded, never below the depth. */
export function phiRangeOf(t: Trajectory, depth: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t.gfsSharpness) {
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  if (!(lo <= hi)) return [depth, depth + 1];
  const pad = Math.max(0.5, (hi - lo) * 0.08);
  return [Math.max(depth, lo - pad), hi + pad];
}

export interface CellDiagram extends OrbitChunk {
  /** K: orbit values per φ. */
  readonly keep: number;
}

/** The diagram over the run's φ range at its balance direction (the CLI's default p₀ and orbit settings). */
export function cellDiagram(t: Trajectory, eta: number, direction: readonly number[]): CellDiagram {
  const r = resolvePhiAxisOptions({
    phiRange: phiRangeOf(t, direction.length),
    points: DIAGRAM_POINTS,
    direction,
    eta,
  });
  const chunk = runOrbitTask(engine(), {
    kind: 'phi-axis',
    settings: r.settings,
    direction: Array.from(r.direction),
    p0: r.p0,
    phi: r.phi,
    start: 0,
  });
  return { ...chunk, keep: r.settings.keep };
}

/** Draws the orbits (grey dots), 2/η (dashed) and the GD iterates (orange) in the (φ, π) plane. */
export function drawDiagram(canvas: HTMLCanvasElement, r: CellDiagram, t: Trajectory, eta: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const s = Number(canvas.dataset.scale ?? '1');
  const W = canvas.width / s;
  const H = canvas.height / s;
  ctx.setTransform(s, 0, 0, s, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  const p = { x: 62, y: 22, w: W - 74, h: H - 56 };
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
  ctx.fillText('GPGD bifurcation diagram, GD iterates on top', p.x, 4);
  ctx.save();
  ctx.beginPath();
  ctx.rect(p.x, p.y, p.w, p.h);
  ctx.clip();
  ctx.fillStyle = 'rgba(40,40,40,0.55)';
  for (let n = 0; n < r.count; n++) {
    const x = xs(r.phi[n] as number);
    for (let k = 0; k < K; k++) {
      const v = r.orbits[n * K + k] as number;
      if (Number.isFinite(v)) ctx.fillRect(x - 0.5, ys(v) - 0.5, 1, 1);
    }
  }
  const threshold = 2 / eta;
  ctx.strokeStyle = '#555555';
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(xs(threshold), p.y);
  ctx.lineTo(xs(threshold), p.y + p.h);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#d95f02';
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
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#d95f02';
  ctx.fillText('● GD (φₜ, πₜ)', p.x + 4, p.y + 4);
  ctx.fillStyle = '#555555';
  ctx.fillText('· GPGD orbits   - - 2/η', p.x + 4, p.y + 18);
}
