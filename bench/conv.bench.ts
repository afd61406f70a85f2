/**
 * Convolutional-layer benchmark (issue 14): each layer of assembly/conv/ alone at a realistic small
 * shape (N = 64 images 16×16, 16 and 32 channels, f64, one thread), timed by tinybench:
 *   fwd+bwd   forward then backward (∂x and the parameter gradient);
 *   HVP       R-forward then R-backward (what each Hessian-vector product pays per layer once the
 *             forward and backward passes at θ are kept, as in Lanczos);
 * and the same two for a small ResNet-like network (conv→BN→ReLU→[basic block whose shortcut is the
 * paper's: subsample, BN, zero channels]→GAP→dense) through ConvEngine: a full gradient, and an HVP
 * at a kept θ.
 * Convolutions and dense layers report GFlop/s (2 flops per multiply–add: forward 2·R·K·c_out,
 * backward twice that, R-forward twice, R-backward four times; R = output rows, K = k·k·c_in); the
 * other layers Mentries/s of the larger of their input and output (memory-bound passes).
 *
 * Run: `npm run bench:conv` (table) or `npm run bench:conv -- --json` (one JSON object on stdout).
 * BENCH_SECONDS=s sets the time per row (default 1). Numbers are machine-dependent.
 */
import { Bench } from 'tinybench';
import { Sfc32 } from '../src/base/random.js';
import { ConvEngine, DEFAULT_CHUNK_ROWS } from '../src/engines/conv/engine.js';
import { ConvLayerRunner } from '../src/engines/conv/layer.js';
import { Arena, instantiate } from '../src/wasm/module.js';
import {
  layoutOf,
  sizeOf,
  type ConvLayer,
  type ConvNetSpec,
  type ResolvedLayer,
  type TensorShape,
} from '../src/engines/conv/spec.js';

const json = process.argv.includes('--json');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const N = 64;
const log = (...args: unknown[]): void => (json ? console.error(...args) : console.log(...args));

function fill(a: Float64Array, rng: Sfc32, scale = 1): void {
  for (let i = 0; i < a.length; i++) a[i] = scale * rng.gaussian();
}

function resolvedOf(input: TensorShape, layer: ConvLayer): ResolvedLayer {
  const layers: ConvLayer[] =
    layer.kind === 'add'
      ? [
          { kind: 'activation', input: -1, activation: 'relu' },
          { ...layer, input: 0, other: 0 },
        ]
      : [{ ...layer, input: -1 } as ConvLayer];
  return layoutOf({ input, layers }).layers.at(-1) as ResolvedLayer;
}

/** Multiply–adds of one forward pass of a conv or dense layer over the batch (0 for the others). */
function multiplyAdds(l: ResolvedLayer): number {
  const rows = N * l.out.height * l.out.width;
  if (l.layer.kind === 'conv') return rows * l.layer.kernel * l.layer.kernel * l.in.channels * l.layer.channels;
  if (l.layer.kind === 'dense') return N * sizeOf(l.in) * l.layer.features;
  return 0;
}

const img = (side: number, channels: number): TensorShape => ({ height: side, width: side, channels });
const conv = (channels: number, kernel: number, stride: number): ConvLayer => ({
  kind: 'conv',
  input: -1,
  channels,
  kernel,
  stride,
  padding: (kernel - 1) / 2,
  bias: false,
});

const LAYERS: { name: string; input: TensorShape; layer: ConvLayer }[] = [
  { name: 'conv 3×3 16→16', input: img(16, 16), layer: conv(16, 3, 1) },
  { name: 'conv 3×3 32→32', input: img(16, 32), layer: conv(32, 3, 1) },
  { name: 'conv 3×3 s2 16→32', input: img(16, 16), layer: conv(32, 3, 2) },
  { name: 'conv 1×1 s2 16→32', input: img(16, 16), layer: conv(32, 1, 2) },
  { name: 'batch norm C=16', input: img(16, 16), layer: { kind: 'batchNorm', input: -1, epsilon: 1e-5 } },
  { name: 'batch norm C=32', input: img(16, 32), layer: { kind: 'batchNorm', input: -1, epsilon: 1e-5 } },
  { name: 'relu C=16', input: img(16, 16), layer: { kind: 'activation', input: -1, activation: 'relu' } },
  { name: 'max-pool C=16', input: img(16, 16), layer: { kind: 'maxPool', input: -1 } },
  { name: 'global avg pool C=32', input: img(8, 32), layer: { kind: 'globalAvgPool', input: -1 } },
  { name: 'residual add C=16', input: img(16, 16), layer: { kind: 'add', input: -1, other: -1 } },
  { name: 'subsample s2 C=16', input: img(16, 16), layer: { kind: 'subsample', input: -1, stride: 2 } },
  { name: 'pad channels 16→32', input: img(8, 16), layer: { kind: 'padChannels', input: -1, channels: 32 } },
  { name: 'dense 32→10', input: img(1, 32), layer: { kind: 'dense', input: -1, features: 10, bias: true } },
];

interface Row {
  name: string;
  fwdBwdMs: number;
  hvpMs: number;
  /** GFlop/s (conv, dense) or Mentries/s (the others). */
  fwdBwdRate: number;
  hvpRate: number;
  unit: 'GFlop/s' | 'Mentries/s';
}

function msOf(task: { result?: unknown }): number {
  const r = task.result as { latency?: { mean: number; p50?: number }; period?: number };
  return r.latency?.p50 ?? r.latency?.mean ?? r.period ?? Number.NaN;
}

async function layerRow(name: string, input: TensorShape, layer: ConvLayer): Promise<Row> {
  const resolved = resolvedOf(input, layer);
  const runner = new ConvLayerRunner(resolved, N);
  const rng = new Sfc32(1, 1);
  fill(runner.buffer('x'), rng);
  if (layer.kind === 'add') fill(runner.buffer('other'), rng);
  fill(runner.parameters('p'), rng, 0.2);
  fill(runner.parameters('rp'), rng, 0.2);
  fill(runner.buffer('rx'), rng);
  fill(runner.buffer('g'), rng);
  fill(runner.buffer('rg'), rng);
  runner.forward();
  runner.backward();
  const bench = new Bench({ name, time: SECONDS * 1000, warmupTime: 200, warmupIterations: 2 });
  bench.add('fwdBwd', () => {
    runner.forward();
    runner.backward();
  });
  bench.add('hvp', () => {
    runner.rForward();
    runner.rBackward();
  });
  await bench.run();
  const [fwdBwdMs, hvpMs] = bench.tasks.map(msOf) as [number, number];
  const madds = multiplyAdds(resolved);
  if (madds > 0) {
    return {
      name,
      fwdBwdMs,
      hvpMs,
      fwdBwdRate: (6 * madds) / fwdBwdMs / 1e6,
      hvpRate: (12 * madds) / hvpMs / 1e6,
      unit: 'GFlop/s',
    };
  }
  const entries = N * Math.max(sizeOf(resolved.in), sizeOf(resolved.out));
  return {
    name,
    fwdBwdMs,
    hvpMs,
    fwdBwdRate: entries / fwdBwdMs / 1e3,
    hvpRate: entries / hvpMs / 1e3,
    unit: 'Mentries/s',
  };
}

/**
 * conv→BN→ReLU, a basic block 16→32 with the paper's ResNet20 shortcut (subsample by 2, batch norm,
 * zero channels), GAP, dense: 16×16×16 → 10.
 */
function resnetLike(): ConvNetSpec {
  const layers: ConvLayer[] = [
    { ...conv(16, 3, 1), input: -1 },
    { kind: 'batchNorm', input: 0, epsilon: 1e-5 },
    { kind: 'activation', input: 1, activation: 'relu' },
    { ...conv(32, 3, 2), input: 2 },
    { kind: 'batchNorm', input: 3, epsilon: 1e-5 },
    { kind: 'activation', input: 4, activation: 'relu' },
    { ...conv(32, 3, 1), input: 5 },
    { kind: 'batchNorm', input: 6, epsilon: 1e-5 },
    { kind: 'subsample', input: 2, stride: 2 },
    { kind: 'batchNorm', input: 8, epsilon: 1e-5 },
    { kind: 'padChannels', input: 9, channels: 32 },
    { kind: 'add', input: 7, other: 10 },
    { kind: 'activation', input: 11, activation: 'relu' },
    { kind: 'globalAvgPool', input: 12 },
    { kind: 'dense', input: 13, features: 10, bias: true },
  ];
  return { input: img(16, 16), layers };
}

async function networkRow(): Promise<Row & { parameterCount: number }> {
  const spec = resnetLike();
  const layout = layoutOf(spec);
  const rng = new Sfc32(2, 1);
  const X = new Float64Array(N * layout.inputSize);
  fill(X, rng);
  const Y = new Float64Array(N * 10);
  for (let i = 0; i < N; i++) Y[i * 10 + (i % 10)] = 1;
  const engine = new ConvEngine(spec, { n: N, X, Y });
  const theta = engine.initialParameters(0);
  const v = engine.initialParameters(1);
  const thetas = [theta, theta.map((x) => 1.0001 * x)];
  let flip = 0;
  let sink = 0;
  const bench = new Bench({ name: 'network', time: SECONDS * 1000, warmupTime: 200, warmupIterations: 2 });
  bench.add('gradient', () => void (sink += engine.gradient(thetas[++flip % 2] as Float64Array).loss));
  bench.add('hvp', () => void (sink += engine.hessianVectorProduct(theta, v)[0] as number));
  await bench.run();
  if (sink === 0.123) log(sink);
  const [fwdBwdMs, hvpMs] = bench.tasks.map(msOf) as [number, number];
  // A layer reading the network input has no ∂x and R{x} = 0: forward + ∂W (2 products), and in
  // the HVP Col(X)Vᵀ + R{∂W} = R{∂Y}ᵀCol(X) (2 products); every other one 3 and 6.
  const products = (l: ResolvedLayer, first: number, other: number): number =>
    multiplyAdds(l) * (l.layer.input === -1 ? first : other);
  const fwdBwdMadds = layout.layers.reduce((s, l) => s + products(l, 2, 3), 0);
  const hvpMadds = layout.layers.reduce((s, l) => s + products(l, 2, 6), 0);
  const name = `ResNet-like net (P = ${layout.parameterCount})`;
  return {
    name,
    fwdBwdMs,
    hvpMs,
    fwdBwdRate: (2 * fwdBwdMadds) / fwdBwdMs / 1e6,
    hvpRate: (2 * hvpMadds) / hvpMs / 1e6,
    unit: 'GFlop/s',
    parameterCount: layout.parameterCount,
  };
}

/**
 * The cost of im2col: a 3×3 stride-1 forward pass (patches built chunk by chunk, then gemmNT)
 * against gemmNT alone on chunks of patches already in cache (streaming a prebuilt patch matrix
 * from memory would cost more than building it: im2col reads each input value once for its 9 copies).
 */
async function im2colShare(cin: number, cout: number): Promise<{ name: string; convMs: number; gemmMs: number }> {
  const raw = instantiate();
  const arena = new Arena(raw);
  const rows = N * 16 * 16;
  const K = 9 * cin;
  const f = (count: number): number => arena.alloc(8 * count);
  const x = f(rows * cin);
  const w = f(cout * K);
  const y = f(rows * cout);
  const col = f(rows * K);
  const rng = new Sfc32(3, 1);
  fill(arena.f64(x, rows * cin), rng);
  fill(arena.f64(w, cout * K), rng);
  // the whole patch matrix, once: a forward pass with one chunk of every row
  raw.conv2dForward(N, 16, 16, cin, cout, 3, 1, 1, x, w, 0, y, col, rows);
  const chunkRows = DEFAULT_CHUNK_ROWS;
  const bench = new Bench({ name: 'im2col', time: SECONDS * 1000, warmupTime: 200, warmupIterations: 2 });
  bench.add('conv', () => raw.conv2dForward(N, 16, 16, cin, cout, 3, 1, 1, x, w, 0, y, col, chunkRows));
  // every chunk's product from the first chunk of patches, which stays in cache: the GEMM's own cost
  bench.add('gemm', () => {
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      raw.mlpGemmNT(col, w, y + 8 * r0 * cout, Math.min(chunkRows, rows - r0), cout, K);
    }
  });
  await bench.run();
  const [convMs, gemmMs] = bench.tasks.map(msOf) as [number, number];
  return { name: `conv 3×3 ${cin}→${cout} forward`, convMs, gemmMs };
}

const rows: Row[] = [];
for (const { name, input, layer } of LAYERS) {
  const row = await layerRow(name, input, layer);
  rows.push(row);
  log(
    `${name.padEnd(24)} fwd+bwd ${row.fwdBwdMs.toFixed(3).padStart(8)} ms ${row.fwdBwdRate.toFixed(2).padStart(8)} ${row.unit}` +
      `   HVP ${row.hvpMs.toFixed(3).padStart(8)} ms ${row.hvpRate.toFixed(2).padStart(8)} ${row.unit}`,
  );
}
const net = await networkRow();
rows.push(net);
log(
  `${net.name.padEnd(24)} gradient ${net.fwdBwdMs.toFixed(2)} ms (${net.fwdBwdRate.toFixed(2)} GFlop/s of conv/dense work)` +
    `   HVP at a kept θ ${net.hvpMs.toFixed(2)} ms (${net.hvpRate.toFixed(2)} GFlop/s)`,
);
const im2col = [];
for (const [cin, cout] of [
  [16, 16],
  [32, 32],
] as const) {
  const r = await im2colShare(cin, cout);
  im2col.push(r);
  log(
    `${r.name}: im2col + GEMM ${r.convMs.toFixed(2)} ms, the GEMM alone ${r.gemmMs.toFixed(2)} ms ` +
      `(im2col ${((100 * (r.convMs - r.gemmMs)) / r.convMs).toFixed(0)} %)`,
  );
}
if (json) console.log(JSON.stringify({ n: N, seconds: SECONDS, rows, im2col }, null, 2));
