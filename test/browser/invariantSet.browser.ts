/**
 * The explorer's invariant-set map (the paper's Fig 2c, `eoslab heatmap --map invariant-set`) in
 * Chromium (see harness.ts): the 128² map computed in the page's Web Workers equals heatmap() in
 * Node for the same grid, every array of every cell bit for bit; a URL with `map=invariant-set`
 * restores it; its cells open the inspector; bad input and cancel behave as for the sharpness map.
 */
import { describe, expect, it } from 'vitest';
import { heatmap } from '../../src/experiments/heatmap/heatmap.js';
import { trajectory } from '../../src/api.js';
import { linspace } from '../../src/base/linspace.js';
import { clickCell, FIG3, hex, screenshot, settled, useExplorer, type Hook } from './harness.js';

declare const window: Window & { eoslab: Hook };

const explorer = useExplorer();

describe('the 𝕊 map (Fig 2c) in the explorer', () => {
  it('128² fig3 grid: every array equals heatmap({ map: "invariant-set" }) in Node, bit for bit; a cell opens the inspector', async () => {
    const page = await explorer.open('?map=invariant-set');
    expect(await settled(page)).toBe('done');
    expect(await page.inputValue('#map')).toBe('invariant-set');
    const node = await heatmap({ preset: 'fig3', resolution: 128, map: 'invariant-set', workers: 2 });
    expect(await page.evaluate(() => window.eoslab.map())).toBe('invariant-set');
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);
    const bits = await page.evaluate(() => window.eoslab.bits());
    expect(bits?.member).toBe(hex(node.arrays.member));
    expect(bits?.monotone).toBe(hex(node.arrays.monotone));
    expect(bits?.gdStatus).toBe(hex(node.arrays.gdStatus));
    expect(bits?.initGfsSharpness).toBe(hex(node.arrays.initGfsSharpness));
    expect(bits?.initProduct).toBe(hex(node.arrays.initProduct));
    // the map has cells of both sides of 𝕊 (the test can fail on a blank map)
    expect(node.counts['in 𝕊, φ monotone']).toBeGreaterThan(1000);
    expect(node.counts['outside 𝕊, φ monotone']).toBeGreaterThan(1000);
    // the counts table lists the CLI's classes with their counts
    const rows = await page.$$eval('#counts tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-status'), tr.querySelector('td.n')?.textContent]),
    );
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(node.counts).map(([k, v]) => [k, String(v)])),
    );

    // a cell in 𝕊 (row 30, column 40) and one outside (row 30, column 110): the inspector's
    // membership is the map's, its trajectory is trajectory()'s
    for (const [i, j] of [
      [30, 40],
      [30, 110],
    ] as const) {
      await clickCell(page, i, j);
      const k = i * 128 + j;
      expect(await page.textContent('dd[data-key="member"]')).toBe(node.arrays.member[k] === 1 ? 'yes' : 'no');
      const t = trajectory({
        phi0: linspace(FIG3.phiRange, 128)[j] as number,
        p0: linspace(FIG3.productRange, 128)[i] as number,
        eta: FIG3.eta,
        steps: FIG3.maxSteps,
        tol: FIG3.tol,
        divergeAt: FIG3.divergeAt,
      });
      expect(await page.textContent('dd[data-key="final-phi"]')).toBe(String(t.gfsSharpness[t.rows - 1]));
    }
    expect(node.arrays.member[30 * 128 + 40]).toBe(1);
    expect(node.arrays.member[30 * 128 + 110]).toBe(0);
    await clickCell(page, 30, 40);
    expect(new URL(page.url()).searchParams.get('map')).toBe('invariant-set');
    await screenshot(page, 'explorer-invariant-set.png');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('a URL with the map restores it: settings, map and inspected cell; switching maps in the form recomputes', async () => {
    const page = await explorer.open('?map=invariant-set&eta=0.12&phi0=6&phi1=30&res=48&steps=5000&cell=10,20');
    expect(await settled(page)).toBe('done');
    expect(await page.inputValue('#map')).toBe('invariant-set');
    const options = { eta: 0.12, phiRange: [6, 30] as [number, number], resolution: 48, maxSteps: 5000, workers: 0 };
    const node = await heatmap({ ...options, map: 'invariant-set' });
    expect(await page.evaluate(() => window.eoslab.bits()?.member)).toBe(hex(node.arrays.member));
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);
    await page.waitForSelector('#inspector[data-ready="true"]');
    expect(await page.textContent('dd[data-key="cell"]')).toBe('row 10, column 20');
    // back to the sharpness map of the same grid
    await page.selectOption('#map', 'sharpness');
    await page.click('#run');
    expect(await settled(page)).toBe('done');
    const sharp = await heatmap(options);
    expect(await page.evaluate(() => window.eoslab.bits()?.finalSharpness)).toBe(hex(sharp.arrays.finalSharpness));
    expect(new URL(page.url()).searchParams.get('map')).toBeNull(); // the default is left out
    await page.close();
  });

  it('bad input with the 𝕊 map, or a map that does not exist: messages next to the fields, nothing computed', async () => {
    const page = await explorer.open('?map=invariant-set&res=16');
    expect(await settled(page)).toBe('done');
    const before = await page.evaluate(() => window.eoslab.bits()?.member);
    await page.fill('#eta', '-1');
    await page.fill('#phiMin', '3');
    await page.click('#run');
    expect(await settled(page)).toBe('invalid');
    expect(await page.textContent('#eta-error')).toBe('η: -1 (expected a finite number > 0)');
    expect(await page.textContent('#phiMin-error')).toMatch(/φ₀ must be ≥ D = 4/);
    expect(await page.evaluate(() => window.eoslab.bits()?.member)).toBe(before);
    await page.close();

    const unknown = await explorer.open('?map=stable-set&res=16');
    expect(await settled(unknown)).toBe('invalid');
    expect(await unknown.inputValue('#map')).toBe('stable-set');
    expect(await unknown.textContent('#map-error')).toBe(
      'map: "stable-set" (expected one of sharpness, invariant-set)',
    );
    expect(await unknown.getAttribute('#map', 'aria-invalid')).toBe('true');
    expect(await unknown.evaluate(() => window.eoslab.bits())).toBeUndefined(); // nothing computed
    // choosing a real map computes it; the unknown choice is gone
    await unknown.selectOption('#map', 'invariant-set');
    await unknown.click('#run');
    expect(await settled(unknown)).toBe('done');
    expect(await unknown.$$eval('#map option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([
      'sharpness',
      'invariant-set',
    ]);
    await unknown.close();
  });

  it('cancel stops a 𝕊 map run and leaves the page usable', async () => {
    const page = await explorer.open('?map=invariant-set&res=16');
    expect(await settled(page)).toBe('done');
    await page.fill('#resolution', '1024');
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset.run === 'running');
    await page.click('#cancel');
    expect(await settled(page)).toBe('cancelled');
    expect(await page.textContent('#status')).toMatch(/Cancelled after \d+ of 1048576 cells/);
    await page.fill('#resolution', '24');
    await page.click('#run');
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 24, map: 'invariant-set', workers: 0 });
    expect(await page.evaluate(() => window.eoslab.bits()?.member)).toBe(hex(node.arrays.member));
    await page.close();
  });
});
