/**
 * What the browser suite's files share: the page served by the real CLI (`node bin/eoslab.js serve
 * --port 0`) in Debian's Chromium (/usr/bin/chromium through playwright-core; EOSLAB_CHROMIUM
 * overrides the path), a page per test at 1280×800, the page's run state, downloads, screenshots,
 * and independent readers of the .npy and PNG files the page exports.
 *
 * Screenshots go to out/browser-screenshots/ (git-ignored); with UPDATE_SCREENSHOTS=1 they go to
 * docs/, where the README shows them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const root = join(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.EOSLAB_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? join(root, 'docs') : join(root, 'out', 'browser-screenshots');

/** The fig3 preset's settings (the page's defaults). */
export const FIG3 = {
  eta: 0.1,
  tol: 1e-14,
  divergeAt: 1e6,
  maxSteps: 20000,
  phiRange: [4.05, 34] as [number, number],
  productRange: [0.05, 5] as [number, number],
};

/** The page's test hook (web/main.ts). */
export interface Hook {
  map(): string | undefined;
  counts(): Record<string, number> | undefined;
  bits(): Record<string, string> | undefined;
  cellPoint(i: number, j: number): { x: number; y: number };
  seconds(): number | undefined;
  diagram(): string | undefined;
}

export type TestPage = Page & { errors: string[] };

export const hex = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/**
 * Starts `eoslab serve` and Chromium before the file's tests and stops them after; returns the
 * opener of pages.
 */
export function useExplorer(): { open(query?: string): Promise<TestPage>; base(): string } {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let base = '';
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set EOSLAB_CHROMIUM)`);
    if (!existsSync(join(root, 'dist-web', 'index.html'))) throw new Error('dist-web/ is missing: run `npm run build`');
    const child = spawn(process.execPath, [join(root, 'bin', 'eoslab.js'), 'serve', '--port', '0'], { cwd: root });
    server = child;
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.stderr.on('data', (chunk: Buffer) => reject(new Error(chunk.toString())));
      child.once('exit', (code) => reject(new Error(`eoslab serve exited ${code}: ${out}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGINT');
  });
  return {
    base: () => base,
    async open(query = '') {
      const page = (await (browser as Browser).newPage({
        viewport: { width: 1280, height: 800 },
        acceptDownloads: true,
      })) as TestPage;
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') page.errors.push(m.text());
      });
      await page.goto(`${base}${query}`);
      return page;
    },
  };
}

/** Waits until the page's run ends (done, cancelled, invalid or error) and returns that state. */
export async function settled(page: Page, timeout = 120_000): Promise<string> {
  await page.waitForFunction(
    () => ['done', 'cancelled', 'invalid', 'error'].includes(document.body.dataset.run ?? ''),
    null,
    { timeout },
  );
  return (await page.evaluate(() => document.body.dataset.run)) as string;
}

/** Clicks cell (i, j) of the map and waits for its trajectory (and, with `diagram`, its GPGD diagram). */
export async function clickCell(page: Page, i: number, j: number, diagram = true): Promise<void> {
  const point = await page.evaluate(
    ([a, b]) => (window as unknown as { eoslab: Hook }).eoslab.cellPoint(a as number, b as number),
    [i, j],
  );
  await page.mouse.click(point.x, point.y);
  await page.waitForSelector('#inspector[data-ready="true"]');
  if (diagram) await page.waitForSelector('#inspector[data-diagram="true"]');
}

/** Clicks a download button and returns the file's suggested name and bytes. */
export async function download(page: Page, selector: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** Saves a screenshot (out/browser-screenshots/ or, with UPDATE_SCREENSHOTS=1, docs/). */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage });
}

/** A .npy file read by the format's definition (version 1.0/2.0): dtype, shape, order and data bytes. */
export function readNpy(bytes: Buffer): { descr: string; fortran: boolean; shape: number[]; data: Buffer } {
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  if (!bytes.subarray(0, 6).equals(magic)) throw new Error('not a .npy file (bad magic)');
  const major = bytes[6] as number;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if ((start + headerLength) % 64 !== 0) throw new Error('.npy header not padded to 64 bytes');
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined || !header.endsWith('\n')) throw new Error(`bad .npy header ${header}`);
  return {
    descr,
    fortran: fortran === 'True',
    shape: shape
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number),
    data: bytes.subarray(start + headerLength),
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A PNG file checked by the format's definition: the signature, every chunk's CRC, IHDR first and
 * IEND last, and the inflated image data's length for the header's size and colour type.
 */
export function readPng(bytes: Buffer): { width: number; height: number; colorType: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG (bad signature)');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.subarray(at + 4, at + 8).toString('latin1');
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== bytes.readUInt32BE(at + 8 + length))
      throw new Error(`PNG chunk ${type}: bad CRC`);
    chunks.push({ type, data });
    at += 12 + length;
  }
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR' || chunks.at(-1)?.type !== 'IEND') throw new Error('PNG: IHDR first and IEND last');
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const depth = ihdr.data[8] as number;
  const colorType = ihdr.data[9] as number;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (depth !== 8 || channels === undefined || ihdr.data[12] !== 0)
    throw new Error('PNG: expected 8-bit, non-interlaced');
  const pixels = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  if (pixels.length !== height * (1 + width * channels)) throw new Error('PNG: image data does not match the header');
  return { width, height, colorType };
}
