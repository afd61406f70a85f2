/**
 * Quick f32-vs-f64 speed check of the network shard kernels (issue 13, f32 mode) on the Fig 6
 * workload: 784 → 200 → 200 → 10 tanh, the first n = 1 000 digits (loadDigits), θ₀ =
 * initialParameters(seed 0), one thread, the whole batch as one shard (start 0, count n).
 * Prints, per precision, the median over REPEATS rounds of gradients/s, HVPs/s and GFLOP/s by the
 * wall clock (the products' flops counted exactly below: a gradient ≈ 879 MFLOP, an HVP ≈ 1.61
 * GFLOP), the same rates per second of this process's CPU time, and the f32/f64 ratios.
 * Run: `node --import tsx bench/mlp32-quick.ts` (REPEATS=k rounds, default 7; ROUND_MS per round,
 * default 1500). The machine may be shared: compare the medians of one run.
 */
import { loadDigits } from '../src/data/digits.js';
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

/**
 * Calls per second of `op` over ~ROUND_MS after one warm-up call, by the wall clock and by this
 * process's CPU time (user + system; less sensitive to other jobs on a shared machine).
 */
function rate(op: () => void): { wall: number; cpu: number } {
  op();
  let calls = 0;
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ROUND_MS) {
    op();
    calls++;
    t = performance.now();
  }
  const u = process.cpuUsage(u0);
  return { wall: (1000 * calls) / (t - t0), cpu: (1e6 * calls) / (u.user + u.system) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

type Samples = { g: number[]; h: number[]; gCpu: number[]; hCpu: number[] };
const samples: Record<'f64' | 'f32', Samples> = {
  f64: { g: [], h: [], gCpu: [], hCpu: [] },
  f32: { g: [], h: [], gCpu: [], hCpu: [] },
};
for (const k of ['f64', 'f32'] as const) {
  engines[k].setParameters(theta);
  engines[k].setDirection(v);
}
for (let r = 0; r < REPEATS; r++) {
  for (const k of ['f64', 'f32'] as const) {
    const e = engines[k];
    const g = rate(() => e.shardGradient(0, N, out));
    const h = rate(() => e.shardHvp(0, N, out));
    samples[k].g.push(g.wall);
    samples[k].gCpu.push(g.cpu);
    samples[k].h.push(h.wall);
    samples[k].hCpu.push(h.cpu);
  }
}
const round = (x: number): number => +x.toFixed(2);
const result: Record<string, Record<string, number>> = {};
for (const k of ['f64', 'f32'] as const) {
  const g = median(samples[k].g);
  const h = median(samples[k].h);
  result[k] = {
    gradientsPerSecond: round(g),
    hvpsPerSecond: round(h),
    gradientGflops: round((g * GRADIENT_FLOPS) / 1e9),
    hvpGflops: round((h * HVP_FLOPS) / 1e9),
    gradientsPerCpuSecond: round(median(samples[k].gCpu)),
    hvpsPerCpuSecond: round(median(samples[k].hCpu)),
  };
}
const f32 = result.f32 as Record<string, number>;
const f64 = result.f64 as Record<string, number>;
const ratio = (key: string): number => round((f32[key] as number) / (f64[key] as number));
result['f32/f64'] = {
  gradientsPerSecond: ratio('gradientsPerSecond'),
  hvpsPerSecond: ratio('hvpsPerSecond'),
  gradientsPerCpuSecond: ratio('gradientsPerCpuSecond'),
  hvpsPerCpuSecond: ratio('hvpsPerCpuSecond'),
};
console.log(`Fig 6 workload, n = ${N}, one thread, one shard; medians of ${REPEATS} rounds of ~${ROUND_MS} ms`);
console.table(result);
