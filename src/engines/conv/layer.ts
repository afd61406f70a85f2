/**
 * One convolutional-network layer on the WASM kernels, by itself (docs/model.md §7): its buffers
 * reserved once in an instance, its four passes callable in place (what the benchmark times), and
 * the same four passes as pure functions of Float64Arrays with the interface of the
 * plain-TypeScript reference (`asFunctions`), so a test compares the two layer by layer.
 *
 * Buffers, by name: the input x (and `other` for add), the parameters p (the layer's slice of θ)
 * and their direction rp, ∂y (`g`), R{∂y} (`rg`), R{x} / R{other}; results y, R{y}, ∂x, ∂other,
 * ∂p, R{∂x}, R{∂other}, R{∂p}.
 */
import { invalidOption } from '../../base/errors.js';
import type { Ptr } from '../../wasm/abi.js';
import { Arena, instantiate, type RawExports } from '../../wasm/module.js';
import { layerSteps, runSteps, type LayerPlan, type PassContext } from './kernels.js';
import type { Adjoint, Direction, ReferenceLayer } from './reference.js';
import { sizeOf, type ResolvedLayer } from './spec.js';
import { DEFAULT_CHUNK_ROWS, sampleShards } from './engine.js';
import { sumInOrder } from '../mlpBatch.js';

export interface LayerOptions {
  shards?: number;
  chunkRows?: number;
  raw?: RawExports;
}

export class ConvLayerRunner {
  readonly inputLength: number;
  readonly outputLength: number;
  readonly parameterCount: number;
  private readonly arena: Arena;
  private readonly plan: LayerPlan;
  private readonly ctx: PassContext;
  private readonly partials: Ptr[];
  /** θ- and v-like vectors holding only this layer's slice (offset 0). */
  private readonly p: Ptr;
  private readonly rp: Ptr;
  private readonly gradients: { gx: Ptr; gOther: Ptr; rgx: Ptr; rgOther: Ptr };
  /** R{x}'s buffer, whether or not the plan currently uses it. */
  private readonly rxBuffer: Ptr;

  constructor(
    readonly resolved: ResolvedLayer,
    readonly n: number,
    options: LayerOptions = {},
  ) {
    if (!Number.isInteger(n) || n < 1) throw invalidOption('n', n, 'a positive integer');
    const shardCount = options.shards ?? 1;
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > n) {
      throw invalidOption('shards', shardCount, `an integer in [1, n = ${n}]`);
    }
    const layer = resolved.layer;
    const K = layer.kind === 'conv' ? layer.kernel * layer.kernel * resolved.in.channels : 1;
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    const raw = options.raw ?? instantiate();
    this.arena = new Arena(raw);
    const f = (count: number): Ptr => this.arena.alloc(8 * Math.max(1, count));
    this.inputLength = n * sizeOf(resolved.in);
    this.outputLength = n * sizeOf(resolved.out);
    this.parameterCount = resolved.count;
    const local: ResolvedLayer = { ...resolved, offset: 0 };
    const shards = sampleShards(n, shardCount);
    const isBn = layer.kind === 'batchNorm';
    const C = resolved.in.channels;
    const io = () => f(this.inputLength);
    const out = () => f(this.outputLength);
    const isAdd = layer.kind === 'add';
    this.gradients = { gx: io(), gOther: isAdd ? io() : 0, rgx: io(), rgOther: isAdd ? io() : 0 };
    this.rxBuffer = io();
    this.plan = {
      resolved: local,
      x: io(),
      rx: this.rxBuffer,
      other: isAdd ? io() : 0,
      rOther: isAdd ? io() : 0,
      ...this.gradients,
      y: out(),
      g: out(),
      ry: out(),
      rg: out(),
      xhat: isBn ? out() : 0,
      rxhat: isBn ? out() : 0,
      stats: isBn ? f(2 * C) : 0,
      rStats: isBn ? f(2 * C) : 0,
      gTotals: isBn ? f(2 * C) : 0,
      rgTotals: isBn ? f(2 * C) : 0,
      shardSums: isBn ? f(2 * C * shardCount) : 0,
      argmax: layer.kind === 'maxPool' ? this.arena.alloc(4 * this.outputLength) : 0,
    };
    this.p = f(this.parameterCount);
    this.rp = f(this.parameterCount);
    this.partials = shards.map(() => f(this.parameterCount));
    const col = f(chunkRows * K);
    this.ctx = {
      k: raw,
      f64: (ptr, length) => this.arena.f64(ptr, length),
      shards,
      n,
      theta: this.p,
      v: this.rp,
      partial: (s) => this.partials[s] as Ptr,
      col,
      chunkRows,
    };
  }

  /** A view of one of the layer's buffers (valid until the next allocation in the instance). */
  buffer(
    name: 'x' | 'other' | 'rx' | 'rOther' | 'y' | 'g' | 'ry' | 'rg' | 'gx' | 'gOther' | 'rgx' | 'rgOther',
  ): Float64Array {
    const ptr = this.plan[name];
    const inputSide = ['x', 'other', 'rx', 'rOther', 'gx', 'gOther', 'rgx', 'rgOther'].includes(name);
    if (ptr === 0 && name === 'rx') return this.arena.f64(this.rxBuffer, this.inputLength);
    if (ptr === 0) throw invalidOption('buffer', name, `a buffer of a ${this.resolved.layer.kind} layer`);
    return this.arena.f64(ptr, inputSide ? this.inputLength : this.outputLength);
  }

  /** The parameters p and their direction rp. */
  parameters(which: 'p' | 'rp'): Float64Array {
    return this.arena.f64(which === 'p' ? this.p : this.rp, this.parameterCount);
  }

  /** ∂p (after backward) or R{∂p} (after rBackward): the shards' partials summed in order. */
  parameterGradient(): Float64Array {
    const out = new Float64Array(this.parameterCount);
    sumInOrder(
      this.partials.map((p) => this.arena.f64(p, this.parameterCount)),
      out,
    );
    return out;
  }

  /** R{x} = 0 passed as a null pointer (the layer reads the network input) or R{x} in its buffer. */
  setInputDirectionAbsent(absent: boolean): void {
    this.plan.rx = absent ? 0 : this.rxBuffer;
  }

  forward(): void {
    runSteps(layerSteps(this.ctx, this.plan, 'forward'));
  }

  rForward(): void {
    runSteps(layerSteps(this.ctx, this.plan, 'rForward'));
  }

  /** Zeroes ∂x, ∂other and ∂p, then adds the backward pass into them. */
  backward(): void {
    this.zero(['gx', 'gOther']);
    runSteps(layerSteps(this.ctx, this.plan, 'backward'));
  }

  /** Zeroes R{∂x}, R{∂other} and R{∂p}, then adds the R-backward pass into them. */
  rBackward(): void {
    this.zero(['rgx', 'rgOther']);
    runSteps(layerSteps(this.ctx, this.plan, 'rBackward'));
  }

  private zero(names: ('gx' | 'gOther' | 'rgx' | 'rgOther')[]): void {
    for (const name of names) if (this.plan[name] !== 0) this.buffer(name).fill(0);
    for (const p of this.partials) this.arena.f64(p, this.parameterCount).fill(0);
  }

  private load(x: Float64Array, other: Direction, p: Float64Array): void {
    this.buffer('x').set(x);
    if (other) this.buffer('other').set(other);
    this.parameters('p').set(p);
  }

  private loadDirection(rx: Direction, rOther: Direction, rp: Float64Array): void {
    this.setInputDirectionAbsent(rx === undefined);
    if (rx) this.buffer('rx').set(rx);
    if (this.plan.rOther !== 0) this.buffer('rOther').fill(0);
    if (rOther) this.buffer('rOther').set(rOther);
    this.parameters('rp').set(rp);
  }

  private adjoint(x: 'gx' | 'rgx', other: 'gOther' | 'rgOther'): Adjoint {
    return {
      x: this.buffer(x).slice(),
      other: this.plan[other] === 0 ? undefined : this.buffer(other).slice(),
      p: this.parameterGradient(),
    };
  }

  /** The four passes as pure functions (every call runs the passes it depends on first). */
  asFunctions(): ReferenceLayer {
    return {
      forward: (x, other, p) => {
        this.load(x, other, p);
        this.forward();
        return this.buffer('y').slice();
      },
      rForward: (x, other, p, rx, rOther, rp) => {
        this.load(x, other, p);
        this.loadDirection(rx, rOther, rp);
        this.forward();
        this.rForward();
        return this.buffer('ry').slice();
      },
      backward: (x, other, p, gy) => {
        this.load(x, other, p);
        this.buffer('g').set(gy);
        this.forward();
        this.backward();
        return this.adjoint('gx', 'gOther');
      },
      rBackward: (x, other, p, rx, rOther, rp, gy, rgy) => {
        this.load(x, other, p);
        this.loadDirection(rx, rOther, rp);
        this.buffer('g').set(gy);
        this.buffer('rg').set(rgy);
        this.forward();
        this.backward();
        this.rForward();
        this.rBackward();
        return this.adjoint('rgx', 'rgOther');
      },
    };
  }
}
