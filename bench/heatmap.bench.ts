/**
 * Heatmap throughput on the `fig3` workload (model.md §2: D = 4, η = 0.1, tol = 1e-14, |π| < 1e6,
 * ≤ 20 000 steps), side by side in one run with tinybench:
 *   - the C baseline (optional: --c-baseline PATH, compiled with gcc -O3 -march=native; its own
 *     kernel timer is reported to tinybench as the sample),
 *   - the WASM SIMD and scalar sweep kernels (one thread, after warm-up),
 *   - the same lane-refill loop in plain JavaScript,
 *   - the full heatmap pipeline (cell initialisation, sweep, summaries) on a persistent, warmed-up
 *     Piscina pool with 1 and with 2 workers, on a larger grid (--pool-resolution).
 * Reported: million active GD steps per second (Σ steps / median seconds), ratios to C and to the
 * scalar kernel, and the pool's scaling from 1 to 2 workers.
 *
 * Run: npm run bench:heatmap -- [--resolution 256] [--pool-resolution 512] [--rounds 5]
 *                               [--c-baseline ../shared/baselines/gd_fig3.c]
 */
import type { SweepKernel } from '../src/experiments/heatmap/tile.js';
import { Bench } from 'tinybench';
import { heatmap } from '../src/experiments/heatmap/heatmap.js';
import { SweepPool } from '../src/experiments/heatmap/sweep.js';
import { Arena, instantiate, type RawExports } from '../src/wasm/module.js';
import { compileC, FIG3, fig3Grid, runC, sweepJs, type SweepOutput } from './fig3-workload.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const resolution = Number(flag('resolution') ?? 256);
const poolResolution = Number(flag('pool-resolution') ?? 512);
const rounds = Number(flag('rounds') ?? 5);
const cSource = flag('c-baseline');

const raw = instantiate() as RawExports & { sweepSimd: SweepKernel; sweepScalar: SweepKernel };
const arena = new Arena(raw);
const grid = fig3Grid(resolution);
const n = grid.length / 4;
const win = arena.alloc(grid.length * 8);
const wout = arena.alloc(grid.length * 8);
const stepsPtr = arena.alloc(n * 4);
const statusPtr = arena.alloc(n);
arena.f64(win, grid.length).set(grid);
const runKernel = (kernel: SweepKernel): number =>
  kernel(FIG3.D, n, win, FIG3.eta, FIG3.tol, FIG3.divergeAt, FIG3.maxSteps, wout, stepsPtr, statusPtr);

// Warm-up: short calls so V8 tiers the kernels up before timing (a long first call never would).
const small = fig3Grid(16);
const smallPtr = arena.alloc(small.length * 8);
arena.f64(smallPtr, small.length).set(small);
for (let i = 0; i < 20; i++) {
  for (const kernel of [raw.sweepSimd, raw.sweepScalar]) {
    kernel(4, 256, smallPtr, FIG3.eta, FIG3.tol, FIG3.divergeAt, FIG3.maxSteps, wout, stepsPtr, statusPtr);
  }
  sweepJs(small, new Float64Array(small.length), { steps: new Int32Array(256), status: new Uint8Array(256), total: 0 });
}
if (cSource) compileC(cSource);

const pools = [new SweepPool(1), new SweepPool(2)];
await Promise.all(pools.map((p) => p.ready()));

const steps = new Map<string, number>();
/** Pool rows: Σ steps / Σ seconds inside the sweep kernel (initialisation and summaries excluded, as in C). */
const kernelRate = new Map<string, number[]>();
const bench = new Bench({ name: 'fig3 heatmap', iterations: rounds, time: 0, warmupIterations: 1, warmupTime: 0 });
if (cSource) {
  bench.add('C (gcc -O3 -march=native)', () => {
    const c = runC(resolution);
    steps.set('C (gcc -O3 -march=native)', c.steps);
    return { overriddenDuration: c.seconds * 1000 };
  });
}
bench.add('WASM SIMD kernel (1 thread)', () => void steps.set('WASM SIMD kernel (1 thread)', runKernel(raw.sweepSimd)));
bench.add(
  'WASM scalar kernel (1 thread)',
  () => void steps.set('WASM scalar kernel (1 thread)', runKernel(raw.sweepScalar)),
);
bench.add('JavaScript (1 thread)', () => {
  const out: SweepOutput = { steps: new Int32Array(n), status: new Uint8Array(n), total: 0 };
  steps.set('JavaScript (1 thread)', sweepJs(grid, new Float64Array(grid.length), out));
});
for (const pool of pools) {
  const name = `pool, ${pool.workers} worker${pool.workers > 1 ? 's' : ''} (${poolResolution}², full pipeline)`;
  bench.add(name, async () => {
    const r = await heatmap({ preset: 'fig3', resolution: poolResolution, pool, tileSize: 1024 });
    steps.set(name, r.arrays.totalSteps);
    const perWorker = r.arrays.totalSteps / r.arrays.kernelSeconds / 1e6;
    kernelRate.set(name, [...(kernelRate.get(name) ?? []), perWorker]);
  });
}
await bench.run();
await Promise.all(pools.map((p) => p.close()));

const rate = new Map<string, number>();
for (const task of bench.tasks) {
  const result = task.result as { latency?: { p50: number } };
  const seconds = (result.latency?.p50 ?? Number.NaN) / 1000;
  rate.set(task.name, (steps.get(task.name) ?? Number.NaN) / seconds / 1e6);
}
const cRate = cSource ? (rate.get('C (gcc -O3 -march=native)') as number) : Number.NaN;
const scalarRate = rate.get('WASM scalar kernel (1 thread)') as number;
console.log(
  `fig3 workload: kernels on ${resolution}×${resolution} (${n} cells), pool on ${poolResolution}×${poolResolution}; ` +
    `medians of ${rounds} rounds; node ${process.version}`,
);
console.table(
  [...rate].map(([name, r]) => ({
    implementation: name,
    'Σ steps': steps.get(name),
    'Msteps/s': +r.toFixed(1),
    '× C': cSource ? +(r / cRate).toFixed(3) : '—',
    '× WASM scalar': +(r / scalarRate).toFixed(2),
  })),
);
const pool1 = [...rate].find(([k]) => k.startsWith('pool, 1 '))?.[1] as number;
const pool2 = [...rate].find(([k]) => k.startsWith('pool, 2 '))?.[1] as number;
console.log(`pool scaling (wall clock, full pipeline), 2 workers vs 1: ${(pool2 / pool1).toFixed(3)}×`);
for (const [name, rates] of kernelRate) {
  const sorted = [...rates].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const vsC = cSource ? `, ${(median / cRate).toFixed(3)}× C` : '';
  console.log(`${name}: sweep kernel inside each worker ${median.toFixed(1)} Msteps/s per worker${vsC}`);
}
if (cSource)
  console.log(
    `WASM SIMD (1 thread) vs C: ${((rate.get('WASM SIMD kernel (1 thread)') as number) / cRate).toFixed(3)}×`,
  );
