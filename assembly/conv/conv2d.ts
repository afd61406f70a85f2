// 2-D convolution and the dense layer (model.md §7.2), NHWC, as GEMMs on assembly/mlp/gemm.ts.
// A tensor of n images h × w with c channels is the row-major matrix X[(i·h + y)·w + x, ch]: one row
// per position, its c channels contiguous. With k × k taps, stride s, zero padding p,
//   ho = ⌊(h + 2p − k)/s⌋ + 1,  wo likewise,  K = k·k·c_in,
// the column matrix Col(X) (n·ho·wo × K) holds, in row r = (i, oy, ox), the input patch
//   Col[r, (ky·k + kx)·c_in + ci] = X[i, oy·s − p + ky, ox·s − p + kx, ci]  (0 outside the image),
// and the weights are W (c_out × K, row-major, the same (ky, kx, ci) order), so
//   forward       Y = Col(X) Wᵀ + 1 bᵀ                                       (gemmNT)
//   R-forward     R{Y} = Col(R{X}) Wᵀ + Col(X) Vᵀ + 1 cᵀ     (v = [V, c] the direction of [W, b])
//   backward      ∂X += Col*(∂Y W),  ∂W += ∂Yᵀ Col(X),  ∂b += Σ_rows ∂Y       (gemmNN, gemmTN)
//   R-backward    R{∂X} += Col*(R{∂Y} W + ∂Y V),
//                 R{∂W} += R{∂Y}ᵀ Col(X) + ∂Yᵀ Col(R{X}),  R{∂b} += Σ_rows R{∂Y}
// where Col* (col2im) is the adjoint of Col: it adds each patch entry back onto the input position
// it was copied from. The layer is bilinear in (X, W), so R{J} is J evaluated at the direction.
// A 1×1, stride 1, unpadded convolution has Col(X) = X: no copy (the dense layer is that case with
// h = w = 1 over n rows of features).
//
// Why NHWC: the whole batch is one GEMM of n·ho·wo rows — the shapes of the fully connected
// layer (Z = A Wᵀ, rows = samples) with rows = positions — so the three packed GEMMs apply
// unchanged, with a long m (thousands of rows) and the reduction K = 9·c_in contiguous in both
// operands; a patch row is k·k contiguous runs of c_in values. In NCHW each image would be its own
// GEMM with m = c_out (16–64 rows) or would need a transposed copy of the batch.
//
// Memory: Col is built `chunkRows` rows at a time into the caller's scratch `col`
// (chunkRows × K entries; unused, and may be 0, for a 1×1 stride-1 unpadded convolution). The bits
// of ∂W depend on chunkRows (the order of the sum over rows), never on anything else.
// Outputs: forward and R-forward overwrite Y / R{Y}; backward and R-backward ADD into their outputs
// (∂X, ∂W, ∂b), which the caller zeroes. A pointer of 0 skips that output (∂X of the first layer,
// b of a layer without bias, R{X} = 0 for the network input).
import { at } from '../abi';
import { gemmNN, gemmNT, gemmTN } from '../mlp/gemm';

/** ⌊(size + 2·padding − kernel)/stride⌋ + 1 (the output height or width; ≤ 0: no output). */
export function conv2dOutputSize(size: i32, kernel: i32, stride: i32, padding: i32): i32 {
  const span = size + 2 * padding - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

@inline
function isDirect(kernel: i32, stride: i32, padding: i32): bool {
  return kernel == 1 && stride == 1 && padding == 0;
}

/**
 * The patch walk shared by im2col and its adjoint: rows rc of the patch matrix from output row r0,
 * each k·k runs of cin channels, visiting for every run the image position it reads (or, outside
 * the image, padding). `gather` copies X's runs into the patch matrix and writes zeros for
 * padding (Col(X)); otherwise the patch matrix's runs are added back onto the image and padding
 * is skipped (Col*). Inlined into both callers with a constant `gather`, so neither pays a branch.
 */
@inline
function walkPatches(
  image0: usize, h: i32, w: i32, cin: i32, k: i32, stride: i32, padding: i32, ho: i32, wo: i32,
  r0: i32, rc: i32, patches: usize, gather: bool,
): void {
  const bytes = <usize>cin << 3;
  const hw = ho * wo;
  let img = r0 / hw;
  let rem = r0 - img * hw;
  let oy = rem / wo;
  let ox = rem - oy * wo;
  let run = patches;
  for (let r = 0; r < rc; r++) {
    const image = image0 + <usize>img * <usize>h * <usize>w * bytes;
    for (let ky = 0; ky < k; ky++) {
      const iy = oy * stride - padding + ky;
      const rowInside = iy >= 0 && iy < h;
      for (let kx = 0; kx < k; kx++) {
        const ix = ox * stride - padding + kx;
        if (rowInside && ix >= 0 && ix < w) {
          const pixel = image + (<usize>iy * <usize>w + <usize>ix) * bytes;
          if (gather) copyRun(run, pixel, cin);
          else addRun(pixel, run, cin);
        } else if (gather) {
          memory.fill(run, 0, bytes);
        }
        run += bytes;
      }
    }
    if (++ox == wo) {
      ox = 0;
      if (++oy == ho) {
        oy = 0;
        img++;
      }
    }
  }
}

/** Rows rc of Col(X) starting at output row r0 into col (rc × k·k·cin). */
function im2col(
  x: usize, h: i32, w: i32, cin: i32, k: i32, stride: i32, padding: i32, ho: i32, wo: i32,
  r0: i32, rc: i32, col: usize,
): void {
  walkPatches(x, h, w, cin, k, stride, padding, ho, wo, r0, rc, col, true);
}

/** dst[0..count) = src[0..count) (f64), by pairs. */
@inline
function copyRun(dst: usize, src: usize, count: i32): void {
  let j = 0;
  for (; j + 1 < count; j += 2) v128.store(at(dst, j), v128.load(at(src, j)));
  if (j < count) store<f64>(at(dst, j), load<f64>(at(src, j)));
}

/** dst[0..count) += src[0..count) (f64), by pairs. */
@inline
function addRun(dst: usize, src: usize, count: i32): void {
  let j = 0;
  for (; j + 1 < count; j += 2) v128.store(at(dst, j), f64x2.add(v128.load(at(dst, j)), v128.load(at(src, j))));
  if (j < count) store<f64>(at(dst, j), load<f64>(at(dst, j)) + load<f64>(at(src, j)));
}

/** Col*: adds rows rc of a patch matrix (from output row r0) back onto gx (n·h·w × cin). */
function col2imAdd(
  gcol: usize, h: i32, w: i32, cin: i32, k: i32, stride: i32, padding: i32, ho: i32, wo: i32,
  r0: i32, rc: i32, gx: usize,
): void {
  walkPatches(gx, h, w, cin, k, stride, padding, ho, wo, r0, rc, gcol, false);
}

/** Each of the rows of y (rows × cols) ← b, or 0 when b = 0. */
function fillRows(y: usize, rows: i32, cols: i32, b: usize): void {
  const row = <usize>cols << 3;
  if (b == 0) {
    memory.fill(y, 0, <usize>rows * row);
    return;
  }
  for (let i = 0; i < rows; i++) memory.copy(y + <usize>i * row, b, row);
}

/** gb[j] += Σ_i g[i, j] (g is rows × cols), in row order. */
function addColumnSums(g: usize, rows: i32, cols: i32, gb: usize): void {
  for (let i = 0; i < rows; i++) {
    const r = at(g, i * cols);
    for (let j = 0; j < cols; j++) store<f64>(at(gb, j), load<f64>(at(gb, j)) + load<f64>(at(r, j)));
  }
}

/** y += Col(x) Wᵀ over all output rows. */
function addForward(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  x: usize, weights: usize, y: usize, col: usize, chunkRows: i32,
): void {
  const ho = conv2dOutputSize(h, k, stride, padding);
  const wo = conv2dOutputSize(w, k, stride, padding);
  const rows = n * ho * wo;
  const K = k * k * cin;
  if (isDirect(k, stride, padding)) {
    gemmNT(x, weights, y, rows, cout, K);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const rc = min(chunkRows, rows - r0);
    im2col(x, h, w, cin, k, stride, padding, ho, wo, r0, rc, col);
    gemmNT(col, weights, at(y, r0 * cout), rc, cout, K);
  }
}

/** gx += Col*(gy W). */
function addBackwardData(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  gy: usize, weights: usize, gx: usize, col: usize, chunkRows: i32,
): void {
  const ho = conv2dOutputSize(h, k, stride, padding);
  const wo = conv2dOutputSize(w, k, stride, padding);
  const rows = n * ho * wo;
  const K = k * k * cin;
  if (isDirect(k, stride, padding)) {
    gemmNN(gy, weights, gx, rows, K, cout);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const rc = min(chunkRows, rows - r0);
    memory.fill(col, 0, (<usize>rc * <usize>K) << 3);
    gemmNN(at(gy, r0 * cout), weights, col, rc, K, cout);
    col2imAdd(col, h, w, cin, k, stride, padding, ho, wo, r0, rc, gx);
  }
}

/** gW += gyᵀ Col(x). */
function addBackwardWeights(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  gy: usize, x: usize, gW: usize, col: usize, chunkRows: i32,
): void {
  const ho = conv2dOutputSize(h, k, stride, padding);
  const wo = conv2dOutputSize(w, k, stride, padding);
  const rows = n * ho * wo;
  const K = k * k * cin;
  if (isDirect(k, stride, padding)) {
    gemmTN(gy, x, gW, rows, cout, K);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const rc = min(chunkRows, rows - r0);
    im2col(x, h, w, cin, k, stride, padding, ho, wo, r0, rc, col);
    gemmTN(at(gy, r0 * cout), col, gW, rc, cout, K);
  }
}

/** y = Col(x) Wᵀ + 1 bᵀ (b = 0: no bias). */
export function conv2dForward(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  x: usize, weights: usize, bias: usize, y: usize, col: usize, chunkRows: i32,
): void {
  const rows = n * conv2dOutputSize(h, k, stride, padding) * conv2dOutputSize(w, k, stride, padding);
  fillRows(y, rows, cout, bias);
  addForward(n, h, w, cin, cout, k, stride, padding, x, weights, y, col, chunkRows);
}

/** R{y} = Col(x) Vᵀ + 1 cᵀ + Col(R{x}) Wᵀ (c = 0: no bias; rx = 0: R{x} = 0). */
export function conv2dRForward(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  x: usize, rx: usize, weights: usize, rWeights: usize, rBias: usize, ry: usize, col: usize, chunkRows: i32,
): void {
  conv2dForward(n, h, w, cin, cout, k, stride, padding, x, rWeights, rBias, ry, col, chunkRows);
  if (rx != 0) addForward(n, h, w, cin, cout, k, stride, padding, rx, weights, ry, col, chunkRows);
}

/** gx += Col*(gy W), gW += gyᵀ Col(x), gb += Σ_rows gy (each skipped when its pointer is 0). */
export function conv2dBackward(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  x: usize, weights: usize, gy: usize, gx: usize, gWeights: usize, gBias: usize, col: usize, chunkRows: i32,
): void {
  const rows = n * conv2dOutputSize(h, k, stride, padding) * conv2dOutputSize(w, k, stride, padding);
  if (gWeights != 0) addBackwardWeights(n, h, w, cin, cout, k, stride, padding, gy, x, gWeights, col, chunkRows);
  if (gBias != 0) addColumnSums(gy, rows, cout, gBias);
  if (gx != 0) addBackwardData(n, h, w, cin, cout, k, stride, padding, gy, weights, gx, col, chunkRows);
}

/**
 * R{gx} += Col*(R{gy} W + gy V), R{gW} += R{gy}ᵀ Col(x) + gyᵀ Col(R{x}), R{gb} += Σ_rows R{gy}
 * (rx = 0: R{x} = 0; an output pointer of 0 skips it).
 */
export function conv2dRBackward(
  n: i32, h: i32, w: i32, cin: i32, cout: i32, k: i32, stride: i32, padding: i32,
  x: usize, rx: usize, weights: usize, rWeights: usize, gy: usize, rgy: usize,
  rgx: usize, rgWeights: usize, rgBias: usize, col: usize, chunkRows: i32,
): void {
  conv2dBackward(n, h, w, cin, cout, k, stride, padding, x, weights, rgy, rgx, rgWeights, rgBias, col, chunkRows);
  if (rgWeights != 0 && rx != 0) {
    addBackwardWeights(n, h, w, cin, cout, k, stride, padding, gy, rx, rgWeights, col, chunkRows);
  }
  if (rgx != 0) addBackwardData(n, h, w, cin, cout, k, stride, padding, gy, rWeights, rgx, col, chunkRows);
}

// The dense layer y = x Wᵀ + b over n rows of d_in features (W is d_out × d_in): the 1×1 case.

/** y = x Wᵀ + 1 bᵀ. */
export function denseForward(n: i32, din: i32, dout: i32, x: usize, weights: usize, bias: usize, y: usize): void {
  conv2dForward(n, 1, 1, din, dout, 1, 1, 0, x, weights, bias, y, 0, 1);
}

/** R{y} = x Vᵀ + 1 cᵀ + R{x} Wᵀ. */
export function denseRForward(
  n: i32, din: i32, dout: i32, x: usize, rx: usize, weights: usize, rWeights: usize, rBias: usize, ry: usize,
): void {
  conv2dRForward(n, 1, 1, din, dout, 1, 1, 0, x, rx, weights, rWeights, rBias, ry, 0, 1);
}

/** gx += gy W, gW += gyᵀ x, gb += Σ gy. */
export function denseBackward(
  n: i32, din: i32, dout: i32, x: usize, weights: usize, gy: usize, gx: usize, gWeights: usize, gBias: usize,
): void {
  conv2dBackward(n, 1, 1, din, dout, 1, 1, 0, x, weights, gy, gx, gWeights, gBias, 0, 1);
}

/** R{gx} += R{gy} W + gy V, R{gW} += R{gy}ᵀ x + gyᵀ R{x}, R{gb} += Σ R{gy}. */
export function denseRBackward(
  n: i32, din: i32, dout: i32, x: usize, rx: usize, weights: usize, rWeights: usize, gy: usize, rgy: usize,
  rgx: usize, rgWeights: usize, rgBias: usize,
): void {
  conv2dRBackward(n, 1, 1, din, dout, 1, 1, 0, x, rx, weights, rWeights, gy, rgy, rgx, rgWeights, rgBias, 0, 1);
}
