/**
 * Kernel benchmarks (tinybench): GFS evaluations per second, sharpness evaluations per second
 * (secular fast path vs Jacobi), and GD steps per second for one recorded trajectory.
 * Run: `npm run bench`. Numbers are machine-dependent; compare rows of one run.
 */
import { Bench } from 'tinybench';
import { ScalarEngine } from '../src/engines/scalar.js';

const engine = new ScalarEngine();
const k = engine.kernels;
const arena = engine.arena;

/** N points of depth D near the (φ₀, p₀) family, laid out contiguously in WASM memory. */
function pointsInMemory(D: number, N: number): number {
  const ptr = arena.alloc(D * N * 8);
  const view = arena.f64(ptr, D * N);
  const c = Float64Array.from({ length: D }, (_, i) =>
    i < Math.ceil(D / 2) ? 1 : -Math.ceil(D / 2) / (D - Math.ceil(D / 2)),
  );
  for (let n = 0; n < N; n++) {
    const w = engine.initFromGfsSharpness(c, D + ((n * 7919) % 1000) / 40, 0.2 + ((n * 104729) % 1000) / 250);
    view.set(w, n * D);
  }
  return ptr;
}

const N = 1000;
const batches = [4, 16, 64].map((D) => ({ D, ptr: pointsInMemory(D, N) }));
let sink = 0;

const bench = new Bench({ name: 'eoslab kernels', time: 800, warmupTime: 200 });
for (const { D, ptr } of batches) {
  bench.add(`gfsSharpness D=${D} ×${N}`, () => {
    for (let n = 0; n < N; n++) sink += k.gfsSharpness(ptr + n * D * 8, D);
  });
  bench.add(`sharpness (secular) D=${D} ×${N}`, () => {
    for (let n = 0; n < N; n++) sink += k.sharpness(ptr + n * D * 8, D);
  });
  if (D <= 16) {
    bench.add(`sharpness (Jacobi) D=${D} ×${N}`, () => {
      for (let n = 0; n < N; n++) sink += k.sharpnessJacobi(ptr + n * D * 8, D);
    });
  }
}
const w0 = engine.initFromGfsSharpness([1, 1, -1, -1], 26, 1.5);
const TRAJECTORY_STEPS = 20_000;
bench.add(`trajectory fig2 init, ${TRAJECTORY_STEPS} steps (records L, S, φ, π)`, () => {
  sink += engine.trajectory(w0, 0.1, TRAJECTORY_STEPS, 0, 1e6).rows;
});
const wPtr = arena.alloc(4 * 8);
bench.add(`gdStep D=4 ×${N} (raw kernel call per step)`, () => {
  arena.f64(wPtr, 4).set(w0);
  for (let n = 0; n < N; n++) sink += k.gdStep(wPtr, 4, 0.1, wPtr);
});

await bench.run();

const perCall: Record<string, number> = {};
const rows = bench.tasks.map((task) => {
  const r = task.result as { state: string; latency?: { mean: number }; period?: number };
  const ms = r.period ?? Number.NaN;
  const items = task.name.includes('trajectory') ? TRAJECTORY_STEPS : N;
  const unit = task.name.includes('trajectory') || task.name.startsWith('gdStep') ? 'steps/s' : 'evals/s';
  perCall[task.name] = ms;
  return {
    task: task.name,
    'ms/call': ms.toFixed(3),
    rate: `${(((items / ms) * 1e3) / 1e6).toFixed(3)} M${unit}`,
  };
});
console.table(rows);
const ratio = (a: string, b: string): string => ((perCall[b] as number) / (perCall[a] as number)).toFixed(2);
console.log(
  `secular vs Jacobi speed-up, D=4: ${ratio(`sharpness (secular) D=4 ×${N}`, `sharpness (Jacobi) D=4 ×${N}`)}×`,
);
console.log(
  `secular vs Jacobi speed-up, D=16: ${ratio(`sharpness (secular) D=16 ×${N}`, `sharpness (Jacobi) D=16 ×${N}`)}×`,
);
if (sink === 0.12345) console.log(sink);
