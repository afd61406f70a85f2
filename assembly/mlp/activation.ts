// Activations of the fully connected network (SPEC §5) with their first and second derivatives
// (the R-operator needs σ'' for the backward R-pass). Codes are mirrored in src/mlp/engine.ts.
//   0 tanh      σ = tanh z,              σ' = 1 − σ²,             σ'' = −2σ(1 − σ²)
//   1 hardtanh  σ = clamp(z, −1, 1),     σ' = [|z| < 1],          σ'' = 0 (a.e.)
//   2 relu      σ = max(z, 0),           σ' = [z > 0],            σ'' = 0 (a.e.)
//   3 elu (α=1) σ = z (z > 0), eᶻ − 1,   σ' = 1 (z > 0), eᶻ,       σ'' = 0 (z > 0), eᶻ
//   4 softplus  σ = log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|),  σ' = s = 1/(1 + e^−z),  σ'' = s(1 − s)
// At the kinks (hardtanh z = ±1, relu z = 0) the one-sided choice above is used.

export const ACT_TANH: i32 = 0;
export const ACT_HARDTANH: i32 = 1;
export const ACT_RELU: i32 = 2;
export const ACT_ELU: i32 = 3;
export const ACT_SOFTPLUS: i32 = 4;
export const ACT_COUNT: i32 = 5;

@inline
export function act0(a: i32, z: f64): f64 {
  if (a == ACT_TANH) return Math.tanh(z);
  if (a == ACT_HARDTANH) return z > 1.0 ? 1.0 : z < -1.0 ? -1.0 : z;
  if (a == ACT_RELU) return z > 0.0 ? z : 0.0;
  if (a == ACT_ELU) return z > 0.0 ? z : Math.expm1(z);
  return max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z)));
}

@inline
function sigmoid(z: f64): f64 {
  if (z >= 0.0) return 1.0 / (1.0 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1.0 + e);
}

@inline
export function act1(a: i32, z: f64): f64 {
  if (a == ACT_TANH) {
    const t = Math.tanh(z);
    return 1.0 - t * t;
  }
  if (a == ACT_HARDTANH) return Math.abs(z) < 1.0 ? 1.0 : 0.0;
  if (a == ACT_RELU) return z > 0.0 ? 1.0 : 0.0;
  if (a == ACT_ELU) return z > 0.0 ? 1.0 : Math.exp(z);
  return sigmoid(z);
}

@inline
export function act2(a: i32, z: f64): f64 {
  if (a == ACT_TANH) {
    const t = Math.tanh(z);
    return -2.0 * t * (1.0 - t * t);
  }
  if (a == ACT_HARDTANH || a == ACT_RELU) return 0.0;
  if (a == ACT_ELU) return z > 0.0 ? 0.0 : Math.exp(z);
  const s = sigmoid(z);
  return s * (1.0 - s);
}

/** σ^(order)(z) for order 0, 1, 2 (test hook; NaN for an unknown activation or order). */
export function mlpActivation(a: i32, order: i32, z: f64): f64 {
  if (a < 0 || a >= ACT_COUNT) return NaN;
  if (order == 0) return act0(a, z);
  if (order == 1) return act1(a, z);
  if (order == 2) return act2(a, z);
  return NaN;
}
