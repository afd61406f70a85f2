// Pooling layers (model.md §7.4), NHWC (x is n·h·w rows × c channels).
//
// Max-pool 2×2, stride 2: y[i, oy, ox, ch] = max over x[i, 2oy + dy, 2ox + dx, ch], dy, dx ∈ {0, 1};
// ho = ⌊h/2⌋, wo = ⌊w/2⌋ (the host requires even h, w). The forward pass records in `argmax` (i32,
// one per output) the element index, relative to x, of the input it chose: the first largest in the
// order (0,0), (0,1), (1,0), (1,1); a NaN input is chosen and stays chosen (NaN propagates). The
// layer is linear on each region where that choice is constant, so with the same choice
//   R-forward   R{y}[j] = R{x}[argmax[j]]                (a gather)
//   backward    ∂x[argmax[j]] += ∂y[j]                   (a scatter-add; windows do not overlap)
//   R-backward  R{∂x}[argmax[j]] += R{∂y}[j]             (R{J} = 0: maxPoolBackward on R{∂y})
// exact wherever the largest input of each window is unique (ties are a measure-zero set, except
// for windows of zeros after a ReLU, where every route carries ∂ReLU = 0 anyway).
//
// Global average pooling: y[i, ch] = (1/hw) Σ_p x[i, p, ch] (hw = h·w positions per image). It is
// linear without parameters, so R-forward is globalAvgPoolForward on R{x}, and backward
// ∂x[i, p, ch] += ∂y[i, ch]/hw is also its R-backward (on R{∂y}).
// Forward passes overwrite their outputs; backward passes add into ∂x.
import { at, ld } from '../abi';

/** Lanes of v that replace best: v > best, or v the first NaN (best not NaN). */
@inline
function replaces(v: v128, best: v128): v128 {
  return v128.or(f64x2.gt(v, best), v128.andnot(f64x2.ne(v, v), f64x2.ne(best, best)));
}

/**
 * y = 2×2 max-pool of x (n images h × w × c), argmax[j] = the index into x of y[j]'s input. Two
 * channels at a time with lane masks (no branch on the data: which input wins is random).
 */
export function maxPoolForward(n: i32, h: i32, w: i32, c: i32, x: usize, y: usize, argmax: usize): void {
  const ho = h >> 1;
  const wo = w >> 1;
  let j = 0;
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < ho; oy++) {
      const row0 = (i * h + 2 * oy) * w;
      const row1 = row0 + w;
      for (let ox = 0; ox < wo; ox++) {
        const p00 = (row0 + 2 * ox) * c;
        const p01 = p00 + c;
        const p10 = (row1 + 2 * ox) * c;
        const p11 = p10 + c;
        let ch = 0;
        for (; ch + 1 < c; ch += 2) {
          let best = v128.load(at(x, p00 + ch));
          let index = i64x2(p00 + ch, p00 + ch + 1);
          let v = v128.load(at(x, p01 + ch));
          let m = replaces(v, best);
          best = v128.bitselect(v, best, m);
          index = v128.bitselect(i64x2(p01 + ch, p01 + ch + 1), index, m);
          v = v128.load(at(x, p10 + ch));
          m = replaces(v, best);
          best = v128.bitselect(v, best, m);
          index = v128.bitselect(i64x2(p10 + ch, p10 + ch + 1), index, m);
          v = v128.load(at(x, p11 + ch));
          m = replaces(v, best);
          best = v128.bitselect(v, best, m);
          index = v128.bitselect(i64x2(p11 + ch, p11 + ch + 1), index, m);
          v128.store(at(y, j), best);
          store<i32>(argmax + (<usize>j << 2), <i32>i64x2.extract_lane(index, 0));
          store<i32>(argmax + (<usize>(j + 1) << 2), <i32>i64x2.extract_lane(index, 1));
          j += 2;
        }
        if (ch < c) {
          let best = ld(x, p00 + ch);
          let index = p00 + ch;
          // v > best, or a first NaN (best = NaN then compares false against everything)
          let v = ld(x, p01 + ch);
          if (v > best || (v != v && best == best)) {
            best = v;
            index = p01 + ch;
          }
          v = ld(x, p10 + ch);
          if (v > best || (v != v && best == best)) {
            best = v;
            index = p10 + ch;
          }
          v = ld(x, p11 + ch);
          if (v > best || (v != v && best == best)) {
            best = v;
            index = p11 + ch;
          }
          store<f64>(at(y, j), best);
          store<i32>(argmax + (<usize>j << 2), index);
          j++;
        }
      }
    }
  }
}

/** R{y}[j] = R{x}[argmax[j]] for the `count` outputs (rx = 0: zeros). */
export function maxPoolRForward(count: i32, rx: usize, argmax: usize, ry: usize): void {
  if (rx == 0) {
    memory.fill(ry, 0, <usize>count << 3);
    return;
  }
  for (let j = 0; j < count; j++) store<f64>(at(ry, j), ld(rx, load<i32>(argmax + (<usize>j << 2))));
}

/** gx[argmax[j]] += gy[j] for the `count` outputs (also the R-backward, on R{∂y}). */
export function maxPoolBackward(count: i32, gy: usize, argmax: usize, gx: usize): void {
  for (let j = 0; j < count; j++) {
    const p = at(gx, load<i32>(argmax + (<usize>j << 2)));
    store<f64>(p, load<f64>(p) + ld(gy, j));
  }
}

/**
 * y[i, ch] = Σ_p x[i, p, ch] / hw (sums in position order; two channels at a time in f64x2 lanes,
 * each lane's sum in the same order as a channel-at-a-time loop, an odd c ends with a scalar channel).
 */
export function globalAvgPoolForward(n: i32, hw: i32, c: i32, x: usize, y: usize): void {
  memory.fill(y, 0, (<usize>n * <usize>c) << 3);
  const size = f64x2.splat(<f64>hw);
  for (let i = 0; i < n; i++) {
    const yi = at(y, i * c);
    for (let p = 0; p < hw; p++) {
      const xp = at(x, (i * hw + p) * c);
      let ch = 0;
      for (; ch + 1 < c; ch += 2) v128.store(at(yi, ch), f64x2.add(v128.load(at(yi, ch)), v128.load(at(xp, ch))));
      if (ch < c) store<f64>(at(yi, ch), ld(yi, ch) + ld(xp, ch));
    }
    let ch = 0;
    for (; ch + 1 < c; ch += 2) v128.store(at(yi, ch), f64x2.div(v128.load(at(yi, ch)), size));
    if (ch < c) store<f64>(at(yi, ch), ld(yi, ch) / <f64>hw);
  }
}

/** gx[i, p, ch] += gy[i, ch] / hw (also the R-backward, on R{∂y}); f64x2 over channel pairs. */
export function globalAvgPoolBackward(n: i32, hw: i32, c: i32, gy: usize, gx: usize): void {
  const size = f64x2.splat(<f64>hw);
  for (let i = 0; i < n; i++) {
    const gi = at(gy, i * c);
    for (let p = 0; p < hw; p++) {
      const xp = at(gx, (i * hw + p) * c);
      let ch = 0;
      for (; ch + 1 < c; ch += 2) {
        const share = f64x2.div(v128.load(at(gi, ch)), size);
        v128.store(at(xp, ch), f64x2.add(v128.load(at(xp, ch)), share));
      }
      if (ch < c) store<f64>(at(xp, ch), ld(xp, ch) + ld(gi, ch) / <f64>hw);
    }
  }
}
