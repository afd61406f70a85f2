/**
 * The explorer page's sharpness map (Fig 3) in a real Chromium, served by the real CLI (see
 * harness.ts). Needs `npm run build` (dist/ and dist-web/). Run by `npm run test:browser`, not by
 * `npm test`.
 *
 * The page's numbers are compared with the Node API's, bit for bit: the whole 128² fig3 map
 * (status, steps, final sharpness of every cell) and its counts against heatmap(), a clicked
 * cell's final φ and S against trajectory() and its GPGD diagram against bifurcationOverPhi(),
 * both computed in the inspector's Web Worker. Also: a URL restores the view, bad input computes
 * nothing, cancel leaves the page usable, and the 256² fig3 wall time against the CLI's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trajectory } from '../../src/api.js';
import { linspace } from '../../src/base/linspace.js';
import { bifurcationOverPhi } from '../../src/experiments/bifurcation/orbits.js';
import { heatmap } from '../../src/experiments/heatmap/heatmap.js';
import { DIAGRAM_POINTS, phiRangeOf } from '../../web/cellInspection.js';
import { clickCell, FIG3, hex, root, screenshot, settled, useExplorer, type Hook } from './harness.js';

declare const window: Window & { eoslab: Hook };

const explorer = useExplorer();

describe('the explorer page, in Chromium, served by eoslab serve', () => {
  it('binds 127.0.0.1 and serves release.wasm as application/wasm', async () => {
    const base = explorer.base();
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const html = await (await fetch(base)).text();
    const js = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1] as string;
    const bundle = await (await fetch(base + js)).text();
    // the kernels run in the workers: the WASM is theirs
    const worker = /heatmapWorker-[\w-]+\.js/.exec(bundle)?.[0] as string;
    const workerCode = await (await fetch(`${base}assets/${worker}`)).text();
    const wasm = `assets/${/release-[\w-]+\.wasm/.exec(workerCode)?.[0] as string}`;
    const response = await fetch(base + wasm);
    expect(response.headers.get('content-type')).toBe('application/wasm');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { wasmBytes } = await import('../../src/wasm/module.js');
    expect(hex(bytes)).toBe(hex(wasmBytes())); // the same release.wasm as the CLI
  });

  it('the 128² fig3 map equals heatmap() in Node, every cell, bit for bit; a clicked cell’s trajectory and diagram, from the inspector’s worker, equal trajectory() and bifurcationOverPhi()', async () => {
    const page = await explorer.open();
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 128, workers: 2 });
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);
    const bits = await page.evaluate(() => window.eoslab.bits());
    expect(bits?.status).toBe(hex(node.arrays.status));
    expect(bits?.steps).toBe(hex(node.arrays.steps));
    expect(bits?.finalSharpness).toBe(hex(node.arrays.finalSharpness));
    expect(bits?.initGfsSharpness).toBe(hex(node.arrays.initGfsSharpness));
    // the counts table shows the same numbers
    expect(await page.textContent('#counts tr[data-status="converged"] td.n')).toBe(String(node.counts.converged));

    // click a cell that crosses 2/η at the edge of stability: (φ₀, p₀) column 80, row 30
    const [i, j] = [30, 80];
    await clickCell(page, i, j);
    const t = trajectory({
      phi0: linspace(FIG3.phiRange, 128)[j] as number,
      p0: linspace(FIG3.productRange, 128)[i] as number,
      eta: FIG3.eta,
      steps: FIG3.maxSteps,
      tol: FIG3.tol,
      divergeAt: FIG3.divergeAt,
    });
    expect(await page.textContent('dd[data-key="final-phi"]')).toBe(String(t.gfsSharpness[t.rows - 1]));
    expect(await page.textContent('dd[data-key="final-s"]')).toBe(String(t.sharpness[t.rows - 1]));
    expect(await page.textContent('dd[data-key="outcome"]')).toBe(`${t.outcome} after ${t.rows - 1} steps`);
    expect(new URL(page.url()).searchParams.get('cell')).toBe(`${i},${j}`);
    // the trajectory and the diagram were computed in the inspector's worker, not on the page's thread
    expect(page.workers().some((w) => /inspectorWorker-[\w-]+\.js$/.test(w.url()))).toBe(true);
    // its GPGD diagram is `eoslab bifurcation --phi-range` over the run's φ range, every orbit bit for bit
    const orbits = await bifurcationOverPhi({
      phiRange: phiRangeOf(t, 4),
      points: DIAGRAM_POINTS,
      direction: [1, 1, -1, -1],
      eta: FIG3.eta,
      workers: 2,
    });
    expect(await page.evaluate(() => window.eoslab.diagram())).toBe(hex(orbits.orbits));
    expect(await page.getAttribute('#inspector', 'data-state')).toBe('done');
    await screenshot(page, 'explorer.png');
    await screenshot(page, 'explorer-full.png', true); // with the GPGD diagram
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('a URL restores the view: the settings, the map and the inspected cell', async () => {
    const page = await explorer.open('?eta=0.12&D=5&phi0=6&phi1=30&res=64&steps=5000&cell=20,40');
    expect(await settled(page)).toBe('done');
    expect(await page.inputValue('#eta')).toBe('0.12');
    expect(await page.inputValue('#depth')).toBe('5');
    expect(await page.inputValue('#resolution')).toBe('64');
    expect(await page.inputValue('#map')).toBe('sharpness');
    const node = await heatmap({ eta: 0.12, depth: 5, phiRange: [6, 30], resolution: 64, maxSteps: 5000, workers: 0 });
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);
    expect(await page.evaluate(() => window.eoslab.bits()?.finalSharpness)).toBe(hex(node.arrays.finalSharpness));
    await page.waitForSelector('#inspector[data-ready="true"]');
    expect(await page.textContent('dd[data-key="cell"]')).toBe('row 20, column 40');
    await page.close();
  });

  it('bad input: a message next to each bad field, nothing computed', async () => {
    const page = await explorer.open('?res=32');
    expect(await settled(page)).toBe('done');
    const before = await page.evaluate(() => window.eoslab.bits()?.finalSharpness);
    await page.fill('#eta', 'abc');
    await page.fill('#phiMin', '2');
    await page.fill('#resolution', '5000');
    await page.fill('#pMin', '-1');
    await page.click('#run');
    expect(await settled(page)).toBe('invalid');
    expect(await page.textContent('#eta-error')).toMatch(/η: "abc" \(expected a finite number > 0\)/);
    expect(await page.textContent('#phiMin-error')).toMatch(/φ₀ must be ≥ D = 4/);
    expect(await page.textContent('#resolution-error')).toMatch(/at most 1024 cells per side/);
    expect(await page.textContent('#pMin-error')).toMatch(/p₀ from: -1 \(expected a finite number > 0\)/);
    expect(await page.getAttribute('#eta', 'aria-invalid')).toBe('true');
    await page.fill('#eta', '0');
    await page.click('#run');
    expect(await page.textContent('#eta-error')).toBe('η: 0 (expected a finite number > 0)');
    // nothing was computed: the previous map is still the one in memory
    expect(await page.evaluate(() => window.eoslab.bits()?.finalSharpness)).toBe(before);
    await screenshot(page, 'explorer-invalid.png');
    await page.close();
  });

  it('cancel stops a run and leaves the page usable', async () => {
    const page = await explorer.open('?res=32');
    expect(await settled(page)).toBe('done');
    await page.fill('#resolution', '1024');
    await page.fill('#maxSteps', '200000');
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.run === 'running');
    await page.click('#cancel');
    expect(await settled(page)).toBe('cancelled');
    expect(await page.textContent('#status')).toMatch(/Cancelled after \d+ of 1048576 cells/);
    await page.fill('#resolution', '48');
    await page.fill('#maxSteps', '20000');
    await page.click('#run');
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 48, workers: 0 });
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);
    await page.close();
  });

  it('256² fig3: page wall time against `eoslab heatmap --preset fig3 --resolution 256 --workers 2` (reported)', async () => {
    const page = await explorer.open('?res=256');
    expect(await settled(page)).toBe('done');
    const pageSeconds = (await page.evaluate(() => window.eoslab.seconds())) as number;
    const workers = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.close();
    const out = mkdtempSync(join(tmpdir(), 'eoslab-browser-256-'));
    try {
      const started = performance.now();
      const cli = spawnSync(
        process.execPath,
        [
          join(root, 'bin', 'eoslab.js'),
          'heatmap',
          '--preset',
          'fig3',
          '--resolution',
          '256',
          '--workers',
          '2',
          '--json',
          '--out',
          out,
        ],
        { cwd: root, encoding: 'utf8' },
      );
      const cliSeconds = (performance.now() - started) / 1000;
      expect(cli.status).toBe(0);
      const computeSeconds = JSON.parse(cli.stdout).wallSeconds as number;
      console.log(
        `256² fig3: page ${pageSeconds.toFixed(2)} s (${Math.min(workers, 8)} Web Workers, from Compute to the last tile, ` +
          `worker start-up included); CLI ${cliSeconds.toFixed(2)} s for the whole command, ${computeSeconds.toFixed(2)} s ` +
          `of it computing — page / command: ${(pageSeconds / cliSeconds).toFixed(2)}`,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
