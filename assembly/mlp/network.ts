// Fully connected network (model.md §5): input d₀ → d₁ → … → d_L, biases, activation σ on every hidden
// layer, linear output; full-batch MSE loss over n samples with one-hot targets Y:
//   a₀ = x,  z_l = W_l a_{l−1} + b_l,  a_l = σ(z_l) (l < L),  f(x) = z_L,
//   L(θ) = (1/n) Σ_i ½‖f(x_i) − y_i‖².
// Batched, rows are samples: Z_l = A_{l−1} W_lᵀ + 1 b_lᵀ (n × d_l, row-major).
//
// Parameter vector θ (length P = Σ_l d_l (d_{l−1} + 1)), layer by layer:
//   [W₁ (d₁ × d₀, row-major: W₁[j, k] at j·d₀ + k), b₁ (d₁), W₂ (d₂ × d₁), b₂, …, W_L, b_L].
// Layer sizes are passed as an i32 array `sizes` of length L + 1 (d₀ … d_L); `layers` = L.
// Shards: every kernel runs over the n rows at X, Y and normalises by `total` (the whole batch's
// size, ≥ n), so a shard s of rows returns Lₛ = (1/total) Σ_{i∈s} ½‖f(xᵢ) − yᵢ‖² and its gradient
// and HVP; summed over a partition of the batch they give L, ∇L and ∇²L v (total = n: the batch).
//
// Gradient (backpropagation), Δ_l = ∂L/∂Z_l:
//   Δ_L = (Z_L − Y)/total,   ∇W_l = Δ_lᵀ A_{l−1},   ∇b_l = Σ_i Δ_l[i, ·],
//   E_{l−1} = Δ_l W_l,   Δ_{l−1} = E_{l−1} ⊙ σ'(Z_{l−1}).
// Exact Hessian-vector product Hv by Pearlmutter's R-operator, R{·} = d/dr ·(θ + r v)|_{r=0},
// with v = [V₁, c₁, …, V_L, c_L] laid out like θ:
//   forward R-pass   R{A₀} = 0,  R{Z_l} = R{A_{l−1}} W_lᵀ + A_{l−1} V_lᵀ + 1 c_lᵀ,
//                    R{A_l} = σ'(Z_l) ⊙ R{Z_l};
//   backward R-pass  R{Δ_L} = R{Z_L}/total,
//                    R{E_{l−1}} = R{Δ_l} W_l + Δ_l V_l,
//                    R{Δ_{l−1}} = R{E_{l−1}} ⊙ σ'(Z_{l−1}) + E_{l−1} ⊙ σ''(Z_{l−1}) ⊙ R{Z_{l−1}};
//   Hv = R{∇L}:      R{∇W_l} = R{Δ_l}ᵀ A_{l−1} + Δ_lᵀ R{A_{l−1}},  R{∇b_l} = Σ_i R{Δ_l}[i, ·].
// (hardtanh/relu: σ'' = 0 a.e., so Hv is exact away from the kinks.)
//
// Work (f64 entries, mlpWorkLength): per layer l = 1..L the blocks Z_l, A_l, R{Z_l}, R{A_l}
// (n·d_l each), then Δ, Δ', R{Δ}, R{Δ'} (n·max_l d_l each), then a gradient buffer (P).
// Outputs never alias the work; `out` may alias θ in mlpGdStep (the gradient is formed first).
import { act0, act1, act2 } from './activation';
import { gemmNN, gemmNT, gemmTN } from './gemm';

@inline
function dim(sizes: usize, i: i32): i32 {
  return load<i32>(sizes + (<usize>i << 2));
}

@inline
function ptr(base: usize, offset: i32): usize {
  return base + (<usize>offset << 3);
}

/** P = Σ_l d_l (d_{l−1} + 1). */
export function mlpParameterCount(sizes: usize, layers: i32): i32 {
  let p = 0;
  for (let l = 1; l <= layers; l++) p += dim(sizes, l) * (dim(sizes, l - 1) + 1);
  return p;
}

function maxWidth(sizes: usize, layers: i32): i32 {
  let m = 0;
  for (let l = 1; l <= layers; l++) m = max(m, dim(sizes, l));
  return m;
}

/** Offset (in f64) of W_l inside θ. */
function paramOffset(sizes: usize, l: i32): i32 {
  let p = 0;
  for (let k = 1; k < l; k++) p += dim(sizes, k) * (dim(sizes, k - 1) + 1);
  return p;
}

/** Offset (in f64) of the Z_l block inside the work; A_l, R{Z_l}, R{A_l} follow at + n·d_l each. */
function layerOffset(sizes: usize, n: i32, l: i32): i32 {
  let p = 0;
  for (let k = 1; k < l; k++) p += 4 * n * dim(sizes, k);
  return p;
}

function deltaOffset(sizes: usize, layers: i32, n: i32): i32 {
  return layerOffset(sizes, n, layers + 1);
}

/** Length (f64 entries) of the work area of every mlp kernel. */
export function mlpWorkLength(sizes: usize, layers: i32, n: i32): i32 {
  return deltaOffset(sizes, layers, n) + 4 * n * maxWidth(sizes, layers) + mlpParameterCount(sizes, layers);
}

/** Each of the n rows of C (n × d) ← b (or 0 when b is 0). */
function fillRows(C: usize, n: i32, d: i32, b: usize): void {
  const row = <usize>d << 3;
  for (let i = 0; i < n; i++) {
    const c = C + <usize>i * row;
    if (b == 0) memory.fill(c, 0, row);
    else memory.copy(c, b, row);
  }
}

/** out[j] = Σ_i D[i, j] (D is n × d). */
function columnSums(D: usize, n: i32, d: i32, out: usize): void {
  memory.fill(out, 0, <usize>d << 3);
  for (let i = 0; i < n; i++) {
    const r = ptr(D, i * d);
    for (let j = 0; j < d; j++) store<f64>(ptr(out, j), load<f64>(ptr(out, j)) + load<f64>(ptr(r, j)));
  }
}

/**
 * Forward pass (and forward R-pass when v ≠ 0) over the batch; returns the loss.
 */
function forward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
): f64 {
  let aPrev = X;
  let raPrev: usize = 0;
  let off = 0;
  for (let l = 1; l <= layers; l++) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const nd = n * dout;
    const W = ptr(theta, off);
    const b = ptr(W, dout * din);
    const Z = ptr(work, layerOffset(sizes, n, l));
    const A = ptr(Z, nd);
    const RZ = ptr(A, nd);
    const RA = ptr(RZ, nd);
    fillRows(Z, n, dout, b);
    gemmNT(aPrev, W, Z, n, dout, din);
    if (v != 0) {
      const V = ptr(v, off);
      fillRows(RZ, n, dout, ptr(V, dout * din));
      gemmNT(aPrev, V, RZ, n, dout, din);
      if (raPrev != 0) gemmNT(raPrev, W, RZ, n, dout, din);
    }
    if (l < layers) {
      if (v != 0) {
        for (let k = 0; k < nd; k++) {
          const z = load<f64>(ptr(Z, k));
          store<f64>(ptr(A, k), act0(act, z));
          store<f64>(ptr(RA, k), act1(act, z) * load<f64>(ptr(RZ, k)));
        }
      } else {
        for (let k = 0; k < nd; k++) store<f64>(ptr(A, k), act0(act, load<f64>(ptr(Z, k))));
      }
      aPrev = A;
      raPrev = v != 0 ? RA : 0;
    }
    off += dout * (din + 1);
  }
  const dL = dim(sizes, layers);
  const ZL = ptr(work, layerOffset(sizes, n, layers));
  let sum = 0.0;
  const m = n * dL;
  for (let k = 0; k < m; k++) {
    const r = load<f64>(ptr(ZL, k)) - load<f64>(ptr(Y, k));
    sum += r * r;
  }
  return (0.5 * sum) / <f64>total;
}

/**
 * Backward pass after `forward`: the gradient into `grad` (when ≠ 0) and, when v ≠ 0, the
 * backward R-pass with Hv into `hv`.
 */
function backward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
  grad: usize, hv: usize,
): void {
  const dBase = ptr(work, deltaOffset(sizes, layers, n));
  const stride = n * maxWidth(sizes, layers);
  let D = dBase;
  let Dn = ptr(dBase, stride);
  let RD = ptr(Dn, stride);
  let RDn = ptr(RD, stride);
  const dL = dim(sizes, layers);
  const ZL = ptr(work, layerOffset(sizes, n, layers));
  const invN = 1.0 / <f64>total;
  const m = n * dL;
  for (let k = 0; k < m; k++) {
    store<f64>(ptr(D, k), (load<f64>(ptr(ZL, k)) - load<f64>(ptr(Y, k))) * invN);
    if (v != 0) store<f64>(ptr(RD, k), load<f64>(ptr(ptr(ZL, 2 * m), k)) * invN);
  }
  for (let l = layers; l >= 1; l--) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const off = paramOffset(sizes, l);
    const W = ptr(theta, off);
    let aPrev = X;
    let raPrev: usize = 0;
    let zPrev: usize = 0;
    if (l > 1) {
      zPrev = ptr(work, layerOffset(sizes, n, l - 1));
      aPrev = ptr(zPrev, n * din);
      raPrev = ptr(zPrev, 3 * n * din);
    }
    if (grad != 0) {
      const gW = ptr(grad, off);
      memory.fill(gW, 0, <usize>(dout * din) << 3);
      gemmTN(D, aPrev, gW, n, dout, din);
      columnSums(D, n, dout, ptr(gW, dout * din));
    }
    if (v != 0) {
      const hW = ptr(hv, off);
      memory.fill(hW, 0, <usize>(dout * din) << 3);
      gemmTN(RD, aPrev, hW, n, dout, din);
      if (raPrev != 0) gemmTN(D, raPrev, hW, n, dout, din);
      columnSums(RD, n, dout, ptr(hW, dout * din));
    }
    if (l > 1) {
      const nd = n * din;
      memory.fill(Dn, 0, <usize>nd << 3);
      gemmNN(D, W, Dn, n, din, dout); // E = Δ W
      if (v != 0) {
        const V = ptr(v, off);
        memory.fill(RDn, 0, <usize>nd << 3);
        gemmNN(RD, W, RDn, n, din, dout); // R{E} = R{Δ} W + Δ V
        gemmNN(D, V, RDn, n, din, dout);
        const RZp = ptr(zPrev, 2 * nd);
        for (let k = 0; k < nd; k++) {
          const z = load<f64>(ptr(zPrev, k));
          const e = load<f64>(ptr(Dn, k));
          const s1 = act1(act, z);
          store<f64>(ptr(RDn, k), load<f64>(ptr(RDn, k)) * s1 + e * act2(act, z) * load<f64>(ptr(RZp, k)));
          store<f64>(ptr(Dn, k), e * s1);
        }
      } else {
        for (let k = 0; k < nd; k++) store<f64>(ptr(Dn, k), load<f64>(ptr(Dn, k)) * act1(act, load<f64>(ptr(zPrev, k))));
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

/** L(θ). */
export function mlpLoss(sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize): f64 {
  return forward(sizes, layers, act, X, Y, n, total, theta, 0, work);
}

/** ∇L(θ) → grad (P entries); returns L(θ). */
export function mlpGradient(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize, grad: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, 0, work);
  backward(sizes, layers, act, X, Y, n, total, theta, 0, work, grad, 0);
  return l;
}

/** out = θ − η ∇L(θ) (out may alias θ); returns L(θ). */
export function mlpGdStep(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, eta: f64, work: usize, out: usize,
): f64 {
  const p = mlpParameterCount(sizes, layers);
  const g = ptr(work, deltaOffset(sizes, layers, n) + 4 * n * maxWidth(sizes, layers));
  const l = forward(sizes, layers, act, X, Y, n, total, theta, 0, work);
  backward(sizes, layers, act, X, Y, n, total, theta, 0, work, g, 0);
  for (let k = 0; k < p; k++) store<f64>(ptr(out, k), load<f64>(ptr(theta, k)) - eta * load<f64>(ptr(g, k)));
  return l;
}

/** Exact Hessian-vector product ∇²L(θ) v → out (P entries; must not alias θ or v); returns L(θ). */
export function mlpHvp(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize, out: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, v, work);
  backward(sizes, layers, act, X, Y, n, total, theta, v, work, 0, out);
  return l;
}
