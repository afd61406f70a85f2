/**
 * The network solver (src/engines/networkSolver.ts: GD, Lanczos, the RK4 flow and φ) on
 * convolutional networks through ConvBatch (src/engines/conv/batch.ts), docs/model.md §5, §7:
 *   - the channels-first → NHWC transpose against a hand-written case;
 *   - Lanczos (full re-orthogonalisation) = the top eigenvalue of the dense Hessian built from HVP
 *     columns and diagonalised by Jacobi (src/base/dense.ts), on a tiny VGG-like net and a tiny
 *     ResNet20;
 *   - GD steps = θ − η∇L of the plain-TypeScript reference (referenceNet.ts);
 *   - gfsSharpness: the RK4 flow reaches the threshold and φ = Jacobi's λmax at the flow's end;
 *   - NaN/Inf in θ give non-finite results and statuses, not exceptions;
 *   - the bits depend on (network, data, shards) only: a second batch in a fresh WASM instance,
 *     or the same batch after other calls, gives the same bits; 1 and 3 shards agree to rounding.
 */
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../src/base/dense.js';
import { EoslabError } from '../src/base/errors.js';
import { loadImages } from '../src/data/images.js';
import { Sfc32 } from '../src/base/random.js';
import { initialArchitectureParameters, netArchitecture } from '../src/engines/conv/architectures.js';
import { channelsLastImages, ConvBatch } from '../src/engines/conv/batch.js';
import { ConvReference } from '../src/engines/conv/referenceNet.js';
import type { ConvData } from '../src/engines/conv/spec.js';
import { defaultShards } from '../src/engines/networkBatch.js';
import { NetworkSolver } from '../src/engines/networkSolver.js';
import { gaussians, relativeToLargest } from './helpers/conv-fixtures.js';
import { dataFor, vggLike } from './helpers/conv-nets.js';

/** ConvEngine vs the reference: the same sums in other orders (test/conv-wasm.test.ts), ≤ 1e-12 relative. */
const TOL_WASM = 1e-12;
/** Lanczos to Ritz residual 1e-12 (Krylov dimension up to P) vs Jacobi: both backward stable, ‖H‖·1e-9 apart at most. */
const TOL_EIGEN = 1e-9;
/**
 * φ is gfsSharpness's Lanczos to Ritz residual r ≤ 1e-6·|φ| (networkSolver.ts, GFS_LANCZOS_TOL):
 * some eigenvalue lies within r of φ, so |φ − λmax| ≤ 1e-6·λmax when it is the top one; ×2 margin.
 */
const TOL_GFS = 2e-6;

/** The tiny ResNet20 of the Lanczos/Jacobi check: width 1/32 → 1, 1, 2 channels, 8×8×1 input, P in the hundreds. */
const TINY_RESNET = netArchitecture({
  architecture: 'resnet20',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  width: 1 / 32,
});
/** A ResNet20 at width 0.25 (4, 8, 16 channels), 8×8×1 input: GD against the reference. */
const QUARTER_RESNET = netArchitecture({
  architecture: 'resnet20',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  width: 0.25,
});

/** θ₀ of an architecture moved off its γ = 0 branches, so every second-order term is alive. */
function perturbed(theta: Float64Array, seed: number, scale = 0.1): Float64Array {
  const rng = new Sfc32(seed, 3);
  return theta.map((x) => x + scale * rng.gaussian());
}

/** The dense Hessian from P HVPs of unit vectors, symmetrised, and its eigenvalues by Jacobi. */
async function denseSpectrum(batch: ConvBatch, theta: Float64Array): Promise<{ top: number; bottom: number }> {
  const P = batch.parameterCount;
  const H = new Float64Array(P * P);
  const e = new Float64Array(P);
  const column = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    e.fill(0);
    e[j] = 1;
    await batch.hvp(theta, e, column);
    for (let i = 0; i < P; i++) H[i * P + j] = column[i] as number;
  }
  const symmetric = H.map((_, k) => 0.5 * ((H[k] as number) + (H[(k % P) * P + Math.floor(k / P)] as number)));
  const values = symmetricEigen(symmetric, P).values;
  return { top: Math.max(...values), bottom: Math.min(...values) };
}

describe('channelsLastImages: the one transpose from the loaders’ n×C×H×W to the engine’s NHWC', () => {
  it('moves every value where NHWC[((i·H + y)·W + x)·C + c] = NCHW[((i·C + c)·H + y)·W + x] puts it', () => {
    // two images, 2 channels, 2×3: values 0…23 in NCHW order, written out by hand in NHWC order
    const X = Float64Array.from({ length: 24 }, (_, k) => k);
    const expected = [
      0,
      6,
      1,
      7,
      2,
      8,
      3,
      9,
      4,
      10,
      5,
      11, // image 0: (y, x) row-major, channels 0, 1 at each
      12,
      18,
      13,
      19,
      14,
      20,
      15,
      21,
      16,
      22,
      17,
      23, // image 1
    ];
    expect(Array.from(channelsLastImages(X, 2, 2, 2, 3))).toEqual(expected);
    // one channel: the identity
    expect(Array.from(channelsLastImages(X, 2, 1, 3, 4))).toEqual(Array.from(X));
  });

  it('refuses a wrong length or shape, naming it', () => {
    expect(() => channelsLastImages(new Float64Array(23), 2, 2, 2, 3)).toThrow(/invalid X/);
    expect(() => channelsLastImages(new Float64Array(0), 0, 2, 2, 3)).toThrow(/invalid n/);
    expect(() => channelsLastImages(new Float64Array(24), 2, 2, 2.5, 3)).toThrow(/invalid height/);
  });

  it('ConvBatch.ofImages = a ConvBatch over the transposed data, bit for bit', async () => {
    const spec = vggLike('relu'); // 4×4×2 input
    const n = 3;
    const nhwc = dataFor(spec, n, 17);
    // the same images channels first, transposed by index arithmetic written independently
    const nchw = new Float64Array(nhwc.X.length);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++)
          for (let c = 0; c < 2; c++) nchw[i * 32 + c * 16 + y * 4 + x] = nhwc.X[i * 32 + y * 8 + x * 2 + c] as number;
    const fromImages = ConvBatch.ofImages(spec, { n, channels: 2, height: 4, width: 4, X: nchw, Y: nhwc.Y });
    const direct = new ConvBatch(spec, nhwc);
    const theta = direct.engine.initialParameters(2);
    const [g1, g2] = [new Float64Array(direct.parameterCount), new Float64Array(direct.parameterCount)];
    expect(await fromImages.gradient(theta, g1)).toBe(await direct.gradient(theta, g2));
    expect(g1).toEqual(g2);
    const images = { n, channels: 1, height: 4, width: 4, X: new Float64Array(n * 16), Y: nhwc.Y };
    expect(() => ConvBatch.ofImages(spec, images)).toThrow(/invalid inputSize/);
  });
});

const LANCZOS_CASES = [
  { name: 'VGG-like conv→BN→ReLU→max-pool→conv→BN→ReLU→GAP→dense', spec: vggLike('relu'), n: 5, theta: 0 },
  { name: 'ResNet20 at width 1/32 (1, 1, 2 channels), 8×8 input', spec: TINY_RESNET.spec, n: 4, theta: 1 },
];

describe.each(LANCZOS_CASES)('NetworkSolver.sharpness on $name', ({ spec, n, theta: which }) => {
  it('equals λmax of the dense Hessian (HVP columns, Jacobi)', async () => {
    const batch = new ConvBatch(spec, dataFor(spec, n, 31));
    const P = batch.parameterCount;
    expect(P).toBeGreaterThan(100);
    expect(P).toBeLessThan(600);
    const theta =
      which === 0
        ? perturbed(batch.engine.initialParameters(3), 4)
        : perturbed(initialArchitectureParameters(TINY_RESNET, 3), 4);
    const { top, bottom } = await denseSpectrum(batch, theta);
    expect(top).toBeGreaterThan(0);
    const solver = new NetworkSolver(batch, { capacity: P });
    const lanczos = await solver.sharpness(theta, { tol: 1e-12, maxIterations: P });
    expect(lanczos.converged).toBe(true);
    expect(Math.abs(lanczos.value - top)).toBeLessThan(TOL_EIGEN * Math.max(top, -bottom));
    // the default settings (tol 1e-4, ≤ 40 iterations) are as close as their residual allows
    const quick = await solver.sharpness(theta);
    expect(Math.abs(quick.value - top)).toBeLessThanOrEqual(quick.residual * Math.abs(quick.value) * 1.01);
  });
});

const GD_CASES = [
  { name: 'the VGG-like net', spec: vggLike('relu'), n: 5, init: (b: ConvBatch) => b.engine.initialParameters(8) },
  {
    name: 'ResNet20 at width 0.25, 8×8 input',
    spec: QUARTER_RESNET.spec,
    n: 4,
    init: () => perturbed(initialArchitectureParameters(QUARTER_RESNET, 8), 9, 0.05),
  },
];

describe.each(GD_CASES)('NetworkSolver.gradientDescent on $name', ({ spec, n, init }) => {
  it('takes the steps θ − η∇L of the reference, with its losses', { timeout: 60_000 }, async () => {
    const data = dataFor(spec, n, 41);
    const batch = new ConvBatch(spec, data);
    const reference = new ConvReference(spec, data);
    const solver = new NetworkSolver(batch);
    const theta0 = init(batch);
    const eta = 0.05;
    const steps = 2;
    const gd = await solver.gradientDescent(theta0, eta, steps);
    expect(gd.diverged).toBe(false);
    let theta = theta0;
    for (let t = 0; t < steps; t++) {
      const { loss, gradient } = reference.gradient(theta);
      expect(Math.abs((gd.losses[t] as number) - loss)).toBeLessThan(TOL_WASM * loss);
      theta = theta.map((x, k) => x - eta * (gradient[k] as number));
    }
    // compare the displacement, not θ itself (θ's size would hide the update's error)
    const moved = gd.theta.map((x, k) => x - (theta0[k] as number));
    const expected = theta.map((x, k) => x - (theta0[k] as number));
    expect(relativeToLargest(moved, expected)).toBeLessThan(TOL_WASM);
    expect(gd.losses[1] as number).toBeLessThan(gd.losses[0] as number);
  });
});

describe('NetworkSolver.gfsSharpness on the VGG-like net', () => {
  it('flows by RK4 to the threshold and φ = λmax of the dense Hessian there', { timeout: 60_000 }, async () => {
    const spec = vggLike('relu');
    const batch = new ConvBatch(spec, dataFor(spec, 5, 51));
    const reference = new ConvReference(spec, dataFor(spec, 5, 51));
    const solver = new NetworkSolver(batch);
    const theta = batch.engine.initialParameters(5);
    const start = await batch.loss(theta);
    const lossThreshold = 0.05 * start;
    const gfs = await solver.gfsSharpness(theta, { lossThreshold });
    expect(gfs.status).toBe('converged');
    expect(gfs.steps).toBeGreaterThan(1);
    expect(gfs.loss).toBeLessThan(lossThreshold);
    expect(reference.loss(gfs.theta)).toBeLessThan(lossThreshold);
    expect(gfs.lanczos.converged).toBe(true);
    const { top } = await denseSpectrum(batch, gfs.theta);
    expect(Math.abs(gfs.gfsSharpness - top)).toBeLessThan(TOL_GFS * top);
  });
});

describe('non-finite parameters', () => {
  const spec = vggLike('relu');
  const batch = new ConvBatch(spec, dataFor(spec, 4, 61));
  const solver = new NetworkSolver(batch);
  const P = batch.parameterCount;
  const theta0 = batch.engine.initialParameters(6);
  const bad = [Number.NaN, Number.POSITIVE_INFINITY].flatMap((value) =>
    [0, P - 1].map((at) => {
      const theta = theta0.slice();
      theta[at] = value;
      return { value, at, theta };
    }),
  );

  it.each(bad)('θ[$at] = $value: non-finite results and statuses, no exception', async ({ theta }) => {
    expect(Number.isFinite(await batch.loss(theta))).toBe(false);
    const g = new Float64Array(P);
    expect(Number.isFinite(await batch.gradient(theta, g))).toBe(false);
    const hv = new Float64Array(P);
    await batch.hvp(theta, theta0, hv);
    expect(hv.some((x) => !Number.isFinite(x))).toBe(true);
    const gd = await solver.gradientDescent(theta, 0.1, 3);
    expect(gd.diverged).toBe(true);
    expect(gd.losses.length).toBe(1);
    const s = await solver.sharpness(theta);
    expect(Number.isNaN(s.value)).toBe(true);
    expect(s.converged).toBe(false);
    const gfs = await solver.gfsSharpness(theta);
    expect(gfs.status).toBe('non-finite');
    expect(Number.isNaN(gfs.gfsSharpness)).toBe(true);
    // and the batch is unharmed: a finite θ afterwards gives the finite loss of a fresh batch
    expect(await batch.loss(theta0)).toBe(await new ConvBatch(spec, dataFor(spec, 4, 61)).loss(theta0));
  });

  it('a NaN direction gives a non-finite HVP; a wrong length is an error naming theta', async () => {
    const hv = new Float64Array(P);
    await batch.hvp(theta0, new Float64Array(P).fill(Number.NaN), hv);
    expect(hv.every((x) => Number.isNaN(x))).toBe(true);
    await expect(batch.loss(new Float64Array(P - 1))).rejects.toThrow(/invalid theta/);
    await expect(solver.sharpness(new Float64Array(P + 1))).rejects.toBeInstanceOf(EoslabError);
  });
});

describe('the bits depend on (network, data, shards) only', () => {
  const spec = TINY_RESNET.spec;
  const data: ConvData = dataFor(spec, 6, 71);
  const theta = perturbed(initialArchitectureParameters(TINY_RESNET, 7), 8);
  const other = perturbed(theta, 9);
  const v = gaussians(new Sfc32(10, 10), theta.length);

  /** Loss, gradient, HVP, two GD steps and S: everything a run records. */
  async function run(batch: ConvBatch): Promise<Float64Array[]> {
    const solver = new NetworkSolver(batch);
    const P = batch.parameterCount;
    const g = new Float64Array(P);
    const hv = new Float64Array(P);
    const loss = await batch.gradient(theta, g);
    await batch.hvp(theta, v, hv);
    const gd = await solver.gradientDescent(theta, 0.05, 2);
    const s = await solver.sharpness(gd.theta);
    return [Float64Array.of(loss, s.value), g, hv, gd.theta, gd.losses, s.vector];
  }

  it('takes defaultShards(n) shards unless told', () => {
    expect(new ConvBatch(spec, data).shards).toBe(defaultShards(6));
    expect(new ConvBatch(spec, data, { shards: 3 }).shards).toBe(3);
    expect(() => new ConvBatch(spec, data, { shards: 7 })).toThrow(/invalid shards/);
  });

  it('a second batch in its own WASM instance, and the first after other calls, give the same bits', async () => {
    const first = new ConvBatch(spec, data, { shards: 3 });
    const bits = await run(first);
    expect(await run(new ConvBatch(spec, data, { shards: 3 }))).toEqual(bits);
    // other calls in between (another θ, an HVP at it) leave no trace
    const P = first.parameterCount;
    await first.hvp(other, v, new Float64Array(P));
    await first.loss(theta.map((x) => 2 * x));
    expect(await run(first)).toEqual(bits);
  });

  it('1 and 3 shards agree to rounding (the shard count, not the threads, fixes the bits)', async () => {
    const [one, three] = await Promise.all([1, 3].map((shards) => run(new ConvBatch(spec, data, { shards }))));
    for (let k = 0; k < 5; k++)
      expect(relativeToLargest((one as Float64Array[])[k]!, (three as Float64Array[])[k]!)).toBeLessThan(1e-10);
  });
});

describe('smoke run: the default ResNet20 at width 0.25 on 16 MNIST digits at 16×16', () => {
  it('takes 5 GD steps at η = 1/S₀ with S by Lanczos at steps 0 and 5', { timeout: 120_000 }, async () => {
    const images = loadImages({ data: 'mnist', n: 16, inputSize: 16 });
    const net = netArchitecture({
      architecture: 'resnet20',
      input: { height: images.height, width: images.width, channels: images.channels },
      classes: images.classes,
      width: 0.25,
    });
    const batch = ConvBatch.ofImages(net.spec, images);
    expect(batch.shards).toBe(defaultShards(16));
    const solver = new NetworkSolver(batch);
    const theta0 = initialArchitectureParameters(net, 0);
    const s0 = await solver.sharpness(theta0);
    expect(s0.converged).toBe(true);
    expect(s0.value).toBeGreaterThan(0);
    const gd = await solver.gradientDescent(theta0, 1 / s0.value, 5);
    expect(gd.diverged).toBe(false);
    // η = 1/S₀ is half the stability limit 2/S₀: the first steps decrease the loss
    for (let t = 1; t < 5; t++) expect(gd.losses[t] as number).toBeLessThan(gd.losses[t - 1] as number);
    const s5 = await solver.sharpness(gd.theta, { start: s0.vector });
    expect(s5.converged).toBe(true);
    expect(s5.value).toBeGreaterThan(0);
    expect(Number.isFinite(await batch.loss(gd.theta))).toBe(true);
  });
});
