// The fully connected network of assembly/mlp/network.ts (model.md §5; formulas, θ layout and the
// shard ABI in that file's header) in float32: X, Y, θ, v, the outputs and the work are f32 arrays,
// every matrix product and activation is f32 (gemm32.ts, activation32.ts), and only the loss
// Σ ½‖f(xᵢ) − yᵢ‖² / total and the bias-gradient column sums accumulate in f64 (the loss is
// returned as f64). Same rows-and-total shard ABI as the f64 kernels:
//   Lₛ = (1/total) Σ_{i∈s} ½‖f(xᵢ) − yᵢ‖²,  Δ_L = (Z_L − Y)/total,  ∇W_l = Δ_lᵀ A_{l−1},
//   ∇b_l = Σ_i Δ_l[i, ·],  E_{l−1} = Δ_l W_l,  Δ_{l−1} = E_{l−1} ⊙ σ'(Z_{l−1}),
// and Pearlmutter's R-operator for Hv exactly as in network.ts.
//
// Work (f32 entries, mlp32WorkLength): first an f64 column-sum buffer (2·max_l d_l floats), then
// per layer l = 1..L the blocks Z_l, A_l, R{Z_l}, R{A_l} (n·d_l each), then Δ, Δ', R{Δ}, R{Δ'}
// (n·max_l d_l each), then the transpose scratch of gemm32.ts (max(max_l d_{l−1}·d_l, n·max_l d_l)).
// The work must be 8-byte aligned. Outputs never alias the work, θ or v.
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

/** Offset (in floats) of the Z_l block; A_l, R{Z_l}, R{A_l} follow at + n·d_l each. */
function layerOffset(sizes: usize, layers: i32, n: i32, l: i32): i32 {
  let p = sumsLength(sizes, layers);
  for (let k = 1; k < l; k++) p += 4 * n * dim(sizes, k);
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

/** Forward pass (and forward R-pass when v ≠ 0) over the n rows; returns the loss (f64 sum). */
function forward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
): f64 {
  const T = fp(work, scratchOffset(sizes, layers, n));
  let aPrev = X;
  let raPrev: usize = 0;
  let off = 0;
  for (let l = 1; l <= layers; l++) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const nd = n * dout;
    const W = fp(theta, off);
    const b = fp(W, dout * din);
    const Z = fp(work, layerOffset(sizes, layers, n, l));
    const A = fp(Z, nd);
    const RZ = fp(A, nd);
    const RA = fp(RZ, nd);
    transpose32(W, T, dout, din); // Wᵀ, shared by Z and R{Z}
    fillRows(Z, n, dout, b);
    gemmNTPre32(aPrev, T, Z, n, dout, din);
    if (v != 0) {
      const V = fp(v, off);
      fillRows(RZ, n, dout, fp(V, dout * din));
      if (raPrev != 0) gemmNTPre32(raPrev, T, RZ, n, dout, din);
      transpose32(V, T, dout, din);
      gemmNTPre32(aPrev, T, RZ, n, dout, din);
    }
    if (l < layers) {
      if (v != 0) {
        for (let k = 0; k < nd; k++) {
          const z = ldf(Z, k);
          const s = act0f(act, z);
          stf(A, k, s);
          stf(RA, k, act1f(act, z, s) * ldf(RZ, k));
        }
      } else {
        for (let k = 0; k < nd; k++) stf(A, k, act0f(act, ldf(Z, k)));
      }
      aPrev = A;
      raPrev = v != 0 ? RA : 0;
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

/**
 * Backward pass after `forward`: the gradient into `grad` (when ≠ 0) and, when v ≠ 0, the backward
 * R-pass with Hv into `hv`.
 */
function backward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
  grad: usize, hv: usize,
): void {
  const sums = work;
  const T = fp(work, scratchOffset(sizes, layers, n));
  const dBase = fp(work, deltaOffset(sizes, layers, n));
  const stride = n * maxWidth(sizes, layers);
  let D = dBase;
  let Dn = fp(dBase, stride);
  let RD = fp(Dn, stride);
  let RDn = fp(RD, stride);
  const ZL = fp(work, layerOffset(sizes, layers, n, layers));
  const RZL = fp(ZL, 2 * n * dim(sizes, layers));
  const invN = 1.0 / <f64>total;
  const m = n * dim(sizes, layers);
  for (let k = 0; k < m; k++) {
    stf(D, k, <f32>((<f64>ldf(ZL, k) - <f64>ldf(Y, k)) * invN));
    if (v != 0) stf(RD, k, <f32>(<f64>ldf(RZL, k) * invN));
  }
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
    if (grad != 0) {
      const gW = fp(grad, off);
      memory.fill(gW, 0, <usize>(dout * din) << 2);
      gemmTN32(D, aPrev, gW, n, dout, din, T);
      columnSums(D, n, dout, sums, fp(gW, dout * din));
    }
    if (v != 0) {
      const hW = fp(hv, off);
      memory.fill(hW, 0, <usize>(dout * din) << 2);
      gemmTN32(RD, aPrev, hW, n, dout, din, T);
      if (raPrev != 0) gemmTN32(D, raPrev, hW, n, dout, din, T);
      columnSums(RD, n, dout, sums, fp(hW, dout * din));
    }
    if (l > 1) {
      const nd = n * din;
      const Ap = aPrev;
      memory.fill(Dn, 0, <usize>nd << 2);
      gemmNN32(D, W, Dn, n, din, dout); // E = Δ W
      if (v != 0) {
        const V = fp(v, off);
        memory.fill(RDn, 0, <usize>nd << 2);
        gemmNN32(RD, W, RDn, n, din, dout); // R{E} = R{Δ} W + Δ V
        gemmNN32(D, V, RDn, n, din, dout);
        const RZp = fp(zPrev, 2 * nd);
        for (let k = 0; k < nd; k++) {
          const z = ldf(zPrev, k);
          const s = ldf(Ap, k);
          const e = ldf(Dn, k);
          const s1 = act1f(act, z, s);
          stf(RDn, k, ldf(RDn, k) * s1 + e * act2f(act, z, s) * ldf(RZp, k));
          stf(Dn, k, e * s1);
        }
      } else {
        for (let k = 0; k < nd; k++) stf(Dn, k, ldf(Dn, k) * act1f(act, ldf(zPrev, k), ldf(Ap, k)));
      }
      let t = D;
      D = Dn;
      Dn = t;
      t = RD;
      RD = RDn;
      RDn = t;
    }
  }
}

/** L(θ) over the n rows, normalised by total. */
export function mlp32Loss(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
): f64 {
  return forward(sizes, layers, act, X, Y, n, total, theta, 0, work);
}

/** ∇L(θ) → grad (P floats); returns L(θ). */
export function mlp32Gradient(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize, grad: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, 0, work);
  backward(sizes, layers, act, X, Y, n, total, theta, 0, work, grad, 0);
  return l;
}

/** Exact Hessian-vector product ∇²L(θ) v → out (P floats; must not alias θ or v); returns L(θ). */
export function mlp32Hvp(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
  out: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, v, work);
  backward(sizes, layers, act, X, Y, n, total, theta, v, work, 0, out);
  return l;
}
