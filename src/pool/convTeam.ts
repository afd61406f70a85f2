/**
 * Data-parallel full-batch operations of a convolutional network on the worker pool: a team of W
 * pool workers, each with a ConvEngine (engines/conv/engine.ts) holding the shards k ≡ w (mod W)
 * of the batch's fixed shards, runs the engine's steps in lockstep. The steps' reductions (batch
 * norm's per-channel sums, the loss, the parameter gradient) are the only exchanges: at each one
 * every worker writes its shards' partials into shared memory, waits for the others (a barrier),
 * sums its slice of the coordinates over all shards in shard order into the shared totals (the
 * bits of sumInOrder), waits again, and copies the totals into its engine. So every worker's
 * engine sees exactly what one engine holding every shard computes — loss, gradient and HVP are
 * bit-identical for any W (test/conv-team-pool.test.ts), fixed by the shards alone.
 *
 * Protocol: each team worker runs one long task (`convTeam` of the worker entry) waiting on a
 * control word; per operation the main thread writes θ (and v), sets the operation and bumps the
 * sequence number, and waits without blocking its event loop for W workers to count themselves done.
 * The main thread decides, as ConvEngine does, when an HVP needs the gradient's passes first (θ
 * changed since the last gradient) and serves a repeated loss or gradient at the same θ from its
 * cache. A worker that fails raises the error flag and wakes the barrier, so every worker leaves the
 * operation; the main thread then rethrows the failing worker's error.
 */
import { invalidOption } from '../base/errors.js';
import { ConvEngine, type ConvOperation } from '../engines/conv/engine.js';
import { checkData, layoutOf, type ConvData, type ConvNetSpec } from '../engines/conv/spec.js';
import { sumSliceInOrder, type NetworkBatch } from '../engines/networkBatch.js';
import { TeamControl, type ControlWords } from './teamControl.js';

/** Words of the control block. */
const CONTROL = { sequence: 0, op: 1, done: 2, error: 3, arrived: 4, generation: 5, length: 6 } as const;
const OP = { loss: 1, gradient: 2, hvp: 3, exit: 4 } as const;
/** The main thread waits for every worker to finish the operation. */
const TEAM_WORDS: ControlWords = {
  sequence: CONTROL.sequence,
  op: CONTROL.op,
  error: CONTROL.error,
  reset: [CONTROL.done],
  finished: CONTROL.done,
};
const OPERATIONS: Record<number, ConvOperation> = { [OP.loss]: 'loss', [OP.gradient]: 'gradient', [OP.hvp]: 'hvp' };
/** Milliseconds a barrier sleeps before it looks at the error flag again. */
const BARRIER_POLL_MS = 100;

/** What a team worker receives once. */
export interface ConvTeamInput {
  readonly spec: ConvNetSpec;
  readonly data: ConvData;
  readonly shards: number;
  readonly chunkRows?: number;
  readonly workers: number;
  readonly index: number;
  readonly control: SharedArrayBuffer;
  readonly theta: SharedArrayBuffer;
  readonly v: SharedArrayBuffer;
  /** shards × longest reduction float64: each shard's partials of the current reduction. */
  readonly partials: SharedArrayBuffer;
  /** Longest reduction float64: the totals of the current reduction (after an operation: its result). */
  readonly totals: SharedArrayBuffer;
  /** L(θ) of the last loss or gradient operation. */
  readonly loss: SharedArrayBuffer;
}

/** The longest reduction of a network's steps: P (the gradient), 2·C (batch norm), 1 (the loss). */
export function longestReduction(spec: ConvNetSpec): number {
  const layout = layoutOf(spec);
  const widest = Math.max(1, ...layout.layers.map((l) => l.out.channels));
  return Math.max(layout.parameterCount, 2 * widest, 1);
}

export class ConvTeam implements NetworkBatch {
  readonly parameterCount: number;
  readonly precision = 'f64' as const;
  readonly workers: number;
  readonly shards: number;
  private readonly control: Int32Array;
  private readonly thetaShared: Float64Array;
  private readonly vShared: Float64Array;
  private readonly result: Float64Array;
  private readonly lossShared: Float64Array;
  private readonly team: TeamControl;
  /** θ of the last gradient operation, its loss and gradient (an HVP there needs no new passes). */
  private preparedTheta: Float64Array | undefined;
  private preparedLoss = Number.NaN;
  private readonly preparedGradient: Float64Array;

  constructor(spec: ConvNetSpec, data: ConvData, options: { workers: number; shards: number; chunkRows?: number }) {
    const { workers, shards } = options;
    if (!Number.isInteger(workers) || workers < 1) throw invalidOption('workers', workers, 'an integer ≥ 1');
    if (!Number.isInteger(shards) || shards < workers || shards > data.n) {
      throw invalidOption('shards', shards, `an integer in [workers = ${workers}, n = ${data.n}]`);
    }
    // the network and the data are validated here, with a clear error, before any thread starts
    const layout = layoutOf(spec);
    checkData(layout, data);
    this.parameterCount = layout.parameterCount;
    this.shards = shards;
    const P = this.parameterCount;
    const longest = longestReduction(spec);
    const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(bytes);
    const control = sab(4 * CONTROL.length);
    const theta = sab(8 * P);
    const v = sab(8 * P);
    const partials = sab(8 * longest * shards);
    const totals = sab(8 * longest);
    const loss = sab(8);
    this.control = new Int32Array(control);
    this.thetaShared = new Float64Array(theta);
    this.vShared = new Float64Array(v);
    this.result = new Float64Array(totals, 0, P);
    this.lossShared = new Float64Array(loss);
    this.preparedGradient = new Float64Array(P);
    const inputs: ConvTeamInput[] = Array.from({ length: workers }, (_, index) => ({
      spec,
      data,
      shards,
      ...(options.chunkRows !== undefined ? { chunkRows: options.chunkRows } : {}),
      workers,
      index,
      control,
      theta,
      v,
      partials,
      totals,
      loss,
    }));
    this.team = new TeamControl(this.control, TEAM_WORDS, 'convTeam', inputs);
    this.workers = workers;
  }

  /** Runs one operation on the team (queued behind the previous ones). */
  private request(op: ConvOperation, theta: Float64Array, v?: Float64Array): Promise<void> {
    return this.team.run(OP[op], () => {
      this.thetaShared.set(theta);
      if (v !== undefined) this.vShared.set(v);
    });
  }

  private isPrepared(theta: Float64Array): boolean {
    const p = this.preparedTheta;
    if (p === undefined) return false;
    for (let i = 0; i < p.length; i++) if (!Object.is(p[i], theta[i])) return false;
    return true;
  }

  private async prepare(theta: Float64Array): Promise<void> {
    if (this.isPrepared(theta)) return;
    this.preparedTheta = undefined;
    await this.request('gradient', theta);
    this.preparedLoss = this.lossShared[0] as number;
    this.preparedGradient.set(this.result);
    this.preparedTheta = theta.slice();
  }

  async loss(theta: Float64Array): Promise<number> {
    if (this.isPrepared(theta)) return this.preparedLoss;
    // the forward pass overwrites the kept activations: the next HVP prepares again
    this.preparedTheta = undefined;
    await this.request('loss', theta);
    return this.lossShared[0] as number;
  }

  /** L(θ), with ∇L(θ) written into `out`. */
  async gradient(theta: Float64Array, out: Float64Array): Promise<number> {
    await this.prepare(theta);
    out.set(this.preparedGradient);
    return this.preparedLoss;
  }

  /** ∇²L(θ)·v into `out` (the gradient's passes reused while θ is unchanged). */
  async hvp(theta: Float64Array, v: Float64Array, out: Float64Array): Promise<void> {
    await this.prepare(theta);
    await this.request('hvp', theta, v);
    out.set(this.result);
  }

  /** Ends the workers' tasks and the pool. */
  async close(): Promise<void> {
    await this.team.close(OP.exit);
  }
}

/** Raised in the workers that leave an operation because another one failed. */
class TeamAborted extends Error {}

/**
 * In a team worker (the `convTeam` task of the worker entry): builds its engine once, then serves
 * operations until told to exit (see the protocol above).
 */
export function serveConvTeam(input: ConvTeamInput): void {
  const c = new Int32Array(input.control);
  const { workers, index, shards } = input;
  const held = Array.from({ length: shards }, (_, k) => k).filter((k) => k % workers === index);
  const engine = new ConvEngine(input.spec, input.data, {
    shards,
    held,
    ...(input.chunkRows !== undefined ? { chunkRows: input.chunkRows } : {}),
  });
  const P = engine.parameterCount;
  const theta = new Float64Array(input.theta);
  const v = new Float64Array(input.v);
  const longest = new Float64Array(input.totals).length;
  const partials = Array.from({ length: shards }, (_, k) => new Float64Array(input.partials, 8 * longest * k, longest));
  const totals = new Float64Array(input.totals);
  const loss = new Float64Array(input.loss);
  const count = (word: number): void => {
    Atomics.add(c, word, 1);
    Atomics.notify(c, word);
  };
  const barrier = (): void => {
    const generation = Atomics.load(c, CONTROL.generation);
    if (Atomics.add(c, CONTROL.arrived, 1) === workers - 1) {
      Atomics.store(c, CONTROL.arrived, 0);
      Atomics.add(c, CONTROL.generation, 1);
      Atomics.notify(c, CONTROL.generation);
      return;
    }
    while (Atomics.load(c, CONTROL.generation) === generation) {
      if (Atomics.load(c, CONTROL.error) !== 0) throw new TeamAborted();
      Atomics.wait(c, CONTROL.generation, generation, BARRIER_POLL_MS);
    }
  };
  const operation = (name: ConvOperation): void => {
    engine.setParameters(theta.subarray(0, P));
    if (name === 'hvp') engine.setDirection(v.subarray(0, P));
    for (const step of engine.steps(name)) {
      step.run();
      const reduction = step.reduction;
      if (!reduction) continue;
      const length = reduction.length;
      reduction.parts().forEach((part, i) => (partials[held[i] as number] as Float64Array).set(part));
      barrier();
      // this worker's slice of the coordinates, summed over all shards in shard order
      const from = Math.floor((index * length) / workers);
      const to = Math.floor(((index + 1) * length) / workers);
      sumSliceInOrder(
        partials.map((p) => p.subarray(0, length)),
        totals,
        from,
        to,
      );
      barrier();
      reduction.totals().set(totals.subarray(0, length));
    }
    if (index === 0 && name !== 'hvp') loss[0] = engine.lossValue();
  };
  let seen = 0;
  for (;;) {
    Atomics.wait(c, CONTROL.sequence, seen);
    seen = Atomics.load(c, CONTROL.sequence);
    const op = Atomics.load(c, CONTROL.op);
    if (op === OP.exit) return;
    try {
      operation(OPERATIONS[op] as ConvOperation);
    } catch (error) {
      if (!(error instanceof TeamAborted)) {
        Atomics.store(c, CONTROL.error, 1);
        Atomics.notify(c, CONTROL.generation); // wake the others at their barrier
        count(CONTROL.done);
        throw error;
      }
      count(CONTROL.done);
      continue;
    }
    count(CONTROL.done);
  }
}
