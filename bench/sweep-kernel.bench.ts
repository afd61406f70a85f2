/**
 * Heatmap sweep kernel benchmark: the `fig3` workload (model.md §2) — D = 4, η = 0.1, tol = 1e-14,
 * divergeAt = 1e6, maxSteps = 20000 — on an R × R grid of (φ₀, p₀) initialisations.
 *
 * Per cell (model.md §1.1, §1.4): GD wᵢ ← wᵢ − η(π−1)·∏_{j≠i}wⱼ on L = ½(π−1)², stopping before a step
 * when !(|π| < 1e6), ½(π−1)² < tol or steps = maxSteps. Initialisation (model.md §2, c = (1, 1, −1, −1)):
 * w* = (eᵗ, eᵗ, e⁻ᵗ, e⁻ᵗ) with cosh(2t) = φ₀/4, u = w*², s with Σ log(uᵢ + s) = 2 log p₀ (bisection),
 * wᵢ = √(uᵢ + s). Columns: φ₀ = linspace(4.05, 34, R); rows: p₀ = linspace(0.05, 5, R).
 *
 * Implementations, each timed by tinybench after a warm-up on a small grid (V8 first runs WASM in
 * its baseline compiler and a long call never tiers up): `sweepSimd` and `sweepScalar` (WASM), the
 * same lane-refill loop in plain JavaScript (Float64Array SoA), and optionally the C baseline
 * (compiled here with gcc -O3 -march=native; its own kernel timer is fed to tinybench). Rounds run
 * all implementations back to back (order alternating) and the table reports medians over rounds: the
 * machine is noisy. The ratio to C is the median of the per-round ratios.
 *
 * Run: node --import tsx bench/sweep-kernel.bench.ts [--resolution 128] [--rounds 9]
 *        [--c-baseline /path/to/gd_fig3.c] [--wasm path/to.wasm]
 */
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import type { SweepKernel } from '../src/experiments/heatmap/tile.js';
import { compileC, FIG3, fig3Grid, runC, sweepJs, type CResult, type SweepOutput } from './fig3-workload.js';
import { Arena, instantiate, type RawExports } from '../src/wasm/module.js';

interface SweepExports extends RawExports {
  sweepScalar: SweepKernel;
  sweepSimd: SweepKernel;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const resolution = Number(flag('resolution') ?? 128);
const rounds = Number(flag('rounds') ?? 9);
const cSource = flag('c-baseline');
const wasmOverride = flag('wasm') ?? process.env.EOSLAB_SWEEP_WASM;
if (!Number.isInteger(resolution) || resolution < 2) throw new Error('--resolution must be an integer ≥ 2');

// ---- WASM ---------------------------------------------------------------------------------

const raw = instantiate(wasmOverride ? new WebAssembly.Module(readFileSync(wasmOverride)) : undefined) as SweepExports;
if (typeof raw.sweepSimd !== 'function')
  throw new Error('no sweep kernels in the WASM: run `npx asc assembly/index.ts --target release`');
const arena = new Arena(raw);

interface WasmBuffers {
  n: number;
  win: number;
  wout: number;
  steps: number;
  status: number;
}

function wasmBuffers(grid: Float64Array): WasmBuffers {
  const n = grid.length / 4;
  const b = {
    n,
    win: arena.alloc(8 * 4 * n),
    wout: arena.alloc(8 * 4 * n),
    steps: arena.alloc(4 * n),
    status: arena.alloc(n),
  };
  arena.f64(b.win, 4 * n).set(grid);
  return b;
}

function runWasm(kernel: SweepKernel, b: WasmBuffers): number {
  return kernel(FIG3.D, b.n, b.win, FIG3.eta, FIG3.tol, FIG3.divergeAt, FIG3.maxSteps, b.wout, b.steps, b.status);
}

function wasmOutput(b: WasmBuffers, total: number): SweepOutput & { weights: Float64Array } {
  const { n } = b;
  return {
    steps: arena.i32(b.steps, n).slice(),
    status: arena.u8(b.status, n).slice(),
    total,
    weights: arena.f64(b.wout, 4 * n).slice(),
  };
}

// ---- Run ----------------------------------------------------------------------------------------

const grid = fig3Grid(resolution);
const n = grid.length / 4;
const small = fig3Grid(16);
const mainBuffers = wasmBuffers(grid);
const smallBuffers = wasmBuffers(small);

// Warm-up: many short calls so that V8 tiers the kernels up to TurboFan before any timing.
for (let i = 0; i < 20; i++) {
  runWasm(raw.sweepSimd, smallBuffers);
  runWasm(raw.sweepScalar, smallBuffers);
  sweepJs(small, new Float64Array(small.length), { steps: new Int32Array(256), status: new Uint8Array(256), total: 0 });
}

if (cSource) compileC(cSource);

const outputs = new Map<string, SweepOutput>();
const simdOut = wasmOutput(mainBuffers, runWasm(raw.sweepSimd, mainBuffers));
outputs.set('WASM SIMD', simdOut);
outputs.set('WASM scalar', wasmOutput(mainBuffers, runWasm(raw.sweepScalar, mainBuffers)));
const jsOut: SweepOutput = { steps: new Int32Array(n), status: new Uint8Array(n), total: 0 };
const jsWeights = new Float64Array(grid.length);
jsOut.total = sweepJs(grid, jsWeights, jsOut);
outputs.set('JavaScript', jsOut);

const names = [...(cSource ? ['C (gcc -O3 -march=native)'] : []), 'WASM SIMD', 'WASM scalar', 'JavaScript'];
const rates = new Map<string, number[]>(names.map((name) => [name, []]));
const ratiosToC = new Map<string, number[]>(names.map((name) => [name, []]));
let cCounts: CResult | undefined;

for (let round = 0; round < rounds; round++) {
  // Short rounds in alternating task order, so that a burst of load from other processes hits
  // one round of every implementation rather than every round of one.
  const bench = new Bench({ name: `fig3 sweep, round ${round + 1}`, time: 200, warmupTime: 50, iterations: 5 });
  const stepsOf = new Map<string, number>();
  const addC = () =>
    bench.add(names[0]!, () => {
      const start = bench.now();
      const result = runC(resolution);
      cCounts = result;
      stepsOf.set(names[0]!, result.steps);
      return { overriddenDuration: result.seconds * 1000, overriddenIterationCost: bench.now() - start };
    });
  const addSimd = () => bench.add('WASM SIMD', () => stepsOf.set('WASM SIMD', runWasm(raw.sweepSimd, mainBuffers)));
  const addOthers = () => {
    bench.add('WASM scalar', () => stepsOf.set('WASM scalar', runWasm(raw.sweepScalar, mainBuffers)));
    bench.add('JavaScript', () => stepsOf.set('JavaScript', sweepJs(grid, jsWeights, jsOut)));
  };
  const order = [...(cSource ? [addC] : []), addSimd, addOthers];
  for (const add of round % 2 ? order.reverse() : order) add();
  await bench.run();
  const roundRate = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (!('latency' in result)) throw new Error(`${task.name}: ${result.state}`);
    roundRate.set(task.name, stepsOf.get(task.name)! / (result.latency.p50 / 1000) / 1e6);
  }
  for (const name of names) {
    rates.get(name)!.push(roundRate.get(name)!);
    if (cSource) ratiosToC.get(name)!.push(roundRate.get(name)! / roundRate.get(names[0]!)!);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

function counts(status: Uint8Array): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (const s of status) c[s as 0 | 1 | 2]++;
  return c;
}

const scalarRate = median(rates.get('WASM scalar')!);
console.log(
  `fig3 sweep: R = ${resolution} (${n} cells), D = 4, η = ${FIG3.eta}, tol = ${FIG3.tol}, |π| bound ${FIG3.divergeAt}, ` +
    `maxSteps = ${FIG3.maxSteps}; ${rounds} rounds, medians; node ${process.version}`,
);
console.table(
  names.map((name) => {
    const out = outputs.get(name);
    const [converged, diverged, maxsteps] = out
      ? counts(out.status)
      : [cCounts!.converged, cCounts!.diverged, cCounts!.maxsteps];
    const rate = median(rates.get(name)!);
    return {
      implementation: name,
      'Msteps/s': Number(rate.toFixed(1)),
      '× C': cSource ? Number(median(ratiosToC.get(name)!).toFixed(3)) : '—',
      '× WASM scalar': Number((rate / scalarRate).toFixed(2)),
      'Σ steps': out ? out.total : cCounts!.steps,
      converged,
      diverged,
      'max steps': maxsteps,
    };
  }),
);

// Agreement: the three in-process implementations share the formula order, so every cell must
// match exactly (JS final weights too). The C baseline associates the products differently and gcc
// contracts its updates into FMAs, so only its status counts are expected to coincide.
const reference = outputs.get('WASM SIMD')!;
let agree = true;
for (const [name, out] of outputs) {
  let differing = 0;
  for (let k = 0; k < n; k++) {
    if (out.steps[k] !== reference.steps[k] || out.status[k] !== reference.status[k]) differing++;
  }
  if (differing) {
    agree = false;
    console.log(`MISMATCH: ${name} differs from WASM SIMD in ${differing} cells`);
  }
}
const weightMismatches = jsWeights.filter((x, i) => !Object.is(x, simdOut.weights[i])).length;
if (weightMismatches) {
  agree = false;
  console.log(`MISMATCH: JavaScript final weights differ from WASM SIMD in ${weightMismatches} entries`);
}
const referenceCounts = counts(reference.status);
console.log(`status counts (converged, diverged, max steps): WASM SIMD ${referenceCounts.join(', ')}`);
if (cCounts) {
  const same =
    cCounts.converged === referenceCounts[0] &&
    cCounts.diverged === referenceCounts[1] &&
    cCounts.maxsteps === referenceCounts[2];
  if (!same) agree = false;
  console.log(
    `status counts, C vs WASM: ${same ? 'identical' : 'DIFFERENT'} (Σ steps: C ${cCounts.steps}, WASM ${reference.total})`,
  );
}
console.log(
  agree
    ? 'all implementations agree on status counts (WASM SIMD, WASM scalar and JS also cell by cell)'
    : 'DISAGREEMENT: see above',
);
if (!agree) process.exitCode = 1;
