/**
 * Network engine benchmark (issue 13): the Fig 6 workload — 784 → 200 → 200 → 10 (tanh) on the first
 * n = 1 000 digits of `loadDigits` — through the solver every experiment uses (createMlpSolver:
 * fixed batch shards on a team of pool workers, sums in float64), per precision (f64, f32) and
 * worker count (1, 2): full-batch gradients/s, HVPs/s, GD steps/s and RK4 steps/s (4 gradients
 * each). In the same run, when Python's PyTorch is installed, the same four rates for PyTorch on
 * the CPU (bench/torch_anchor.py, float64 and float32, 1 and 2 threads, OPENBLAS_CORETYPE unset)
 * and the ratios eoslab / best PyTorch. Also the transport cost per operation: shared memory (what
 * the team uses) against transferring θ and the partial results in messages.
 *
 * Run: `npm run bench:mlp` (tables) or `npm run bench:mlp -- --json` (one JSON object on stdout).
 * BENCH_SECONDS=s sets the time per row (default 2). Numbers are machine-dependent: compare rows of
 * one run, quote ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Bench } from 'tinybench';
import { loadDigits } from '../src/data/digits.js';
import { MlpEngine, type MlpShape } from '../src/engines/mlp.js';
import { buildShardKernels, type MlpProblem, type Precision } from '../src/engines/mlpBatch.js';
import { createMlpSolver } from '../src/pool/mlpTeam.js';
import { referenceGradient } from '../test/helpers/mlp-reference.js';

const json = process.argv.includes('--json');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const N = 1000;
const WORKERS = [1, 2] as const;
/**
 * hvpsPerSecond: products at one θ with a new v each (what Lanczos does: the forward pass at θ is
 * reused); hvpsPerSecondNewTheta: every product at a θ it has not seen (forward pass included).
 */
const METRICS = [
  'gradientsPerSecond',
  'hvpsPerSecond',
  'hvpsPerSecondNewTheta',
  'gdStepsPerSecond',
  'rk4StepsPerSecond',
] as const;
type Metric = (typeof METRICS)[number];
type Rates = Record<Metric, number>;

const log = (...args: unknown[]): void => (json ? console.error(...args) : console.log(...args));

const shape: MlpShape = { input: 784, hidden: [200, 200], output: 10, activation: 'tanh' };
const data = loadDigits(N);
const problem: MlpProblem = { shape, data };
const engine = new MlpEngine(shape, data);
const P = engine.parameterCount;
const theta = engine.initialParameters(0);
const direction = engine.initialParameters(1);
/** Multiply–adds of one forward pass, ×2 flops, ×3 for forward + two backward products. */
const gradientFlops = 2 * 3 * N * (784 * 200 + 200 * 200 + 200 * 10);

const precisions: Precision[] = ['f64', 'f32'].filter((p) => {
  try {
    buildShardKernels(
      { shape: { ...shape, input: 2, hidden: [2] }, data: { n: 1, X: new Float64Array(2), Y: new Float64Array(10) } },
      p as Precision,
    );
    return true;
  } catch {
    log(`precision ${p}: not available in this build, skipped`);
    return false;
  }
}) as Precision[];

/** Rates of the four operations for one solver configuration. */
async function measure(precision: Precision, workers: number): Promise<Rates & { gradientRelativeError: number }> {
  const solver = createMlpSolver(problem, { workers, precision });
  try {
    // Agreement with the plain-JS float64 reference (a fast row must also be a right row).
    const ours = (await solver.gradient(theta)).gradient;
    const ref = referenceGradient(shape, data, theta).gradient;
    let diff = 0;
    let scale = 0;
    for (let k = 0; k < P; k++) {
      diff = Math.max(diff, Math.abs((ours[k] as number) - (ref[k] as number)));
      scale = Math.max(scale, Math.abs(ref[k] as number));
    }
    const h = 1 / (await solver.sharpness(theta, { tol: 1e-2 })).value;
    const bench = new Bench({
      name: `${precision} ${workers}`,
      time: SECONDS * 1000,
      warmupTime: 300,
      warmupIterations: 2,
    });
    let sink = 0;
    // The batch operations GD, RK4 and Lanczos are built on (results into preallocated vectors).
    const batch = solver.batch;
    const out = new Float64Array(P);
    const thetas = [theta, theta.map((x) => 1.0001 * x)];
    let flip = 0;
    const GD_STEPS = 10; // GD steps per timed call (per-step rate reported)
    bench.add('gradientsPerSecond', async () => void (sink += await batch.gradient(theta, out)));
    bench.add('hvpsPerSecond', async () => {
      await batch.hvp(theta, direction, out);
      sink += out[0] as number;
    });
    bench.add('hvpsPerSecondNewTheta', async () => {
      await batch.hvp(thetas[++flip % 2] as Float64Array, direction, out);
      sink += out[0] as number;
    });
    bench.add('gdStepsPerSecond', async () => {
      sink += (await solver.gradientDescent(theta, 1e-3, GD_STEPS)).losses[0] as number;
    });
    bench.add('rk4StepsPerSecond', async () => void (sink += (await solver.rk4Step(theta, h)).loss));
    await bench.run();
    const rates = {} as Rates;
    for (const task of bench.tasks) {
      const r = task.result as { latency?: { mean: number; p50?: number }; period?: number };
      const ms = r.latency?.p50 ?? r.latency?.mean ?? r.period ?? Number.NaN;
      rates[task.name as Metric] = (task.name === 'gdStepsPerSecond' ? GD_STEPS : 1) * (1000 / ms);
    }
    if (sink === 0.123) log(sink);
    return { ...rates, gradientRelativeError: diff / scale };
  } finally {
    await solver.close();
  }
}

/** PyTorch's rates from bench/torch_anchor.py, or null when Python or PyTorch is missing. */
function torchRates(): { version: string; results: (Rates & { precision: Precision; threads: number })[] } | null {
  // PYTHON, else the first of python3 and Debian's /usr/bin/python3 (python3-torch) that has torch
  const candidates = process.env.PYTHON !== undefined ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  const python = candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (python === undefined) {
    log(`PyTorch not found (${candidates.join(', ')}: import torch failed): no anchor in this run`);
    return null;
  }
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // let OpenBLAS choose its best kernels for this CPU
  delete env.OPENBLAS_L2_SIZE;
  const out = execFileSync(
    python,
    [join(import.meta.dirname, 'torch_anchor.py'), '1', '2', '--seconds', String(SECONDS)],
    {
      env,
      encoding: 'utf8',
    },
  );
  const parsed = JSON.parse(out) as { torch: string; results: (Rates & { precision: Precision; threads: number })[] };
  return { version: parsed.torch, results: parsed.results };
}

/**
 * Cost of moving one operation's data between threads, without the computation: θ in (P doubles)
 * and 8 partial vectors out, by shared memory (the team: a copy each way, Atomics to signal) or by
 * messages (postMessage with the buffers transferred, fresh arrays every time as a message-based
 * team would need). Milliseconds per operation.
 */
async function transportCost(): Promise<{ sharedMs: number; transferMs: number }> {
  const shards = 8;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { P, shards, control, theta, partials } = workerData;
    if (control) {
      const c = new Int32Array(control), t = new Float64Array(theta), out = new Float64Array(partials);
      const local = new Float64Array(P);
      let seen = 0;
      for (;;) {
        Atomics.wait(c, 0, seen); seen = Atomics.load(c, 0);
        if (Atomics.load(c, 1) === 1) break;
        local.set(t);
        for (let s = 0; s < shards; s++) out.set(local, s * P);
        Atomics.store(c, 2, 1); Atomics.notify(c, 2);
      }
    } else {
      parentPort.on('message', (t) => {
        const parts = [];
        for (let s = 0; s < shards; s++) { const p = new Float64Array(P); p.set(t); parts.push(p); }
        parentPort.postMessage(parts, parts.map((p) => p.buffer));
      });
    }`;
  const rounds = 40;
  const sum = (parts: Float64Array[], out: Float64Array): void => {
    out.set(parts[0] as Float64Array);
    for (let s = 1; s < parts.length; s++) {
      const p = parts[s] as Float64Array;
      for (let i = 0; i < P; i++) out[i] = (out[i] as number) + (p[i] as number);
    }
  };
  const result = new Float64Array(P);
  // shared memory
  const control = new SharedArrayBuffer(12);
  const thetaShared = new SharedArrayBuffer(8 * P);
  const partials = new SharedArrayBuffer(8 * P * shards);
  const c = new Int32Array(control);
  const sharedWorker = new Worker(code, {
    eval: true,
    workerData: { P, shards, control, theta: thetaShared, partials },
  });
  const views = Array.from({ length: shards }, (_, s) => new Float64Array(partials, 8 * P * s, P));
  const sharedRound = async (): Promise<void> => {
    new Float64Array(thetaShared).set(theta);
    Atomics.store(c, 2, 0);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    const w = (
      Atomics as unknown as {
        waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
      }
    ).waitAsync(c, 2, 0);
    if (w.async) await w.value;
    sum(views, result);
  };
  for (let i = 0; i < 5; i++) await sharedRound();
  let t = performance.now();
  for (let i = 0; i < rounds; i++) await sharedRound();
  const sharedMs = (performance.now() - t) / rounds;
  Atomics.store(c, 1, 1);
  Atomics.add(c, 0, 1);
  Atomics.notify(c, 0);
  await sharedWorker.terminate();
  // messages with transfer
  const messageWorker = new Worker(code, { eval: true, workerData: { P, shards } });
  const messageRound = (): Promise<void> =>
    new Promise((resolve) => {
      messageWorker.once('message', (parts: Float64Array[]) => {
        sum(parts, result);
        resolve();
      });
      const copy = Float64Array.from(theta);
      messageWorker.postMessage(copy, [copy.buffer]);
    });
  for (let i = 0; i < 5; i++) await messageRound();
  t = performance.now();
  for (let i = 0; i < rounds; i++) await messageRound();
  const transferMs = (performance.now() - t) / rounds;
  await messageWorker.terminate();
  return { sharedMs, transferMs };
}

const cpu = cpus()[0]?.model ?? 'unknown';
log(`784 → 200 → 200 → 10 (tanh), n = ${N}, P = ${P}; ${cpus().length} cores (${cpu}); Node ${process.version}`);
const eoslab: (Rates & { precision: Precision; workers: number; gradientRelativeError: number; gflops: number })[] = [];
for (const precision of precisions) {
  for (const workers of WORKERS) {
    const r = await measure(precision, workers);
    eoslab.push({ precision, workers, ...r, gflops: (r.gradientsPerSecond * gradientFlops) / 1e9 });
    log(`eoslab ${precision}, ${workers} worker(s): ${r.gradientsPerSecond.toFixed(1)} gradients/s`);
  }
}
const transport = await transportCost();
const torch = torchRates();

const best = (precision: Precision, metric: Metric): number | undefined => {
  const rows = torch?.results.filter((r) => r.precision === precision) ?? [];
  return rows.length > 0 ? Math.max(...rows.map((r) => r[metric])) : undefined;
};
/** A table row with the metrics written as ratios (1.23×). */
const asRatios = (row: Record<string, number | string | null>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      typeof v === 'number' && (METRICS as readonly string[]).includes(k) ? `${v.toFixed(2)}×` : String(v ?? '—'),
    ]),
  );
const ratios = precisions.flatMap((precision) =>
  WORKERS.map((workers) => {
    const row = eoslab.find((r) => r.precision === precision && r.workers === workers);
    const ratio: Record<string, number | string | null> = { precision, workers };
    for (const m of METRICS) {
      const b = best(precision, m);
      ratio[m] = row === undefined || b === undefined ? null : row[m] / b;
    }
    return ratio;
  }),
);
const scaling = precisions.map((precision) => {
  const one = eoslab.find((r) => r.precision === precision && r.workers === 1);
  const two = eoslab.find((r) => r.precision === precision && r.workers === 2);
  const s: Record<string, number | string> = { precision };
  for (const m of METRICS) s[m] = (two?.[m] ?? Number.NaN) / (one?.[m] ?? Number.NaN);
  return s;
});

const report = {
  workload: { network: '784-200-200-10', activation: 'tanh', n: N, parameters: P, gradientFlops },
  machine: { cores: cpus().length, cpu, node: process.version },
  eoslab,
  torch,
  ratiosToTorchBest: torch === null ? null : ratios,
  twoWorkersOverOne: scaling,
  transportMsPerOperation: transport,
};
if (json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const fmt = (x: number | undefined | null): string => (x === undefined || x === null ? '—' : x.toFixed(2));
  console.table(
    eoslab.map((r) => ({
      engine: `eoslab ${r.precision}`,
      threads: r.workers,
      'gradients/s': fmt(r.gradientsPerSecond),
      'HVPs/s (θ fixed)': fmt(r.hvpsPerSecond),
      'HVPs/s (new θ)': fmt(r.hvpsPerSecondNewTheta),
      'GD steps/s': fmt(r.gdStepsPerSecond),
      'RK4 steps/s': fmt(r.rk4StepsPerSecond),
      'GFLOP/s': fmt(r.gflops),
      'vs JS ref': r.gradientRelativeError.toExponential(1),
    })),
  );
  if (torch !== null) {
    console.table(
      torch.results.map((r) => ({
        engine: `torch ${torch.version} ${r.precision}`,
        threads: r.threads,
        'gradients/s': fmt(r.gradientsPerSecond),
        'HVPs/s (θ fixed)': fmt(r.hvpsPerSecond),
        'HVPs/s (new θ)': fmt(r.hvpsPerSecondNewTheta),
        'GD steps/s': fmt(r.gdStepsPerSecond),
        'RK4 steps/s': fmt(r.rk4StepsPerSecond),
      })),
    );
    console.log('eoslab / best PyTorch (same precision):');
    console.table(ratios.map(asRatios));
  }
  console.log('2 workers / 1 worker:');
  console.table(scaling.map(asRatios));
  console.log(
    `transport per operation (θ in, 8 partial gradients out, summed): shared memory ${transport.sharedMs.toFixed(2)} ms, transferred messages ${transport.transferMs.toFixed(2)} ms`,
  );
}
