/**
 * A convolutional network's batch on a team of pool workers (src/pool/convTeam.ts): loss, gradient
 * and HVP are the bits of one ConvEngine holding every shard, for 1, 2 and 3 workers — batch
 * norm's statistics, the loss and the gradient exchanged through shared memory at the steps'
 * reductions. Pool workers run from dist/ (npm run build).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConvEngine } from '../src/engines/conv/engine.js';
import { initialArchitectureParameters, netArchitecture } from '../src/engines/conv/architectures.js';
import { ConvTeam } from '../src/pool/convTeam.js';
import { ConvBatch } from '../src/engines/conv/batch.js';
import { NetworkSolver } from '../src/engines/networkSolver.js';
import type { ConvData, ConvNetSpec } from '../src/engines/conv/spec.js';
import { dataFor, paperResidualBlock, vggLike } from './helpers/conv-nets.js';

const teams: ConvTeam[] = [];
afterAll(async () => {
  await Promise.all(teams.map((t) => t.close()));
});

function team(spec: ConvNetSpec, data: ConvData, workers: number, shards: number): ConvTeam {
  const t = new ConvTeam(spec, data, { workers, shards, chunkRows: 7 });
  teams.push(t);
  return t;
}

const resnet = netArchitecture({
  architecture: 'resnet20',
  input: { height: 6, width: 6, channels: 2 },
  classes: 3,
  width: 0.25,
});

const CASES = [
  { name: 'VGG-like, 4 shards', spec: vggLike('relu'), n: 7, shards: 4 },
  { name: "the paper's residual block, 3 shards", spec: paperResidualBlock(), n: 6, shards: 3 },
  { name: 'ResNet20 at width 0.25 on 6×6 inputs, 3 shards', spec: resnet.spec, n: 5, shards: 3 },
];

describe.each(CASES)('conv team on the pool: $name', ({ spec, n, shards }) => {
  const data = dataFor(spec, n, 21);
  const single = new ConvEngine(spec, data, { shards, chunkRows: 7 });
  const base = spec === resnet.spec ? initialArchitectureParameters(resnet, 3) : single.initialParameters(3);
  const theta = base.map((x, k) => x + 0.05 * Math.cos(k));
  const theta2 = theta.map((x, k) => x - 0.01 * Math.sin(3 * k));
  const v = single.initialParameters(9);
  const { loss, gradient } = single.gradient(theta);
  const hv = single.hessianVectorProduct(theta, v);
  const loss2 = single.loss(theta2);
  const hv2 = single.hessianVectorProduct(theta2, v);

  it.each([1, 2, 3])('%i workers: the bits of one engine', async (workers) => {
    const t = team(spec, data, workers, shards);
    const g = new Float64Array(t.parameterCount);
    expect(await t.gradient(theta, g)).toBe(loss);
    expect(g).toEqual(gradient);
    const h = new Float64Array(t.parameterCount);
    await t.hvp(theta, v, h);
    expect(h).toEqual(hv);
    // a new θ: the loss first (forward only), then an HVP that must redo the gradient's passes
    expect(await t.loss(theta2)).toBe(loss2);
    await t.hvp(theta2, v, h);
    expect(h).toEqual(hv2);
    // back to θ, HVP twice: the second reuses the passes
    await t.hvp(theta, v, h);
    await t.hvp(theta, v, h);
    expect(h).toEqual(hv);
  });
});

describe('the solver over a conv team', () => {
  it('gives the Lanczos S, the GD steps and φ of the calling-thread batch, bit for bit', async () => {
    const spec = resnet.spec;
    const data = dataFor(spec, 6, 8);
    const theta = initialArchitectureParameters(resnet, 4).map((x, k) => x + 0.02 * Math.sin(k));
    const local = new NetworkSolver(new ConvBatch(spec, data, { shards: 3 }));
    // the same shards and im2col chunks (the chunk rows fix the order of ∂W's sums)
    const conv = new ConvTeam(spec, data, { workers: 2, shards: 3 });
    teams.push(conv);
    const pooled = new NetworkSolver(conv);
    const [a, b] = [await local.sharpness(theta), await pooled.sharpness(theta)];
    expect(b.value).toBe(a.value);
    expect(b.vector).toEqual(a.vector);
    const [ga, gb] = [await local.gradientDescent(theta, 0.1, 3), await pooled.gradientDescent(theta, 0.1, 3)];
    expect(gb.theta).toEqual(ga.theta);
    expect(gb.losses).toEqual(ga.losses);
    const flow = { lossThreshold: 0.5 * (ga.losses[0] as number), maxSteps: 50 };
    const [fa, fb] = [await local.gfsSharpness(theta, flow), await pooled.gfsSharpness(theta, flow)];
    expect(fb.gfsSharpness).toBe(fa.gfsSharpness);
    expect(fb.steps).toBe(fa.steps);
    await local.close();
  });
});

describe('conv team: bad input and non-finite parameters', () => {
  const spec = vggLike('relu');
  const data = dataFor(spec, 4, 2);

  it('refuses a team larger than the shards, or shards beyond n, before starting threads', () => {
    expect(() => new ConvTeam(spec, data, { workers: 3, shards: 2 })).toThrow(/invalid shards/);
    expect(() => new ConvTeam(spec, data, { workers: 1, shards: 5 })).toThrow(/invalid shards/);
    expect(() => new ConvTeam(spec, data, { workers: 0, shards: 2 })).toThrow(/invalid workers/);
    expect(() => new ConvTeam(spec, { ...data, X: data.X.subarray(1) }, { workers: 1, shards: 2 })).toThrow(
      /invalid X/,
    );
  });

  it('a NaN in θ gives a NaN loss and gradient, not an exception', async () => {
    const t = team(spec, data, 2, 2);
    const theta = new ConvEngine(spec, data).initialParameters(1);
    theta[0] = Number.NaN;
    const g = new Float64Array(t.parameterCount);
    expect(Number.isNaN(await t.gradient(theta, g))).toBe(true);
    expect(g.some((x) => Number.isNaN(x))).toBe(true);
  });
});
