/**
 * The one worker entry and its protocol (src/pool/): named tasks on real worker threads, results
 * equal to the same task in this thread (bit for bit, arrays transferred back), EoslabErrors
 * returned as data and rethrown with their class, other errors propagated (and retried only when
 * asked), jobs that grow as results arrive with at most one job per thread in flight, abort, and
 * the check that refuses a dist/ older than the sources the worker loads.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EoslabError, invalidOption } from '../src/base/errors.js';
import { ScalarEngine } from '../src/engines/scalar.js';
import { runTile, smallFig3Grid, type TileResult, type TileTask } from '../src/experiments/heatmap/tile.js';
import { moduleGraph, runJobs, staleSource, WorkerPool } from '../src/pool/pool.js';
import { errorReply, resultReply, unwrap, type Reply } from '../src/pool/protocol.js';
import { transferableSymbol, valueSymbol } from 'piscina';

const engine = new ScalarEngine();
const grid = smallFig3Grid(12); // 144 cells
const tile = (start: number, count: number, maxSteps = 2000): TileTask => ({
  grid,
  run: { eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps },
  map: 'sharpness',
  kernel: 'simd',
  start,
  count,
});
const local = (task: TileTask): TileResult => runTile(engine, task);
const bytes = (t: TileResult): string[] =>
  t.map === 'sharpness'
    ? [t.finalSharpness, t.steps, t.status, t.gdStatus, t.initGfsSharpness, t.initProduct].map((a) =>
        Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex'),
      )
    : [];

const pool = new WorkerPool(2);
afterAll(() => pool.close());

describe('named tasks on the worker entry', () => {
  it('a tile computed by a worker equals the same tile in this thread, bit for bit', async () => {
    const tasks = [tile(0, 50), tile(50, 50), tile(100, 44)];
    const got: TileResult[] = [];
    const indices: number[] = [];
    await pool.runJobs({
      task: 'heatmap',
      jobs: tasks,
      onResult: (r: TileResult, job: TileTask, i: number) => {
        expect(job).toBe(tasks[i]);
        expect(r.start).toBe(job.start);
        got[i] = r;
        indices.push(i);
      },
      what: 'the test',
    });
    expect(indices.sort()).toEqual([0, 1, 2]);
    tasks.forEach((t, i) => expect(bytes(got[i]!)).toEqual(bytes(local(t))));
  });

  it('an EoslabError thrown in a worker is rethrown with its class, code, option and value', async () => {
    // a network team worker validates its problem: input 0.5 → invalidOption('input', 0.5, …) in the worker
    const control = new SharedArrayBuffer(20);
    const buffer = (): SharedArrayBuffer => new SharedArrayBuffer(8);
    const task = {
      control,
      theta: buffer(),
      v: buffer(),
      partials: buffer(),
      result: buffer(),
      losses: buffer(),
      ranges: [{ start: 0, count: 1 }],
      workers: 1,
      index: 0,
      mine: [0],
      problem: {
        shape: { input: 0.5, hidden: [2], output: 1, activation: 'tanh' },
        data: { n: 1, X: new Float64Array(1), Y: new Float64Array(1) },
      },
      precision: 'f64',
    };
    const error = await pool
      .runJobs({ task: 'mlpTeam', jobs: [task], onResult: () => {}, what: 'the test', attempts: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EoslabError);
    expect(error).toMatchObject({ code: 'E_OPTION', option: 'input', value: 0.5, exitCode: 2 });
    expect((error as Error).message).toBe(invalidOption('input', 0.5, 'a positive integer').message);
    expect(pool.retries).toBe(0); // errors as data are deterministic: never retried
  });

  it('other errors reject the run; retried when asked, then named by `failure`', async () => {
    const broken = {} as TileTask; // runTile reads task.grid.depth: a TypeError in the worker
    const plain = await pool
      .runJobs({ task: 'heatmap', jobs: [broken], onResult: () => {}, what: 'the test' })
      .catch((e: unknown) => e);
    expect(plain).not.toBeInstanceOf(EoslabError);
    expect((plain as Error).message).toMatch(/undefined/);
    const before = pool.retries;
    const seen: number[] = [];
    const failed = await pool
      .runJobs({
        task: 'heatmap',
        jobs: [broken],
        onResult: () => {},
        what: 'the test',
        attempts: 3,
        failure: (_job, attempts) => {
          seen.push(attempts);
          return new EoslabError('E_WORKER', `failed ${attempts} times`);
        },
      })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'E_WORKER', message: 'failed 3 times' });
    expect(seen).toEqual([3]);
    expect(pool.retries - before).toBe(2);
  });

  it('jobs given by a function grow as results arrive, at most one per thread in flight', async () => {
    for (const where of [pool, 0] as const) {
      let taken = 0;
      let received = 0;
      let maxInFlight = 0;
      const queue = [tile(0, 24)];
      const starts: number[] = [];
      await runJobs(where, {
        task: 'heatmap',
        jobs: () => {
          const job = queue.shift();
          if (job) maxInFlight = Math.max(maxInFlight, ++taken - received);
          return job;
        },
        local,
        onResult: (r: TileResult) => {
          received++;
          starts.push(r.start);
          // every result makes up to two more jobs, 6 tiles in all
          for (const next of [r.start * 2 + 24, r.start * 2 + 48]) if (next < 144) queue.push(tile(next, 24));
        },
        what: 'the test',
      });
      expect(starts.sort((a, b) => a - b)).toEqual([0, 24, 48, 72, 96, 120]);
      expect(maxInFlight).toBeLessThanOrEqual(where === 0 ? 1 : 2);
    }
  });

  it('an abort stops the run with E_ABORTED naming it, in a worker or in this thread', async () => {
    for (const where of [2, 0]) {
      const controller = new AbortController();
      const tasks = Array.from({ length: 40 }, (_, i) => tile((i * 3) % 144, 3, 20_000));
      let results = 0;
      const error = await runJobs(where, {
        task: 'heatmap',
        jobs: tasks,
        local,
        onResult: () => {
          if (++results === 2) controller.abort();
        },
        signal: controller.signal,
        what: 'the test run',
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_ABORTED', message: 'the test run was aborted' });
      expect(results).toBeLessThan(tasks.length);
    }
  });
});

describe('the protocol', () => {
  it('a reply moves each distinct plain buffer once; shared and empty buffers are not moved', () => {
    const a = new Float64Array(8);
    const b = new Uint8Array(a.buffer, 8, 4); // a view of the same buffer
    const shared = new Int32Array(new SharedArrayBuffer(16));
    const empty = new Float64Array(0);
    const movable = resultReply({ a }, [a, b, shared, empty]) as Record<symbol, unknown>;
    expect(movable[transferableSymbol]).toEqual([a.buffer]);
    expect(movable[valueSymbol]).toEqual({ ok: { a } });
    expect(resultReply(7, [shared, empty])).toEqual({ ok: 7 }); // nothing to move: the plain reply
  });

  it('errors: an EoslabError becomes data (its value dropped if it cannot cross threads); others are rethrown', () => {
    const reply = errorReply(new EoslabError('E_CONFLICT', 'no', 'out', () => 1)) as Reply<never>;
    expect(reply).toEqual({ error: { code: 'E_CONFLICT', message: 'no', option: 'out', exitCode: 2 } });
    expect(() => unwrap(reply)).toThrow(EoslabError);
    const plain = new RangeError('out of memory');
    expect(() => errorReply(plain)).toThrow(plain);
    expect(unwrap({ ok: [1, 2] })).toEqual([1, 2]);
  });
});

describe('the compiled worker must not be older than its sources', () => {
  const root = mkdtempSync(join(tmpdir(), 'eoslab-pool-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const src = join(root, 'src');
  const dist = join(root, 'dist');

  it('follows static, dynamic and side-effect imports, not the ones quoted in comments', () => {
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(
      join(src, 'a.ts'),
      "/**\n * import './ghost.js'\n */\nimport { b } from './b.js';\nexport const c = () => import('./sub/c.js');\n",
    );
    writeFileSync(join(src, 'b.ts'), 'export const b = 1;\n');
    writeFileSync(join(src, 'sub', 'c.ts'), "import '../b.js';\n// from './ghost2.js'\n");
    expect(moduleGraph(src, 'a')).toEqual(['a', 'b', 'sub/c']);
    const real = moduleGraph(join(import.meta.dirname, '..', 'src'), 'pool/worker');
    for (const m of ['pool/protocol', 'engines/scalar', 'experiments/heatmap/tile', 'pool/mlpTeam'])
      expect(real).toContain(m);
    // the heatmap's figure is rendered on a worker (task heatmapFigure): plot/ is part of the graph
    expect(real).toContain('experiments/heatmap/figureTask');
    expect(real.some((m) => m.startsWith('cli/'))).toBe(false);
  });

  it('names the first compiled module that is missing or older than its source', () => {
    mkdirSync(join(dist, 'sub'), { recursive: true });
    for (const m of ['a', 'b', 'sub/c']) {
      writeFileSync(join(dist, `${m}.js`), '');
      utimesSync(join(src, `${m}.ts`), 1000, 1000);
      utimesSync(join(dist, `${m}.js`), 2000, 2000);
    }
    const sources = moduleGraph(src, 'a');
    expect(staleSource(src, dist, sources)).toBeUndefined();
    utimesSync(join(dist, 'b.js'), 500, 500);
    expect(staleSource(src, dist, sources)).toBe('b');
    utimesSync(join(dist, 'b.js'), 2000, 2000);
    rmSync(join(dist, 'sub', 'c.js'));
    expect(staleSource(src, dist, sources)).toBe('sub/c');
    expect(staleSource(src, dist, ['not-a-source'])).toBeUndefined();
  });
});
