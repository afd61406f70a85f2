/**
 * The files of each bifurcation figure (Kreisler et al. 2023, Figs 4, 10, 11), written into a
 * staged output directory: the orbits as .npy (values n × K, period, status, Lyapunov exponent),
 * the GD run as .npy/CSV, and the figure as SVG + PNG. Each writer returns the names it wrote, in
 * order, for the manifest; manifest.json itself and the commit of the directory are the caller's.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { toCsv, type Column } from '../../io/csv.js';
import { writeNpy } from '../../io/npy.js';
import { svgToPng } from '../../plot/index.js';
import type { BifurcationResult } from './chunks.js';
import { axisDiagramSvg, fig10Svg, fig11Svg, runDiagramSvg } from './figures.js';
import type { GdRun } from './gdRun.js';
import type { ResolvedPhiAxis } from './orbits.js';
import { orbitStatusLabel } from './settings.js';
import { FIG11_CLASSES } from './summary.js';

/** What orbit_status.npy's codes mean. */
export const STATUS_NOTE =
  'orbit_status.npy (uint8): 0 periodic, 1 diverged, 2 unresolved, 3 no GFS, 4 non-finite, 5 chaotic';

/** `name`.svg and `name`.png (rendered `width` pixels wide). */
export function writeFigure(out: string, name: string, svg: string, width: number): string[] {
  writeFileAtomic(join(out, `${name}.svg`), svg);
  writeFileAtomic(join(out, `${name}.png`), svgToPng(svg, { width }));
  return [`${name}.svg`, `${name}.png`];
}

/** orbits.npy (n × K), orbit_period.npy, orbit_status.npy and orbit_lyapunov.npy. */
export function writeOrbitArrays(out: string, result: BifurcationResult, prefix = ''): string[] {
  const K = result.settings.keep;
  writeNpy(join(out, `${prefix}orbits.npy`), result.orbits, [result.count, K]);
  writeNpy(join(out, `${prefix}orbit_period.npy`), result.period, [result.count]);
  writeNpy(join(out, `${prefix}orbit_status.npy`), result.status, [result.count]);
  writeNpy(join(out, `${prefix}orbit_lyapunov.npy`), result.lyapunov, [result.count]);
  return ['orbits.npy', 'orbit_period.npy', 'orbit_status.npy', 'orbit_lyapunov.npy'].map((f) => prefix + f);
}

/** Fig 4, dense version: the orbit arrays, phi_axis.npy and bifurcation.svg/.png. */
export function writeAxisOutputs(out: string, result: BifurcationResult, axis: ResolvedPhiAxis): string[] {
  const files = [...writeOrbitArrays(out, result), 'phi_axis.npy'];
  writeNpy(join(out, 'phi_axis.npy'), result.phi, [result.count]);
  const title = `GPGD bifurcation diagram, D = ${axis.depth}, c = (${Array.from(axis.direction, (c) => +c.toPrecision(4)).join(', ')}), η = ${result.settings.eta}, start π = ${axis.p0}`;
  files.push(...writeFigure(out, 'bifurcation', axisDiagramSvg(result, result.settings.eta, title), 1000));
  return files;
}

/** Fig 10: phi_axis.npy, the d values, periods, statuses and exponents of both maps, gd.csv and fig10.svg/.png. */
export function writeSliceOutputs(
  out: string,
  exact: BifurcationResult,
  quasistatic: BifurcationResult,
  run: GdRun,
): string[] {
  const gdD = Float64Array.from(run.product, (p) => Math.sqrt(p));
  const files = ['phi_axis.npy'];
  writeNpy(join(out, 'phi_axis.npy'), exact.phi, [exact.count]);
  for (const [name, r] of [
    ['gpgd_slice', exact],
    ['quasistatic_slice', quasistatic],
  ] as const) {
    writeNpy(join(out, `${name}_d.npy`), r.orbits, [r.count, r.settings.keep]);
    writeNpy(join(out, `${name}_period.npy`), r.period, [r.count]);
    writeNpy(join(out, `${name}_status.npy`), r.status, [r.count]);
    writeNpy(join(out, `${name}_lyapunov.npy`), r.lyapunov, [r.count]);
    files.push(`${name}_d.npy`, `${name}_period.npy`, `${name}_status.npy`, `${name}_lyapunov.npy`);
  }
  writeFileAtomic(
    join(out, 'gd.csv'),
    toCsv(
      [
        { name: 'step', values: stepColumn(run) },
        { name: 'gfs_sharpness', values: run.phi },
        { name: 'd', values: gdD },
        { name: 'product', values: run.product },
        { name: 'loss', values: run.loss },
      ],
      run.rows,
    ),
  );
  files.push('gd.csv');
  files.push(...writeFigure(out, 'fig10', fig10Svg(exact, quasistatic, run.phi, run.product, run.eta), 1920));
  return files;
}

/** Fig 4 over a GD run: the orbit arrays, the run's φ and π as .npy, gd.csv and bifurcation.svg/.png. */
export function writeRunOutputs(out: string, orbits: BifurcationResult, run: GdRun, description: string): string[] {
  const files = writeRunArrays(out, orbits, run);
  writeFileAtomic(
    join(out, 'gd.csv'),
    toCsv(
      [
        { name: 'step', values: stepColumn(run) },
        { name: 'loss', values: run.loss },
        { name: 'gfs_sharpness', values: run.phi },
        { name: 'product', values: run.product },
        ...orbitColumns(orbits),
      ],
      run.rows,
    ),
  );
  files.push('gd.csv');
  const title = `Fig 4 · GPGD bifurcation diagram along GD · ${description}`;
  files.push(...writeFigure(out, 'bifurcation', runDiagramSvg(orbits, run.phi, run.product, run.eta, title), 1000));
  return files;
}

/**
 * Fig 11: the orbit arrays, the run's φ and π as .npy, fig11.csv (with membership in 𝕊 and the
 * class of every iterate), in_invariant_set.npy and fig11.svg/.png.
 */
export function writeFig11Outputs(
  out: string,
  orbits: BifurcationResult,
  run: GdRun,
  description: string,
  member: Uint8Array,
  classes: Uint8Array,
): string[] {
  const files = writeRunArrays(out, orbits, run);
  writeFileAtomic(
    join(out, 'fig11.csv'),
    toCsv(
      [
        { name: 'step', values: stepColumn(run) },
        { name: 'loss', values: run.loss },
        { name: 'gfs_sharpness', values: run.phi },
        { name: 'product', values: run.product },
        { name: 'in_invariant_set', values: member },
        ...orbitColumns(orbits),
        { name: 'class', labels: Array.from(classes, (c) => FIG11_CLASSES[c]?.label ?? '?') },
      ],
      run.rows,
    ),
  );
  writeNpy(join(out, 'in_invariant_set.npy'), member, [run.rows]);
  files.push('fig11.csv', 'in_invariant_set.npy');
  const title = 'Fig 11 · GD iterates in 𝕊, coloured by the period of their GPGD orbit';
  files.push(
    ...writeFigure(out, 'fig11', fig11Svg(orbits, classes, run.phi, run.product, run.eta, title, description), 1000),
  );
  return files;
}

/** The orbit arrays of a run's iterates, then gd_gfs_sharpness.npy and gd_product.npy. */
function writeRunArrays(out: string, orbits: BifurcationResult, run: GdRun): string[] {
  const files = writeOrbitArrays(out, orbits);
  writeNpy(join(out, 'gd_gfs_sharpness.npy'), run.phi, [run.rows]);
  writeNpy(join(out, 'gd_product.npy'), run.product, [run.rows]);
  files.push('gd_gfs_sharpness.npy', 'gd_product.npy');
  return files;
}

function stepColumn(run: GdRun): Float64Array {
  return Float64Array.from({ length: run.rows }, (_, t) => t);
}

/** CSV columns of each iterate's orbit: status label, period and Lyapunov exponent. */
function orbitColumns(orbits: BifurcationResult): Column[] {
  return [
    { name: 'orbit_status', labels: Array.from(orbits.status, (s) => orbitStatusLabel(s)) },
    { name: 'orbit_period', values: orbits.period },
    { name: 'orbit_lyapunov', values: orbits.lyapunov },
  ];
}
