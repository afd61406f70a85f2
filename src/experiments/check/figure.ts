/**
 * The empirical face of Theorem 3.3 (Kreisler et al. 2023) drawn by `eoslab check --out`: one
 * point per run that starts in 𝕊, crosses 2/η and converges.
 *  (a) against L(t₀): the final gap (2/η − S∞)/(2/η) and the drop of φ after the crossing,
 *      (φ(t₀) − φ∞)/(2/η), with the measured envelope of the drop, c·√L(t₀) (c the largest
 *      measured drop/√L(t₀)). The final gap is the drop plus the gap already made by the step
 *      into t₀, which depends on L(t₀ − 1), not on L(t₀).
 *  (b) against the loss on both sides of the crossing, Lc = max(L(t₀ − 1), L(t₀)): the final gap,
 *      our bound K·√Lc (the counter of `eoslab check`) and the small-loss threshold.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { QUANTITY_COLORS, lineChart, svgToPng, type LineSeries } from '../../plot/index.js';
import type { CheckResult } from './check.js';
import { decodeRun } from './record.js';
import { crossingLoss } from './theorem33.js';

/** Colours of the reference lines (none is one of the plotted quantities). */
const BOUND_COLOR = '#000000';
const THRESHOLD_LOSS_COLOR = '#d62728';

/** Points of the figure: the converged crossing runs in 𝕊 (built by `thm33Points`). */
export interface Thm33Points {
  lossAtCrossing: number[];
  crossingLoss: number[];
  finalGap: number[];
  dropAfterCrossing: number[];
}

/** The points of the Theorem 3.3 figure: the converged crossing runs in 𝕊. */
export function thm33Points(r: Pick<CheckResult, 'eta' | 'runs' | 'samples'>): Thm33Points {
  const threshold = 2 / r.eta;
  const p: Thm33Points = { lossAtCrossing: [], crossingLoss: [], finalGap: [], dropAfterCrossing: [] };
  for (let k = 0; k < r.samples; k++) {
    const run = decodeRun(r.runs, k);
    if (!run.inSet || run.crossingStep < 0 || run.status !== 'converged') continue;
    p.lossAtCrossing.push(run.lossAtCrossing);
    p.crossingLoss.push(crossingLoss(run));
    p.finalGap.push((threshold - run.finalSharpness) / threshold);
    p.dropAfterCrossing.push((run.gfsSharpnessAtCrossing - run.finalGfsSharpness) / threshold);
  }
  return p;
}

/** What the figure states besides its points. */
export interface Thm33FigureInfo {
  depth: number;
  eta: number;
  /** The small-loss threshold on Lc. */
  smallLoss: number;
  /** K of the bound K·√Lc. */
  gapConstant: number;
  /** Largest measured drop/√L(t₀): the envelope of panel (a). */
  dropConstant: number;
}

/** Positive finite extent of some arrays, widened by a factor 2 each way (log axes). */
function logExtent(...arrays: readonly number[][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (const v of a) {
      if (Number.isFinite(v) && v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!(lo <= hi)) return [1e-6, 1];
  return [lo / 2, hi * 2];
}

/** √-law line c·√x across [x0, x1] (log-spaced). */
function rootLine(c: number, [x0, x1]: readonly [number, number]): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k <= 32; k++) {
    const v = x0 * (x1 / x0) ** (k / 32);
    x.push(v);
    y.push(c * Math.sqrt(v));
  }
  return { x, y };
}

const num = (v: number): string => String(Number(v.toPrecision(3)));

/** The SVG of the figure (see the module comment). */
export function thm33Figure(p: Thm33Points, t: Thm33FigureInfo): string {
  const n = p.finalGap.length;
  const dropConstant = t.dropConstant;
  const yRange = logExtent(p.finalGap, p.dropAfterCrossing);
  const xa = logExtent(p.lossAtCrossing);
  const xb = logExtent(p.crossingLoss, [t.smallLoss]);
  const gapName = '(2/η − S∞)/(2/η): final gap';
  const gapSeries = (x: number[]): LineSeries => ({
    name: gapName,
    x,
    y: p.finalGap,
    color: QUANTITY_COLORS.sharpness,
    mode: 'markers',
    width: 2,
  });
  const dropLine = rootLine(dropConstant, xa);
  const bound = rootLine(t.gapConstant, xb);
  const nonPositive = p.finalGap.filter((g) => !(g > 0)).length;
  return lineChart({
    width: 900,
    height: 820,
    title:
      `Theorem 3.3 (Kreisler et al. 2023), empirical: D = ${t.depth}, η = ${t.eta}, ` +
      `${n} runs from 𝕊 crossing 2/η${nonPositive > 0 ? ` (${nonPositive} with gap ≤ 0 not drawn)` : ''}`,
    panels: [
      {
        title: '(a) against L(t₀): the drop of φ after the crossing stays below c·√L(t₀)',
        xLabel: 'L(t₀): loss at the first step with φ ≤ 2/η',
        yLabel: 'fraction of 2/η',
        xScale: 'log',
        yScale: 'log',
        xRange: xa,
        yRange,
        legendPosition: 'bottom-right',
        series: [
          gapSeries(p.lossAtCrossing),
          {
            name: '(φ(t₀) − φ∞)/(2/η): drop of φ after t₀',
            x: p.lossAtCrossing,
            y: p.dropAfterCrossing,
            color: QUANTITY_COLORS.gfsSharpness,
            mode: 'markers',
            width: 2,
          },
          {
            name: `${dropConstant.toFixed(2)}·√L(t₀) (largest measured drop/√L(t₀))`,
            x: dropLine.x,
            y: dropLine.y,
            color: BOUND_COLOR,
            dash: true,
            width: 1,
          },
        ],
      },
      {
        title: `(b) against Lc = max(L(t₀ − 1), L(t₀)): the bound ${t.gapConstant}·√Lc checked for Lc ≤ ${num(t.smallLoss)}`,
        xLabel: 'Lc = max(L(t₀ − 1), L(t₀)): loss on both sides of the crossing step',
        yLabel: 'fraction of 2/η',
        xScale: 'log',
        yScale: 'log',
        xRange: xb,
        yRange,
        legendPosition: 'bottom-right',
        series: [
          gapSeries(p.crossingLoss),
          {
            name: `${t.gapConstant}·√Lc (our bound; the paper's constant is lost)`,
            x: bound.x,
            y: bound.y,
            color: BOUND_COLOR,
            dash: true,
            width: 1,
          },
          {
            name: `Lc = ${num(t.smallLoss)}: small-loss threshold`,
            x: [t.smallLoss, t.smallLoss],
            y: [yRange[0], yRange[1]],
            color: THRESHOLD_LOSS_COLOR,
            width: 1,
          },
        ],
      },
    ],
  });
}

/** Writes thm33-crossing.svg and .png into `dir`; returns the file names. */
export function writeThm33Figure(dir: string, p: Thm33Points, info: Thm33FigureInfo): string[] {
  const svg = thm33Figure(p, info);
  writeFileAtomic(join(dir, 'thm33-crossing.svg'), svg);
  writeFileAtomic(join(dir, 'thm33-crossing.png'), svgToPng(svg, { width: 1800 }));
  return ['thm33-crossing.svg', 'thm33-crossing.png'];
}
