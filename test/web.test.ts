/**
 * The explorer's parts that run without a browser: the form's validation (the CLI's option table),
 * the view in the URL, the WASM loader's async path in Node, the static server behind `eoslab
 * serve` and the command itself. The page in a real browser is test/browser/ (npm run test:browser).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { resolveHeatmapOptions } from '../src/experiments/heatmap/resolve.js';
import { resolveSitePath, serveSite } from '../src/io/staticSite.js';
import { loadWasmModule, wasmModule } from '../src/wasm/module.js';
import {
  DEFAULT_PAGE_BUDGET,
  DEFAULT_VALUES,
  INSPECTOR_BYTES_PER_STEP,
  inspectionMemoryError,
  MAX_SIDE,
  validateForm,
  type FormValues,
} from '../web/form.js';
import { decodeState, encodeState } from '../web/state.js';

const work = mkdtempSync(join(tmpdir(), 'eoslab-web-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const form = (changes: Partial<FormValues>): FormValues => ({ ...DEFAULT_VALUES, ...changes });

describe('the page’s form', () => {
  it('the defaults resolve to the CLI’s fig3 heatmap at 128²', () => {
    const r = validateForm(DEFAULT_VALUES);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const cli = resolveHeatmapOptions({ preset: 'fig3', resolution: 128, workers: 0 });
    expect(r.resolved.grid).toEqual(cli.grid);
    expect(r.resolved.run).toEqual(cli.run);
    expect(r.resolved.tileSize).toBe(cli.tileSize);
    expect(r.resolved.kernel).toBe('simd');
  });

  it('bad fields each get a message and nothing resolves', () => {
    const r = validateForm(form({ eta: 'abc', depth: '4.5', phiMin: '', pMax: 'x', maxSteps: '-3' }));
    expect(r.ok).toBe(false);
    expect(r.errors.eta).toBe('"abc" (expected a finite number > 0)');
    expect(r.errors.depth).toMatch(/4\.5/);
    expect(r.errors.phiMin).toBeDefined();
    expect(r.errors.pMax).toBeDefined();
    expect(r.errors.maxSteps).toBeDefined();
    expect(r.errors.resolution).toBeUndefined();
  });

  it('η ≤ 0, φ₀ < D, empty ranges, a direction of the wrong length', () => {
    expect(validateForm(form({ eta: '0' })).errors.eta).toBe('0 (expected a finite number > 0)');
    expect(validateForm(form({ eta: '-0.1' })).errors.eta).toMatch(/expected a finite number > 0/);
    expect(validateForm(form({ phiMin: '3.9' })).errors.phiMin).toMatch(/φ₀ must be ≥ D = 4/);
    expect(validateForm(form({ depth: '6', phiMin: '5' })).errors.phiMin).toMatch(/≥ D = 6/);
    expect(validateForm(form({ phiMin: '30', phiMax: '20' })).errors.phiMax).toMatch(/above/);
    expect(validateForm(form({ pMin: '0' })).errors.pMin).toMatch(/> 0/);
    expect(validateForm(form({ direction: '2,-1,-1' })).errors.direction).toMatch(/4 entries/);
    expect(validateForm(form({ direction: '1,1,1,1' })).errors.direction).toMatch(/sum to 0/);
    const ok = validateForm(form({ direction: '3,1,-1,-3' }));
    expect(ok.ok && ok.resolved.grid.kind === 'family' && ok.resolved.grid.direction).toEqual([3, 1, -1, -3]);
  });

  it('the map: the CLI’s --map choices; an unknown one gets a message and nothing resolves', () => {
    expect(DEFAULT_VALUES.map).toBe('sharpness');
    const fig2c = validateForm(form({ map: 'invariant-set' }));
    if (!fig2c.ok) throw new Error(JSON.stringify(fig2c.errors));
    const cli = resolveHeatmapOptions({ preset: 'fig3', resolution: 128, map: 'invariant-set', workers: 0 });
    expect(fig2c.resolved.map).toBe('invariant-set');
    expect(fig2c.resolved.grid).toEqual(cli.grid);
    expect(fig2c.resolved.tileSize).toBe(cli.tileSize);
    for (const bad of ['', 'Sharpness', 'stable-set']) {
      const r = validateForm(form({ map: bad }));
      expect(r.ok).toBe(false);
      expect(r.errors.map).toBe(`"${bad}" (expected one of sharpness, invariant-set)`);
    }
    // with other bad fields, every message at once
    const both = validateForm(form({ map: 'x', eta: '-1' }));
    expect(Object.keys(both.errors).sort()).toEqual(['eta', 'map']);
  });

  it('too large: more than 1024 per side, or more than the tab’s memory', () => {
    expect(validateForm(form({ resolution: String(MAX_SIDE) })).ok).toBe(true);
    expect(validateForm(form({ resolution: String(MAX_SIDE + 1) })).errors.resolution).toMatch(/at most 1024/);
    const small = validateForm(form({ resolution: '512' }), 2 ** 20);
    expect(small.errors.resolution).toMatch(/512² cells need ≈ 24 MiB, more than this tab's 1 MiB/);
  });
});

describe('the inspector’s memory check', () => {
  it('lets the default budget of steps through and refuses more than the tab holds, naming max steps', () => {
    expect(inspectionMemoryError(20_000)).toBeUndefined();
    const limit = Math.floor(DEFAULT_PAGE_BUDGET / INSPECTOR_BYTES_PER_STEP) - 1;
    expect(inspectionMemoryError(limit)).toBeUndefined();
    const message = inspectionMemoryError(limit + 1);
    expect(message).toMatch(
      /every step: \d+ max steps need ≈ 256 MiB, more than this tab's 256 MiB — lower "max steps"/,
    );
    expect(inspectionMemoryError(2_000_000_000)).toMatch(/≈ 76294 MiB/);
    expect(inspectionMemoryError(4_000_000)).toBeUndefined(); // the browser suite's long inspection
  });
});

describe('the view in the URL', () => {
  it('round-trips the fields and the cell; defaults are left out', () => {
    expect(encodeState({ values: DEFAULT_VALUES })).toBe('');
    const state = { values: form({ eta: '0.12', direction: '3,1,-1,-3', resolution: '64' }), cell: { i: 3, j: 40 } };
    const query = encodeState(state);
    expect(query).toBe('?eta=0.12&dir=3%2C1%2C-1%2C-3&res=64&cell=3%2C40');
    expect(decodeState(query)).toEqual(state);
  });

  it('holds the map (left out when it is the default sharpness map)', () => {
    const state = { values: form({ map: 'invariant-set', resolution: '64' }), cell: { i: 1, j: 2 } };
    const query = encodeState(state);
    expect(query).toBe('?map=invariant-set&res=64&cell=1%2C2');
    expect(decodeState(query)).toEqual(state);
    expect(encodeState({ values: form({ map: 'sharpness' }) })).toBe('');
    expect(decodeState('?map=nope').values.map).toBe('nope'); // kept, to be named next to its field
  });

  it('keeps bad values (shown next to their field) and drops a malformed cell', () => {
    const s = decodeState('?eta=abc&cell=1,x');
    expect(s.values.eta).toBe('abc');
    expect(s.cell).toBeUndefined();
    expect(validateForm(s.values).ok).toBe(false);
  });
});

describe('one WASM loader', () => {
  it('loadWasmModule in Node is the module wasmModule compiles (read from the file once)', async () => {
    expect(await loadWasmModule()).toBe(wasmModule());
  });
});

describe('the static server of eoslab serve', () => {
  const site = join(work, 'site');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(site, 'assets', 'k.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(work, 'secret.txt'), 'no');

  it('maps request paths to files inside the site only', () => {
    expect(resolveSitePath(site, '/')).toBe(join(site, 'index.html'));
    expect(resolveSitePath(site, '/index.html?x=1')).toBe(join(site, 'index.html'));
    expect(resolveSitePath(site, '/assets/k.wasm')).toBe(join(site, 'assets', 'k.wasm'));
    for (const bad of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/assets',
      '/nope',
      '/%E0%A4%A',
    ]) {
      expect(resolveSitePath(site, bad)).toBeUndefined();
    }
  });

  it('serves GET/HEAD with the right types, 404 and 405 otherwise, on 127.0.0.1', async () => {
    const server = await serveSite(site, 0, '127.0.0.1');
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(server.url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(index.headers.get('cache-control')).toBe('no-cache');
      const wasm = await fetch(`${server.url}assets/k.wasm`);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect(wasm.headers.get('cache-control')).toMatch(/immutable/);
      expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
      expect((await fetch(`${server.url}missing.js`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('refuses a folder without the built page, naming the build command', async () => {
    await expect(serveSite(join(work, 'empty'), 0, '127.0.0.1')).rejects.toThrow(/npm run build:web/);
  });
});

describe('eoslab serve', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), interactive: false } };
  };

  it('has --help with its options and is listed in the main help', async () => {
    const h = io();
    expect(await runCli(['serve', '--help'], h.io)).toBe(0);
    expect(h.out.join('')).toMatch(/--port <int>[\s\S]*default: 8080[\s\S]*--host[\s\S]*default: 127\.0\.0\.1/);
    const main = io();
    await runCli(['--help'], main.io);
    expect(main.out.join('')).toMatch(/serve\s+the explorer page/);
  });

  it('bad --port: one line naming the flag, exit code 2', async () => {
    const h = io();
    expect(await runCli(['serve', '--port', '70000'], h.io)).toBe(2);
    expect(h.err.join('')).toMatch(/^eoslab: error: invalid --port: 70000/);
  });
});
