// Batch normalisation in training mode (model.md §7.3), NHWC: x is a rows × C matrix (rows = all
// positions n·h·w of this shard), and per channel c over the M positions of the WHOLE batch
// (`total` = M, summed over every shard):
//   μ = (1/M) Σ x,  σ² = (1/M) Σ (x − μ)²,  s = 1/√(σ² + ε),  x̂ = (x − μ) s,  y = γ x̂ + β.
// With g = ∂L/∂y, the sums Σg, Σg x̂ (which are ∂L/∂β and ∂L/∂γ):
//   backward    ∂x = γ s (g − Σg/M − x̂ Σg x̂/M)
// With the direction (R{x}, R{γ}, R{β}) and m₀ = Σ R{x}/M, m₁ = Σ x̂ R{x}/M, ρ = R{s}/s = −s m₁:
//   R-forward   R{x̂} = s (R{x} − m₀ − x̂ m₁),  R{y} = γ R{x̂} + R{γ} x̂ + R{β}
//   R-backward  R{∂γ} = Σ (R{g} x̂ + g R{x̂}),  R{∂β} = Σ R{g},
//               R{∂x} = s [(R{γ} + γρ) h + γ (R{g} − R{∂β}/M − R{x̂} ∂γ/M − x̂ R{∂γ}/M)],
//               h = g − ∂β/M − x̂ ∂γ/M   (so ∂x = γ s h).
// Every statistic couples all samples, so each pass is split into per-channel reductions over this
// shard's rows (the `…Sums` kernels: a shard's partial sums) and elementwise kernels that take the
// batch TOTALS; a driver over shards sums the partials in a fixed order between the two (the sync
// points, model.md §7.3):
//   forward     batchNormSums → Σx;  batchNormCentredSquares(Σx) → Σ(x − μ)²;  batchNormForward
//   backward    batchNormBackwardSums → [∂γ | ∂β];  batchNormBackward
//   R-forward   batchNormRForwardSums → [Σ R{x} | Σ x̂ R{x}];  batchNormRForward
//   R-backward  batchNormRBackwardSums → [R{∂γ} | R{∂β}];  batchNormRBackward
// stats = [Σx (C) | Σ(x − μ)² (C)] and rStats = [Σ R{x} | Σ x̂ R{x}] are batch totals; params
// = [γ (C) | β (C)] (θ's layout) and rParams its direction. The forward-phase sums OVERWRITE their
// output (a shard's partial); the backward-phase sums ADD into the parameter gradient (their totals
// are ∂L/∂γ, ∂L/∂β), as do the ∂x kernels into ∂x. Rows are summed in order, channels side by side.
// The variance is the biased one (1/M), as training-mode batch norm normalises with.
// Every row is processed two channels at a time in f64x2 lanes (an odd C ends with one scalar
// channel): each lane computes the scalar expression in the same operation order (WASM has no fused
// multiply–add, and f64x2 add/sub/mul/div round as f64 does), and each channel's sum still runs over
// the rows in order, so the results are bit-identical to a channel-at-a-time loop.
import { at, ld, st } from '../abi';

/** Largest channel count of a batch-norm layer (the per-channel coefficients live in static scratch). */
const MAX_CHANNELS: i32 = 4096;
const MU: usize = memory.data(MAX_CHANNELS * 8, 16);
const SCALE: usize = memory.data(MAX_CHANNELS * 8, 16);
const COEF_A: usize = memory.data(MAX_CHANNELS * 8, 16);
const COEF_B: usize = memory.data(MAX_CHANNELS * 8, 16);
const COEF_C: usize = memory.data(MAX_CHANNELS * 8, 16);
const COEF_D: usize = memory.data(MAX_CHANNELS * 8, 16);

/** Largest channel count the batch-norm kernels accept (the host checks it before any call). */
export function batchNormMaxChannels(): i32 {
  return MAX_CHANNELS;
}

/** MU[c] = μ = Σx/M and SCALE[c] = s = 1/√(Σ(x − μ)²/M + ε) for every channel. */
function statistics(C: i32, total: i32, eps: f64, stats: usize): void {
  assert(C <= MAX_CHANNELS);
  const M = <f64>total;
  for (let c = 0; c < C; c++) {
    st(MU, c, ld(stats, c) / M);
    st(SCALE, c, 1.0 / Math.sqrt(ld(stats, C + c) / M + eps));
  }
}
/** The two f64 at indices i, i + 1 of the array at p (no alignment needed). */
@inline
function ld2(p: usize, i: i32): v128 {
  return v128.load(at(p, i));
}

@inline
function st2(p: usize, i: i32, v: v128): void {
  v128.store(at(p, i), v);
}

/** sums[c] = Σ_i x[i, c] (this shard's partial; overwrites). */
export function batchNormSums(rows: i32, C: i32, x: usize, sums: usize): void {
  memory.fill(sums, 0, <usize>C << 3);
  for (let i = 0; i < rows; i++) {
    const r = at(x, i * C);
    let c = 0;
    for (; c + 1 < C; c += 2) st2(sums, c, f64x2.add(ld2(sums, c), ld2(r, c)));
    if (c < C) st(sums, c, ld(sums, c) + ld(r, c));
  }
}

/** out[c] = Σ_i (x[i, c] − μ_c)², μ = xSums/total (the batch's Σx); overwrites. */
export function batchNormCentredSquares(rows: i32, C: i32, x: usize, total: i32, xSums: usize, out: usize): void {
  assert(C <= MAX_CHANNELS);
  for (let c = 0; c < C; c++) st(MU, c, ld(xSums, c) / <f64>total);
  memory.fill(out, 0, <usize>C << 3);
  for (let i = 0; i < rows; i++) {
    const r = at(x, i * C);
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const d = f64x2.sub(ld2(r, c), ld2(MU, c));
      st2(out, c, f64x2.add(ld2(out, c), f64x2.mul(d, d)));
    }
    if (c < C) {
      const d = ld(r, c) - ld(MU, c);
      st(out, c, ld(out, c) + d * d);
    }
  }
}

/** x̂ = (x − μ) s and y = γ x̂ + β from the batch's stats = [Σx | Σ(x − μ)²]. */
export function batchNormForward(
  rows: i32, C: i32, total: i32, eps: f64, stats: usize, params: usize, x: usize, xhat: usize, y: usize,
): void {
  statistics(C, total, eps, stats);
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const h = f64x2.mul(f64x2.sub(ld2(x, o + c), ld2(MU, c)), ld2(SCALE, c));
      st2(xhat, o + c, h);
      st2(y, o + c, f64x2.add(f64x2.mul(ld2(params, c), h), ld2(params, C + c)));
    }
    if (c < C) {
      const h = (ld(x, o + c) - ld(MU, c)) * ld(SCALE, c);
      st(xhat, o + c, h);
      st(y, o + c, ld(params, c) * h + ld(params, C + c));
    }
  }
}

/** gParams[c] += Σ g x̂ (∂L/∂γ), gParams[C + c] += Σ g (∂L/∂β) over this shard's rows. */
export function batchNormBackwardSums(rows: i32, C: i32, gy: usize, xhat: usize, gParams: usize): void {
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const g = ld2(gy, o + c);
      st2(gParams, c, f64x2.add(ld2(gParams, c), f64x2.mul(g, ld2(xhat, o + c))));
      st2(gParams, C + c, f64x2.add(ld2(gParams, C + c), g));
    }
    if (c < C) {
      const g = ld(gy, o + c);
      st(gParams, c, ld(gParams, c) + g * ld(xhat, o + c));
      st(gParams, C + c, ld(gParams, C + c) + g);
    }
  }
}

/** gx += γ s (g − Σg/M − x̂ Σg x̂/M); gTotals = [Σ g x̂ | Σ g] over the batch. */
export function batchNormBackward(
  rows: i32, C: i32, total: i32, eps: f64, stats: usize, params: usize, gTotals: usize,
  xhat: usize, gy: usize, gx: usize,
): void {
  statistics(C, total, eps, stats);
  const M = <f64>total;
  for (let c = 0; c < C; c++) {
    st(COEF_A, c, ld(params, c) * ld(SCALE, c));
    st(COEF_B, c, ld(gTotals, C + c) / M);
    st(COEF_C, c, ld(gTotals, c) / M);
  }
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const h = f64x2.sub(f64x2.sub(ld2(gy, o + c), ld2(COEF_B, c)), f64x2.mul(ld2(xhat, o + c), ld2(COEF_C, c)));
      st2(gx, o + c, f64x2.add(ld2(gx, o + c), f64x2.mul(ld2(COEF_A, c), h)));
    }
    if (c < C) {
      const h = ld(gy, o + c) - ld(COEF_B, c) - ld(xhat, o + c) * ld(COEF_C, c);
      st(gx, o + c, ld(gx, o + c) + ld(COEF_A, c) * h);
    }
  }
}

/** rSums = [Σ R{x} | Σ x̂ R{x}] over this shard's rows (overwrites; rx = 0: zeros). */
export function batchNormRForwardSums(rows: i32, C: i32, rx: usize, xhat: usize, rSums: usize): void {
  memory.fill(rSums, 0, <usize>(2 * C) << 3);
  if (rx == 0) return;
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const r = ld2(rx, o + c);
      st2(rSums, c, f64x2.add(ld2(rSums, c), r));
      st2(rSums, C + c, f64x2.add(ld2(rSums, C + c), f64x2.mul(ld2(xhat, o + c), r)));
    }
    if (c < C) {
      const r = ld(rx, o + c);
      st(rSums, c, ld(rSums, c) + r);
      st(rSums, C + c, ld(rSums, C + c) + ld(xhat, o + c) * r);
    }
  }
}

/**
 * R{x̂} = s (R{x} − m₀ − x̂ m₁) and R{y} = γ R{x̂} + R{γ} x̂ + R{β}, with [m₀ | m₁] the batch's
 * rStats / M (rx = 0: R{x̂} = 0).
 */
export function batchNormRForward(
  rows: i32, C: i32, total: i32, eps: f64, stats: usize, params: usize, rParams: usize, rStats: usize,
  xhat: usize, rx: usize, rxhat: usize, ry: usize,
): void {
  statistics(C, total, eps, stats);
  const M = <f64>total;
  for (let c = 0; c < C; c++) {
    st(COEF_B, c, ld(rStats, c) / M);
    st(COEF_C, c, ld(rStats, C + c) / M);
  }
  const zero = f64x2.splat(0.0);
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const h = ld2(xhat, o + c);
      const rh =
        rx == 0
          ? zero
          : f64x2.mul(ld2(SCALE, c), f64x2.sub(f64x2.sub(ld2(rx, o + c), ld2(COEF_B, c)), f64x2.mul(h, ld2(COEF_C, c))));
      st2(rxhat, o + c, rh);
      const ryPair = f64x2.add(f64x2.mul(ld2(params, c), rh), f64x2.mul(ld2(rParams, c), h));
      st2(ry, o + c, f64x2.add(ryPair, ld2(rParams, C + c)));
    }
    if (c < C) {
      const h = ld(xhat, o + c);
      const rh = rx == 0 ? 0.0 : ld(SCALE, c) * (ld(rx, o + c) - ld(COEF_B, c) - h * ld(COEF_C, c));
      st(rxhat, o + c, rh);
      st(ry, o + c, ld(params, c) * rh + ld(rParams, c) * h + ld(rParams, C + c));
    }
  }
}

/** rgParams[c] += Σ (R{g} x̂ + g R{x̂}) (R{∂γ}), rgParams[C + c] += Σ R{g} (R{∂β}). */
export function batchNormRBackwardSums(
  rows: i32, C: i32, xhat: usize, rxhat: usize, gy: usize, rgy: usize, rgParams: usize,
): void {
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const rg = ld2(rgy, o + c);
      const term = f64x2.add(f64x2.mul(rg, ld2(xhat, o + c)), f64x2.mul(ld2(gy, o + c), ld2(rxhat, o + c)));
      st2(rgParams, c, f64x2.add(ld2(rgParams, c), term));
      st2(rgParams, C + c, f64x2.add(ld2(rgParams, C + c), rg));
    }
    if (c < C) {
      const rg = ld(rgy, o + c);
      st(rgParams, c, ld(rgParams, c) + (rg * ld(xhat, o + c) + ld(gy, o + c) * ld(rxhat, o + c)));
      st(rgParams, C + c, ld(rgParams, C + c) + rg);
    }
  }
}

/**
 * R{gx} += s [(R{γ} + γρ) h + γ (R{g} − R{∂β}/M − R{x̂} ∂γ/M − x̂ R{∂γ}/M)], h = g − ∂β/M − x̂ ∂γ/M,
 * ρ = −s m₁; gTotals = [∂γ | ∂β], rgTotals = [R{∂γ} | R{∂β}] over the batch.
 */
export function batchNormRBackward(
  rows: i32, C: i32, total: i32, eps: f64, stats: usize, params: usize, rParams: usize, rStats: usize,
  gTotals: usize, rgTotals: usize, xhat: usize, rxhat: usize, gy: usize, rgy: usize, rgx: usize,
): void {
  statistics(C, total, eps, stats);
  const M = <f64>total;
  // MU is reused here for R{∂γ}/M.
  for (let c = 0; c < C; c++) {
    const s = ld(SCALE, c);
    st(COEF_A, c, ld(rParams, c) + ld(params, c) * (-s * (ld(rStats, C + c) / M)));
    st(COEF_B, c, ld(gTotals, C + c) / M);
    st(COEF_C, c, ld(gTotals, c) / M);
    st(COEF_D, c, ld(rgTotals, C + c) / M);
    st(MU, c, ld(rgTotals, c) / M);
  }
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    let c = 0;
    for (; c + 1 < C; c += 2) {
      const xh = ld2(xhat, o + c);
      const dGamma = ld2(COEF_C, c);
      const h = f64x2.sub(f64x2.sub(ld2(gy, o + c), ld2(COEF_B, c)), f64x2.mul(xh, dGamma));
      const inner = f64x2.sub(
        f64x2.sub(f64x2.sub(ld2(rgy, o + c), ld2(COEF_D, c)), f64x2.mul(ld2(rxhat, o + c), dGamma)),
        f64x2.mul(xh, ld2(MU, c)),
      );
      const update = f64x2.mul(ld2(SCALE, c), f64x2.add(f64x2.mul(ld2(COEF_A, c), h), f64x2.mul(ld2(params, c), inner)));
      st2(rgx, o + c, f64x2.add(ld2(rgx, o + c), update));
    }
    if (c < C) {
      const xh = ld(xhat, o + c);
      const dGamma = ld(COEF_C, c);
      const h = ld(gy, o + c) - ld(COEF_B, c) - xh * dGamma;
      const inner = ld(rgy, o + c) - ld(COEF_D, c) - ld(rxhat, o + c) * dGamma - xh * ld(MU, c);
      const update = ld(SCALE, c) * (ld(COEF_A, c) * h + ld(params, c) * inner);
      st(rgx, o + c, ld(rgx, o + c) + update);
    }
  }
}
