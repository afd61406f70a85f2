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

// The reductions (the …Sums kernels) hold the running sums of a block of BLOCK channels in four
// f64x2 registers while they walk CHUNK rows (a chain through memory, load → add → store, would
// cost a store-to-load forwarding per row and channel pair: at 2–8 channels that latency, not the
// arithmetic, bounds the pass); each block's sums go back to memory between chunks (the same
// values: every channel still adds its rows in order) so that a chunk's rows stay in cache while
// the blocks of a wide layer pass over them.
/** Channels per block of the reductions (4 f64x2 accumulators held in registers). */
const BLOCK: i32 = 8;
/** Rows per chunk of the reductions (≤ 64 rows × 32 channels × 8 bytes = 16 KiB of each input). */
const CHUNK: i32 = 64;

/** sums[c] = Σ_i x[i, c] (this shard's partial; overwrites). */
export function batchNormSums(rows: i32, C: i32, x: usize, sums: usize): void {
  memory.fill(sums, 0, <usize>C << 3);
  const stride = <usize>C << 3;
  for (let i0 = 0; i0 < rows; i0 += CHUNK) for (let c0 = 0; c0 < C; c0 += BLOCK) {
    const width = min(BLOCK, C - c0);
    const pairs = width >> 1;
    const ps = at(sums, c0);
    let a0 = pairOf(ps, 0, pairs), a1 = pairOf(ps, 1, pairs), a2 = pairOf(ps, 2, pairs), a3 = pairOf(ps, 3, pairs);
    let tail = tailOf(ps, width);
    let r = at(x, i0 * C + c0);
    for (let i = i0, end = min(rows, i0 + CHUNK); i < end; i++) {
      if (pairs > 0) a0 = f64x2.add(a0, v128.load(r, 0));
      if (pairs > 1) a1 = f64x2.add(a1, v128.load(r, 16));
      if (pairs > 2) a2 = f64x2.add(a2, v128.load(r, 32));
      if (pairs > 3) a3 = f64x2.add(a3, v128.load(r, 48));
      if (width & 1) tail += load<f64>(r + (<usize>pairs << 4));
      r += stride;
    }
    storeBlock(ps, width, a0, a1, a2, a3, tail);
  }
}

/** Pair k of the block at p (0 when the block has no pair k: nothing past the block is read). */
@inline
function pairOf(p: usize, k: i32, pairs: i32): v128 {
  return k < pairs ? v128.load(p + (<usize>k << 4)) : f64x2.splat(0.0);
}

/** The block's odd last channel (0 when width is even). */
@inline
function tailOf(p: usize, width: i32): f64 {
  return width & 1 ? load<f64>(p + (<usize>(width >> 1) << 4)) : 0.0;
}

/** The block's width channels ← [a0 | a1 | a2 | a3] (their first width >> 1 pairs), then tail if width is odd. */
@inline
function storeBlock(p: usize, width: i32, a0: v128, a1: v128, a2: v128, a3: v128, tail: f64): void {
  const pairs = width >> 1;
  if (pairs > 0) v128.store(p, a0, 0);
  if (pairs > 1) v128.store(p, a1, 16);
  if (pairs > 2) v128.store(p, a2, 32);
  if (pairs > 3) v128.store(p, a3, 48);
  if (width & 1) store<f64>(p + (<usize>pairs << 4), tail);
}

/** out[c] = Σ_i (x[i, c] − μ_c)², μ = xSums/total (the batch's Σx); overwrites. */
export function batchNormCentredSquares(rows: i32, C: i32, x: usize, total: i32, xSums: usize, out: usize): void {
  assert(C <= MAX_CHANNELS);
  for (let c = 0; c < C; c++) st(MU, c, ld(xSums, c) / <f64>total);
  memory.fill(out, 0, <usize>C << 3);
  const stride = <usize>C << 3;
  for (let i0 = 0; i0 < rows; i0 += CHUNK) for (let c0 = 0; c0 < C; c0 += BLOCK) {
    const width = min(BLOCK, C - c0);
    const pairs = width >> 1;
    const mu = at(MU, c0);
    const m0 = pairOf(mu, 0, pairs), m1 = pairOf(mu, 1, pairs), m2 = pairOf(mu, 2, pairs), m3 = pairOf(mu, 3, pairs);
    const mTail = tailOf(mu, width);
    const po = at(out, c0);
    let a0 = pairOf(po, 0, pairs), a1 = pairOf(po, 1, pairs), a2 = pairOf(po, 2, pairs), a3 = pairOf(po, 3, pairs);
    let tail = tailOf(po, width);
    let r = at(x, i0 * C + c0);
    for (let i = i0, end = min(rows, i0 + CHUNK); i < end; i++) {
      if (pairs > 0) a0 = f64x2.add(a0, square(f64x2.sub(v128.load(r, 0), m0)));
      if (pairs > 1) a1 = f64x2.add(a1, square(f64x2.sub(v128.load(r, 16), m1)));
      if (pairs > 2) a2 = f64x2.add(a2, square(f64x2.sub(v128.load(r, 32), m2)));
      if (pairs > 3) a3 = f64x2.add(a3, square(f64x2.sub(v128.load(r, 48), m3)));
      if (width & 1) {
        const d = load<f64>(r + (<usize>pairs << 4)) - mTail;
        tail += d * d;
      }
      r += stride;
    }
    storeBlock(po, width, a0, a1, a2, a3, tail);
  }
}

@inline
function square(d: v128): v128 {
  return f64x2.mul(d, d);
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
  const stride = <usize>C << 3;
  for (let i0 = 0; i0 < rows; i0 += CHUNK) for (let c0 = 0; c0 < C; c0 += BLOCK) {
    const width = min(BLOCK, C - c0);
    const pairs = width >> 1;
    const t = (<usize>pairs << 4);
    const pg = at(gParams, c0);
    const pb = at(gParams, C + c0);
    let g0 = pairOf(pg, 0, pairs), g1 = pairOf(pg, 1, pairs), g2 = pairOf(pg, 2, pairs), g3 = pairOf(pg, 3, pairs);
    let b0 = pairOf(pb, 0, pairs), b1 = pairOf(pb, 1, pairs), b2 = pairOf(pb, 2, pairs), b3 = pairOf(pb, 3, pairs);
    let gTail = tailOf(pg, width), bTail = tailOf(pb, width);
    let rg = at(gy, i0 * C + c0), rh = at(xhat, i0 * C + c0);
    for (let i = i0, end = min(rows, i0 + CHUNK); i < end; i++) {
      if (pairs > 0) {
        const g = v128.load(rg, 0);
        g0 = f64x2.add(g0, f64x2.mul(g, v128.load(rh, 0)));
        b0 = f64x2.add(b0, g);
      }
      if (pairs > 1) {
        const g = v128.load(rg, 16);
        g1 = f64x2.add(g1, f64x2.mul(g, v128.load(rh, 16)));
        b1 = f64x2.add(b1, g);
      }
      if (pairs > 2) {
        const g = v128.load(rg, 32);
        g2 = f64x2.add(g2, f64x2.mul(g, v128.load(rh, 32)));
        b2 = f64x2.add(b2, g);
      }
      if (pairs > 3) {
        const g = v128.load(rg, 48);
        g3 = f64x2.add(g3, f64x2.mul(g, v128.load(rh, 48)));
        b3 = f64x2.add(b3, g);
      }
      if (width & 1) {
        const g = load<f64>(rg + t);
        gTail += g * load<f64>(rh + t);
        bTail += g;
      }
      rg += stride;
      rh += stride;
    }
    storeBlock(pg, width, g0, g1, g2, g3, gTail);
    storeBlock(pb, width, b0, b1, b2, b3, bTail);
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
  const stride = <usize>C << 3;
  for (let i0 = 0; i0 < rows; i0 += CHUNK) for (let c0 = 0; c0 < C; c0 += BLOCK) {
    const width = min(BLOCK, C - c0);
    const pairs = width >> 1;
    const t = (<usize>pairs << 4);
    const ps = at(rSums, c0);
    const ph = at(rSums, C + c0);
    let s0 = pairOf(ps, 0, pairs), s1 = pairOf(ps, 1, pairs), s2 = pairOf(ps, 2, pairs), s3 = pairOf(ps, 3, pairs);
    let h0 = pairOf(ph, 0, pairs), h1 = pairOf(ph, 1, pairs), h2 = pairOf(ph, 2, pairs), h3 = pairOf(ph, 3, pairs);
    let sTail = tailOf(ps, width), hTail = tailOf(ph, width);
    let rr = at(rx, i0 * C + c0), rh = at(xhat, i0 * C + c0);
    for (let i = i0, end = min(rows, i0 + CHUNK); i < end; i++) {
      if (pairs > 0) {
        const r = v128.load(rr, 0);
        s0 = f64x2.add(s0, r);
        h0 = f64x2.add(h0, f64x2.mul(v128.load(rh, 0), r));
      }
      if (pairs > 1) {
        const r = v128.load(rr, 16);
        s1 = f64x2.add(s1, r);
        h1 = f64x2.add(h1, f64x2.mul(v128.load(rh, 16), r));
      }
      if (pairs > 2) {
        const r = v128.load(rr, 32);
        s2 = f64x2.add(s2, r);
        h2 = f64x2.add(h2, f64x2.mul(v128.load(rh, 32), r));
      }
      if (pairs > 3) {
        const r = v128.load(rr, 48);
        s3 = f64x2.add(s3, r);
        h3 = f64x2.add(h3, f64x2.mul(v128.load(rh, 48), r));
      }
      if (width & 1) {
        const r = load<f64>(rr + t);
        sTail += r;
        hTail += load<f64>(rh + t) * r;
      }
      rr += stride;
      rh += stride;
    }
    storeBlock(ps, width, s0, s1, s2, s3, sTail);
    storeBlock(ph, width, h0, h1, h2, h3, hTail);
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
  const stride = <usize>C << 3;
  for (let i0 = 0; i0 < rows; i0 += CHUNK) for (let c0 = 0; c0 < C; c0 += BLOCK) {
    const width = min(BLOCK, C - c0);
    const pairs = width >> 1;
    const t = (<usize>pairs << 4);
    const pg = at(rgParams, c0);
    const pb = at(rgParams, C + c0);
    let g0 = pairOf(pg, 0, pairs), g1 = pairOf(pg, 1, pairs), g2 = pairOf(pg, 2, pairs), g3 = pairOf(pg, 3, pairs);
    let b0 = pairOf(pb, 0, pairs), b1 = pairOf(pb, 1, pairs), b2 = pairOf(pb, 2, pairs), b3 = pairOf(pb, 3, pairs);
    let gTail = tailOf(pg, width), bTail = tailOf(pb, width);
    let o: usize = <usize>(i0 * C + c0) << 3;
    for (let i = i0, end = min(rows, i0 + CHUNK); i < end; i++) {
      if (pairs > 0) {
        const rg = v128.load(rgy + o, 0);
        g0 = f64x2.add(g0, rTerm(rg, xhat + o, gy + o, rxhat + o, 0));
        b0 = f64x2.add(b0, rg);
      }
      if (pairs > 1) {
        const rg = v128.load(rgy + o, 16);
        g1 = f64x2.add(g1, rTerm(rg, xhat + o, gy + o, rxhat + o, 16));
        b1 = f64x2.add(b1, rg);
      }
      if (pairs > 2) {
        const rg = v128.load(rgy + o, 32);
        g2 = f64x2.add(g2, rTerm(rg, xhat + o, gy + o, rxhat + o, 32));
        b2 = f64x2.add(b2, rg);
      }
      if (pairs > 3) {
        const rg = v128.load(rgy + o, 48);
        g3 = f64x2.add(g3, rTerm(rg, xhat + o, gy + o, rxhat + o, 48));
        b3 = f64x2.add(b3, rg);
      }
      if (width & 1) {
        const rg = load<f64>(rgy + o + t);
        gTail += rg * load<f64>(xhat + o + t) + load<f64>(gy + o + t) * load<f64>(rxhat + o + t);
        bTail += rg;
      }
      o += stride;
    }
    storeBlock(pg, width, g0, g1, g2, g3, gTail);
    storeBlock(pb, width, b0, b1, b2, b3, bTail);
  }
}

/** R{g} x̂ + g R{x̂} for the pair at byte offset `offset` of the rows at xhat, gy, rxhat. */
@inline
function rTerm(rg: v128, xhat: usize, gy: usize, rxhat: usize, offset: usize): v128 {
  return f64x2.add(f64x2.mul(rg, v128.load(xhat + offset)), f64x2.mul(v128.load(gy + offset), v128.load(rxhat + offset)));
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
