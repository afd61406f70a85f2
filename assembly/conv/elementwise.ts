// Elementwise layers and the loss of the convolutional networks (model.md §7.5), over `count`
// entries of any tensor.
//
// Activation y = σ(x), σ one of the fully connected network's (mlp/activation.ts: tanh, hardtanh,
// ReLU, ELU, softplus, with σ′ and σ″):
//   R-forward   R{y} = σ′(x) R{x}
//   backward    ∂x += σ′(x) ∂y
//   R-backward  R{∂x} += σ′(x) R{∂y} + σ″(x) ∂y R{x}
// A NaN input gives NaN for σ, σ′ and σ″ (ReLU's max(z, 0) would turn it into 0 and hide it).
//
// Residual addition y = a + b: R{y} = R{a} + R{b} (tensorAdd again); backward ∂a += ∂y, ∂b += ∂y
// and R-backward likewise on R{∂y} (tensorAccumulate).
//
// Loss on n samples of the batch's `total` (one-hot targets t, f the network's output rows):
//   L = (1/total) Σ ½ (f − t)²,  ∂f += (f − t)/total,  R{∂f} += R{f}/total
// (shards normalise by the whole batch so that their losses and gradients sum to the batch's).
// Forward passes overwrite their outputs; backward passes add.
import { at, ld, st } from '../abi';
import { act0, act1At, act2At, Activation } from '../mlp/activation';

// ReLU, the activation of the convolutional architectures, has its own loops: in a loop over
// act0 the optimiser evaluates tanh speculatively for every activation (a pure call hoisted above
// the branches), which makes ReLU as slow as tanh; and a branch on the sign of an activation
// mispredicts half the time (the engine's f64 `select` and `max` are branches too). So its loops
// are branch-free masks over pairs: ReLU(z) = z where z > 0 or z is NaN, else +0; σ′(z)·a = a
// where z > 0, z (a NaN) where z is NaN, else +0. The values are act0/act1At's (σ′·a = 0·a may
// be −0 there, +0 here: equal values).

/** Lanes where z > 0 (all ones), and lanes where z is NaN. */
@inline
function positive(z: v128): v128 {
  return f64x2.gt(z, f64x2.splat(0.0));
}

@inline
function isNaN2(z: v128): v128 {
  return f64x2.ne(z, z);
}

/** y = ReLU(x) over count entries. */
function reluForward(count: i32, x: usize, y: usize): void {
  let k = 0;
  for (; k + 1 < count; k += 2) {
    const z = v128.load(at(x, k));
    v128.store(at(y, k), v128.and(z, v128.or(positive(z), isNaN2(z))));
  }
  if (k < count) {
    const z = ld(x, k);
    st(y, k, z > 0.0 || z != z ? z : 0.0);
  }
}

/** out (+)= σ′(x)·a for ReLU over count entries (add: accumulate into out). */
function reluScale(count: i32, x: usize, a: usize, out: usize, add: bool): void {
  let k = 0;
  for (; k + 1 < count; k += 2) {
    const z = v128.load(at(x, k));
    const v = v128.or(v128.and(v128.load(at(a, k)), positive(z)), v128.and(z, isNaN2(z)));
    v128.store(at(out, k), add ? f64x2.add(v128.load(at(out, k)), v) : v);
  }
  if (k < count) {
    const z = ld(x, k);
    const v = z > 0.0 ? ld(a, k) : z != z ? z : 0.0;
    st(out, k, add ? ld(out, k) + v : v);
  }
}

/** y = σ(x). */
export function activationForward(act: i32, count: i32, x: usize, y: usize): void {
  if (act == Activation.relu) {
    reluForward(count, x, y);
    return;
  }
  for (let k = 0; k < count; k++) {
    const z = ld(x, k);
    st(y, k, z != z ? z : act0(act, z));
  }
}

/** R{y} = σ′(x) R{x} (rx = 0: zeros); y = σ(x) from the forward pass. */
export function activationRForward(act: i32, count: i32, x: usize, y: usize, rx: usize, ry: usize): void {
  if (rx == 0) {
    memory.fill(ry, 0, <usize>count << 3);
    return;
  }
  if (act == Activation.relu) {
    reluScale(count, x, rx, ry, false);
    return;
  }
  for (let k = 0; k < count; k++) {
    const z = ld(x, k);
    const d1 = z != z ? z : act1At(act, z, ld(y, k));
    st(ry, k, d1 * ld(rx, k));
  }
}

/** gx += σ′(x) gy. */
export function activationBackward(act: i32, count: i32, x: usize, y: usize, gy: usize, gx: usize): void {
  if (act == Activation.relu) {
    reluScale(count, x, gy, gx, true);
    return;
  }
  for (let k = 0; k < count; k++) {
    const z = ld(x, k);
    const d1 = z != z ? z : act1At(act, z, ld(y, k));
    st(gx, k, ld(gx, k) + d1 * ld(gy, k));
  }
}

/** R{gx} += σ′(x) R{gy} + σ″(x) gy R{x} (rx = 0, or ReLU, whose σ″ = 0: the first term only). */
export function activationRBackward(
  act: i32, count: i32, x: usize, y: usize, gy: usize, rx: usize, rgy: usize, rgx: usize,
): void {
  if (rx == 0 || act == Activation.relu) {
    activationBackward(act, count, x, y, rgy, rgx);
    return;
  }
  for (let k = 0; k < count; k++) {
    const z = ld(x, k);
    const s = ld(y, k);
    const nan = z != z;
    const d1 = nan ? z : act1At(act, z, s);
    const d2 = nan ? z : act2At(act, z, s);
    st(rgx, k, ld(rgx, k) + (d1 * ld(rgy, k) + d2 * ld(gy, k) * ld(rx, k)));
  }
}

/** y = a + b (residual addition; y may alias a or b). Pairs in f64x2 lanes (the same sums). */
export function tensorAdd(count: i32, a: usize, b: usize, y: usize): void {
  let k = 0;
  for (; k + 1 < count; k += 2) v128.store(at(y, k), f64x2.add(v128.load(at(a, k)), v128.load(at(b, k))));
  if (k < count) st(y, k, ld(a, k) + ld(b, k));
}

/** dst += src (the backward of an addition, or of a layer whose output feeds two others). */
export function tensorAccumulate(count: i32, src: usize, dst: usize): void {
  let k = 0;
  for (; k + 1 < count; k += 2) v128.store(at(dst, k), f64x2.add(v128.load(at(dst, k)), v128.load(at(src, k))));
  if (k < count) st(dst, k, ld(dst, k) + ld(src, k));
}

/** L = (1/total) Σ ½ (f − t)² over `count` = rows × outputs entries. */
export function mseLoss(count: i32, f: usize, target: usize, total: i32): f64 {
  let sum = 0.0;
  for (let k = 0; k < count; k++) {
    const r = ld(f, k) - ld(target, k);
    sum += r * r;
  }
  return (0.5 * sum) / <f64>total;
}

/** gf += (f − t)/total; returns L as mseLoss. */
export function mseBackward(count: i32, f: usize, target: usize, total: i32, gf: usize): f64 {
  const inv = 1.0 / <f64>total;
  for (let k = 0; k < count; k++) st(gf, k, ld(gf, k) + (ld(f, k) - ld(target, k)) * inv);
  return mseLoss(count, f, target, total);
}

/** R{gf} += R{f}/total. */
export function mseRBackward(count: i32, rf: usize, total: i32, rgf: usize): void {
  const inv = 1.0 / <f64>total;
  for (let k = 0; k < count; k++) st(rgf, k, ld(rgf, k) + ld(rf, k) * inv);
}
