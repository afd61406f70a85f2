/**
 * Quick f32-vs-f64 speed check of the network shard kernels (issue 13, f32 mode) on the Fig 6
 * workload: 784 → 200 → 200 → 10 tanh, the first n = 1 000 digits (loadDigits), θ₀ =
 * initialParameters(seed 0), one thread, the whole batch as one shard (start 0, count n).
 * Prints, per precision, the median over REPEATS rounds of gradients/s, HVPs/s and GFLOP/s
 * (the products' flops counted exactly below: a gradient ≈ 879 MFLOP, an HVP ≈ 1.61 GFLOP), and
 * the f32/f64 ratios.
 * Run: `node --import tsx bench/mlp32-quick.ts` (REPEATS=k rounds, default 7; ROUND_MS per round,
 * default 1500). The machine may be shared: compare the medians of one run.
 */
import { loadDigits } from '../src/experiments/fcnet/data.js';
import { MlpEngine } from '../src/engines/mlp.js';
import { MlpEngine32 } from '../src/engines/mlp32.js';
import type { ShardKernels } from '../src/engines/mlpBatch.js';
import { initialParameters, type MlpShape } from '../src/engines/mlpNetwork.js';

const N = 1000;
const REPEATS = Number(process.env.REPEATS ?? 7);
const ROUND_MS = Number(process.env.ROUND_MS ?? 1500);
const shape: MlpShape = { input: 784, hidden: [200, 200], output: 10, activation: 'tanh' };
const sizes = [784, 200, 200, 10];
const data = loadDigits(N);
const problem = { n: data.n, X: data.X, Y: data.Y };
// Multiply–adds per row: Σ = Σ_l d_{l−1}·d_l over all layers, Σ' over layers l ≥ 2 (layer 1 has no
// E = ΔW and no R{A₀} product). Gradient: Z, ∇W (Σ each) and E (Σ'); HVP: Z (Σ), R{Z} (Σ + Σ'),
// R{∇W} (Σ + Σ'), E (Σ') and R{E} (2Σ'). Two flops per multiply–add.
let all = 0;
let deep = 0;
for (let l = 1; l < sizes.length; l++) {
  const macs = (sizes[l - 1] as number) * (sizes[l] as number);
  all += macs;
  if (l > 1) deep += macs;
}
const GRADIENT_FLOPS = 2 * N * (2 * all + deep); // ≈ 879 MFLOP
const HVP_FLOPS = 2 * N * (3 * all + 5 * deep); // ≈ 1.61 GFLOP

const engines: Record<'f64' | 'f32', ShardKernels> = {
  f64: new MlpEngine(shape, problem),
  f32: new MlpEngine32(shape, problem),
};
const P = engines.f64.parameterCount;
const theta = initialParameters(sizes, P, 0);
const v = Float64Array.from({ length: P }, (_, i) => Math.sin(i + 1));
const out = new Float64Array(P);

/** Calls per second of `op`, timed over ~ROUND_MS after one warm-up call. */
function rate(op: () => void): number {
  op();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ROUND_MS) {
    op();
    calls++;
    t = performance.now();
  }
  return (1000 * calls) / (t - t0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const samples = { f64: { g: [] as number[], h: [] as number[] }, f32: { g: [] as number[], h: [] as number[] } };
for (const k of ['f64', 'f32'] as const) {
  engines[k].setParameters(theta);
  engines[k].setDirection(v);
}
for (let r = 0; r < REPEATS; r++) {
  for (const k of ['f64', 'f32'] as const) {
    const e = engines[k];
    samples[k].g.push(rate(() => e.shardGradient(0, N, out)));
    samples[k].h.push(rate(() => e.shardHvp(0, N, out)));
  }
}
const result: Record<string, Record<string, number>> = {};
for (const k of ['f64', 'f32'] as const) {
  const g = median(samples[k].g);
  const h = median(samples[k].h);
  result[k] = {
    gradientsPerSecond: +g.toFixed(2),
    hvpsPerSecond: +h.toFixed(2),
    gradientGflops: +((g * GRADIENT_FLOPS) / 1e9).toFixed(2),
    hvpGflops: +((h * HVP_FLOPS) / 1e9).toFixed(2),
  };
}
const f32 = result.f32 as Record<string, number>;
const f64 = result.f64 as Record<string, number>;
result.ratio = {
  gradient: +((f32.gradientsPerSecond as number) / (f64.gradientsPerSecond as number)).toFixed(2),
  hvp: +((f32.hvpsPerSecond as number) / (f64.hvpsPerSecond as number)).toFixed(2),
};
console.log(`Fig 6 workload, n = ${N}, one thread, one shard; medians of ${REPEATS} rounds of ~${ROUND_MS} ms`);
console.table(result);
