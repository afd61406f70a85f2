/**
 * GEMM benchmark (issue 13): the three dense f64 products of assembly/mlp/gemm.ts on the Fig 6
 * network's shapes (784 → 200 → 200 → 10, shards of m = 125 rows and the full batch m = 1000),
 * the shipped kernels against the previous ones (assembly/bench/gemmReference.ts), in GFLOP/s and
 * in % of a roofline measured in the same run: `peakMulAdd13`, 13 independent f64x2 mul-then-add
 * chains (the most V8 keeps in registers), ≈ 2 mul + 2 add per cycle on Zen 4.
 * With relaxed SIMD available (Node ≥ 22, or Node 20 with --experimental-wasm-relaxed-simd) the
 * relaxed-SIMD build of the same kernels (f64x2.relaxed_madd) and its FMA roofline are added.
 *
 * Run: `npm run bench:gemm` (builds build/gemm-bench*.wasm, then this script). Time is CPU time of
 * this process (process.cpuUsage), so a shared machine slows the numbers less than wall time.
 * Numbers are machine-dependent; compare rows of one run.
 */
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';

interface GemmBench {
  memory: WebAssembly.Memory;
  benchHeapBase(): number;
  peakMulAdd13(iters: number, x: number): number;
  peakFma13(iters: number, x: number): number;
  [kernel: string]: unknown;
}
type Gemm = (A: number, B: number, C: number, p: number, q: number, r: number) => void;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function load(file: string): GemmBench | undefined {
  const bytes = readFileSync(new URL(`../build/${file}`, import.meta.url));
  if (!WebAssembly.validate(bytes)) return undefined;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      abort(): never {
        throw new Error(`${file} aborted`);
      },
    },
  });
  return instance.exports as unknown as GemmBench;
}

/** Median GFLOP/s of a peak kernel (52 flops per iteration) over 15 CPU-timed calls. */
function roofline(peak: (iters: number, x: number) => number): number {
  const iters = 2_000_000;
  for (let c = 0; c < 30; c++) peak(100_000, 0.5);
  const rates: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t = cpuMs();
    peak(iters, 0.5);
    rates.push((52 * iters) / (cpuMs() - t) / 1e6);
  }
  return rates.sort((a, b) => a - b)[7] as number;
}

/** A product, its arguments in kernel order and the sizes of its operands (doubles). */
interface Shape {
  readonly kernel: 'NT' | 'NN' | 'TN';
  readonly label: string;
  readonly args: readonly [number, number, number];
  readonly sizes: readonly [number, number, number];
  readonly flops: number;
}

const shapes: Shape[] = [];
for (const m of [125, 1000]) {
  for (const [N, K] of [
    [200, 784],
    [200, 200],
    [10, 200],
  ] as const) {
    shapes.push({
      kernel: 'NT',
      label: `NT (m,N,K)=(${m},${N},${K})`,
      args: [m, N, K],
      sizes: [m * K, N * K, m * N],
      flops: 2 * m * N * K,
    });
  }
  for (const [N, J] of [
    [200, 200],
    [200, 10],
  ] as const) {
    shapes.push({
      kernel: 'NN',
      label: `NN (m,N,J)=(${m},${N},${J})`,
      args: [m, N, J],
      sizes: [m * J, J * N, m * N],
      flops: 2 * m * N * J,
    });
  }
  for (const [J, N] of [
    [200, 784],
    [200, 200],
    [10, 200],
  ] as const) {
    shapes.push({
      kernel: 'TN',
      label: `TN (J,N,m)=(${J},${N},${m})`,
      args: [m, J, N],
      sizes: [m * J, m * N, J * N],
      flops: 2 * m * N * J,
    });
  }
}

/** Operands of every shape in one module's memory (deterministic values in [-1, 1]). */
function operands(wasm: GemmBench): number[][] {
  let top = wasm.benchHeapBase();
  const alloc = (doubles: number): number => {
    const ptr = top;
    top += (doubles * 8 + 63) & ~63;
    const needed = top - wasm.memory.buffer.byteLength;
    if (needed > 0) wasm.memory.grow(Math.ceil(needed / 65536));
    return ptr;
  };
  const ptrs = shapes.map((s) => s.sizes.map(alloc));
  shapes.forEach((s, i) => {
    s.sizes.forEach((n, j) => {
      const view = new Float64Array(wasm.memory.buffer, ptrs[i]?.[j], n);
      for (let k = 0; k < n; k++) view[k] = Math.sin(1 + k * (j + 1));
    });
  });
  return ptrs;
}

const plain = load('gemm-bench.wasm');
if (!plain) throw new Error('build/gemm-bench.wasm does not validate: run `npm run bench:gemm`');
const relaxed = load('gemm-bench-relaxed.wasm');

const peak = roofline(plain.peakMulAdd13);
const peakFma = relaxed ? roofline(relaxed.peakFma13) : undefined;

const contenders: { name: string; wasm: GemmBench; suffix: string }[] = [
  { name: 'old', wasm: plain, suffix: 'Reference' },
  { name: 'new', wasm: plain, suffix: '' },
];
if (relaxed) contenders.push({ name: 'new+fma', wasm: relaxed, suffix: '' });

const bench = new Bench({ name: 'gemm', time: Number(process.env.BENCH_TIME ?? 300), warmupTime: 100, now: cpuMs });
const ptrsOf = new Map(contenders.map((c) => [c.wasm, operands(c.wasm)]));
shapes.forEach((s, i) => {
  for (const c of contenders) {
    const [A, B, C] = ptrsOf.get(c.wasm)?.[i] as [number, number, number];
    const gemm = c.wasm[`gemm${s.kernel}${c.suffix}`] as Gemm;
    const [p, q, r] = s.args;
    bench.add(`${s.label} ${c.name}`, () => gemm(A, B, C, p, q, r));
  }
});
await bench.run();

const gflops = (task: string, flops: number): number => {
  const r = bench.getTask(task)?.result as { latency?: { mean: number } } | undefined;
  return r?.latency ? flops / r.latency.mean / 1e6 : NaN;
};
console.log(
  `roofline (peakMulAdd13, median of 15): ${peak.toFixed(1)} GFLOP/s` +
    (peakFma ? `; relaxed-SIMD FMA roofline (peakFma13): ${peakFma.toFixed(1)} GFLOP/s` : '') +
    '; time = CPU time',
);
console.table(
  shapes.map((s) => {
    const old = gflops(`${s.label} old`, s.flops);
    const now = gflops(`${s.label} new`, s.flops);
    const row: Record<string, string> = {
      shape: s.label,
      'old GFLOP/s': old.toFixed(2),
      'new GFLOP/s': now.toFixed(2),
      'new/old': (now / old).toFixed(2),
      'old % roofline': ((100 * old) / peak).toFixed(0),
      'new % roofline': ((100 * now) / peak).toFixed(0),
    };
    if (relaxed) row['new+fma GFLOP/s'] = gflops(`${s.label} new+fma`, s.flops).toFixed(2);
    return row;
  }),
);
if (!relaxed) {
  console.log(
    'relaxed SIMD unavailable here: `node --experimental-wasm-relaxed-simd --import tsx bench/gemm.bench.ts` adds it',
  );
}
