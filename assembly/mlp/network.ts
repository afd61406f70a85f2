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
// Work (f64 entries, mlpWorkLength): per layer l = 1..L the blocks Z_l, A_l, R{Z_l}, R{A_l}, E_l
// (n·d_l each; E_l = Δ_{l+1} W_{l+1} is the error before σ', and E_L holds Δ_L), then Δ, Δ',
// R{Δ}, R{Δ'} (n·max_l d_l each), then a gradient buffer (P).
// Outputs never alias the work; `out` may alias θ in mlpGdStep (the gradient is formed first).
//
// Passes: `forward` (Z, A, the loss), `backward` (the E chain and, when asked, ∇L), then for an
// HVP `rForward` and `rBackward`, which only read Z, A, E. So a Lanczos run, which multiplies many
// v by the Hessian at one θ, prepares the work once (mlpPrepare: forward + E chain) and then pays
// only the R-passes per product (mlpHvpPrepared) — the same bits as mlpHvp, which does both.
// σ' and σ'' are formed from the stored A where that is exact (tanh: 1 − A², −2A(1 − A²), the
// bits of 1 − t², t = tanh z), so no pass evaluates tanh twice.
import { Activation, act0, act1At, act2At } from './activation';
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

/** Blocks of n·d_l per layer in the work: Z, A, R{Z}, R{A}, E. */
const BLOCKS: i32 = 5;

/** Offset (in f64) of the Z_l block inside the work; A_l, R{Z_l}, R{A_l}, E_l follow at + n·d_l each. */
function layerOffset(sizes: usize, n: i32, l: i32): i32 {
  let p = 0;
  for (let k = 1; k < l; k++) p += BLOCKS * n * dim(sizes, k);
  return p;
}

function deltaOffset(sizes: usize, layers: i32, n: i32): i32 {
  return layerOffset(sizes, n, layers + 1);
}

/** Length (f64 entries) of the work area of every mlp kernel. */
export function mlpWorkLength(sizes: usize, layers: i32, n: i32): i32 {
  return deltaOffset(sizes, layers, n) + 4 * n * maxWidth(sizes, layers) + mlpParameterCount(sizes, layers);
}

/** Each of the n rows of C (n × d) ← b. */
function fillRows(C: usize, n: i32, d: i32, b: usize): void {
  const row = <usize>d << 3;
  for (let i = 0; i < n; i++) memory.copy(C + <usize>i * row, b, row);
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
 * A = σ(Z) over `count` entries, one loop per activation: with the activation chosen inside the loop
 * the optimiser evaluated tanh (a pure call it hoists above the chain) for every entry, so hardtanh
 * and ReLU networks paid for a tanh per unit (measured on the Fig 6 workload, 784 → 200 → 200 → 10 on 1 000 rows: hardtanh forward passes 42 → 56 per second, gradients +15 %). Each loop
 * computes exactly act0's value.
 */
function activate(act: i32, Z: usize, A: usize, count: i32): void {
  if (act == Activation.tanh) {
    for (let k = 0; k < count; k++) store<f64>(ptr(A, k), act0(Activation.tanh, load<f64>(ptr(Z, k))));
  } else if (act == Activation.hardtanh) {
    for (let k = 0; k < count; k++) store<f64>(ptr(A, k), act0(Activation.hardtanh, load<f64>(ptr(Z, k))));
  } else if (act == Activation.relu) {
    for (let k = 0; k < count; k++) store<f64>(ptr(A, k), act0(Activation.relu, load<f64>(ptr(Z, k))));
  } else if (act == Activation.elu) {
    for (let k = 0; k < count; k++) store<f64>(ptr(A, k), act0(Activation.elu, load<f64>(ptr(Z, k))));
  } else {
    for (let k = 0; k < count; k++) store<f64>(ptr(A, k), act0(Activation.softplus, load<f64>(ptr(Z, k))));
  }
}

/** Forward pass over the n rows: Z_l, A_l into the work; returns the rows' loss over `total`. */
function forward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
): f64 {
  let aPrev = X;
  let off = 0;
  for (let l = 1; l <= layers; l++) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const nd = n * dout;
    const W = ptr(theta, off);
    const Z = ptr(work, layerOffset(sizes, n, l));
    const A = ptr(Z, nd);
    fillRows(Z, n, dout, ptr(W, dout * din));
    gemmNT(aPrev, W, Z, n, dout, din);
    if (l < layers) {
      activate(act, Z, A, nd);
      aPrev = A;
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
 * Backward pass after `forward`: Δ_L into E_L, the errors E_{l−1} = Δ_l W_l into E_{l−1} (so the
 * R-passes can read them) and, when grad ≠ 0, the gradient.
 */
function backward(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
  grad: usize,
): void {
  const dBase = ptr(work, deltaOffset(sizes, layers, n));
  const stride = n * maxWidth(sizes, layers);
  let D = dBase;
  let Dn = ptr(dBase, stride);
  const dL = dim(sizes, layers);
  const ZL = ptr(work, layerOffset(sizes, n, layers));
  const EL = ptr(ZL, 4 * n * dL);
  const invN = 1.0 / <f64>total;
  const m = n * dL;
  for (let k = 0; k < m; k++) {
    const d = (load<f64>(ptr(ZL, k)) - load<f64>(ptr(Y, k))) * invN;
    store<f64>(ptr(D, k), d);
    store<f64>(ptr(EL, k), d);
  }
  for (let l = layers; l >= 1; l--) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const off = paramOffset(sizes, l);
    const W = ptr(theta, off);
    let aPrev = X;
    let zPrev: usize = 0;
    if (l > 1) {
      zPrev = ptr(work, layerOffset(sizes, n, l - 1));
      aPrev = ptr(zPrev, n * din);
    }
    if (grad != 0) {
      const gW = ptr(grad, off);
      memory.fill(gW, 0, <usize>(dout * din) << 3);
      gemmTN(D, aPrev, gW, n, dout, din);
      columnSums(D, n, dout, ptr(gW, dout * din));
    }
    if (l > 1) {
      const nd = n * din;
      const E = ptr(zPrev, 4 * nd);
      memory.fill(E, 0, <usize>nd << 3);
      gemmNN(D, W, E, n, din, dout); // E = Δ W
      for (let k = 0; k < nd; k++) {
        const s1 = act1At(act, load<f64>(ptr(zPrev, k)), load<f64>(ptr(aPrev, k)));
        store<f64>(ptr(Dn, k), load<f64>(ptr(E, k)) * s1);
      }
      const t = D;
      D = Dn;
      Dn = t;
    }
  }
}

/** Forward R-pass after `forward`: R{Z_l}, R{A_l} into the work. */
function rForward(sizes: usize, layers: i32, act: i32, X: usize, n: i32, theta: usize, v: usize, work: usize): void {
  let aPrev = X;
  let raPrev: usize = 0;
  let off = 0;
  for (let l = 1; l <= layers; l++) {
    const din = dim(sizes, l - 1);
    const dout = dim(sizes, l);
    const nd = n * dout;
    const W = ptr(theta, off);
    const V = ptr(v, off);
    const Z = ptr(work, layerOffset(sizes, n, l));
    const A = ptr(Z, nd);
    const RZ = ptr(A, nd);
    const RA = ptr(RZ, nd);
    fillRows(RZ, n, dout, ptr(V, dout * din));
    gemmNT(aPrev, V, RZ, n, dout, din);
    if (raPrev != 0) gemmNT(raPrev, W, RZ, n, dout, din);
    if (l < layers) {
      for (let k = 0; k < nd; k++) {
        const s1 = act1At(act, load<f64>(ptr(Z, k)), load<f64>(ptr(A, k)));
        store<f64>(ptr(RA, k), s1 * load<f64>(ptr(RZ, k)));
      }
      aPrev = A;
      raPrev = RA;
    }
    off += dout * (din + 1);
  }
}

/** Backward R-pass after `forward`, `backward` (E chain) and `rForward`: Hv into hv. */
function rBackward(
  sizes: usize, layers: i32, act: i32, X: usize, n: i32, total: i32, theta: usize, v: usize, work: usize,
  hv: usize,
): void {
  const dBase = ptr(work, deltaOffset(sizes, layers, n));
  const stride = n * maxWidth(sizes, layers);
  const dL = dim(sizes, layers);
  const ZL = ptr(work, layerOffset(sizes, n, layers));
  // Δ_L is read where backward left it (E_L); later Δ_l are formed from E_l in the two Δ buffers
  let D = ptr(ZL, 4 * n * dL);
  let Dn = dBase;
  let Dfree = ptr(dBase, stride);
  let RD = ptr(Dfree, stride);
  let RDn = ptr(RD, stride);
  const invN = 1.0 / <f64>total;
  const m = n * dL;
  for (let k = 0; k < m; k++) store<f64>(ptr(RD, k), load<f64>(ptr(ZL, 2 * m + k)) * invN);
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
    const hW = ptr(hv, off);
    memory.fill(hW, 0, <usize>(dout * din) << 3);
    gemmTN(RD, aPrev, hW, n, dout, din);
    if (raPrev != 0) gemmTN(D, raPrev, hW, n, dout, din);
    columnSums(RD, n, dout, ptr(hW, dout * din));
    if (l > 1) {
      const nd = n * din;
      const V = ptr(v, off);
      memory.fill(RDn, 0, <usize>nd << 3);
      gemmNN(RD, W, RDn, n, din, dout); // R{E} = R{Δ} W + Δ V
      gemmNN(D, V, RDn, n, din, dout);
      const RZp = ptr(zPrev, 2 * nd);
      const E = ptr(zPrev, 4 * nd);
      for (let k = 0; k < nd; k++) {
        const z = load<f64>(ptr(zPrev, k));
        const a = load<f64>(ptr(aPrev, k));
        const e = load<f64>(ptr(E, k));
        const s1 = act1At(act, z, a);
        store<f64>(ptr(RDn, k), load<f64>(ptr(RDn, k)) * s1 + e * act2At(act, z, a) * load<f64>(ptr(RZp, k)));
        store<f64>(ptr(Dn, k), e * s1);
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

/** L(θ) over the n rows (normalised by total). */
export function mlpLoss(sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize): f64 {
  return forward(sizes, layers, act, X, Y, n, total, theta, work);
}

/** ∇L(θ) → grad (P entries); returns L(θ). Leaves the work prepared for mlpHvpPrepared at θ. */
export function mlpGradient(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize, grad: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, work);
  backward(sizes, layers, act, X, Y, n, total, theta, work, grad);
  return l;
}

/** out = θ − η ∇L(θ) (out may alias θ); returns L(θ). */
export function mlpGdStep(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, eta: f64, work: usize, out: usize,
): f64 {
  const p = mlpParameterCount(sizes, layers);
  const g = ptr(work, deltaOffset(sizes, layers, n) + 4 * n * maxWidth(sizes, layers));
  const l = forward(sizes, layers, act, X, Y, n, total, theta, work);
  backward(sizes, layers, act, X, Y, n, total, theta, work, g);
  for (let k = 0; k < p; k++) store<f64>(ptr(out, k), load<f64>(ptr(theta, k)) - eta * load<f64>(ptr(g, k)));
  return l;
}

/** Forward pass and E chain at θ (what every HVP at θ shares); returns L(θ). */
export function mlpPrepare(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, work: usize,
): f64 {
  const l = forward(sizes, layers, act, X, Y, n, total, theta, work);
  backward(sizes, layers, act, X, Y, n, total, theta, work, 0);
  return l;
}

/**
 * ∇²L(θ) v → out from a work prepared at this θ (mlpPrepare or mlpGradient, same rows and θ, the
 * work untouched since): the R-passes only. `out` must not alias θ or v.
 */
export function mlpHvpPrepared(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize, out: usize,
): void {
  rForward(sizes, layers, act, X, n, theta, v, work);
  rBackward(sizes, layers, act, X, n, total, theta, v, work, out);
}

/** Exact Hessian-vector product ∇²L(θ) v → out (P entries; must not alias θ or v); returns L(θ). */
export function mlpHvp(
  sizes: usize, layers: i32, act: i32, X: usize, Y: usize, n: i32, total: i32, theta: usize, v: usize, work: usize, out: usize,
): f64 {
  const l = mlpPrepare(sizes, layers, act, X, Y, n, total, theta, work);
  mlpHvpPrepared(sizes, layers, act, X, Y, n, total, theta, v, work, out);
  return l;
}
