/**
 * Heatmap throughput on the `fig3` workload (model.md §2: D = 4, η = 0.1, tol = 1e-14, |π| < 1e6,
 * ≤ 20 000 steps), side by side in one run with tinybench:
 *   - the C baseline (optional: --c-baseline PATH, compiled with gcc -O3 -march=native; its own
 *     kernel timer is reported to tinybench as the sample),
 *   - the WASM SIMD and scalar sweep kernels (one thread, after warm-up); the SIMD kernel as the
 *     command runs it (fig3's cells keep w₀ = w₁ and w₂ = w₃, and it steps each equal pair once) and
 *     stepping every weight, the arithmetic C does — the like-for-like ratio,
 *   - the same lane-refill loop in plain JavaScript,
 *   - the full heatmap pipeline (cell initialisation, sweep, summaries) on a persistent, warmed-up
 *     Piscina pool with 1 and with 2 workers, on a larger grid (--pool-resolution),
 *   - the whole command, `eoslab heatmap --preset fig3 --resolution N` (--command-resolution,
 *     2048 by default) as a child process with 1 and 2 workers, rounds interleaved, wall clock from
 *     spawn to exit, against its GD critical path: Σ GD steps ÷ (workers × the SIMD kernel's
 *     per-core rate measured in the same run).
 * The C baseline is bench/baseline/gd_fig3.c (vendored; --c-baseline PATH for another, --no-c to
 * skip), compiled with gcc when gcc exists — skipped with a message otherwise.
 * Reported: million active GD steps per second (Σ steps / median seconds), ratios to C and to the
 * scalar kernel, the pool's scaling from 1 to 2 workers, and the whole-command medians with their
 * ratio to the critical path; `--json` prints all of it as one JSON object instead of tables.
 * On a shared machine timings are noisy: compare the ratios within one run.
 *
 * Run: npm run bench:heatmap -- [--json] [--resolution 256] [--pool-resolution 512] [--rounds 5]
 *        [--command-resolution 2048] [--command-rounds 3] [--c-baseline PATH | --no-c]
 */
import type { SweepKernel } from '../src/experiments/heatmap/tile.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const commandResolution = Number(flag('command-resolution') ?? 2048);
const commandRounds = Number(flag('command-rounds') ?? 3);
const json = process.argv.includes('--json');
const log = (text: string): void => void (json ? process.stderr : process.stdout).write(`${text}\n`);

/** The C baseline to compile: vendored unless --c-baseline PATH; none with --no-c or without gcc. */
function cBaseline(): string | undefined {
  if (process.argv.includes('--no-c')) return undefined;
  const source = flag('c-baseline') ?? new URL('./baseline/gd_fig3.c', import.meta.url).pathname;
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    log('C baseline skipped: gcc not found');
    return undefined;
  }
  return source;
}
const cSource = cBaseline();

const raw = instantiate() as RawExports & {
  sweepSimd: SweepKernel;
  sweepScalar: SweepKernel;
  sweepUsePairs(on: number): void;
};
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

const PLAIN = 'WASM SIMD kernel, every weight stepped (1 thread)';
const steps = new Map<string, number>();
/** Pool rows: Σ steps / Σ seconds inside the sweep kernel (initialisation and summaries excluded, as in C). */
const poolKernelRate = new Map<string, number[]>();
const bench = new Bench({ name: 'fig3 heatmap', iterations: rounds, time: 0, warmupIterations: 1, warmupTime: 0 });
if (cSource) {
  bench.add('C (gcc -O3 -march=native)', () => {
    const c = runC(resolution);
    steps.set('C (gcc -O3 -march=native)', c.steps);
    return { overriddenDuration: c.seconds * 1000 };
  });
}
bench.add('WASM SIMD kernel (1 thread)', () => void steps.set('WASM SIMD kernel (1 thread)', runKernel(raw.sweepSimd)));
// The same kernel without its equal-pairs step (fig3's default direction keeps w₀ = w₁, w₂ = w₃):
// the arithmetic the C baseline does, for the like-for-like ratio.
bench.add(PLAIN, () => {
  raw.sweepUsePairs(0);
  try {
    steps.set(PLAIN, runKernel(raw.sweepSimd));
  } finally {
    raw.sweepUsePairs(1);
  }
});
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
    const r = await heatmap({ preset: 'fig3', resolution: poolResolution, pool });
    steps.set(name, r.arrays.totalSteps);
    const perWorker = r.arrays.totalSteps / r.arrays.kernelSeconds / 1e6;
    poolKernelRate.set(name, [...(poolKernelRate.get(name) ?? []), perWorker]);
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
const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

// ---- the whole command, 1 and 2 workers, rounds interleaved --------------------------------------
interface CommandRun {
  wallSeconds: number;
  totalSteps: number;
  timings: Record<string, number>;
}
const BIN = new URL('../bin/eoslab.js', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'eoslab-bench-'));
function runCommand(workers: number): CommandRun {
  const out = join(scratch, `w${workers}`);
  const args = ['heatmap', '--preset', 'fig3', '--resolution', String(commandResolution), '--workers', String(workers)];
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [BIN, ...args, '--out', out, '--fresh', '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (child.status !== 0) throw new Error(`eoslab heatmap exited with ${child.status}: ${child.stderr}`);
  const summary = JSON.parse(child.stdout) as { totalSteps: number; timings: Record<string, number> };
  rmSync(out, { recursive: true, force: true });
  return { wallSeconds, totalSteps: summary.totalSteps, timings: summary.timings };
}
const commandRuns = new Map<number, CommandRun[]>([
  [1, []],
  [2, []],
]);
if (commandRounds > 0) {
  log(`whole command at ${commandResolution}²: ${commandRounds} rounds × 1 and 2 workers, interleaved…`);
  for (let round = 0; round < commandRounds; round++) {
    for (const workers of [1, 2]) commandRuns.get(workers)?.push(runCommand(workers));
  }
}
rmSync(scratch, { recursive: true, force: true });

const cRate = cSource ? (rate.get('C (gcc -O3 -march=native)') as number) : Number.NaN;
const scalarRate = rate.get('WASM scalar kernel (1 thread)') as number;
const kernelRate = rate.get('WASM SIMD kernel (1 thread)') as number;
const plainRate = rate.get(PLAIN) as number;
const poolKernel = [...poolKernelRate].map(([name, rates]) => ({ name, perWorker: median(rates) }));
const command = [...commandRuns]
  .filter(([, runs]) => runs.length > 0)
  .map(([workers, runs]) => {
    const totalSteps = (runs[0] as CommandRun).totalSteps;
    const wall = median(runs.map((r) => r.wallSeconds));
    const criticalPath = totalSteps / (workers * kernelRate * 1e6);
    const timings = Object.fromEntries(
      Object.keys((runs[0] as CommandRun).timings).map((k) => [k, median(runs.map((r) => r.timings[k] ?? Number.NaN))]),
    );
    return {
      workers,
      wallSecondsMedian: wall,
      wallSeconds: runs.map((r) => r.wallSeconds),
      totalSteps,
      criticalPathSeconds: criticalPath,
      ratioToCriticalPath: wall / criticalPath,
      timingsMedian: timings,
    };
  });
const one = command.find((c) => c.workers === 1);
const two = command.find((c) => c.workers === 2);
const report = {
  node: process.version,
  rounds,
  kernels: {
    resolution,
    cells: n,
    rates: Object.fromEntries([...rate].map(([name, r]) => [name, { steps: steps.get(name), mstepsPerSecond: r }])),
    simdMstepsPerSecond: kernelRate,
    simdEveryWeightMstepsPerSecond: plainRate,
    cMstepsPerSecond: cSource ? cRate : null,
    /** Like for like: the SIMD kernel stepping every weight, as C does. */
    simdVsC: cSource ? plainRate / cRate : null,
    /** The kernel the command runs (equal pairs stepped once) against C. */
    simdPairsVsC: cSource ? kernelRate / cRate : null,
    poolKernelMstepsPerSecondPerWorker: Object.fromEntries(poolKernel.map((p) => [p.name, p.perWorker])),
  },
  command: {
    resolution: commandResolution,
    rounds: commandRounds,
    runs: command,
    speedup2vs1: one && two ? one.wallSecondsMedian / two.wallSecondsMedian : null,
  },
};
if (json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
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
  for (const { name, perWorker } of poolKernel) {
    const vsC = cSource ? `, ${(perWorker / cRate).toFixed(3)}× C` : '';
    console.log(`${name}: sweep kernel inside each worker ${perWorker.toFixed(1)} Msteps/s per worker${vsC}`);
  }
  if (cSource) {
    console.log(`WASM SIMD stepping every weight (1 thread) vs C: ${(plainRate / cRate).toFixed(3)}× (like for like)`);
    console.log(
      `WASM SIMD as the command runs it, equal pairs once (1 thread) vs C: ${(kernelRate / cRate).toFixed(3)}×`,
    );
  }
  for (const c of command) {
    console.log(
      `eoslab heatmap --preset fig3 --resolution ${commandResolution} --workers ${c.workers}: ` +
        `median ${c.wallSecondsMedian.toFixed(2)} s (process wall), critical path ${c.criticalPathSeconds.toFixed(2)} s ` +
        `(${c.totalSteps} steps ÷ (${c.workers} × ${kernelRate.toFixed(0)} Msteps/s)), ratio ${c.ratioToCriticalPath.toFixed(2)}×`,
    );
  }
  if (report.command.speedup2vs1 !== null)
    console.log(`whole command, 2 workers vs 1: ${report.command.speedup2vs1.toFixed(2)}×`);
}
