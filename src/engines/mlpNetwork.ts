/**
 * The network of the MLP engine (engines/mlp.ts), independent of any WASM instance: the shape
 * input → hidden… → output with an activation on the hidden layers, the data, their validation,
 * and the parameter layout θ = [W₁ (d₁ × d₀ row-major), b₁, W₂ (d₂ × d₁), b₂, …, W_L, b_L] with its
 * seeded initialisation.
 */
import { invalidOption } from '../base/errors.js';
import { Sfc32 } from '../base/random.js';
import { Activation as ActivationCode } from '../wasm/abi.js';

export type Activation = 'tanh' | 'hardtanh' | 'relu' | 'elu' | 'softplus';

/** Activation codes: the Activation enum of `assembly/mlp/activation.ts` (generated). */
export const ACTIVATION_CODES: Readonly<Record<Activation, number>> = ActivationCode;

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

/** The architecture of Cohen et al. 2021 (docs/model.md §5): 784 → 200 → 200 → 10. */
export const DEFAULT_HIDDEN: readonly number[] = [200, 200];

/** Largest layer width and sample count accepted (keeps every i32 offset of the kernels in range). */
const MAX_ENTRIES = 2 ** 28;

/** Offsets of W_l and b_l inside θ, with W_l's rows × columns. */
export interface LayerOffsets {
  weights: number;
  bias: number;
  rows: number;
  columns: number;
}

export function isPositiveInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1;
}

export function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** Throws `invalidOption(label, …)` unless `x` is a finite number > 0; returns it. */
export function checkPositive(x: unknown, label: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw invalidOption(label, x, 'a finite number > 0');
  return x;
}

/** P = Σ_l d_l (d_{l−1} + 1) for layer sizes d₀ … d_L (mlpParameterCount of the kernels). */
export function parameterCountOf(sizes: readonly number[]): number {
  let P = 0;
  for (let l = 1; l < sizes.length; l++) P += (sizes[l] as number) * ((sizes[l - 1] as number) + 1);
  return P;
}

/** Throws `invalidOption(label, …)` unless `x` is a Float64Array of `length` entries. */
export function checkArray(x: unknown, length: number, label: string): void {
  if (!(x instanceof Float64Array) || x.length !== length) {
    throw invalidOption(
      label,
      x instanceof Float64Array ? `Float64Array(${x.length})` : typeof x,
      `a Float64Array of length ${length}`,
    );
  }
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

/**
 * Validates a shape and its data (errors name the field: input, output, hidden, activation, data,
 * n, X, Y) and returns the layer sizes d₀ … d_L.
 */
export function checkNetwork(shape: MlpShape, data: MlpData): number[] {
  checkShape(shape);
  const sizes = [shape.input, ...shape.hidden, shape.output];
  if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'an MlpData object');
  const { n } = data;
  if (!isPositiveInteger(n)) throw invalidOption('n', n, 'a positive integer');
  const widest = Math.max(...sizes);
  if (n * widest > MAX_ENTRIES || sizes.some((d) => d > MAX_ENTRIES)) {
    throw invalidOption('n', n, `n × widest layer ≤ ${MAX_ENTRIES}`);
  }
  checkArray(data.X, n * shape.input, 'X');
  checkArray(data.Y, n * shape.output, 'Y');
  return sizes;
}

/** Offsets of W_l and b_l (l = 1..L) inside θ for layer sizes d₀ … d_L. */
export function layerOffsets(sizes: readonly number[]): LayerOffsets[] {
  const out = [];
  let off = 0;
  for (let l = 1; l < sizes.length; l++) {
    const rows = sizes[l] as number;
    const columns = sizes[l - 1] as number;
    out.push({ weights: off, bias: off + rows * columns, rows, columns });
    off += rows * (columns + 1);
  }
  return out;
}

/**
 * θ₀ (length `parameterCount`) with W_l, b_l entries uniform in ±1/√(fan-in of layer l), seeded
 * (Sfc32, stream 0).
 */
export function initialParameters(sizes: readonly number[], parameterCount: number, seed: number): Float64Array {
  if (!Number.isInteger(seed)) throw invalidOption('seed', seed, 'an integer');
  const rng = new Sfc32(seed >>> 0, 0);
  const theta = new Float64Array(parameterCount);
  for (const { weights, rows, columns } of layerOffsets(sizes)) {
    const bound = 1 / Math.sqrt(columns);
    for (let i = weights; i < weights + rows * (columns + 1); i++) theta[i] = bound * (2 * rng.uniform() - 1);
  }
  return theta;
}
