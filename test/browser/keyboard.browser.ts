/**
 * The explorer with the keyboard only, and the inspector's worker (see harness.ts for the set-up):
 * every control has a label, Tab visits the controls in reading order with a visible focus ring,
 * a map is chosen, computed and a cell inspected without the mouse; a long inspection runs off the
 * page's main thread and stops when asked, leaving the page usable.
 */
import { describe, expect, it } from 'vitest';
import { heatmap } from '../../src/experiments/heatmap/heatmap.js';
import { settled, useExplorer, type Hook } from './harness.js';

declare const window: Window & { eoslab: Hook };

const explorer = useExplorer();

/** What has the focus: its id, or the file a download button saves. */
const focused = (): { id: string; outline: string; name: string } => {
  const el = document.activeElement as HTMLElement;
  const style = getComputedStyle(el);
  return {
    id: el.id || `export:${el.dataset.export ?? el.tagName}`,
    outline: `${style.outlineStyle} ${style.outlineWidth}`,
    name: el.getAttribute('aria-label') ?? el.textContent ?? '',
  };
};

describe('the explorer with the keyboard', () => {
  it('every control has a label', async () => {
    const page = await explorer.open('?res=16');
    expect(await settled(page)).toBe('done');
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, button, canvas[tabindex], progress')).flatMap((el) => {
        const aria = el.getAttribute('aria-label')?.trim();
        const labels = (el as HTMLInputElement).labels;
        const label = labels ? Array.from(labels, (l) => l.textContent?.trim()).join(' ') : '';
        const text = el.tagName === 'BUTTON' ? el.textContent?.trim() : '';
        return aria || label || text ? [] : [el.id || el.outerHTML.slice(0, 60)];
      }),
    );
    expect(unlabelled).toEqual([]);
    await page.close();
  });

  it('Tab visits the controls in order with a visible focus; choose the 𝕊 map, compute and inspect a cell without the mouse', async () => {
    const page = await explorer.open('?res=16');
    expect(await settled(page)).toBe('done');
    const order: string[] = [];
    for (let n = 0; n < 15; n++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(focused);
      expect(f.outline, `${f.id} shows its focus`).toBe('solid 3px');
      order.push(f.id);
      if (f.id === 'heatmap') break;
    }
    expect(order).toEqual([
      'map',
      'eta',
      'depth',
      'direction',
      'maxSteps',
      'phiMin',
      'phiMax',
      'pMin',
      'pMax',
      'resolution',
      'run', // Cancel is disabled while nothing runs: skipped
      'export:final_sharpness.npy',
      'export:status.npy',
      'export:heatmap.png',
      'heatmap',
    ]);

    // back to the top by keyboard: choose the 𝕊 map, a 24² grid, Compute
    for (let n = 0; n < order.length - 1; n++) await page.keyboard.press('Shift+Tab');
    expect((await page.evaluate(focused)).id).toBe('map');
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#map')).toBe('invariant-set');
    for (let n = 0; n < 9; n++) await page.keyboard.press('Tab');
    expect((await page.evaluate(focused)).id).toBe('resolution');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('24');
    await page.keyboard.press('Tab');
    expect((await page.evaluate(focused)).id).toBe('run');
    await page.keyboard.press('Enter');
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 24, map: 'invariant-set', workers: 0 });
    expect(await page.evaluate(() => window.eoslab.counts())).toEqual(node.counts);

    // to the map (past the 𝕊 map's three .npy buttons and its PNG), move the selection, inspect
    for (let n = 0; n < 25 && (await page.evaluate(focused)).id !== 'heatmap'; n++) await page.keyboard.press('Tab');
    expect((await page.evaluate(focused)).id).toBe('heatmap');
    await page.keyboard.press('ArrowRight'); // from the centre (12, 12) to (12, 13)
    await page.keyboard.press('ArrowUp'); // (13, 13)
    await page.keyboard.press('Enter');
    await page.waitForSelector('#inspector[data-ready="true"]');
    expect(await page.textContent('dd[data-key="cell"]')).toBe('row 13, column 13');
    expect(await page.textContent('dd[data-key="member"]')).toBe(node.arrays.member[13 * 24 + 13] === 1 ? 'yes' : 'no');
    // and on to the inspector's download
    await page.keyboard.press('Tab');
    expect((await page.evaluate(focused)).id).toBe('export-csv');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('a long inspection runs in its worker (the page answers meanwhile) and stops when asked', async () => {
    // η = 1e-7: GD creeps, every cell runs all 4 000 000 steps (a few seconds per trajectory)
    const page = await explorer.open('?eta=1e-7&phi0=5&phi1=6&p0=2&p1=2.5&res=2&steps=4000000');
    expect(await settled(page)).toBe('done');
    expect(await page.evaluate(() => window.eoslab.counts()?.['max-steps'])).toBe(4);
    const point = await page.evaluate(() => window.eoslab.cellPoint(0, 0));
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(() =>
      /of 4000001 steps/.test(document.getElementById('inspect-status')?.textContent ?? ''),
    );
    // the main thread is free: a round trip through it takes far less than the run
    const started = performance.now();
    await page.evaluate(() => document.title);
    expect(performance.now() - started).toBeLessThan(500);
    expect(await page.getAttribute('#inspector', 'data-state')).toBe('running');
    await page.click('#inspect-cancel');
    await page.waitForSelector('#inspector[data-state="cancelled"]');
    expect(await page.textContent('#inspect-status')).toMatch(/^Stopped\./);
    expect(await page.isDisabled('#inspect-cancel')).toBe(true);
    expect(await page.getAttribute('#inspector', 'data-ready')).toBeNull();
    // the page is usable: a new map, and a new inspection in a fresh worker
    await page.fill('#maxSteps', '3000');
    await page.fill('#eta', '0.1');
    await page.fill('#phiMin', '4.05');
    await page.fill('#phiMax', '34');
    await page.fill('#resolution', '8');
    await page.click('#run');
    expect(await settled(page)).toBe('done');
    const cell = await page.evaluate(() => window.eoslab.cellPoint(3, 3));
    await page.mouse.click(cell.x, cell.y);
    await page.waitForSelector('#inspector[data-state="done"]');
    expect(await page.textContent('dd[data-key="cell"]')).toBe('row 3, column 3');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('a trajectory too long for the tab is refused before it starts, with a message naming max steps', async () => {
    // 2 × 10⁹ steps: the map's cells stop early (converged or diverged), a trajectory would keep them all
    const page = await explorer.open('?res=4&steps=2000000000');
    expect(await settled(page)).toBe('done');
    const point = await page.evaluate(() => window.eoslab.cellPoint(1, 1));
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('#inspector[data-state="error"]');
    expect(await page.textContent('#inspect-status')).toMatch(
      /^Not inspected: the inspector keeps every step: 2000000000 max steps need ≈ 76294 MiB, .* lower "max steps"/,
    );
    expect(await page.isDisabled('#inspect-cancel')).toBe(true);
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
