/**
 * Plain-JavaScript float64 reference for the fully connected networks of model.md §5: loops over
 * Float64Arrays, no WASM. It is the independent check of the WASM MLP engine and the JavaScript
 * baseline of `bench/mlp.bench.ts`.
 *
 * Network: a₀ = x; zₗ = Wₗ aₗ₋₁ + bₗ; aₗ = σ(zₗ) for the hidden layers; the output layer is
 * linear, f(x) = z_L. Loss (model.md §5): L(θ) = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖².
 *
 * Parameter layout of θ: W₁ (hidden₁ × input, row-major), b₁, W₂ (hidden₂ × hidden₁), b₂, …,
 * W_L (output × hidden_last), b_L.
 *
 * Activations: tanh; hardtanh = clamp(z, −1, 1); relu = max(0, z); elu (α = 1) = z for z > 0,
 * eᶻ − 1 otherwise; softplus = log(1 + eᶻ). At the kinks of hardtanh (|z| = 1) and relu (z = 0)
 * the derivative used is 0 (one-sided: σ'(z) = 1 only for |z| < 1, resp. z > 0), and σ'' = 0
 * everywhere for them, so the Hessian-vector product is that of the piecewise-linear pieces.
 *
 * Gradient by backpropagation; Hessian-vector product exact, by Pearlmutter's R-operator
 * (forward and backward passes of the directional derivative R{·} = d/dr(·)(θ + r v) at r = 0).
 */
import { invalidOption } from '../../src/base/errors.js';

export type MlpActivation = 'tanh' | 'hardtanh' | 'relu' | 'elu' | 'softplus';
export const MLP_ACTIVATIONS: readonly MlpActivation[] = ['tanh', 'hardtanh', 'relu', 'elu', 'softplus'];

export interface MlpShape {
  readonly input: number;
  readonly hidden: readonly number[];
  readonly output: number;
  readonly activation: MlpActivation;
}

/** A full batch: X is n × input, Y is n × output, both row-major. `DigitsData` fits. */
export interface MlpBatch {
  readonly n: number;
  readonly X: Float64Array;
  readonly Y: Float64Array;
}

/** One affine layer's place in θ: W at `weights` (rows × cols), b at `biases` (rows). */
export interface MlpLayer {
  readonly rows: number;
  readonly cols: number;
  readonly weights: number;
  readonly biases: number;
}

/** The layers of a shape with their offsets in θ, in order (first hidden layer first). */
export function mlpLayers(shape: MlpShape): MlpLayer[] {
  const widths = [shape.input, ...shape.hidden, shape.output];
  const layers: MlpLayer[] = [];
  let offset = 0;
  for (let l = 1; l < widths.length; l++) {
    const rows = widths[l] as number;
    const cols = widths[l - 1] as number;
    layers.push({ rows, cols, weights: offset, biases: offset + rows * cols });
    offset += rows * cols + rows;
  }
  return layers;
}

/** Number of parameters: Σₗ (widthₗ · widthₗ₋₁ + widthₗ). */
export function mlpParameterCount(shape: MlpShape): number {
  return mlpLayers(shape).reduce((total, layer) => total + layer.rows * layer.cols + layer.rows, 0);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** Validates a shape (positive integer widths, known activation). */
export function checkMlpShape(shape: MlpShape): MlpShape {
  if (typeof shape !== 'object' || shape === null) {
    throw invalidOption('shape', shape, 'an object { input, hidden, output, activation }');
  }
  if (!isPositiveInteger(shape.input)) throw invalidOption('input', shape.input, 'an integer >= 1');
  if (!isPositiveInteger(shape.output)) throw invalidOption('output', shape.output, 'an integer >= 1');
  if (!Array.isArray(shape.hidden) || !shape.hidden.every(isPositiveInteger)) {
    throw invalidOption('hidden', shape.hidden, 'an array of integers >= 1');
  }
  if (!MLP_ACTIVATIONS.includes(shape.activation)) {
    throw invalidOption('activation', shape.activation, `one of: ${MLP_ACTIVATIONS.join(', ')}`);
  }
  return shape;
}

function checkInputs(shape: MlpShape, data: MlpBatch, theta: Float64Array, v?: Float64Array): void {
  checkMlpShape(shape);
  if (typeof data !== 'object' || data === null) throw invalidOption('data', data, 'an object { n, X, Y }');
  if (!isPositiveInteger(data.n)) throw invalidOption('n', data.n, 'an integer >= 1');
  if (!(data.X instanceof Float64Array) || data.X.length !== data.n * shape.input) {
    throw invalidOption('X', data.X, `a Float64Array of n·input = ${data.n * shape.input} entries`);
  }
  if (!(data.Y instanceof Float64Array) || data.Y.length !== data.n * shape.output) {
    throw invalidOption('Y', data.Y, `a Float64Array of n·output = ${data.n * shape.output} entries`);
  }
  const count = mlpParameterCount(shape);
  if (!(theta instanceof Float64Array) || theta.length !== count) {
    throw invalidOption('theta', theta, `a Float64Array of ${count} parameters`);
  }
  if (v !== undefined && (!(v instanceof Float64Array) || v.length !== count)) {
    throw invalidOption('v', v, `a Float64Array of ${count} entries`);
  }
}

// ---------- activations: σ, σ', σ'' ----------

/** aᵢ = σ(zᵢ), and σ'(zᵢ), σ''(zᵢ) into the given arrays. */
function activate(
  activation: MlpActivation,
  z: Float64Array,
  a: Float64Array,
  d1: Float64Array,
  d2: Float64Array | null,
): void {
  const m = z.length;
  switch (activation) {
    case 'tanh':
      for (let i = 0; i < m; i++) {
        const t = Math.tanh(z[i] as number);
        const s = 1 - t * t;
        a[i] = t;
        d1[i] = s;
        if (d2) d2[i] = -2 * t * s;
      }
      return;
    case 'hardtanh':
      for (let i = 0; i < m; i++) {
        const x = z[i] as number;
        a[i] = x > 1 ? 1 : x < -1 ? -1 : x;
        d1[i] = x > -1 && x < 1 ? 1 : 0;
        if (d2) d2[i] = 0;
      }
      return;
    case 'relu':
      for (let i = 0; i < m; i++) {
        const x = z[i] as number;
        a[i] = x > 0 ? x : 0;
        d1[i] = x > 0 ? 1 : 0;
        if (d2) d2[i] = 0;
      }
      return;
    case 'elu':
      for (let i = 0; i < m; i++) {
        const x = z[i] as number;
        if (x > 0) {
          a[i] = x;
          d1[i] = 1;
          if (d2) d2[i] = 0;
        } else {
          const e = Math.exp(x);
          a[i] = Math.expm1(x);
          d1[i] = e;
          if (d2) d2[i] = e;
        }
      }
      return;
    case 'softplus':
      for (let i = 0; i < m; i++) {
        const x = z[i] as number;
        // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|); σ' = sigmoid(x); σ'' = sigmoid(x)(1 − sigmoid(x))
        const e = Math.exp(-Math.abs(x));
        a[i] = (x > 0 ? x : 0) + Math.log1p(e);
        const s = x >= 0 ? 1 / (1 + e) : e / (1 + e);
        d1[i] = s;
        if (d2) d2[i] = s * (1 - s);
      }
      return;
  }
}

// ---------- dense kernels (row-major, batch-major activations) ----------

/** Z (n × rows) = A (n × cols) Wᵀ + b, or Z += A Wᵀ (+ b) when `accumulate`. */
function affine(
  A: Float64Array,
  n: number,
  theta: Float64Array,
  layer: MlpLayer,
  Z: Float64Array,
  accumulate: boolean,
  withBias: boolean,
): void {
  const { rows, cols, weights, biases } = layer;
  for (let i = 0; i < n; i++) {
    const aRow = i * cols;
    for (let j = 0; j < rows; j++) {
      const wRow = weights + j * cols;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < cols; k += 4) {
        s0 += (A[aRow + k] as number) * (theta[wRow + k] as number);
        s1 += (A[aRow + k + 1] as number) * (theta[wRow + k + 1] as number);
        s2 += (A[aRow + k + 2] as number) * (theta[wRow + k + 2] as number);
        s3 += (A[aRow + k + 3] as number) * (theta[wRow + k + 3] as number);
      }
      for (; k < cols; k++) s0 += (A[aRow + k] as number) * (theta[wRow + k] as number);
      let s = s0 + s1 + s2 + s3;
      if (withBias) s += theta[biases + j] as number;
      const out = i * rows + j;
      Z[out] = accumulate ? (Z[out] as number) + s : s;
    }
  }
}

/** g[W] += Dᵀ A and g[b] += column sums of D, for D (n × rows), A (n × cols). */
function accumulateGradient(
  D: Float64Array,
  A: Float64Array | null,
  n: number,
  layer: MlpLayer,
  g: Float64Array,
  withBias: boolean,
): void {
  const { rows, cols, weights, biases } = layer;
  for (let i = 0; i < n; i++) {
    const aRow = i * cols;
    for (let j = 0; j < rows; j++) {
      const d = D[i * rows + j] as number;
      if (d === 0) continue;
      if (withBias) g[biases + j] = (g[biases + j] as number) + d;
      if (A === null) continue;
      const gRow = weights + j * cols;
      for (let k = 0; k < cols; k++) g[gRow + k] = (g[gRow + k] as number) + d * (A[aRow + k] as number);
    }
  }
}

/** Out (n × cols) = D (n × rows) W, or Out += D W when `accumulate`. */
function backward(
  D: Float64Array,
  n: number,
  theta: Float64Array,
  layer: MlpLayer,
  out: Float64Array,
  accumulate: boolean,
): void {
  const { rows, cols, weights } = layer;
  if (!accumulate) out.fill(0, 0, n * cols);
  for (let i = 0; i < n; i++) {
    const oRow = i * cols;
    for (let j = 0; j < rows; j++) {
      const d = D[i * rows + j] as number;
      if (d === 0) continue;
      const wRow = weights + j * cols;
      for (let k = 0; k < cols; k++) out[oRow + k] = (out[oRow + k] as number) + d * (theta[wRow + k] as number);
    }
  }
}

// ---------- forward pass ----------

export interface MlpForward {
  /** Pre-activations zₗ (n × widthₗ) of every layer; the last is the output f(x). */
  readonly Z: Float64Array[];
  /** Activations aₗ = σ(zₗ) of the hidden layers (n × widthₗ). */
  readonly A: Float64Array[];
  /** σ'(zₗ) and σ''(zₗ) of the hidden layers (σ'' only when requested). */
  readonly D1: Float64Array[];
  readonly D2: Float64Array[];
  /** L(θ). */
  readonly loss: number;
  /** Output residuals f(xᵢ) − yᵢ (n × output). */
  readonly residual: Float64Array;
}

function forwardPass(shape: MlpShape, data: MlpBatch, theta: Float64Array, secondDerivatives: boolean): MlpForward {
  const layers = mlpLayers(shape);
  const n = data.n;
  const Z: Float64Array[] = [];
  const A: Float64Array[] = [];
  const D1: Float64Array[] = [];
  const D2: Float64Array[] = [];
  let input = data.X;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l] as MlpLayer;
    const z = new Float64Array(n * layer.rows);
    affine(input, n, theta, layer, z, false, true);
    Z.push(z);
    if (l < layers.length - 1) {
      const a = new Float64Array(z.length);
      const d1 = new Float64Array(z.length);
      const d2 = secondDerivatives ? new Float64Array(z.length) : null;
      activate(shape.activation, z, a, d1, d2);
      A.push(a);
      D1.push(d1);
      if (d2) D2.push(d2);
      input = a;
    }
  }
  const out = Z[Z.length - 1] as Float64Array;
  const residual = new Float64Array(out.length);
  let sum = 0;
  for (let k = 0; k < out.length; k++) {
    const r = (out[k] as number) - (data.Y[k] as number);
    residual[k] = r;
    sum += r * r;
  }
  return { Z, A, D1, D2, loss: (0.5 * sum) / n, residual };
}

/** The forward pass: pre-activations, activations, loss. Exposed for tests (kink margins). */
export function referenceForward(shape: MlpShape, data: MlpBatch, theta: Float64Array): MlpForward {
  checkInputs(shape, data, theta);
  return forwardPass(shape, data, theta, false);
}

/** L(θ) = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖². */
export function referenceLoss(shape: MlpShape, data: MlpBatch, theta: Float64Array): number {
  checkInputs(shape, data, theta);
  return forwardPass(shape, data, theta, false).loss;
}

function gradientOf(shape: MlpShape, data: MlpBatch, theta: Float64Array, f: MlpForward): Float64Array {
  const layers = mlpLayers(shape);
  const n = data.n;
  const g = new Float64Array(theta.length);
  // δ_L = (f − y)/n
  let delta = new Float64Array(f.residual.length);
  for (let k = 0; k < delta.length; k++) delta[k] = (f.residual[k] as number) / n;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l] as MlpLayer;
    const input = l === 0 ? data.X : (f.A[l - 1] as Float64Array);
    accumulateGradient(delta, input, n, layer, g, true);
    if (l > 0) {
      const next = new Float64Array(n * layer.cols);
      backward(delta, n, theta, layer, next, false);
      const d1 = f.D1[l - 1] as Float64Array;
      for (let k = 0; k < next.length; k++) next[k] = (next[k] as number) * (d1[k] as number);
      delta = next;
    }
  }
  return g;
}

/** L(θ) and ∇L(θ) by backpropagation. */
export function referenceGradient(
  shape: MlpShape,
  data: MlpBatch,
  theta: Float64Array,
): { loss: number; gradient: Float64Array } {
  checkInputs(shape, data, theta);
  const f = forwardPass(shape, data, theta, false);
  return { loss: f.loss, gradient: gradientOf(shape, data, theta, f) };
}

/**
 * H(θ) v, exactly, by Pearlmutter's R-operator. With v = (Vₗ, cₗ) laid out as θ:
 *   forward:  R{a₀} = 0, R{zₗ} = Wₗ R{aₗ₋₁} + Vₗ aₗ₋₁ + cₗ, R{aₗ} = σ'(zₗ) ⊙ R{zₗ};
 *   backward: δ_L = (f − y)/n, R{δ_L} = R{z_L}/n,
 *             R{∂W_l} = R{δₗ} aₗ₋₁ᵀ + δₗ R{aₗ₋₁}ᵀ, R{∂bₗ} = R{δₗ},
 *             R{δₗ₋₁} = σ''(zₗ₋₁) ⊙ R{zₗ₋₁} ⊙ (Wₗᵀδₗ) + σ'(zₗ₋₁) ⊙ (Vₗᵀδₗ + Wₗᵀ R{δₗ})
 * (all per sample, summed over the batch).
 */
export function referenceHessianVectorProduct(
  shape: MlpShape,
  data: MlpBatch,
  theta: Float64Array,
  v: Float64Array,
): Float64Array {
  checkInputs(shape, data, theta, v);
  const layers = mlpLayers(shape);
  const n = data.n;
  const f = forwardPass(shape, data, theta, true);
  // R-forward
  const RZ: Float64Array[] = [];
  const RA: Float64Array[] = [];
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l] as MlpLayer;
    const rz = new Float64Array(n * layer.rows);
    const input = l === 0 ? data.X : (f.A[l - 1] as Float64Array);
    affine(input, n, v, layer, rz, false, true); // Vₗ aₗ₋₁ + cₗ
    if (l > 0) affine(RA[l - 1] as Float64Array, n, theta, layer, rz, true, false); // + Wₗ R{aₗ₋₁}
    RZ.push(rz);
    if (l < layers.length - 1) {
      const d1 = f.D1[l] as Float64Array;
      const ra = new Float64Array(rz.length);
      for (let k = 0; k < ra.length; k++) ra[k] = (d1[k] as number) * (rz[k] as number);
      RA.push(ra);
    }
  }
  // backward, with the R-backward alongside
  const hv = new Float64Array(theta.length);
  let delta = new Float64Array(f.residual.length);
  let rdelta = new Float64Array(f.residual.length);
  const rzOut = RZ[RZ.length - 1] as Float64Array;
  for (let k = 0; k < delta.length; k++) {
    delta[k] = (f.residual[k] as number) / n;
    rdelta[k] = (rzOut[k] as number) / n;
  }
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l] as MlpLayer;
    const input = l === 0 ? data.X : (f.A[l - 1] as Float64Array);
    accumulateGradient(rdelta, input, n, layer, hv, true);
    if (l > 0) accumulateGradient(delta, RA[l - 1] as Float64Array, n, layer, hv, false);
    if (l > 0) {
      const back = new Float64Array(n * layer.cols); // Wₗᵀ δₗ
      backward(delta, n, theta, layer, back, false);
      const rback = new Float64Array(n * layer.cols); // Vₗᵀ δₗ + Wₗᵀ R{δₗ}
      backward(delta, n, v, layer, rback, false);
      backward(rdelta, n, theta, layer, rback, true);
      const d1 = f.D1[l - 1] as Float64Array;
      const d2 = f.D2[l - 1] as Float64Array;
      const rz = RZ[l - 1] as Float64Array;
      const nextDelta = new Float64Array(back.length);
      const nextR = new Float64Array(back.length);
      for (let k = 0; k < back.length; k++) {
        const b = back[k] as number;
        nextDelta[k] = (d1[k] as number) * b;
        nextR[k] = (d2[k] as number) * (rz[k] as number) * b + (d1[k] as number) * (rback[k] as number);
      }
      delta = nextDelta;
      rdelta = nextR;
    }
  }
  return hv;
}

/**
 * One gradient-descent step θ' = θ − η ∇L(θ). Returns L(θ) (before the step) and θ', written into
 * `out` when given (it may be `theta` itself, for an in-place step), else into a new array.
 */
export function referenceGdStep(
  shape: MlpShape,
  data: MlpBatch,
  theta: Float64Array,
  eta: number,
  out?: Float64Array,
): { loss: number; theta: Float64Array } {
  if (typeof eta !== 'number' || !Number.isFinite(eta) || !(eta > 0)) {
    throw invalidOption('eta', eta, 'a finite number > 0');
  }
  const { loss, gradient } = referenceGradient(shape, data, theta);
  const next = out ?? new Float64Array(theta.length);
  if (next.length !== theta.length) throw invalidOption('out', out, `a Float64Array of ${theta.length} entries`);
  for (let k = 0; k < theta.length; k++) next[k] = (theta[k] as number) - eta * (gradient[k] as number);
  return { loss, theta: next };
}
