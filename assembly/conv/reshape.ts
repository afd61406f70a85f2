// Parameter-free linear layers of the ResNet shortcut of the paper's ResNet20 (model.md §7.4):
// AvgPool2d(1, stride) — every stride-th position — then batch norm, then the channels padded with
// zeros to the block's width. NHWC.
//   subsample     y[i, oy, ox, c] = x[i, s·oy, s·ox, c],  ho = ⌊(h − 1)/s⌋ + 1,  wo likewise
//   pad channels  y[r, c] = x[r, c] for c < c_in, 0 for c_in ≤ c < c_out
// Both are linear without parameters: R-forward is the forward on R{x}, and the backward (the
// adjoint: ∂x[i, s·oy, s·ox, c] += ∂y[i, oy, ox, c], resp. ∂x[r, c] += ∂y[r, c] for c < c_in) is
// also the R-backward, on R{∂y}. Forward passes overwrite, backward passes add.

/** dst[k] += src[k] for k < count, pairs in f64x2 lanes (the same sums). */
@inline
function accumulate(count: i32, src: usize, dst: usize): void {
  let k: usize = 0;
  const end = <usize>count << 3;
  for (; k + 16 <= end; k += 16) v128.store(dst + k, f64x2.add(v128.load(dst + k), v128.load(src + k)));
  if (k < end) store<f64>(dst + k, load<f64>(dst + k) + load<f64>(src + k));
}

/** y = every stride-th position of x (n images h × w × c). */
export function subsampleForward(n: i32, h: i32, w: i32, c: i32, stride: i32, x: usize, y: usize): void {
  const ho = (h - 1) / stride + 1;
  const wo = (w - 1) / stride + 1;
  const run = <usize>c << 3;
  let dst = y;
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        memory.copy(dst, x + ((<usize>(i * h + oy * stride) * <usize>w + <usize>(ox * stride)) * run), run);
        dst += run;
      }
    }
  }
}

/** gx[i, s·oy, s·ox, :] += gy[i, oy, ox, :] (also the R-backward, on R{∂y}). */
export function subsampleBackward(n: i32, h: i32, w: i32, c: i32, stride: i32, gy: usize, gx: usize): void {
  const ho = (h - 1) / stride + 1;
  const wo = (w - 1) / stride + 1;
  let src = gy;
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const dst = gx + ((<usize>(i * h + oy * stride) * <usize>w + <usize>(ox * stride)) * (<usize>c << 3));
        accumulate(c, src, dst);
        src += <usize>c << 3;
      }
    }
  }
}

/** y (rows × cout) = x (rows × cin) followed by cout − cin zero channels. */
export function padChannelsForward(rows: i32, cin: i32, cout: i32, x: usize, y: usize): void {
  const inBytes = <usize>cin << 3;
  const outBytes = <usize>cout << 3;
  for (let r = 0; r < rows; r++) {
    const dst = y + <usize>r * outBytes;
    memory.copy(dst, x + <usize>r * inBytes, inBytes);
    memory.fill(dst + inBytes, 0, outBytes - inBytes);
  }
}

/** gx[r, c] += gy[r, c] for c < cin (also the R-backward, on R{∂y}). */
export function padChannelsBackward(rows: i32, cin: i32, cout: i32, gy: usize, gx: usize): void {
  for (let r = 0; r < rows; r++) {
    const src = gy + ((<usize>r * <usize>cout) << 3);
    const dst = gx + ((<usize>r * <usize>cin) << 3);
    accumulate(cin, src, dst);
  }
}
