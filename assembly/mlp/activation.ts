// Activations of the fully connected network (model.md §5) with their first and second derivatives
// (the R-operator needs σ'' for the backward R-pass). The codes are the Activation enum below
// (generated into src/wasm/abi.ts for the host).
//   0 tanh      σ = tanh z,              σ' = 1 − σ²,             σ'' = −2σ(1 − σ²)
//   1 hardtanh  σ = clamp(z, −1, 1),     σ' = [|z| < 1],          σ'' = 0 (a.e.)
//   2 relu      σ = max(z, 0),           σ' = [z > 0],            σ'' = 0 (a.e.)
//   3 elu (α=1) σ = z (z > 0), eᶻ − 1,   σ' = 1 (z > 0), eᶻ,       σ'' = 0 (z > 0), eᶻ
//   4 softplus  σ = log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|),  σ' = s = 1/(1 + e^−z),  σ'' = s(1 − s)
// At the kinks (hardtanh z = ±1, relu z = 0) the one-sided choice above is used.

/**
 * Activation of the hidden layers.
 * @abi
 */
export enum Activation {
  /** tanh */
  tanh = 0,
  /** clamp(z, −1, 1) */
  hardtanh = 1,
  /** max(z, 0) */
  relu = 2,
  /** z for z > 0, eᶻ − 1 otherwise (α = 1) */
  elu = 3,
  /** log(1 + eᶻ) */
  softplus = 4,
}
export const ACT_COUNT: i32 = 5;

@inline
export function act0(a: i32, z: f64): f64 {
  if (a == Activation.tanh) return Math.tanh(z);
  if (a == Activation.hardtanh) return z > 1.0 ? 1.0 : z < -1.0 ? -1.0 : z;
  if (a == Activation.relu) return z > 0.0 ? z : 0.0;
  if (a == Activation.elu) return z > 0.0 ? z : Math.expm1(z);
  return max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z)));
}

@inline
function sigmoid(z: f64): f64 {
  if (z >= 0.0) return 1.0 / (1.0 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1.0 + e);
}

/**
 * σ'(z) given s = σ(z) from the forward pass: for tanh 1 − s² without a second tanh; the other
 * activations from z (s unused).
 */
@inline
export function act1At(a: i32, z: f64, s: f64): f64 {
  // no tanh call anywhere in here: an inlined tanh branch was evaluated speculatively for every
  // activation
  if (a == Activation.tanh) return 1.0 - s * s;
  if (a == Activation.hardtanh) return Math.abs(z) < 1.0 ? 1.0 : 0.0;
  if (a == Activation.relu) return z > 0.0 ? 1.0 : 0.0;
  if (a == Activation.elu) return z > 0.0 ? 1.0 : Math.exp(z);
  return sigmoid(z);
}

/** σ''(z) given s = σ(z): for tanh −2s(1 − s²); the others from z (s unused). */
@inline
export function act2At(a: i32, z: f64, s: f64): f64 {
  // no tanh call (see act1At)
  if (a == Activation.tanh) return -2.0 * s * (1.0 - s * s);
  if (a == Activation.hardtanh || a == Activation.relu) return 0.0;
  if (a == Activation.elu) return z > 0.0 ? 0.0 : Math.exp(z);
  const sg = sigmoid(z);
  return sg * (1.0 - sg);
}

/** σ^(order)(z) for order 0, 1, 2 (test hook; NaN for an unknown activation or order). */
export function mlpActivation(a: i32, order: i32, z: f64): f64 {
  if (a < 0 || a >= ACT_COUNT) return NaN;
  if (order == 0) return act0(a, z);
  if (order == 1) return act1At(a, z, act0(a, z));
  if (order == 2) return act2At(a, z, act0(a, z));
  return NaN;
}
