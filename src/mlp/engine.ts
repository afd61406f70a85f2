/**
 * Typed layer over the fully connected network kernels of `assembly/mlp/` (SPEC §5): an MLP
 * input → hidden… → output with biases, activation σ on the hidden layers, linear output and the
 * full-batch loss L(θ) = (1/n) Σ ½‖f(x) − y‖². One `MlpEngine` per problem and WASM instance: the
 * constructor validates the shape and data, copies X and Y into the instance once and reserves
 * every buffer the kernels need (no allocation afterwards).
 *
 * θ layout (length `parameterCount`): [W₁ (d₁ × d₀ row-major), b₁, W₂ (d₂ × d₁), b₂, …, W_L, b_L].
 */
import { invalidOption } from '../errors.js';
import { Arena, instantiate, type RawExports } from '../wasm/module.js';
import { Sfc32 } from '../random.js';

type Ptr = number;

export type Activation = 'tanh' | 'hardtanh' | 'relu' | 'elu' | 'softplus';

/** Activation codes of `assembly/mlp/activation.ts`. */
export const ACTIVATION_CODES: Readonly<Record<Activation, number>> = {
  tanh: 0,
  hardtanh: 1,
  relu: 2,
  elu: 3,
  softplus: 4,
};

export const ACTIVATIONS = Object.keys(ACTIVATION_CODES) as readonly Activation[];

export interface MlpShape {
  input: number;
  hidden: readonly number[];
  output: number;
  activation: Activation;
}

export interface MlpData {
  n: number;
  /** n × input, row-major. */
  X: Float64Array;
  /** n × output, row-major (one-hot rows for classification). */
  Y: Float64Array;
}

/** The architecture of SPEC §5 (Cohen et al. 2021): 784 → 200 → 200 → 10. */
export const DEFAULT_HIDDEN: readonly number[] = [200, 200];

/** The mlp kernels of `assembly/mlp/index.ts`, with their pointer-level signatures. */
export interface MlpKernels extends RawExports {
  mlpParameterCount(sizes: Ptr, layers: number): number;
  mlpWorkLength(sizes: Ptr, layers: number, n: number): number;
  mlpLoss(sizes: Ptr, layers: number, act: number, X: Ptr, Y: Ptr, n: number, theta: Ptr, work: Ptr): number;
  mlpGradient(
    sizes: Ptr,
    layers: number,
    act: number,
    X: Ptr,
    Y: Ptr,
    n: number,
    theta: Ptr,
    work: Ptr,
    grad: Ptr,
  ): number;
  mlpGdStep(
    sizes: Ptr,
    layers: number,
    act: number,
    X: Ptr,
    Y: Ptr,
    n: number,
    theta: Ptr,
    eta: number,
    work: Ptr,
    out: Ptr,
  ): number;
  mlpHvp(
    sizes: Ptr,
    layers: number,
    act: number,
    X: Ptr,
    Y: Ptr,
    n: number,
    theta: Ptr,
    v: Ptr,
    work: Ptr,
    out: Ptr,
  ): number;
  mlpActivation(act: number, order: number, z: number): number;
}

/** Largest layer width and sample count accepted (keeps every i32 offset of the kernels in range). */
const MAX_ENTRIES = 2 ** 28;

function isPositiveInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1;
}

function checkShape(shape: MlpShape): void {
  if (typeof shape !== 'object' || shape === null) throw invalidOption('shape', shape, 'an MlpShape object');
  if (!isPositiveInteger(shape.input)) throw invalidOption('input', shape.input, 'a positive integer');
  if (!isPositiveInteger(shape.output)) throw invalidOption('output', shape.output, 'a positive integer');
  if (!Array.isArray(shape.hidden) || !shape.hidden.every(isPositiveInteger)) {
    throw invalidOption('hidden', shape.hidden, 'an array of positive integers');
  }
  if (!Object.hasOwn(ACTIVATION_CODES, shape.activation as string)) {
    throw invalidOption('activation', shape.activation, `one of ${ACTIVATIONS.join(', ')}`);
  }
}

export class MlpEngine {
  readonly kernels: MlpKernels;
  readonly arena: Arena;
  readonly shape: MlpShape;
  readonly n: number;
  readonly parameterCount: number;
  /** d₀ … d_L. */
  readonly sizes: readonly number[];
  private readonly layers: number;
  private readonly act: number;
  private readonly p: { sizes: Ptr; X: Ptr; Y: Ptr; theta: Ptr; v: Ptr; out: Ptr; work: Ptr };

  constructor(shape: MlpShape, data: MlpData, raw: RawExports = instantiate()) {
    checkShape(shape);
    const sizes = [shape.input, ...shape.hidden, shape.output];
    if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'an MlpData object');
    const { n } = data;
    if (!isPositiveInteger(n)) throw invalidOption('n', n, 'a positive integer');
    const widest = Math.max(...sizes);
    if (n * widest > MAX_ENTRIES || sizes.some((d) => d > MAX_ENTRIES)) {
      throw invalidOption('n', n, `n × widest layer ≤ ${MAX_ENTRIES}`);
    }
    this.checkArray(data.X, n * shape.input, 'X');
    this.checkArray(data.Y, n * shape.output, 'Y');
    this.kernels = raw as MlpKernels;
    this.arena = new Arena(raw);
    this.shape = { ...shape, hidden: [...shape.hidden] };
    this.n = n;
    this.sizes = sizes;
    this.layers = sizes.length - 1;
    this.act = ACTIVATION_CODES[shape.activation];
    const k = this.kernels;
    const sizesPtr = this.arena.alloc(4 * sizes.length);
    this.arena.i32(sizesPtr, sizes.length).set(sizes);
    this.parameterCount = k.mlpParameterCount(sizesPtr, this.layers);
    const workLength = k.mlpWorkLength(sizesPtr, this.layers, n);
    const f = (count: number): Ptr => this.arena.alloc(count * 8);
    const P = this.parameterCount;
    this.p = {
      sizes: sizesPtr,
      X: f(n * shape.input),
      Y: f(n * shape.output),
      theta: f(P),
      v: f(P),
      out: f(P),
      work: f(workLength),
    };
    this.view(this.p.X, n * shape.input).set(data.X);
    this.view(this.p.Y, n * shape.output).set(data.Y);
  }

  private view(ptr: Ptr, length: number): Float64Array {
    return this.arena.f64(ptr, length);
  }

  private checkArray(x: unknown, length: number, label: string): void {
    if (!(x instanceof Float64Array) || x.length !== length) {
      throw invalidOption(
        label,
        x instanceof Float64Array ? `Float64Array(${x.length})` : typeof x,
        `a Float64Array of length ${length}`,
      );
    }
  }

  private setTheta(theta: Float64Array): void {
    this.checkArray(theta, this.parameterCount, 'theta');
    this.view(this.p.theta, this.parameterCount).set(theta);
  }

  /** Offsets of W_l and b_l (l = 1..L) inside θ. */
  layerOffsets(): { weights: number; bias: number; rows: number; columns: number }[] {
    const out = [];
    let off = 0;
    for (let l = 1; l < this.sizes.length; l++) {
      const rows = this.sizes[l] as number;
      const columns = this.sizes[l - 1] as number;
      out.push({ weights: off, bias: off + rows * columns, rows, columns });
      off += rows * (columns + 1);
    }
    return out;
  }

  /** θ₀ with W_l, b_l entries uniform in ±1/√(fan-in of layer l), seeded (Sfc32, stream 0). */
  initialParameters(seed: number): Float64Array {
    if (!Number.isInteger(seed)) throw invalidOption('seed', seed, 'an integer');
    const rng = new Sfc32(seed >>> 0, 0);
    const theta = new Float64Array(this.parameterCount);
    for (const { weights, rows, columns } of this.layerOffsets()) {
      const bound = 1 / Math.sqrt(columns);
      for (let i = weights; i < weights + rows * (columns + 1); i++) theta[i] = bound * (2 * rng.uniform() - 1);
    }
    return theta;
  }

  loss(theta: Float64Array): number {
    this.setTheta(theta);
    const { sizes, X, Y, work } = this.p;
    return this.kernels.mlpLoss(sizes, this.layers, this.act, X, Y, this.n, this.p.theta, work);
  }

  gradient(theta: Float64Array): { loss: number; gradient: Float64Array } {
    this.setTheta(theta);
    const { sizes, X, Y, work, out } = this.p;
    const loss = this.kernels.mlpGradient(sizes, this.layers, this.act, X, Y, this.n, this.p.theta, work, out);
    return { loss, gradient: this.view(out, this.parameterCount).slice() };
  }

  /** Exact ∇²L(θ)·v (Pearlmutter's R-operator). */
  hessianVectorProduct(theta: Float64Array, v: Float64Array): Float64Array {
    this.setTheta(theta);
    this.checkArray(v, this.parameterCount, 'v');
    this.view(this.p.v, this.parameterCount).set(v);
    const { sizes, X, Y, work, out } = this.p;
    this.kernels.mlpHvp(sizes, this.layers, this.act, X, Y, this.n, this.p.theta, this.p.v, work, out);
    return this.view(out, this.parameterCount).slice();
  }

  /** θ − η∇L(θ). */
  gdStep(theta: Float64Array, eta: number): Float64Array {
    if (typeof eta !== 'number' || !Number.isFinite(eta) || eta <= 0) {
      throw invalidOption('eta', eta, 'a finite number > 0');
    }
    this.setTheta(theta);
    const { sizes, X, Y, work, out } = this.p;
    this.kernels.mlpGdStep(sizes, this.layers, this.act, X, Y, this.n, this.p.theta, eta, work, out);
    return this.view(out, this.parameterCount).slice();
  }

  /** σ^(order)(z) of this engine's activation (order 0, 1 or 2), evaluated by the kernel. */
  activation(z: number, order: 0 | 1 | 2 = 0): number {
    return this.kernels.mlpActivation(this.act, order, z);
  }
}
