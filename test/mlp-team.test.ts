/**
 * Data-parallel full-batch operations of a fully connected network (engines/mlpBatch.ts,
 * pool/mlpTeam.ts, docs/model.md §5): the batch is cut into a fixed number of shards whose partial
 * losses, gradients and HVPs (each normalised by the whole batch size) are summed in shard order.
 * - the shards sum to the one-pass full-batch kernels (within re-association rounding), and a
 *   single shard IS the full-batch kernel, bit for bit;
 * - a team of 1, 2 or 3 pool workers returns the calling-thread batch's bits exactly, for single
 *   operations and for everything the solver builds on them (GD, Lanczos, the RK4 flow, φ);
 * - concurrent requests queue; a worker's failure and an abort surface as errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { Sfc32 } from '../src/base/random.js';
import { MlpEngine, type MlpData, type MlpShape } from '../src/engines/mlp.js';
import { MlpEngine32 } from '../src/engines/mlp32.js';
import { defaultShards, LocalBatch, MAX_SHARDS, shardRanges, type MlpProblem } from '../src/engines/mlpBatch.js';
import { MlpSolver } from '../src/engines/mlpSolver.js';
import { createMlpSolver, TeamBatch } from '../src/pool/mlpTeam.js';

// Shard sums vs the one-pass kernel: the same n terms re-associated into ≤ 8 partial sums, so the
// relative difference (to Σ|terms|) is ≲ n·2⁻⁵³ ≈ 4e-15 for n = 37; 1e-13 leaves room.
const TOL_SHARD_SUM = 1e-13;

const SHAPE: MlpShape = { input: 7, hidden: [6, 5], output: 3, activation: 'tanh' };
const N = 37; // not a multiple of the shard count: unequal shards

function makeData(n: number, seed: number): MlpData {
  const rng = new Sfc32(seed, 1);
  const X = Float64Array.from({ length: n * SHAPE.input }, () => rng.gaussian());
  const Y = new Float64Array(n * SHAPE.output);
  for (let i = 0; i < n; i++) Y[i * SHAPE.output + (i % SHAPE.output)] = 1;
  return { n, X, Y };
}

const problem: MlpProblem = { shape: SHAPE, data: makeData(N, 4) };
const engine = new MlpEngine(problem.shape, problem.data);
const theta = engine.initialParameters(9).map((x) => 1.5 * x);
const direction = engine.initialParameters(10);

function relativeDifference(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    s = Math.max(s, Math.abs(b[i] as number));
  }
  return d / s;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('shards', () => {
  it('cover the batch in order, as equal as possible, never empty', () => {
    for (const [n, s] of [
      [37, 8],
      [8, 8],
      [3, 8],
      [1, 8],
      [1000, 8],
      [10, 1],
    ] as const) {
      const r = shardRanges(n, s);
      expect(r).toHaveLength(Math.min(n, s));
      let next = 0;
      for (const { start, count } of r) {
        expect(start).toBe(next);
        expect(count).toBeGreaterThanOrEqual(Math.floor(n / r.length));
        expect(count).toBeLessThanOrEqual(Math.ceil(n / r.length));
        next = start + count;
      }
      expect(next).toBe(n);
    }
  });

  it('default count: about one per 125 rows, 2 to 8, never more than n, independent of threads', () => {
    expect([1, 2, 3, 20, 100, 250, 375, 500, 999, 1000, 5000].map(defaultShards)).toEqual([
      1, 2, 2, 2, 2, 2, 3, 4, 8, 8, 8,
    ]);
    expect(MAX_SHARDS).toBe(8);
  });

  it('sum to the one-pass full-batch loss, gradient and HVP; one shard is the full-batch kernel bit for bit', async () => {
    const batch = new LocalBatch(engine, 'f64');
    expect(batch.shards).toBe(defaultShards(N));
    const g = new Float64Array(engine.parameterCount);
    const h = new Float64Array(engine.parameterCount);
    const full = engine.gradient(theta);
    const loss = await batch.gradient(theta, g);
    await batch.hvp(theta, direction, h);
    expect(Math.abs(loss - full.loss) / full.loss).toBeLessThan(TOL_SHARD_SUM);
    expect(await batch.loss(theta)).toBe(loss);
    expect(relativeDifference(g, full.gradient)).toBeLessThan(TOL_SHARD_SUM);
    expect(relativeDifference(h, engine.hessianVectorProduct(theta, direction))).toBeLessThan(TOL_SHARD_SUM);
    // The shards really are different from the one-pass sum (the test can see re-association).
    expect(relativeDifference(g, full.gradient)).toBeGreaterThan(0);

    const one = new LocalBatch(engine, 'f64', 1);
    expect(await one.gradient(theta, g)).toBe(full.loss);
    expect(Array.from(g)).toEqual(Array.from(full.gradient));
    await one.hvp(theta, direction, h);
    expect(Array.from(h)).toEqual(Array.from(engine.hessianVectorProduct(theta, direction)));
  });

  for (const Engine of [MlpEngine, MlpEngine32]) {
    it(`${Engine.name}: HVPs at an unchanged θ reuse the forward pass — the bits of a fresh product; θ changes noticed`, () => {
      const fresh = (t: Float64Array, v: Float64Array): Float64Array => {
        const e = new Engine(problem.shape, problem.data);
        const out = new Float64Array(e.parameterCount);
        e.setParameters(t);
        e.setDirection(v);
        e.shardHvp(5, 20, out);
        return out;
      };
      const e = new Engine(problem.shape, problem.data);
      const out = new Float64Array(e.parameterCount);
      const g = new Float64Array(e.parameterCount);
      e.setParameters(theta);
      e.shardGradient(5, 20, g); // prepares the shard at θ
      for (const v of [direction, theta, direction.map((x) => -3 * x)]) {
        e.setParameters(Float64Array.from(theta)); // same values, another array: still prepared
        e.setDirection(v);
        e.shardHvp(5, 20, out);
        expect(Array.from(out)).toEqual(Array.from(fresh(theta, v)));
      }
      // a θ that differs in one entry, a loss call in between (it overwrites the forward pass), NaN
      const moved = theta.slice();
      moved[3] = (moved[3] as number) + 1e-3;
      e.setParameters(moved);
      e.setDirection(direction);
      e.shardHvp(5, 20, out);
      expect(Array.from(out)).toEqual(Array.from(fresh(moved, direction)));
      e.setParameters(theta);
      e.shardLoss(5, 20);
      e.shardHvp(5, 20, out);
      expect(Array.from(out)).toEqual(Array.from(fresh(theta, direction)));
      const bad = theta.slice();
      bad[0] = Number.NaN;
      e.setParameters(bad);
      e.shardHvp(5, 20, out);
      expect(out.some((x) => Number.isNaN(x))).toBe(true);
      e.setParameters(bad); // NaN equals itself here: still prepared, still NaN
      e.shardHvp(5, 20, out);
      expect(out.some((x) => Number.isNaN(x))).toBe(true);
    });
  }

  it('reject rows outside the batch', () => {
    const out = new Float64Array(engine.parameterCount);
    engine.setParameters(theta);
    expect(() => engine.shardGradient(30, 8, out)).toThrow(/shard \[30, 38\)/);
    expect(() => engine.shardLoss(0, 0)).toThrow(/shard/);
    expect(() => engine.shardLoss(-1, 2)).toThrow(/shard/);
  });
});

describe('a team of pool workers', () => {
  it('returns the calling-thread bits for 1, 2 and 3 workers', async () => {
    const local = new LocalBatch(engine, 'f64');
    const gRef = new Float64Array(engine.parameterCount);
    const hRef = new Float64Array(engine.parameterCount);
    const lossRef = await local.gradient(theta, gRef);
    await local.hvp(theta, direction, hRef);
    for (const workers of [1, 2, 3]) {
      const team = TeamBatch.start(problem, engine.parameterCount, workers);
      closers.push(() => team.close());
      const g = new Float64Array(engine.parameterCount);
      const h = new Float64Array(engine.parameterCount);
      expect(await team.gradient(theta, g)).toBe(lossRef);
      expect(Array.from(g)).toEqual(Array.from(gRef));
      await team.hvp(theta, direction, h);
      expect(Array.from(h)).toEqual(Array.from(hRef));
      expect(await team.loss(theta)).toBe(lossRef);
      // Requests issued together queue and each gets its own answer.
      const other = theta.map((x) => 0.5 * x);
      const [a, b] = await Promise.all([team.loss(other), team.loss(theta)]);
      expect(a).toBe(await local.loss(other));
      expect(b).toBe(lossRef);
      await team.close();
      await expect(team.loss(theta)).rejects.toThrow(/closed/);
    }
  });

  it('GD, Lanczos, the RK4 flow and φ are bit-identical for 0, 1 and 2 workers', async () => {
    const run = async (workers: number): Promise<unknown> => {
      const solver = createMlpSolver(problem, { workers });
      closers.push(() => solver.close());
      try {
        const gd = await solver.gradientDescent(theta, 0.3, 15);
        const s = await solver.sharpness(gd.theta, { tol: 1e-8 });
        const g = await solver.gfsSharpness(gd.theta, {
          lossThreshold: 0.5 * (gd.losses[14] as number),
          maxSteps: 400,
        });
        return { gd, s, g };
      } finally {
        await solver.close();
      }
    };
    const inThread = (await run(0)) as { g: { status: string; steps: number } };
    expect(inThread.g.status).toBe('converged');
    expect(inThread.g.steps).toBeGreaterThan(5);
    expect(await run(1)).toEqual(inThread);
    expect(await run(2)).toEqual(inThread);
  });

  it('f32 shards: a team returns the calling-thread bits as well', async () => {
    const local = new LocalBatch(new MlpEngine32(problem.shape, problem.data), 'f32');
    const gRef = new Float64Array(engine.parameterCount);
    const hRef = new Float64Array(engine.parameterCount);
    const lossRef = await local.gradient(theta, gRef);
    await local.hvp(theta, direction, hRef);
    const team = TeamBatch.start(problem, engine.parameterCount, 2, 'f32');
    closers.push(() => team.close());
    const g = new Float64Array(engine.parameterCount);
    const h = new Float64Array(engine.parameterCount);
    expect(await team.gradient(theta, g)).toBe(lossRef);
    expect(Array.from(g)).toEqual(Array.from(gRef));
    await team.hvp(theta, direction, h);
    expect(Array.from(h)).toEqual(Array.from(hRef));
    await team.close();
  });

  it("a worker's failure rejects the operation with the worker's error", async () => {
    const bad: MlpProblem = { shape: { ...SHAPE, hidden: [0] }, data: problem.data };
    const team = TeamBatch.start(bad, engine.parameterCount, 2);
    const error = await team.loss(theta).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EoslabError);
    expect(error).toMatchObject({ code: 'E_OPTION', option: 'hidden' });
    await team.close().catch(() => undefined);
  });

  it('an abort stops a long GD run with E_ABORTED', async () => {
    const controller = new AbortController();
    const solver = createMlpSolver(problem, { workers: 2, signal: controller.signal, what: 'the test run' });
    closers.push(() => solver.close());
    const run = solver.gradientDescent(theta, 0.1, 1_000_000);
    setTimeout(() => controller.abort(), 100);
    await expect(run).rejects.toMatchObject({ code: 'E_ABORTED', message: 'the test run was aborted' });
    await solver.close();
  });

  it('rejects bad options by name', () => {
    expect(() => createMlpSolver(problem, { workers: -1 })).toThrow(/workers/);
    expect(() => createMlpSolver(problem, { workers: 1.5 })).toThrow(/workers/);
    expect(() => createMlpSolver(problem, { shards: 0 })).toThrow(/shards/);
    expect(() => createMlpSolver(problem, { precision: 'f16' as 'f32' })).toThrow(/precision/);
  });
});

// A solver over the calling-thread batch uses its own WASM instance: results match a fresh one.
describe('MlpSolver', () => {
  it('two solvers over one batch give the same bits', async () => {
    const batch = new LocalBatch(engine, 'f64');
    const a = await new MlpSolver(batch).sharpness(theta, { tol: 1e-10 });
    const b = await new MlpSolver(batch).sharpness(theta, { tol: 1e-10 });
    expect(b).toEqual(a);
  });
});
