/**
 * The explorer's downloads, read back by the formats' definitions (harness.ts's readers, not the
 * page's encoder) and compared with the Node API (see harness.ts for the set-up): the .npy arrays
 * of both maps against heatmap() for the same grid, the PNG's signature, chunks and size against
 * the canvas, and trajectory.csv's header and last row against trajectory().
 */
import { describe, expect, it } from 'vitest';
import { trajectory } from '../../src/api.js';
import { linspace } from '../../src/base/linspace.js';
import { invariantClasses, heatmap } from '../../src/experiments/heatmap/heatmap.js';
import { statusLabel } from '../../src/wasm/status.js';
import { clickCell, download, FIG3, hex, readNpy, readPng, settled, useExplorer } from './harness.js';

const explorer = useExplorer();

describe('the explorer’s downloads', () => {
  it('sharpness map: final_sharpness.npy and status.npy equal heatmap()’s arrays; heatmap.png is the canvas', async () => {
    const page = await explorer.open('?res=40');
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 40, workers: 0 });
    const sharpness = await download(page, '[data-export="final_sharpness.npy"]');
    expect(sharpness.name).toBe('final_sharpness.npy');
    const s = readNpy(sharpness.bytes);
    expect([s.descr, s.fortran, s.shape]).toEqual(['<f8', false, [40, 40]]);
    expect(s.data.toString('hex')).toBe(hex(node.arrays.finalSharpness));
    const status = readNpy((await download(page, '[data-export="status.npy"]')).bytes);
    expect([status.descr, status.shape]).toEqual(['|u1', [40, 40]]);
    expect(status.data.toString('hex')).toBe(hex(node.arrays.status));

    const png = await download(page, '[data-export="heatmap.png"]');
    expect(png.name).toBe('heatmap.png');
    const size = await page.evaluate(() => {
      const c = document.getElementById('heatmap') as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    const image = readPng(png.bytes);
    expect({ width: image.width, height: image.height }).toEqual(size);
    expect(size.width).toBeGreaterThanOrEqual(590); // CSS 590×520 at the device's pixel ratio
    await page.close();
  });

  it('𝕊 map: in_invariant_set.npy, gfs_monotone.npy and map_class.npy equal heatmap()’s; invariant_set.png is the canvas', async () => {
    const page = await explorer.open('?map=invariant-set&res=36');
    expect(await settled(page)).toBe('done');
    const node = await heatmap({ preset: 'fig3', resolution: 36, map: 'invariant-set', workers: 0 });
    const a = node.arrays;
    const expected = {
      'in_invariant_set.npy': a.member,
      'gfs_monotone.npy': a.monotone,
      'map_class.npy': invariantClasses(a.member, a.monotone, a.gdStatus, a.initGfsSharpness),
    };
    for (const [name, array] of Object.entries(expected)) {
      const file = await download(page, `[data-export="${name}"]`);
      expect(file.name).toBe(name);
      const npy = readNpy(file.bytes);
      expect([npy.descr, npy.fortran, npy.shape]).toEqual(['|u1', false, [36, 36]]);
      expect(npy.data.toString('hex')).toBe(hex(array));
    }
    // the sharpness map's files are not offered for this map
    expect(await page.$('[data-export="final_sharpness.npy"]')).toBeNull();
    const png = await download(page, '[data-export="invariant_set.png"]');
    expect(png.name).toBe('invariant_set.png');
    const image = readPng(png.bytes);
    const size = await page.evaluate(() => {
      const c = document.getElementById('heatmap') as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    expect({ width: image.width, height: image.height }).toEqual(size);
    await page.close();
  });

  it('trajectory.csv: the CLI’s columns, one row per step, the last row equal to trajectory()’s', async () => {
    const page = await explorer.open('?res=32');
    expect(await settled(page)).toBe('done');
    const [i, j] = [9, 20];
    await clickCell(page, i, j, false);
    const csv = await download(page, '#export-csv');
    expect(csv.name).toBe('trajectory.csv');
    const lines = csv.bytes.toString('utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('step,loss,sharpness,gfs_sharpness,product,status');
    const t = trajectory({
      phi0: linspace(FIG3.phiRange, 32)[j] as number,
      p0: linspace(FIG3.productRange, 32)[i] as number,
      eta: FIG3.eta,
      steps: FIG3.maxSteps,
      tol: FIG3.tol,
      divergeAt: FIG3.divergeAt,
    });
    expect(t.rows).toBeGreaterThan(10);
    expect(lines.length).toBe(t.rows + 1);
    const last = (lines.at(-1) as string).split(',');
    const k = t.rows - 1;
    expect(last.slice(0, 5).map(Number)).toEqual([k, t.loss[k], t.sharpness[k], t.gfsSharpness[k], t.product[k]]);
    expect(last[5]).toBe(statusLabel(t.status[k] as number));
    expect(Number((lines[1] as string).split(',')[3])).toBe(t.gfsSharpness[0]);
    await page.close();
  });
});
