/**
 * The explorer page in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
 * EOSLAB_CHROMIUM overrides the path), served by the real CLI: `node bin/eoslab.js serve --port 0`.
 * Needs `npm run build` (dist/ and dist-web/). Run by `npm run test:browser`, not by `npm test`.
 *
 * The page's numbers are compared with the Node API's, bit for bit: the whole 128² fig3 map
 * (status, steps, final sharpness of every cell) and its counts against heatmap(), a clicked
 * cell's final φ against trajectory(). Also: a URL restores the view, bad input computes nothing,
 * cancel leaves the page usable. Screenshots go to docs/ (the README shows explorer.png).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trajectory } from '../../src/api.js';
import { linspace } from '../../src/base/linspace.js';
import { bifurcationOverPhi } from '../../src/experiments/bifurcation/orbits.js';
import { heatmap } from '../../src/experiments/heatmap/heatmap.js';
import { DIAGRAM_POINTS, phiRangeOf } from '../../web/bifurcation.js';

const root = join(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.EOSLAB_CHROMIUM ?? '/usr/bin/chromium';
const FIG3 = { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 20000, phiRange: [4.05, 34], productRange: [0.05, 5] };

let server: ChildProcess;
let base: string;
let browser: Browser;

interface Hook {
  counts(): Record<string, number> | undefined;
  bits(): { finalSharpness: string; steps: string; status: string } | undefined;
  cellPoint(i: number, j: number): { x: number; y: number };
  seconds(): number | undefined;
  diagram(): string | undefined;
}
declare const window: { eoslab: Hook };
declare const document: { body: { dataset: Record<string, string | undefined> } };

const hex = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Waits until the page's run ends (done, cancelled, invalid or error) and returns that state. */
async function settled(page: Page, timeout = 120_000): Promise<string> {
  await page.waitForFunction(
    () => ['done', 'cancelled', 'invalid', 'error'].includes(document.body.dataset.run ?? ''),
    null,
    { timeout },
  );
  return (await page.evaluate(() => document.body.dataset.run)) as string;
}

async function openPage(query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(`${base}${query}`);
  return page;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set EOSLAB_CHROMIUM)`);
  if (!existsSync(join(root, 'dist-web', 'index.html'))) throw new Error('dist-web/ is missing: run `npm run build`');
  server = spawn(process.execPath, [join(root, 'bin', 'eoslab.js'), 'serve', '--port', '0'], { cwd: root });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    server.stderr?.on('data', (chunk: Buffer) => reject(new Error(chunk.toString())));
    server.once('exit', (code) => reject(new Error(`eoslab serve exited ${code}: ${out}`)));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGINT');
});

describe('the explorer page, in Chromium, served by eoslab serve', () => {
  it('binds 127.0.0.1 and serves release.wasm as application/wasm', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const html = await (await fetch(base)).text();
    const js = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1] as string;
    const bundle = await (await fetch(base + js)).text();
    const wasm = `assets/${/release-[\w-]+\.wasm/.exec(bundle)?.[0] as string}`;
    const response = await fetch(base + wasm);
    expect(response.headers.get('content-type')).toBe('application/wasm');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { wasmBytes } = await import('../../src/wasm/module.js');
    expect(hex(bytes)).toBe(hex(wasmBytes())); // the same release.wasm as the CLI
  });

  it('the 128² fig3 map equals heatmap() in Node, every cell, bit for bit; a clicked cell’s final φ equals trajectory()', async () => {
    const page = await openPage();
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 128, workers: 2 });
    const counts = await page.evaluate(() => window.eoslab.counts());
    expect(counts).toEqual(node.counts);
    const bits = await page.evaluate(() => window.eoslab.bits());
    expect(bits?.status).toBe(hex(node.arrays.status));
    expect(bits?.steps).toBe(hex(node.arrays.steps));
    expect(bits?.finalSharpness).toBe(hex(node.arrays.finalSharpness));
    // the counts table shows the same numbers
    expect(await page.textContent('#counts tr[data-status="converged"] td.n')).toBe(String(node.counts.converged));

    // click a cell that crosses 2/η at the edge of stability: (φ₀, p₀) column 80, row 30
    const [i, j] = [30, 80];
    const point = await page.evaluate(([a, b]) => window.eoslab.cellPoint(a as number, b as number), [i, j]);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('#inspector[data-ready="true"]');
    const shown = await page.textContent('dd[data-key="final-phi"]');
    const t = trajectory({
      phi0: linspace(FIG3.phiRange as [number, number], 128)[j] as number,
      p0: linspace(FIG3.productRange as [number, number], 128)[i] as number,
      eta: FIG3.eta,
      steps: FIG3.maxSteps,
      tol: FIG3.tol,
      divergeAt: FIG3.divergeAt,
    });
    expect(shown).toBe(String(t.gfsSharpness[t.rows - 1]));
    expect(await page.textContent('dd[data-key="final-s"]')).toBe(String(t.sharpness[t.rows - 1]));
    expect(await page.textContent('dd[data-key="outcome"]')).toBe(`${t.outcome} after ${t.rows - 1} steps`);
    expect(new URL(page.url()).searchParams.get('cell')).toBe(`${i},${j}`);
    // its GPGD diagram is `eoslab bifurcation --phi-range` over the run's φ range, bit for bit
    await page.waitForSelector('#inspector[data-diagram="true"]');
    const orbits = await bifurcationOverPhi({
      phiRange: phiRangeOf(t, 4),
      points: DIAGRAM_POINTS,
      direction: [1, 1, -1, -1],
      eta: FIG3.eta,
      workers: 2,
    });
    expect(await page.evaluate(() => window.eoslab.diagram())).toBe(hex(orbits.orbits));
    await page.screenshot({ path: join(root, 'docs', 'explorer.png') });
    await page.screenshot({ path: join(root, 'docs', 'explorer-full.png'), fullPage: true }); // with the GPGD diagram
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  });

  it('a URL restores the view: the settings, the map and the inspected cell', async () => {
    const page = await openPage('?eta=0.12&D=5&phi0=6&phi1=30&res=64&steps=5000&cell=20,40');
    expect(await settled(page)).toBe('done');
    expect(await page.inputValue('#eta')).toBe('0.12');
    expect(await page.inputValue('#depth')).toBe('5');
    expect(await page.inputValue('#resolution')).toBe('64');
    const node = await heatmap({ eta: 0.12, depth: 5, phiRange: [6, 30], resolution: 64, maxSteps: 5000, workers: 0 });
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);
    expect(await page.evaluate(() => window.eoslab.bits()?.finalSharpness)).toBe(hex(node.arrays.finalSharpness));
    await page.waitForSelector('#inspector[data-ready="true"]');
    expect(await page.textContent('dd[data-key="cell"]')).toBe('row 20, column 40');
    await page.close();
  });

  it('bad input: a message next to each bad field, nothing computed', async () => {
    const page = await openPage('?res=32');
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
    await page.screenshot({ path: join(root, 'docs', 'explorer-invalid.png') });
    await page.close();
  });

  it('cancel stops a run and leaves the page usable', async () => {
    const page = await openPage('?res=32');
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

  it('256² fig3: page wall time against the CLI on this machine (reported)', async () => {
    const page = await openPage('?res=256');
    expect(await settled(page)).toBe('done');
    const pageSeconds = (await page.evaluate(() => window.eoslab.seconds())) as number;
    const started = performance.now();
    const cli = spawnSync(
      process.execPath,
      [
        join(root, 'bin', 'eoslab.js'),
        'heatmap',
        '--resolution',
        '256',
        '--json',
        '--out',
        join(root, 'out', 'browser-256'),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const cliSeconds = (performance.now() - started) / 1000;
    expect(cli.status).toBe(0);
    const manifestWall = JSON.parse(cli.stdout).wallSeconds as number | undefined;
    console.log(
      `256² fig3: page ${pageSeconds.toFixed(2)} s (Web Workers), CLI ${cliSeconds.toFixed(2)} s process` +
        (manifestWall !== undefined ? `, ${manifestWall.toFixed(2)} s heatmap wall` : '') +
        ` — page / CLI heatmap wall: ${(pageSeconds / (manifestWall ?? cliSeconds)).toFixed(2)}`,
    );
    await page.close();
  });
});
