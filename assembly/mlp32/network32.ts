// The fully connected network of assembly/mlp/network.ts (model.md §5; formulas, θ layout and the
// shard ABI in that file's header) in float32: X, Y, θ, v, the outputs and the work are f32 arrays,
// every matrix product and activation is f32 (gemm32.ts, activation32.ts), and only the loss
// Σ ½‖f(xᵢ) − yᵢ‖² / total and the bias-gradient column sums accumulate in f64 (the loss is
// returned as f64). Same rows-and-total shard ABI as the f64 kernels:
//   Lₛ = (1/total) Σ_{i∈s} ½‖f(xᵢ) − yᵢ‖²,  Δ_L = (Z_L − Y)/total,  ∇W_l = Δ_lᵀ A_{l−1},
//   ∇b_l = Σ_i Δ_l[i, ·],  E_{l−1} = Δ_l W_l,  Δ_{l−1} = E_{l−1} ⊙ σ'(Z_{l−1}),
// and Pearlmutter's R-operator for Hv exactly as in network.ts.
//
// Passes as in network.ts: forward (Z, A), backward (the E chain E_{l−1} = Δ_l W_l kept per layer,
// E_L = Δ_L, and optionally ∇L), then rForward and rBackward for an HVP, which only read Z, A, E:
// mlp32Prepare + mlp32HvpPrepared reuse one forward pass for many v at one θ (Lanczos), the same
// bits as mlp32Hvp.
//
// Work (f32 entries, mlp32WorkLength): first an f64 column-sum buffer (2·max_l d_l floats), then
// per layer l = 1..L the blocks Z_l, A_l, R{Z_l}, R{A_l}, E_l (n·d_l each), then Δ, Δ', R{Δ}, R{Δ'}
// (n·max_l d_l each), then the transpose scratch of gemm32.ts (max(max_l d_{l−1}·d_l, n·max_l d_l)).
// The work must be 8-byte aligned. Outputs never alias the work, θ or v.
import { Activation } from '../mlp/activation';
import { act0f, act1f, act2f } from './activation32';
import { gemmNN32, gemmNTPre32, gemmTN32, transpose32 } from './gemm32';

@inline
function dim(sizes: usize, i: i32): i32 {
  return load<i32>(sizes + (<usize>i << 2));
}

/** base + offset floats. */
@inline
function fp(base: usize, offset: i32): usize {
  return base + (<usize>offset << 2);
}

@inline
function ldf(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline
function stf(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

function maxWidth(sizes: usize, layers: i32): i32 {
  let m = 0;
  for (let l = 1; l <= layers; l++) m = max(m, dim(sizes, l));
  return m;
}

/** Offset (in floats) of W_l inside θ. */
function paramOffset(sizes: usize, l: i32): i32 {
  let p = 0;
  for (let k = 1; k < l; k++) p += dim(sizes, k) * (dim(sizes, k - 1) + 1);
  return p;
}

/** Floats of the f64 column-sum buffer at the start of the work. */
@inline
function sumsLength(sizes: usize, layers: i32): i32 {
  return 2 * maxWidth(sizes, layers);
}

/** Offset (in floats) of the Z_l block; A_l, R{Z_l}, R{A_l}, E_l follow at + n·d_l each. */
function layerOffset(sizes: usize, layers: i32, n: i32, l: i32): i32 {
  let p = sumsLength(sizes, layers);
  for (let k = 1; k < l; k++) p += 5 * n * dim(sizes, k);
  return p;
}

function deltaOffset(sizes: usize, layers: i32, n: i32): i32 {
  return layerOffset(sizes, layers, n, layers + 1);
}

function scratchOffset(sizes: usize, layers: i32, n: i32): i32 {
  return deltaOffset(sizes, layers, n) + 4 * n * maxWidth(sizes, layers);
}

function scratchLength(sizes: usize, layers: i32, n: i32): i32 {
  let m = n * maxWidth(sizes, layers);
  for (let l = 1; l <= layers; l++) m = max(m, dim(sizes, l - 1) * dim(sizes, l));
  return m;
}

/** Length (f32 entries) of the work area of every mlp32 kernel over n rows. */
export function mlp32WorkLength(sizes: usize, layers: i32, n: i32): i32 {
  return scratchOffset(sizes, layers, n) + scratchLength(sizes, layers, n);
}

/** Each of the n rows of C (n × d) ← b. */
function fillRows(C: usize, n: i32, d: i32, b: usize): void {
  const row = <usize>d << 2;
  for (let i = 0; i < n; i++) memory.copy(C + <usize>i * row, b, row);
}

/** out[j] = Σ_i D[i, j] (D is n × d), summed in f64 in `sums` (d doubles) and rounded once. */
function columnSums(D: usize, n: i32, d: i32, sums: usize, out: usize): void {
  memory.fill(sums, 0, <usize>d << 3);
  for (let i = 0; i < n; i++) {
    const r = fp(D, i * d);
    for (let j = 0; j < d; j++) {
      const s = sums + (<usize>j << 3);
      store<f64>(s, load<f64>(s) + <f64>ldf(r, j));
    }
  }
  for (let j = 0; j < d; j++) stf(out, j, <f32>load<f64>(sums + (<usize>j << 3)));
}

/** A = σ(Z) over `count` entries, one loop per activation (why: network.ts's `activate`). */
function activate32(act: i32, Z: usize, A: usize, count: i32): void {
  if (act == Activation.tanh) {
    for (let k = 0; k < count; k++) stf(A, k, act0f(Activation.tanh, ldf(Z, k)));
  } else if (act == Activation.hardtanh) {
    for (let k = 0; k < count; k++) stf(A, k, act0f(Activation.hardtanh, ldf(Z, k)));
  } else if (act == Activation.relu) {
    for (let k = 0; k < count; k++) stf(A, k, act0f(Activation.relu, ldf(Z, k)));
  } else if (act == Activation.elu) {
    for (let k = 0; k < count; k++) stf(A, k, act0f(Activation.elu, ldf(Z, k)));
  } else {
    for (let k = 0; k < count; k++) stf(A, k, act0f(Activation.softplus, ldf(Z, k)));
  }
}

/** Forward pass over the n rows: Z_l, A_l into the work; returns the loss (f64 sum). */
function forward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
): f64 {
  const T = fp(work, scratchOffset(sizes, layers, n));
  let aPrev = X;
  let off = 0;
  for (let l = 1; l <= layers; l++) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const nd = n * dout;
    const W = fp(theta, off);
    const Z = fp(work, layerOffset(sizes, layers, n, l));
    const A = fp(Z, nd);
    transpose32(W, T, dout, din);
    fillRows(Z, n, dout, fp(W, dout * din));
    gemmNTPre32(aPrev, T, Z, n, dout, din);
    if (l < layers) {
      activate32(act, Z, A, nd);
      aPrev = A;
    }
    off += dout * (din + 1);
  }
  const ZL = fp(work, layerOffset(sizes, layers, n, layers));
  const m = n * dim(sizes, layers);
  let sum = 0.0;
  for (let k = 0; k < m; k++) {
    const r = <f64>ldf(ZL, k) - <f64>ldf(Y, k);
    sum += r * r;
  }
  return (0.5 * sum) / <f64>total;
}

/** Backward pass after `forward`: Δ_L into E_L, E_{l−1} = Δ_l W_l into E_{l−1}, ∇L when grad ≠ 0. */
function backward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
  grad: usize,
): void {
  const sums = work;
  const T = fp(work, scratchOffset(sizes, layers, n));
  const dBase = fp(work, deltaOffset(sizes, layers, n));
  const stride = n * maxWidth(sizes, layers);
  let D = dBase;
  let Dn = fp(dBase, stride);
  const dL = dim(sizes, layers);
  const ZL = fp(work, layerOffset(sizes, layers, n, layers));
  const EL = fp(ZL, 4 * n * dL);
  const invN = 1.0 / <f64>total;
  const m = n * dL;
  for (let k = 0; k < m; k++) {
    const d = <f32>((<f64>ldf(ZL, k) - <f64>ldf(Y, k)) * invN);
    stf(D, k, d);
    stf(EL, k, d);
  }
  for (let l = layers; l >= 1; l--) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const off = paramOffset(sizes, l);
    const W = fp(theta, off);
    let aPrev = X;
    let zPrev: usize = 0;
    if (l > 1) {
      zPrev = fp(work, layerOffset(sizes, layers, n, l - 1));
      aPrev = fp(zPrev, n * din);
    }
    if (grad != 0) {
      const gW = fp(grad, off);
      memory.fill(gW, 0, <usize>(dout * din) << 2);
      gemmTN32(D, aPrev, gW, n, dout, din, T);
      columnSums(D, n, dout, sums, fp(gW, dout * din));
    }
    if (l > 1) {
      const nd = n * din;
      const E = fp(zPrev, 4 * nd);
      memory.fill(E, 0, <usize>nd << 2);
      gemmNN32(D, W, E, n, din, dout); // E = Δ W
      for (let k = 0; k < nd; k++) stf(Dn, k, ldf(E, k) * act1f(act, ldf(zPrev, k), ldf(aPrev, k)));
      const t = D;
      D = Dn;
      Dn = t;
    }
  }
}

/** Forward R-pass after `forward`: R{Z_l}, R{A_l}. */
function rForward(sizes: usize, layers: i32, act: i32, X: usize, n: i32, theta: usize, v: usize, work: usize): void {
  const T = fp(work, scratchOffset(sizes, layers, n));
  let aPrev = X;
  let raPrev: usize = 0;
  let off = 0;
  for (let l = 1; l <= layers; l++) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const nd = n * dout;
    const W = fp(theta, off);
    const V = fp(v, off);
    const Z = fp(work, layerOffset(sizes, layers, n, l));
    const A = fp(Z, nd);
    const RZ = fp(A, nd);
    const RA = fp(RZ, nd);
    fillRows(RZ, n, dout, fp(V, dout * din));
    if (raPrev != 0) {
      transpose32(W, T, dout, din);
      gemmNTPre32(raPrev, T, RZ, n, dout, din);
    }
    transpose32(V, T, dout, din);
    gemmNTPre32(aPrev, T, RZ, n, dout, din);
    if (l < layers) {
      for (let k = 0; k < nd; k++) stf(RA, k, act1f(act, ldf(Z, k), ldf(A, k)) * ldf(RZ, k));
      aPrev = A;
      raPrev = RA;
    }
    off += dout * (din + 1);
  }
}

/** Backward R-pass after forward, backward (E chain) and rForward: Hv into hv. */
function rBackward(
  sizes: usize, layers: i32, act: i32, X: usize, n: i32, total: i32, theta: usize, v: usize, work: usize, hv: usize,
): void {
  const sums = work;
  const T = fp(work, scratchOffset(sizes, layers, n));
  const dBase = fp(work, deltaOffset(sizes, layers, n));
  const stride = n * maxWidth(sizes, layers);
  const dL = dim(sizes, layers);
  const ZL = fp(work, layerOffset(sizes, layers, n, layers));
  let D = fp(ZL, 4 * n * dL); // Δ_L, where backward left it
  let Dn = dBase;
  let Dfree = fp(dBase, stride);
  let RD = fp(Dfree, stride);
  let RDn = fp(RD, stride);
  const RZL = fp(ZL, 2 * n * dL);
  const invN = 1.0 / <f64>total;
  const m = n * dL;
  for (let k = 0; k < m; k++) stf(RD, k, <f32>(<f64>ldf(RZL, k) * invN));
  for (let l = layers; l >= 1; l--) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const off = paramOffset(sizes, l);
    const W = fp(theta, off);
    let aPrev = X;
    let raPrev: usize = 0;
    let zPrev: usize = 0;
    if (l > 1) {
      zPrev = fp(work, layerOffset(sizes, layers, n, l - 1));
      aPrev = fp(zPrev, n * din);
      raPrev = fp(zPrev, 3 * n * din);
    }
    const hW = fp(hv, off);
    memory.fill(hW, 0, <usize>(dout * din) << 2);
    gemmTN32(RD, aPrev, hW, n, dout, din, T);
    if (raPrev != 0) gemmTN32(D, raPrev, hW, n, dout, din, T);
    columnSums(RD, n, dout, sums, fp(hW, dout * din));
    if (l > 1) {
      const nd = n * din;
      const V = fp(v, off);
      memory.fill(RDn, 0, <usize>nd << 2);
      gemmNN32(RD, W, RDn, n, din, dout); // R{E} = R{Δ} W + Δ V
      gemmNN32(D, V, RDn, n, din, dout);
      const RZp = fp(zPrev, 2 * nd);
      const E = fp(zPrev, 4 * nd);
      for (let k = 0; k < nd; k++) {
        const z = ldf(zPrev, k);
        const s = ldf(aPrev, k);
        const e = ldf(E, k);
        const s1 = act1f(act, z, s);
        stf(RDn, k, ldf(RDn, k) * s1 + e * act2f(act, z, s) * ldf(RZp, k));
        stf(Dn, k, e * s1);
      }
      D = Dn;
      const t = Dn;
      Dn = Dfree;
      Dfree = t;
      const r = RD;
      RD = RDn;
      RDn = r;
    }
  }
}

/** L(θ) over the n rows, normalised by total. */
export function mlp32Loss(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
): f64 {
  return forward(sizes, layers, act, X, Y, n, total, theta, work);
}

/** ∇L(θ) → grad (P floats); returns L(θ). Leaves the work prepared for mlp32HvpPrepared at θ. */
export function mlp32Gradient(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize, grad: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, work);
  backward(sizes, layers, act, X, Y, n, total, theta, work, grad);
  return l;
}

/** Forward pass and E chain at θ (shared by every HVP at θ); returns L(θ). */
export function mlp32Prepare(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, work);
  backward(sizes, layers, act, X, Y, n, total, theta, work, 0);
  return l;
}

/** ∇²L(θ) v → out from a work prepared at this θ (mlp32Prepare or mlp32Gradient): the R-passes. */
export function mlp32HvpPrepared(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
  out: usize,
): void {
  rForward(sizes, layers, act, X, n, theta, v, work);
  rBackward(sizes, layers, act, X, n, total, theta, v, work, out);
}

/** Exact Hessian-vector product ∇²L(θ) v → out (P floats; must not alias θ or v); returns L(θ). */
export function mlp32Hvp(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
  out: usize,
): f64 {
  const l = mlp32Prepare(sizes, layers, act, X, Y, n, total, theta, work);
  mlp32HvpPrepared(sizes, layers, act, X, Y, n, total, theta, v, work, out);
  return l;
}
