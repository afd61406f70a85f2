/**
 * The two transformations every image set goes through (README, "Data for the networks"):
 *
 * 1. Reduction to H×W (optional, `--input-size`), per image and channel, from H₀×W₀ with
 *    H ≤ H₀, W ≤ W₀: with the integer factors f_h = ⌊H₀/H⌋, f_w = ⌊W₀/W⌋, centre-crop to
 *    (f_h·H) × (f_w·W) — top = ⌊(H₀ − f_h·H)/2⌋, left = ⌊(W₀ − f_w·W)/2⌋ — then average each
 *    f_h × f_w block:
 *      out[c][y][x] = (1/(f_h f_w)) Σ_{a<f_h} Σ_{b<f_w} in[c][top + y·f_h + a][left + x·f_w + b].
 *    H = H₀/2 is a 2×2 average pooling, H < H₀ with f = 1 a plain centre crop, H = H₀ the identity.
 *    A side larger than the stored one is zero-padded instead (f = 1, top = −⌊(H − H₀)/2⌋: the
 *    image centred, ⌊(H − H₀)/2⌋ rows of raw 0 above it, the rest below), before the
 *    standardisation: how 28×28 digits become the 32×32 inputs VGG11's five max-pools need. Each
 *    side is reduced or padded on its own.
 *
 * 2. Standardisation per channel, as Cohen et al. (2021) and Kreisler et al. (2023, App. B.4) do for
 *    CIFAR-10: each channel c centred and divided by its standard deviation, x ← (x − μ_c)/σ_c, with
 *    μ_c and the population (1/N) σ_c over all N = n·H·W values of that channel in the n loaded
 *    images, computed in two passes (the mean, then the centred sum of squares). A grey-scale set
 *    has one channel: one mean and one std over all its pixels. The spatial structure survives (a
 *    blank pixel has the same value in every image); unlike a per-pixel standardisation no
 *    rarely-inked pixel is blown up to tens of σ. A channel whose values are all equal (detected
 *    exactly, min = max) has σ = 0 and becomes 0.
 */

/**
 * Standardises one channel in place: x ← (x − mean)/std with the mean and the population (1/N)
 * standard deviation of all N entries, computed in two passes (the mean, then the centred sum of
 * squares). When all entries are equal (detected exactly, min === max, so rounding in the mean
 * cannot make std a tiny nonzero) std is 0 and every entry becomes 0. Returns the statistics.
 */
export function standardizeChannel(X: Float64Array): { mean: number; std: number } {
  const s = standardizeChannels(X, X.length, 1, 1);
  return { mean: s.mean[0] as number, std: s.std[0] as number };
}

/**
 * Standardises each channel of n images laid out n × C × P (P = H·W pixels per channel, channels
 * first) in place, visiting the values of channel c image by image, pixel by pixel (so for C = 1
 * the order of the whole array). Returns the per-channel means and population standard deviations.
 */
export function standardizeChannels(
  X: Float64Array,
  n: number,
  channels: number,
  pixels: number,
): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  const N = n * pixels;
  const stride = channels * pixels;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const base = i * stride + c * pixels;
      for (let p = 0; p < pixels; p++) {
        const x = X[base + p] as number;
        sum += x;
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    const m = sum / N;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const base = i * stride + c * pixels;
      for (let p = 0; p < pixels; p++) {
        const d = (X[base + p] as number) - m;
        squares += d * d;
      }
    }
    const s = min === max ? 0 : Math.sqrt(squares / N);
    for (let i = 0; i < n; i++) {
      const base = i * stride + c * pixels;
      for (let p = 0; p < pixels; p++) X[base + p] = s === 0 ? 0 : ((X[base + p] as number) - m) / s;
    }
    mean.push(m);
    std.push(s);
  }
  return { mean, std };
}

/** How an H₀×W₀ image is reduced to H×W (see the file comment). */
export interface Reduction {
  readonly fromHeight: number;
  readonly fromWidth: number;
  readonly height: number;
  readonly width: number;
  /** Block factors f_h = ⌊H₀/H⌋, f_w = ⌊W₀/W⌋. */
  readonly factorY: number;
  readonly factorX: number;
  /** First row and column of the centre crop. */
  readonly top: number;
  readonly left: number;
}

/** The reduction (or zero-padding, side by side) of H₀×W₀ to H×W (the caller checks H, W ≥ 1). */
export function reduction(fromHeight: number, fromWidth: number, height: number, width: number): Reduction {
  const factorY = Math.max(1, Math.floor(fromHeight / height));
  const factorX = Math.max(1, Math.floor(fromWidth / width));
  return {
    fromHeight,
    fromWidth,
    height,
    width,
    factorY,
    factorX,
    // a reduced side's crop starts at ⌊(H₀ − f·H)/2⌋ ≥ 0; a padded side at −⌊(H − H₀)/2⌋
    top: height > fromHeight ? -Math.floor((height - fromHeight) / 2) : Math.floor((fromHeight - factorY * height) / 2),
    left: width > fromWidth ? -Math.floor((width - fromWidth) / 2) : Math.floor((fromWidth - factorX * width) / 2),
  };
}

/** In words, for manifests: "centre crop 28×28 → 24×24 (rows 2–25, columns 2–25), then 2×2 block average → 12×12". */
export function describeReduction(r: Reduction): string {
  const cropH = r.factorY * r.height;
  const cropW = r.factorX * r.width;
  const parts: string[] = [];
  if (r.top < 0 || r.left < 0) {
    const rows = Math.max(0, cropH - r.fromHeight);
    const columns = Math.max(0, cropW - r.fromWidth);
    parts.push(
      `zero-padded ${r.fromHeight}×${r.fromWidth} → ${cropH}×${cropW} (${rows} rows: ${-Math.min(0, r.top)} above, ` +
        `${columns} columns: ${-Math.min(0, r.left)} left; raw value 0)`,
    );
  }
  if ((cropH < r.fromHeight || cropW < r.fromWidth) && !(r.top < 0 && r.left < 0)) {
    parts.push(
      `centre crop ${r.fromHeight}×${r.fromWidth} → ${cropH}×${cropW} (rows ${r.top}–${r.top + cropH - 1}, columns ${r.left}–${r.left + cropW - 1})`,
    );
  }
  if (r.factorY > 1 || r.factorX > 1) parts.push(`${r.factorY}×${r.factorX} block average → ${r.height}×${r.width}`);
  return parts.length === 0 ? `${r.height}×${r.width} as stored` : parts.join(', then ');
}

/**
 * Reduces one C × H₀ × W₀ image `from` (channels first) to C × H × W in `to` at `offset`: the
 * block averages of the centre crop, each summed row by row within its block; a position outside
 * the stored image (a padded side) is 0.
 */
export function reduceImage(
  r: Reduction,
  channels: number,
  from: Float64Array,
  to: Float64Array,
  offset: number,
): void {
  const inPlane = r.fromHeight * r.fromWidth;
  const outPlane = r.height * r.width;
  const scale = 1 / (r.factorY * r.factorX);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const top = r.top + y * r.factorY;
        const left = r.left + x * r.factorX;
        if (top < 0 || top >= r.fromHeight || left < 0 || left >= r.fromWidth) {
          to[offset + c * outPlane + y * r.width + x] = 0; // padding (factor 1 on a padded side)
          continue;
        }
        let sum = 0;
        for (let a = 0; a < r.factorY; a++) {
          const row = c * inPlane + (top + a) * r.fromWidth + left;
          for (let b = 0; b < r.factorX; b++) sum += from[row + b] as number;
        }
        to[offset + c * outPlane + y * r.width + x] = sum * scale;
      }
    }
  }
}
