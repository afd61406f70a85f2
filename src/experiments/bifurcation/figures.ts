/**
 * The SVG figures of the bifurcation experiment: Kreisler et al. 2023 Fig 4 over a GD run and its
 * dense version over a φ axis, Fig 10 (Zhu et al.'s slice: our quasistatic approximation and GPGD,
 * GD on top) and Fig 11 (GD iterates in 𝕊 coloured by the period of their GPGD orbit).
 */
import { lineChart, sideBySide, type LineSeries, type Panel } from '../../plot/index.js';
import type { BifurcationResult } from './chunks.js';
import { COLORS, extent, orbitScatter, orbitSeries, padded, verticalLine, yRangeWithin } from './series.js';
import { OrbitStatus } from './settings.js';
import { FIG11_CLASSES } from './summary.js';

/** Fig 4 over a GD run: the GPGD orbits from every iterate and the iterates themselves. */
export function runDiagramSvg(
  orbits: BifurcationResult,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  eta: number,
  title: string,
): string {
  const threshold = 2 / eta;
  const valueRange = padded(extent([...extent(orbits.orbits), ...extent(gdProduct)]), 0.04);
  const yRange: [number, number] = [Math.max(0, valueRange[0]), valueRange[1]];
  const phiExtent = extent(gdPhi);
  const full = padded(phiExtent, 0.03);
  const span = phiExtent[1] - phiExtent[0] || 1;
  const zoom: [number, number] = [phiExtent[0] - 0.02 * span, phiExtent[0] + 0.15 * span];
  const gd: LineSeries = {
    name: 'GD iterates (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾))',
    x: gdPhi,
    y: gdProduct,
    color: COLORS.gd,
    mode: 'markers',
    width: 0.7,
  };
  const panel = (title: string, xRange: [number, number]): Panel => ({
    title,
    xLabel: 'GFS sharpness φ',
    yLabel: 'product π',
    yScale: 'linear',
    xRange,
    yRange: yRangeWithin(orbits, gdPhi, gdProduct, xRange, yRange),
    series: [
      ...orbitSeries(orbits, 'GPGD'),
      gd,
      ...(threshold > xRange[0] && threshold < xRange[1] ? [verticalLine(threshold, yRange, 'φ = 2/η')] : []),
    ],
    hlines: [{ y: 1, label: 'π = 1', color: COLORS.reference }],
    legend: true,
    legendPosition: 'auto',
  });
  return lineChart({
    width: 1000,
    height: 1080,
    title,
    panels: [
      panel(`GPGD from each GD iterate: last ${orbits.settings.keep} of ${orbits.settings.orbitSteps} steps`, full),
      panel('Zoom on the edge of stability', zoom),
    ],
  });
}

/** Fig 4, dense version: orbit values over the φ axis and the Lyapunov exponent. */
export function axisDiagramSvg(result: BifurcationResult, eta: number, title: string): string {
  const xRange = padded(extent(result.phi), 0.01);
  const yRange = padded(extent(result.orbits), 0.03);
  yRange[0] = Math.max(0, yRange[0]);
  const references = (range: [number, number]): LineSeries[] => {
    const out: LineSeries[] = [];
    const t = 2 / eta;
    if (t > xRange[0] && t < xRange[1]) out.push(verticalLine(t, range, 'φ = 2/η'));
    const s = (2 * Math.SQRT2) / eta;
    if (s > xRange[0] && s < xRange[1]) out.push(verticalLine(s, range, 'φ = 2√2/η (𝕊 bound)', '#2ca02c'));
    return out;
  };
  const lyapunov = extent(result.lyapunov);
  const lyRange = padded([Math.min(lyapunov[0], -0.1), Math.max(lyapunov[1], 0.1)], 0.05);
  return lineChart({
    width: 1000,
    height: 900,
    title,
    panels: [
      {
        title: `GPGD orbits: last ${result.settings.keep} of ${result.settings.orbitSteps} steps per φ`,
        xLabel: 'GFS sharpness φ',
        yLabel: 'product π',
        yScale: 'linear',
        xRange,
        yRange,
        series: [...orbitSeries(result, 'GPGD', 0.2), ...references(yRange)],
        hlines: [{ y: 1, label: 'π = 1', color: COLORS.reference }],
        legendPosition: 'top-left',
      },
      {
        title: 'Lyapunov exponent of the orbit',
        xLabel: 'GFS sharpness φ',
        yLabel: 'λ',
        yScale: 'linear',
        xRange,
        yRange: lyRange,
        series: [
          {
            name: 'λ (mean log|g′| over the last max(K, N/2) steps)',
            x: result.phi,
            y: result.lyapunov,
            color: '#1b9e77',
          },
          ...references(lyRange),
        ],
        hlines: [{ y: 0, label: 'λ = 0', color: COLORS.reference }],
        legendPosition: 'bottom-right',
      },
    ],
  });
}

/**
 * Fig 10: two panels side by side on the slice (x, x, y, y), in (φ, π = d²) as Fig 4: (a) our
 * quasistatic approximation (the fixed-c map to second order in b = d − 1 — NOT Zhu et al.'s own
 * recursion, which is not available here) and (b) GPGD (the exact fixed-c map), each with GD's
 * iterates (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾)) on top, as the paper's Fig 10a overlays GD on Zhu et al.'s diagram.
 */
export function fig10Svg(
  exact: BifurcationResult,
  quasistatic: BifurcationResult,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  eta: number,
): string {
  const square = (r: BifurcationResult): BifurcationResult => ({ ...r, orbits: r.orbits.map((d) => d * d) });
  const panels = [square(quasistatic), square(exact)];
  const xRange = padded(extent(exact.phi), 0.01);
  const values = [...extent(panels[0]?.orbits ?? []), ...extent(panels[1]?.orbits ?? []), ...extent(gdProduct)];
  const yRange = padded(extent(values), 0.04);
  yRange[0] = Math.max(0, yRange[0]);
  const threshold = 2 / eta;
  const refs = threshold > xRange[0] && threshold < xRange[1] ? [verticalLine(threshold, yRange, 'φ = 2/η')] : [];
  const gd: LineSeries = {
    name: 'GD iterates (φ(w⁽ᵗ⁾), π(w⁽ᵗ⁾))',
    x: gdPhi,
    y: gdProduct,
    color: COLORS.gd,
    mode: 'markers',
    width: 0.9,
  };
  const w = 640;
  const h = 600;
  const chart = (id: string, panelTitle: string, series: LineSeries[]): string =>
    lineChart({
      width: w,
      height: h,
      idPrefix: id,
      panels: [
        {
          title: panelTitle,
          xLabel: 'GFS sharpness φ = 2√(c⁴ + 4)',
          yLabel: 'product π = (xy)²',
          yScale: 'linear',
          xRange,
          yRange,
          series: [...series, gd, ...refs],
          hlines: [{ y: 1, label: 'π = 1', color: COLORS.reference }],
          legendPosition: 'bottom-left',
        },
      ],
    });
  return sideBySide(
    [
      chart(
        'f10a',
        '(a) quasistatic approximation (ours, O(b²), b = √π − 1)',
        orbitSeries(panels[0] as BifurcationResult, 'quasistatic', 0.2),
      ),
      chart('f10b', '(b) GPGD: the exact fixed-c map', orbitSeries(panels[1] as BifurcationResult, 'GPGD', 0.2)),
    ],
    `Fig 10 · slice (x, x, y, y) of Zhu et al., η = ${eta}: last ${exact.settings.keep} of ${exact.settings.orbitSteps} steps per φ, GD on top`,
  );
}

export function fig11Svg(
  orbits: BifurcationResult,
  classes: Uint8Array,
  gdPhi: Float64Array,
  gdProduct: Float64Array,
  eta: number,
  title: string,
  run: string,
): string {
  const steps = Float64Array.from({ length: gdPhi.length }, (_, t) => t + 1);
  const byClass = (x: Float64Array, y: Float64Array): LineSeries[] =>
    FIG11_CLASSES.flatMap((c, index) => {
      const keep: number[] = [];
      classes.forEach((k, t) => {
        if (k === index) keep.push(t);
      });
      if (keep.length === 0) return [];
      return [
        {
          name: `${c.label} (${keep.length})`,
          x: Float64Array.from(keep, (t) => x[t] as number),
          y: Float64Array.from(keep, (t) => y[t] as number),
          color: c.color,
          mode: 'markers' as const,
          width: c.width,
        },
      ];
    });
  const faint = orbitScatter(orbits, (s) => s === OrbitStatus.periodic || s === OrbitStatus.chaotic);
  const phiRange = padded(extent(gdPhi), 0.03);
  const yRange = padded(extent([...extent(faint.y), ...extent(gdProduct)]), 0.04);
  yRange[0] = Math.max(0, yRange[0]);
  const threshold = 2 / eta;
  const bound = (2 * Math.SQRT2) / eta;
  const vertical = (range: [number, number]): LineSeries[] =>
    threshold > phiRange[0] && threshold < phiRange[1] ? [verticalLine(threshold, range, 'φ = 2/η')] : [];
  return lineChart({
    width: 1000,
    height: 1080,
    title,
    panels: [
      {
        title: `${run}: GD iterates (φ, π) over their GPGD orbits (grey)`,
        xLabel: 'GFS sharpness φ',
        yLabel: 'product π',
        yScale: 'linear',
        xRange: phiRange,
        yRange,
        series: [
          { name: '', x: faint.x, y: faint.y, color: COLORS.faint, mode: 'markers', width: 0.2 },
          ...byClass(gdPhi, gdProduct),
          ...vertical(yRange),
        ],
        legendPosition: 'top-left',
      },
      {
        title: 'GFS sharpness along GD, by the GPGD orbit of each iterate',
        xLabel: 'GD step t + 1 (log scale)',
        yLabel: 'φ(w⁽ᵗ⁾)',
        yScale: 'linear',
        xScale: 'log',
        series: byClass(steps, gdPhi),
        hlines: [
          { y: threshold, label: '2/η', color: COLORS.reference },
          ...(bound < extent(gdPhi)[1] * 1.02 ? [{ y: bound, label: '2√2/η', color: '#2ca02c' }] : []),
        ],
        legendPosition: 'bottom-left',
      },
    ],
  });
}
