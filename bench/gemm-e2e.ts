/**
 * End-to-end check of the GEMM work (issue 13): full-batch gradients and HVPs per second of the
 * Fig 6 network (784 → 200 → 200 → 10 tanh, n = 1 000 digits) in one thread, with build/release.wasm
 * and, when GEMM_BASELINE_WASM names another build of assembly/ (e.g. the previous commit's), with
 * that one too, alternating rounds so both see the same machine load. Time is CPU time.
 * Run: `node --import tsx bench/gemm-e2e.ts` (GEMM_BASELINE_WASM=/path/release.wasm to compare).
 */
import { readFileSync } from 'node:fs';
import { MlpEngine } from '../src/engines/mlp.js';
import { loadDigits } from '../src/data/digits.js';
import { instantiate } from '../src/wasm/module.js';

const shape = { input: 784, hidden: [200, 200], output: 10, activation: 'tanh' } as const;
const data = loadDigits(1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const builds: { name: string; engine: MlpEngine }[] = [{ name: 'release.wasm', engine: new MlpEngine(shape, data) }];
const baseline = process.env.GEMM_BASELINE_WASM;
if (baseline) {
  const raw = instantiate(new WebAssembly.Module(readFileSync(baseline)));
  builds.unshift({ name: `baseline ${baseline}`, engine: new MlpEngine(shape, data, raw) });
}
const theta = builds[0]?.engine.initialParameters(6) as Float64Array;
const v = theta.map((_, k) => Math.sin(k));

/** Calls per CPU second of `op`, repeated for ≥ 400 ms. */
function rate(op: () => void): number {
  const t = cpuMs();
  let n = 0;
  while (cpuMs() - t < 400) {
    op();
    n++;
  }
  return (1000 * n) / (cpuMs() - t);
}

const samples = builds.map(() => ({ gradient: [] as number[], hvp: [] as number[] }));
for (const { engine } of builds) engine.gradient(theta); // warm up
for (let r = 0; r < ROUNDS; r++) {
  builds.forEach(({ engine }, b) => {
    samples[b]?.gradient.push(rate(() => engine.gradient(theta)));
    samples[b]?.hvp.push(rate(() => engine.hessianVectorProduct(theta, v)));
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
console.table(
  builds.map(({ name }, b) => ({
    build: name,
    'gradients/s (median)': median(samples[b]?.gradient ?? []).toFixed(2),
    'HVPs/s (median)': median(samples[b]?.hvp ?? []).toFixed(2),
  })),
);
