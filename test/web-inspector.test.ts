/**
 * The explorer's parts around the cell inspector and the maps, in Node (no browser): what the
 * inspector's worker computes for a cell of a family or slice grid (web/cellInspection.ts) against
 * trajectory(), the tile kernel's own cell starts and the heatmap's cells; the page's side of the
 * inspector's worker (web/inspectorClient.ts) with a stand-in worker; the maps' legends and hover
 * text (web/heatmapView.ts) and the downloads (web/exports.ts) against the CLI's classes and files.
 * The page in a real browser is test/browser/ (npm run test:browser).
 */
import { describe, expect, it } from 'vitest';
import { engine, gfs, initFromGfsSharpness, product, trajectory } from '../src/api.js';
import { linspace } from '../src/base/linspace.js';
import { heatmap, INVARIANT_CLASSES, invariantClasses } from '../src/experiments/heatmap/heatmap.js';
import type { GridSpec, RunSpec } from '../src/experiments/heatmap/grid.js';
import { runTile, type SharpnessTile } from '../src/experiments/heatmap/tile.js';
import { STATUS_CLASSES } from '../src/plot/statusLayer.js';
import { Status, STATUS_LABELS } from '../src/wasm/status.js';
import {
  cellDiagram,
  cellStart,
  diagramDirection,
  inspectCell,
  type CellDiagram,
  type Inspection,
} from '../web/cellInspection.js';
import { arrayExports, npyFile, pngName } from '../web/exports.js';
import { describeCell, mapLegend, VIRIDIS_SWATCH } from '../web/heatmapView.js';
import { InspectorClient, type InspectionHandlers } from '../web/inspectorClient.js';
import type { FromInspector, ToInspector } from '../web/protocol.js';

const FIG3_RUN: RunSpec = { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 20000 };
const family = (rows: number, cols: number): GridSpec => ({
  kind: 'family',
  depth: 4,
  direction: [1, 1, -1, -1],
  phiRange: [4.05, 34],
  productRange: [0.05, 5],
  rows,
  cols,
});
const slice: GridSpec = {
  kind: 'slice',
  depth: 4,
  base: [1.3, 1.1, 0.8, 0.9],
  axes: [0, 2],
  xRange: [0.6, 1.8],
  yRange: [0.5, 1.2],
  rows: 5,
  cols: 7,
};
const bits = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('what the inspector computes for a cell', () => {
  it('a family cell: (φ₀, p₀) from the grid’s linspaces; its run is trajectory()’s, its last row the map’s cell', async () => {
    const grid = family(16, 16);
    const map = await heatmap({ preset: 'fig3', resolution: 16, workers: 0 });
    let checked = 0;
    for (const [i, j] of [
      [3, 5],
      [6, 10],
      [12, 2],
    ] as const) {
      const x = inspectCell({ grid, run: FIG3_RUN, cell: { i, j } });
      expect(x.start).toEqual({
        kind: 'family',
        phi0: linspace([4.05, 34], 16)[j],
        p0: linspace([0.05, 5], 16)[i],
        direction: [1, 1, -1, -1],
      });
      const t = trajectory({
        phi0: linspace([4.05, 34], 16)[j] as number,
        p0: linspace([0.05, 5], 16)[i] as number,
        eta: 0.1,
        steps: 20000,
        tol: 1e-14,
        divergeAt: 1e6,
      });
      expect(bits(x.trajectory.gfsSharpness)).toBe(bits(t.gfsSharpness));
      expect(bits(x.trajectory.sharpness)).toBe(bits(t.sharpness));
      const k = i * 16 + j;
      expect(x.trajectory.rows - 1).toBe(map.arrays.steps[k]);
      if (map.arrays.status[k] === Status.converged) {
        expect(x.summary.finalSharpness).toBe(map.arrays.finalSharpness[k]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('a slice cell: the base point with its two weights set as the tile kernel sets them; trajectory() from there', () => {
    const e = engine();
    const tile = runTile(e, { grid: slice, run: FIG3_RUN, map: 'sharpness', kernel: 'simd', start: 0, count: 35 });
    for (const [i, j] of [
      [0, 0],
      [2, 3],
      [4, 6],
    ] as const) {
      const start = cellStart(slice, { i, j });
      if (start.kind !== 'slice') throw new Error('expected a slice start');
      const expected = Float64Array.from([1.3, 1.1, 0.8, 0.9]);
      expected[0] = linspace([0.6, 1.8], 7)[j] as number;
      expected[2] = linspace([0.5, 1.2], 5)[i] as number;
      expect(bits(start.w0)).toBe(bits(expected));
      const k = i * 7 + j;
      expect(product(start.w0)).toBe(tile.initProduct[k]);
      const x = inspectCell({ grid: slice, run: FIG3_RUN, cell: { i, j } });
      const t = trajectory({ w0: expected, eta: 0.1, steps: 20000, tol: 1e-14, divergeAt: 1e6 });
      expect(bits(x.trajectory.gfsSharpness)).toBe(bits(t.gfsSharpness));
      expect(x.trajectory.rows - 1).toBe((tile as SharpnessTile).steps[k]);
    }
  });

  it('cells outside the grid (or not whole) are refused', () => {
    for (const cell of [
      { i: 16, j: 0 },
      { i: 0, j: -1 },
      { i: 1.5, j: 2 },
      { i: Number.NaN, j: 0 },
    ]) {
      expect(() => cellStart(family(16, 16), cell)).toThrow(/no cell .* in a 16×16 grid/);
    }
  });

  it('a slice cell’s diagram direction is the balance class of its start: the family of that direction at φ(w₀), p₀ = 1 is 𝒮(w₀)', () => {
    const start = cellStart(slice, { i: 3, j: 5 });
    if (start.kind !== 'slice') throw new Error('expected a slice start');
    const c = diagramDirection(start);
    const sum = c.reduce((a, b) => a + b, 0);
    const scale = c.reduce((a, b) => a + Math.abs(b), 0);
    expect(Math.abs(sum)).toBeLessThanOrEqual(1e-12 * scale); // checkDirection's own tolerance
    const g = gfs(start.w0);
    const w = initFromGfsSharpness({ phi0: g.gfsSharpness, p0: 1, direction: c });
    // the family solves Σ e^{-2tc} = φ₀ by root finding: a few ulps of φ₀ in t, so 1e-12 relative
    const FAMILY_SOLVE_RTOL = 1e-12;
    g.gfs.forEach((v, n) => expect(Math.abs((w[n] as number) - v)).toBeLessThanOrEqual(FAMILY_SOLVE_RTOL * v));
    // a start without a gradient-flow solution (π₀ ≤ 0) has no diagram
    const negative = { ...start, w0: Float64Array.from([-1.2, 1.1, 0.8, 0.9]) };
    expect(() => diagramDirection(negative)).toThrow(/π₀ ≤ 0/);
  });

  it('the diagram spans the run’s φ range at the family’s direction', () => {
    const x = inspectCell({ grid: family(16, 16), run: FIG3_RUN, cell: { i: 4, j: 9 } });
    const d = cellDiagram(x);
    expect(d.count).toBe(400);
    expect(d.orbits.length).toBe(400 * d.keep);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x.trajectory.gfsSharpness) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    expect(d.phi[0]).toBeLessThan(lo);
    expect(d.phi[399]).toBeGreaterThan(hi);
  });
});

/** A stand-in for the inspector's worker: records what it is sent and whether it was terminated. */
class FakeWorker {
  onmessage: ((event: MessageEvent<FromInspector>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  sent: ToInspector[] = [];
  terminated = false;
  postMessage(message: ToInspector): void {
    this.sent.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(message: FromInspector): void {
    this.onmessage?.({ data: message } as MessageEvent<FromInspector>);
  }
}

describe('the page’s side of the inspector’s worker', () => {
  const task = { grid: family(4, 4), run: FIG3_RUN, cell: { i: 1, j: 2 } };
  const record = () => {
    const seen: string[] = [];
    const on: InspectionHandlers = {
      progress: (rows, total) => seen.push(`progress ${rows}/${total}`),
      trajectory: () => seen.push('trajectory'),
      diagram: () => seen.push('diagram'),
      noDiagram: (m) => seen.push(`no diagram: ${m}`),
    };
    return { seen, on };
  };

  it('passes the parts of its own inspection on, in order, and keeps an idle worker', async () => {
    const spawned: FakeWorker[] = [];
    const client = new InspectorClient(() => {
      spawned.push(new FakeWorker());
      return spawned.at(-1) as unknown as Worker;
    });
    const { seen, on } = record();
    const run = client.inspect(task, on);
    const w = spawned[0] as FakeWorker;
    const id = (w.sent[0] as ToInspector).id;
    expect(w.sent[0]).toEqual({ type: 'inspect', id, task });
    w.reply({ type: 'ready' });
    w.reply({ type: 'progress', id: id + 1, rows: 1, total: 2 }); // someone else's: ignored
    w.reply({ type: 'progress', id, rows: 10, total: 20 });
    w.reply({ type: 'trajectory', id, inspection: {} as Inspection });
    w.reply({ type: 'diagram', id, diagram: {} as CellDiagram });
    expect(await run).toBe('done');
    expect(seen).toEqual(['progress 10/20', 'trajectory', 'diagram']);
    expect(client.busy).toBe(false);
    const again = client.inspect(task, record().on);
    expect(spawned.length).toBe(1); // the idle worker is reused
    w.reply({ type: 'no-diagram', id: (w.sent[1] as ToInspector).id, message: 'π₀ ≤ 0' });
    expect(await again).toBe('done');
  });

  it('cancel, or a new inspection, terminates a busy worker; the next one starts fresh', async () => {
    const spawned: FakeWorker[] = [];
    const client = new InspectorClient(() => {
      spawned.push(new FakeWorker());
      return spawned.at(-1) as unknown as Worker;
    });
    const first = client.inspect(task, record().on);
    expect(client.busy).toBe(true);
    client.cancel();
    expect(await first).toBe('cancelled');
    expect(spawned[0]?.terminated).toBe(true);
    const { seen, on } = record();
    const second = client.inspect(task, on);
    expect(spawned.length).toBe(2);
    const third = client.inspect(task, record().on); // supersedes the second
    expect(await second).toBe('cancelled');
    expect(spawned[1]?.terminated).toBe(true);
    expect(seen).toEqual([]);
    const w = spawned[2] as FakeWorker;
    w.reply({ type: 'error', id: (w.sent[0] as ToInspector).id, message: 'Array buffer allocation failed' });
    await expect(third).rejects.toThrow('Array buffer allocation failed');
    expect(w.terminated).toBe(false); // an error in one run leaves the worker usable
    // a worker that cannot load the WASM is replaced
    const fourth = client.inspect(task, record().on);
    w.reply({ type: 'error', message: 'cannot fetch release.wasm' });
    await expect(fourth).rejects.toThrow('cannot fetch release.wasm');
    expect(w.terminated).toBe(true);
    void client.inspect(task, record().on);
    expect(spawned.length).toBe(4);
  });
});

describe('the maps’ legends, hover text and downloads', () => {
  it('legend entries: the keys of heatmapResult’s counts, in order, in the CLI figure’s colours', async () => {
    const sharp = await heatmap({ preset: 'fig3', resolution: 8, workers: 0 });
    const s = mapLegend('sharpness');
    expect(s.map((e) => e.key)).toEqual(Object.keys(sharp.counts));
    expect(s[0]).toEqual({ key: 'converged', label: 'converged', color: VIRIDIS_SWATCH });
    for (const c of STATUS_CLASSES) {
      expect(s.find((e) => e.key === STATUS_LABELS[c.code])).toEqual({
        key: STATUS_LABELS[c.code],
        label: c.label,
        color: c.color,
      });
    }
    const inv = await heatmap({ preset: 'fig3', resolution: 8, workers: 0, map: 'invariant-set' });
    const i = mapLegend('invariant-set');
    expect(i.map((e) => e.key)).toEqual(Object.keys(inv.counts));
    expect(i.map((e) => e.color)).toEqual(INVARIANT_CLASSES.map((c) => c.color));
  });

  it('hover text names the cell’s class (𝕊 map) or its status and S∞/(2/η) (sharpness map)', async () => {
    const inv = await heatmap({ preset: 'fig3', resolution: 8, workers: 0, map: 'invariant-set' });
    const a = inv.arrays;
    const codes = invariantClasses(a.member, a.monotone, a.gdStatus, a.initGfsSharpness);
    for (let k = 0; k < 64; k++) {
      expect(describeCell(a, k, 0.1, true)).toMatch(
        new RegExp(`: ${INVARIANT_CLASSES[codes[k] as number]?.label.replace(/[()]/g, '\\$&')}$`),
      );
    }
    expect(new Set(codes).size).toBeGreaterThan(1);
    const sharp = await heatmap({ preset: 'fig3', resolution: 8, workers: 0 });
    const k = Array.from(sharp.arrays.status).indexOf(Status.converged);
    const ratio = (((sharp.arrays.finalSharpness[k] as number) * 0.1) / 2).toFixed(5);
    expect(describeCell(sharp.arrays, k, 0.1, true)).toContain(`: converged, S∞/(2/η) = ${ratio}, `);
    expect(describeCell(sharp.arrays, k, 0.1, false)).toMatch(/: not computed yet$/);
  });

  it('downloads: the CLI’s file names and arrays, shaped rows × cols', async () => {
    const sharp = await heatmap({ preset: 'fig3', rows: 3, cols: 5, workers: 0 });
    const s = arrayExports(sharp.arrays);
    expect(s.map((e) => e.name)).toEqual(['final_sharpness.npy', 'status.npy']);
    expect(s[0]?.data()).toBe(sharp.arrays.finalSharpness);
    const file = Buffer.from(npyFile(s[0] as (typeof s)[number], 3, 5));
    expect(file.subarray(10, 80).toString('latin1')).toMatch(
      /'descr': '<f8', 'fortran_order': False, 'shape': \(3, 5\)/,
    );
    expect(file.length % 8).toBe(0);
    const inv = await heatmap({ preset: 'fig3', rows: 3, cols: 5, workers: 0, map: 'invariant-set' });
    const i = arrayExports(inv.arrays);
    expect(i.map((e) => e.name)).toEqual(['in_invariant_set.npy', 'gfs_monotone.npy', 'map_class.npy']);
    const a = inv.arrays;
    expect(bits(i[2]?.data() as Uint8Array)).toBe(
      bits(invariantClasses(a.member, a.monotone, a.gdStatus, a.initGfsSharpness)),
    );
    expect([pngName('sharpness'), pngName('invariant-set')]).toEqual(['heatmap.png', 'invariant_set.png']);
  });
});
