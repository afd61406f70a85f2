/**
 * MLP benchmark (issue 6): full-batch gradient, Hessian-vector product and GD step of the model.md §5
 * network 784 → 200 → 200 → 10 (tanh) on the first n = 1 000 digits of `loadDigits`, in plain
 * JavaScript (`test/helpers/mlp-reference.ts`) and in the WASM engine, side by side in one run; then the
 * WASM-only pieces of the GFS sharpness: one RK4 flow step (4 gradients) and S by Lanczos
 * (cold and warm-started, tolerance 1e-4).
 * Run: `node --import tsx bench/mlp.bench.ts` (BENCH_ITERATIONS=k for more samples per row).
 * Numbers are machine-dependent; compare rows of one run.
 */
import { Bench } from 'tinybench';
import { loadDigits } from '../src/experiments/fcnet/data.js';
import { MlpEngine } from '../src/engines/mlp.js';
import {
  type MlpShape,
  mlpLayers,
  mlpParameterCount,
  referenceGdStep,
  referenceGradient,
  referenceHessianVectorProduct,
} from '../test/helpers/mlp-reference.js';
import { rng } from '../test/helpers/reference.js';

const N = 1000;
const ETA = 0.01;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3);
const shape: MlpShape = { input: 784, hidden: [200, 200], output: 10, activation: 'tanh' };
const data = loadDigits(N);
const P = mlpParameterCount(shape);

// Seeded θ₀ (uniform in ±1/√fan-in, mulberry32) and a direction v, the same for every engine.
const random = rng(6);
const theta = new Float64Array(P);
for (const { rows, cols, weights } of mlpLayers(shape)) {
  const bound = 1 / Math.sqrt(cols);
  for (let k = weights; k < weights + rows * (cols + 1); k++) theta[k] = bound * (2 * random() - 1);
}
const v = Float64Array.from({ length: P }, () => 2 * random() - 1);

/** One engine's three operations; a WASM engine row is an adapter to the same interface. */
interface Contender {
  readonly name: string;
  gradient(theta: Float64Array): { loss: number; gradient: Float64Array };
  hvp(theta: Float64Array, v: Float64Array): Float64Array;
  gdStep(theta: Float64Array, eta: number): Float64Array;
}

const contenders: Contender[] = [
  {
    name: 'JS',
    gradient: (t) => referenceGradient(shape, data, t),
    hvp: (t, u) => referenceHessianVectorProduct(shape, data, t, u),
    gdStep: (t, eta) => referenceGdStep(shape, data, t, eta).theta,
  },
];

const engine = new MlpEngine(shape, data);
contenders.push({
  name: 'WASM',
  gradient: (t) => engine.gradient(t),
  hvp: (t, u) => engine.hessianVectorProduct(t, u),
  gdStep: (t, eta) => engine.gdStep(t, eta),
});

// Agreement of the contenders with the JS reference (so a fast row is also a right row).
const reference = contenders[0] as Contender;
const refGradient = reference.gradient(theta);
const refHvp = reference.hvp(theta, v);
const maxRel = (a: Float64Array, b: Float64Array): number => {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs((a[k] as number) - (b[k] as number)));
    scale = Math.max(scale, Math.abs(b[k] as number));
  }
  return diff / scale;
};
for (const c of contenders.slice(1)) {
  const g = c.gradient(theta);
  console.log(
    `${c.name} vs JS: |Δloss| = ${Math.abs(g.loss - refGradient.loss).toExponential(2)}, ` +
      `gradient rel. max diff = ${maxRel(g.gradient, refGradient.gradient).toExponential(2)}, ` +
      `HVP rel. max diff = ${maxRel(c.hvp(theta, v), refHvp).toExponential(2)}`,
  );
}

let sink = 0;
const bench = new Bench({
  name: 'eoslab MLP',
  iterations: ITERATIONS,
  time: 1,
  warmupIterations: 1,
  warmupTime: 1,
});
const ops = [
  { op: 'gradient', unit: 'gradients/s', run: (c: Contender) => (sink += c.gradient(theta).loss) },
  { op: 'HVP', unit: 'HVPs/s', run: (c: Contender) => (sink += c.hvp(theta, v)[0] as number) },
  { op: 'GD step', unit: 'GD steps/s', run: (c: Contender) => (sink += c.gdStep(theta, ETA)[0] as number) },
] as const;
for (const { op, run } of ops) {
  for (const c of contenders) bench.add(`${op} ${c.name}`, () => void run(c));
}
const warm = engine.sharpness(theta, { tol: 1e-4 });
const flowOps = [
  { op: 'RK4 step (h = 1/S)', unit: 'RK4 steps/s', run: () => (sink += engine.rk4Step(theta, 1 / warm.value).loss) },
  { op: 'S, Lanczos cold', unit: 'estimates/s', run: () => (sink += engine.sharpness(theta, { tol: 1e-4 }).value) },
  {
    op: 'S, Lanczos warm',
    unit: 'estimates/s',
    run: () => (sink += engine.sharpness(theta, { tol: 1e-4, start: warm.vector }).value),
  },
] as const;
for (const { op, run } of flowOps) bench.add(`${op} WASM`, () => void run());

console.log(`784 → 200 → 200 → 10 (${shape.activation}), n = ${N}, ${P} parameters, ${ITERATIONS} timed calls per row`);
await bench.run();

const msPerCall = new Map<string, number>();
for (const task of bench.tasks) {
  const r = task.result as { latency?: { mean: number }; period?: number };
  msPerCall.set(task.name, r.period ?? r.latency?.mean ?? Number.NaN);
}
const rows = ops.flatMap(({ op, unit }) =>
  contenders.map((c) => {
    const ms = msPerCall.get(`${op} ${c.name}`) ?? Number.NaN;
    const js = msPerCall.get(`${op} JS`) ?? Number.NaN;
    return {
      operation: op,
      engine: c.name,
      'ms/call': ms.toFixed(1),
      rate: `${(1e3 / ms).toFixed(3)} ${unit}`,
      'vs JS': c.name === 'JS' ? '1.00×' : `${(js / ms).toFixed(2)}×`,
    };
  }),
);
const flowRows = flowOps.map(({ op, unit }) => {
  const ms = msPerCall.get(`${op} WASM`) ?? Number.NaN;
  return {
    operation: op,
    engine: 'WASM',
    'ms/call': ms.toFixed(1),
    rate: `${(1e3 / ms).toFixed(3)} ${unit}`,
    'vs JS': '',
  };
});
console.table([...rows, ...flowRows]);
console.log(
  `Lanczos at θ₀: ${warm.iterations} HVPs cold; warm start ${engine.sharpness(theta, { tol: 1e-4, start: warm.vector }).iterations} HVPs (S = ${warm.value.toFixed(4)})`,
);
if (sink === 0.12345) console.log(sink);
