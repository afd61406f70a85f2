// Activations of the float32 network kernels (network32.ts): the functions of assembly/mlp/
// activation.ts (codes and formulas there), evaluated in f64 on the widened f32 argument and
// rounded once to f32 (so each value is the correctly rounded σ up to one f64 rounding). The
// derivatives take both z and a = σ(z) as stored by the forward pass: tanh's come from a alone,
//   σ' = 1 − a²,  σ'' = −2a(1 − a²),
// which saves re-evaluating tanh in the backward pass; the others use z as in activation.ts.
import { Activation, act0, act1At, act2At } from '../mlp/activation';

@inline
export function act0f(a: i32, z: f32): f32 {
  if (a == Activation.tanh) return <f32>Math.tanh(<f64>z);
  if (a == Activation.hardtanh) return z > 1.0 ? 1.0 : z < -1.0 ? -1.0 : z;
  if (a == Activation.relu) return z > 0.0 ? z : 0.0;
  // constant codes below: a fallback on act0(a, …) carried its tanh branch, which the optimiser
  // evaluated speculatively for every activation
  if (a == Activation.elu) return <f32>act0(Activation.elu, <f64>z);
  return <f32>act0(Activation.softplus, <f64>z);
}

/** σ'(z) given s = σ(z). */
@inline
export function act1f(a: i32, z: f32, s: f32): f32 {
  if (a == Activation.tanh) return <f32>1.0 - s * s;
  if (a == Activation.hardtanh) return Mathf.abs(z) < 1.0 ? 1.0 : 0.0;
  if (a == Activation.relu) return z > 0.0 ? 1.0 : 0.0;
  return <f32>act1At(a, <f64>z, <f64>s); // elu, softplus: from z
}

/** σ''(z) given s = σ(z). */
@inline
export function act2f(a: i32, z: f32, s: f32): f32 {
  if (a == Activation.tanh) return <f32>-2.0 * s * (<f32>1.0 - s * s);
  if (a == Activation.hardtanh || a == Activation.relu) return 0.0;
  return <f32>act2At(a, <f64>z, <f64>s); // elu, softplus: from z
}
