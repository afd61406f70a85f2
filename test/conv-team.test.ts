/**
 * The convolutional engine split over a team (docs/model.md §7.3, src/engines/conv/engine.ts):
 * engines that each hold some shards of the batch run the same steps in lockstep, and between
 * steps the partials of ALL shards are summed in shard order (here by a driver in this thread, as
 * a pool's barrier would). Loss, gradient and HVP must be the bits of one engine holding every
 * shard — batch norm's statistics, the loss and the parameter gradient are the only things the
 * shards exchange.
 */
import { describe, expect, it } from 'vitest';
import { ConvEngine, type ConvOperation } from '../src/engines/conv/engine.js';
import { sumInOrder } from '../src/engines/mlpBatch.js';
import { dataFor, paperResidualBlock, residualBlock, vggLike } from './helpers/conv-nets.js';

/** Runs `operation` on a team of engines that together hold all `shards` shards. */
function runTeam(team: readonly ConvEngine[], shards: number, operation: ConvOperation): void {
  const lists = team.map((e) => e.steps(operation));
  const length = (lists[0] as unknown[]).length;
  for (const list of lists) expect(list.length).toBe(length);
  for (let j = 0; j < length; j++) {
    for (const list of lists) list[j]?.run();
    const first = lists[0]?.[j]?.reduction;
    if (!first) continue;
    const parts: Float64Array[] = new Array<Float64Array>(shards);
    team.forEach((engine, w) => {
      const mine = (lists[w]?.[j]?.reduction as NonNullable<typeof first>).parts();
      mine.forEach((p, i) => (parts[engine.held[i] as number] = p.slice()));
    });
    expect(parts.every((p) => p instanceof Float64Array)).toBe(true);
    const totals = new Float64Array(first.length);
    sumInOrder(parts, totals);
    for (const list of lists) list[j]?.reduction?.totals().set(totals);
  }
}

const CASES = [
  { name: 'VGG-like, 2 shards on 2 engines', spec: vggLike('relu'), n: 5, shards: 2, held: [[0], [1]] },
  {
    name: 'residual block, 3 shards, engine 0 holds shards 0 and 2',
    spec: residualBlock(),
    n: 6,
    shards: 3,
    held: [[0, 2], [1]],
  },
  {
    name: "the paper's residual block, 4 shards on 3 engines",
    spec: paperResidualBlock(),
    n: 7,
    shards: 4,
    held: [[0], [1, 2], [3]],
  },
];

describe.each(CASES)('team of engines: $name', ({ spec, n, shards, held }) => {
  const data = dataFor(spec, n, 12);
  const single = new ConvEngine(spec, data, { shards, chunkRows: 7 });
  const team = held.map((h) => new ConvEngine(spec, data, { shards, held: h, chunkRows: 7 }));
  const theta = single.initialParameters(4).map((x, k) => x + 0.1 * Math.sin(k));
  const v = single.initialParameters(5);

  it('gives the loss, gradient and HVP of one engine holding every shard, bit for bit', () => {
    const { loss, gradient } = single.gradient(theta);
    const hv = single.hessianVectorProduct(theta, v);
    for (const e of team) e.setParameters(theta);
    runTeam(team, shards, 'gradient');
    for (const e of team) {
      expect(e.lossValue()).toBe(loss);
      expect(e.resultVector()).toEqual(gradient);
    }
    for (const e of team) e.setDirection(v);
    runTeam(team, shards, 'hvp');
    for (const e of team) expect(e.resultVector()).toEqual(hv);
    runTeam(team, shards, 'loss');
    expect(team[0]?.lossValue()).toBe(single.loss(theta));
  });

  it('a team engine refuses the whole-batch methods, naming `held`', () => {
    expect(() => team[0]?.gradient(theta)).toThrow(/invalid held/);
  });
});

describe('held shards: argument checks', () => {
  const spec = vggLike('relu');
  const data = dataFor(spec, 4, 1);
  it.each([[[]], [[1, 0]], [[0, 0]], [[2]], [[0.5]]])('refuses held = %j', (held) => {
    expect(() => new ConvEngine(spec, data, { shards: 2, held })).toThrow(/invalid held/);
  });
});
