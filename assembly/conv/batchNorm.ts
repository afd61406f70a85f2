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

@inline
function at(base: usize, index: i32): usize {
  return base + (<usize>index << 3);
}

@inline
function get(base: usize, index: i32): f64 {
  return load<f64>(at(base, index));
}

@inline
function put(base: usize, index: i32, value: f64): void {
  store<f64>(at(base, index), value);
}

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
    put(MU, c, get(stats, c) / M);
    put(SCALE, c, 1.0 / Math.sqrt(get(stats, C + c) / M + eps));
  }
}
/** sums[c] = Σ_i x[i, c] (this shard's partial; overwrites). */
export function batchNormSums(rows: i32, C: i32, x: usize, sums: usize): void {
  memory.fill(sums, 0, <usize>C << 3);
  for (let i = 0; i < rows; i++) {
    const r = at(x, i * C);
    for (let c = 0; c < C; c++) put(sums, c, get(sums, c) + get(r, c));
  }
}

/** out[c] = Σ_i (x[i, c] − μ_c)², μ = xSums/total (the batch's Σx); overwrites. */
export function batchNormCentredSquares(rows: i32, C: i32, x: usize, total: i32, xSums: usize, out: usize): void {
  assert(C <= MAX_CHANNELS);
  for (let c = 0; c < C; c++) put(MU, c, get(xSums, c) / <f64>total);
  memory.fill(out, 0, <usize>C << 3);
  for (let i = 0; i < rows; i++) {
    const r = at(x, i * C);
    for (let c = 0; c < C; c++) {
      const d = get(r, c) - get(MU, c);
      put(out, c, get(out, c) + d * d);
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
    for (let c = 0; c < C; c++) {
      const h = (get(x, o + c) - get(MU, c)) * get(SCALE, c);
      put(xhat, o + c, h);
      put(y, o + c, get(params, c) * h + get(params, C + c));
    }
  }
}

/** gParams[c] += Σ g x̂ (∂L/∂γ), gParams[C + c] += Σ g (∂L/∂β) over this shard's rows. */
export function batchNormBackwardSums(rows: i32, C: i32, gy: usize, xhat: usize, gParams: usize): void {
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const g = get(gy, o + c);
      put(gParams, c, get(gParams, c) + g * get(xhat, o + c));
      put(gParams, C + c, get(gParams, C + c) + g);
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
    put(COEF_A, c, get(params, c) * get(SCALE, c));
    put(COEF_B, c, get(gTotals, C + c) / M);
    put(COEF_C, c, get(gTotals, c) / M);
  }
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const h = get(gy, o + c) - get(COEF_B, c) - get(xhat, o + c) * get(COEF_C, c);
      put(gx, o + c, get(gx, o + c) + get(COEF_A, c) * h);
    }
  }
}

/** rSums = [Σ R{x} | Σ x̂ R{x}] over this shard's rows (overwrites; rx = 0: zeros). */
export function batchNormRForwardSums(rows: i32, C: i32, rx: usize, xhat: usize, rSums: usize): void {
  memory.fill(rSums, 0, <usize>(2 * C) << 3);
  if (rx == 0) return;
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const r = get(rx, o + c);
      put(rSums, c, get(rSums, c) + r);
      put(rSums, C + c, get(rSums, C + c) + get(xhat, o + c) * r);
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
    put(COEF_B, c, get(rStats, c) / M);
    put(COEF_C, c, get(rStats, C + c) / M);
  }
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const h = get(xhat, o + c);
      const rh = rx == 0 ? 0.0 : get(SCALE, c) * (get(rx, o + c) - get(COEF_B, c) - h * get(COEF_C, c));
      put(rxhat, o + c, rh);
      put(ry, o + c, get(params, c) * rh + get(rParams, c) * h + get(rParams, C + c));
    }
  }
}

/** rgParams[c] += Σ (R{g} x̂ + g R{x̂}) (R{∂γ}), rgParams[C + c] += Σ R{g} (R{∂β}). */
export function batchNormRBackwardSums(
  rows: i32, C: i32, xhat: usize, rxhat: usize, gy: usize, rgy: usize, rgParams: usize,
): void {
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const rg = get(rgy, o + c);
      put(rgParams, c, get(rgParams, c) + (rg * get(xhat, o + c) + get(gy, o + c) * get(rxhat, o + c)));
      put(rgParams, C + c, get(rgParams, C + c) + rg);
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
    const s = get(SCALE, c);
    put(COEF_A, c, get(rParams, c) + get(params, c) * (-s * (get(rStats, C + c) / M)));
    put(COEF_B, c, get(gTotals, C + c) / M);
    put(COEF_C, c, get(gTotals, c) / M);
    put(COEF_D, c, get(rgTotals, C + c) / M);
    put(MU, c, get(rgTotals, c) / M);
  }
  for (let i = 0; i < rows; i++) {
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const xh = get(xhat, o + c);
      const dGamma = get(COEF_C, c);
      const h = get(gy, o + c) - get(COEF_B, c) - xh * dGamma;
      const inner = get(rgy, o + c) - get(COEF_D, c) - get(rxhat, o + c) * dGamma - xh * get(MU, c);
      const update = get(SCALE, c) * (get(COEF_A, c) * h + get(params, c) * inner);
      put(rgx, o + c, get(rgx, o + c) + update);
    }
  }
}
