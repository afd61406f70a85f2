/**
 * Plain-TypeScript float64 reference of the convolutional layers (docs/model.md §7): loops over
 * Float64Arrays, no WASM, no GEMM and no im2col (a convolution is its seven nested sums), every
 * statistic recomputed from its definition. It is the independent check of the kernels of
 * assembly/conv/ and, through central finite differences (test/conv-layers.test.ts), of the
 * derivation itself.
 *
 * Each layer y = f(x, [other], p) (p its slice of θ, NHWC tensors over n samples) is four PURE
 * functions: forward; R-forward R{y} = J R{(x, other, p)}; backward (J_xᵀ ∂y, J_otherᵀ ∂y,
 * J_pᵀ ∂y); R-backward, the directional derivative of the backward along (R{x}, R{other}, R{p}) with
 * ∂y moving by R{∂y}. Nothing is kept between calls (max-pool re-finds its argmax, batch norm its
 * statistics), so a finite difference of one function checks another directly.
 */
import type { Activation } from '../mlpNetwork.js';
import type { ConvLayer, ResolvedLayer, TensorShape } from './spec.js';

export interface Adjoint {
  /** J_xᵀ ∂y (or its R-derivative). */
  x: Float64Array;
  /** J_otherᵀ ∂y, for `add` only. */
  other: Float64Array | undefined;
  /** J_pᵀ ∂y (length of the layer's parameter slice). */
  p: Float64Array;
}

/** `undefined` stands for a zero direction (R{x} = 0 for the network input). */
export type Direction = Float64Array | undefined;

export interface ReferenceLayer {
  forward(x: Float64Array, other: Direction, p: Float64Array): Float64Array;
  rForward(
    x: Float64Array,
    other: Direction,
    p: Float64Array,
    rx: Direction,
    rOther: Direction,
    rp: Float64Array,
  ): Float64Array;
  backward(x: Float64Array, other: Direction, p: Float64Array, gy: Float64Array): Adjoint;
  rBackward(
    x: Float64Array,
    other: Direction,
    p: Float64Array,
    rx: Direction,
    rOther: Direction,
    rp: Float64Array,
    gy: Float64Array,
    rgy: Float64Array,
  ): Adjoint;
}

const zeros = (length: number): Float64Array => new Float64Array(length);
/** a[i] += v. */
const bump = (a: Float64Array, i: number, v: number): void => {
  a[i] = (a[i] as number) + v;
};
const size = (s: TensorShape): number => s.height * s.width * s.channels;

// ------------------------------------------------------------------------------------------------
// Activations: σ, σ′, σ″ (as assembly/mlp/activation.ts; one-sided at the kinks; NaN stays NaN).

const SIGMOID = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export const ACTIVATION_DERIVATIVES: Readonly<
  Record<Activation, readonly [(z: number) => number, (z: number) => number, (z: number) => number]>
> = {
  tanh: [Math.tanh, (z) => 1 - Math.tanh(z) ** 2, (z) => -2 * Math.tanh(z) * (1 - Math.tanh(z) ** 2)],
  hardtanh: [(z) => Math.min(1, Math.max(-1, z)), (z) => (Math.abs(z) < 1 ? 1 : 0), () => 0],
  relu: [(z) => (z > 0 ? z : 0), (z) => (z > 0 ? 1 : 0), () => 0],
  elu: [(z) => (z > 0 ? z : Math.expm1(z)), (z) => (z > 0 ? 1 : Math.exp(z)), (z) => (z > 0 ? 0 : Math.exp(z))],
  softplus: [(z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), SIGMOID, (z) => SIGMOID(z) * (1 - SIGMOID(z))],
};

function activation(kind: Activation): ReferenceLayer {
  const [s0, s1, s2] = ACTIVATION_DERIVATIVES[kind];
  const nanSafe = (f: (z: number) => number) => (z: number) => (Number.isNaN(z) ? z : f(z));
  const [f0, f1, f2] = [nanSafe(s0), nanSafe(s1), nanSafe(s2)];
  return {
    forward: (x) => x.map(f0),
    rForward: (x, _o, _p, rx) => (rx ? x.map((z, k) => f1(z) * (rx[k] as number)) : zeros(x.length)),
    backward: (x, _o, _p, gy) => ({ x: x.map((z, k) => f1(z) * (gy[k] as number)), other: undefined, p: zeros(0) }),
    rBackward: (x, _o, _p, rx, _ro, _rp, gy, rgy) => ({
      x: x.map((z, k) => f1(z) * (rgy[k] as number) + (rx ? f2(z) * (gy[k] as number) * (rx[k] as number) : 0)),
      other: undefined,
      p: zeros(0),
    }),
  };
}

// ------------------------------------------------------------------------------------------------
// Convolution (and dense, its 1×1 case on a 1×1 image): y[i,oy,ox,o] = b[o] + Σ W[o,ky,kx,c] x[i,iy,ix,c].

interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  ho: number;
  wo: number;
  cout: number;
  k: number;
  stride: number;
  padding: number;
  bias: boolean;
}

/** Calls visit(xIndex, wIndex, yIndex) for every product term of the convolution. */
function forEachTerm(g: ConvGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  const K = g.k * g.k * g.cin;
  for (let i = 0; i < g.n; i++)
    for (let oy = 0; oy < g.ho; oy++)
      for (let ox = 0; ox < g.wo; ox++)
        for (let o = 0; o < g.cout; o++) {
          const yi = ((i * g.ho + oy) * g.wo + ox) * g.cout + o;
          for (let ky = 0; ky < g.k; ky++) {
            const iy = oy * g.stride - g.padding + ky;
            if (iy < 0 || iy >= g.h) continue;
            for (let kx = 0; kx < g.k; kx++) {
              const ix = ox * g.stride - g.padding + kx;
              if (ix < 0 || ix >= g.w) continue;
              for (let c = 0; c < g.cin; c++) {
                visit(((i * g.h + iy) * g.w + ix) * g.cin + c, o * K + (ky * g.k + kx) * g.cin + c, yi);
              }
            }
          }
        }
}

function convolve(g: ConvGeometry, x: Float64Array, p: Float64Array, withBias: boolean): Float64Array {
  const y = zeros(g.n * g.ho * g.wo * g.cout);
  const K = g.k * g.k * g.cin;
  if (withBias && g.bias) for (let r = 0; r < y.length; r++) y[r] = p[g.cout * K + (r % g.cout)] as number;
  forEachTerm(g, (xi, wi, yi) => {
    y[yi] = (y[yi] as number) + (p[wi] as number) * (x[xi] as number);
  });
  return y;
}

/** Adds J_xᵀ gy into gx (weights p) and J_pᵀ gy into gp (input x); either may be skipped. */
function convAdjoint(
  g: ConvGeometry,
  x: Float64Array | undefined,
  p: Float64Array,
  gy: Float64Array,
  gx: Float64Array | undefined,
  gp: Float64Array | undefined,
  withBias: boolean,
): void {
  forEachTerm(g, (xi, wi, yi) => {
    const gyv = gy[yi] as number;
    if (gx) gx[xi] = (gx[xi] as number) + (p[wi] as number) * gyv;
    if (gp && x) gp[wi] = (gp[wi] as number) + gyv * (x[xi] as number);
  });
  if (gp && withBias && g.bias) {
    const K = g.k * g.k * g.cin;
    for (let r = 0; r < gy.length; r++) bump(gp, g.cout * K + (r % g.cout), gy[r] as number);
  }
}

function convolution(g: ConvGeometry): ReferenceLayer {
  const inputLength = g.n * g.h * g.w * g.cin;
  const pLength = g.cout * g.k * g.k * g.cin + (g.bias ? g.cout : 0);
  return {
    forward: (x, _o, p) => convolve(g, x, p, true),
    rForward: (x, _o, p, rx, _ro, rp) => {
      const ry = convolve(g, x, rp, true);
      if (rx) {
        const more = convolve(g, rx, p, false);
        for (let k = 0; k < ry.length; k++) ry[k] = (ry[k] as number) + (more[k] as number);
      }
      return ry;
    },
    backward: (x, _o, p, gy) => {
      const gx = zeros(inputLength);
      const gp = zeros(pLength);
      convAdjoint(g, x, p, gy, gx, gp, true);
      return { x: gx, other: undefined, p: gp };
    },
    rBackward: (x, _o, p, rx, _ro, rp, gy, rgy) => {
      const gx = zeros(inputLength);
      const gp = zeros(pLength);
      convAdjoint(g, x, p, rgy, gx, gp, true); // J_xᵀ R{gy}, J_pᵀ R{gy}
      convAdjoint(g, undefined, rp, gy, gx, undefined, false); // R{J_x}ᵀ gy: the weights move by V
      if (rx) convAdjoint(g, rx, p, gy, undefined, gp, false); // R{J_p}ᵀ gy: the input moves by R{x}
      return { x: gx, other: undefined, p: gp };
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Batch norm over all M = n·h·w positions per channel (biased variance).

function batchNorm(M: number, C: number, eps: number): ReferenceLayer {
  /** μ, s = 1/√(σ² + ε) and x̂ from their definitions (two passes). */
  const normalise = (x: Float64Array) => {
    const mu = zeros(C);
    const s = zeros(C);
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let i = 0; i < M; i++) sum += x[i * C + c] as number;
      mu[c] = sum / M;
      let sq = 0;
      for (let i = 0; i < M; i++) sq += ((x[i * C + c] as number) - (mu[c] as number)) ** 2;
      s[c] = 1 / Math.sqrt(sq / M + eps);
    }
    const xhat = x.map((v, k) => (v - (mu[k % C] as number)) * (s[k % C] as number));
    return { s, xhat };
  };
  /** Per-channel means of a(i,c) over the M positions. */
  const channelMeans = (a: (k: number) => number): Float64Array => {
    const out = zeros(C);
    for (let k = 0; k < M * C; k++) bump(out, k % C, a(k));
    return out.map((v) => v / M);
  };
  /** R{x̂} = s (R{x} − mean R{x} − x̂ mean(x̂ R{x})); also m₁ = mean(x̂ R{x}). */
  const rNormalise = (s: Float64Array, xhat: Float64Array, rx: Direction) => {
    if (!rx) return { rxhat: zeros(M * C), m1: zeros(C) };
    const m0 = channelMeans((k) => rx[k] as number);
    const m1 = channelMeans((k) => (xhat[k] as number) * (rx[k] as number));
    const rxhat = rx.map(
      (r, k) => (s[k % C] as number) * (r - (m0[k % C] as number) - (xhat[k] as number) * (m1[k % C] as number)),
    );
    return { rxhat, m1 };
  };
  return {
    forward: (x, _o, p) => {
      const { xhat } = normalise(x);
      return xhat.map((h, k) => (p[k % C] as number) * h + (p[C + (k % C)] as number));
    },
    rForward: (x, _o, p, rx, _ro, rp) => {
      const { s, xhat } = normalise(x);
      const { rxhat } = rNormalise(s, xhat, rx);
      return xhat.map(
        (h, k) => (p[k % C] as number) * (rxhat[k] as number) + (rp[k % C] as number) * h + (rp[C + (k % C)] as number),
      );
    },
    backward: (x, _o, p, gy) => {
      const { s, xhat } = normalise(x);
      const gp = zeros(2 * C);
      for (let k = 0; k < M * C; k++) {
        bump(gp, k % C, (gy[k] as number) * (xhat[k] as number));
        bump(gp, C + (k % C), gy[k] as number);
      }
      const gx = gy.map((g, k) => {
        const c = k % C;
        const h = g - (gp[C + c] as number) / M - (xhat[k] as number) * ((gp[c] as number) / M);
        return (p[c] as number) * (s[c] as number) * h;
      });
      return { x: gx, other: undefined, p: gp };
    },
    rBackward: (x, _o, p, rx, _ro, rp, gy, rgy) => {
      const { s, xhat } = normalise(x);
      const { rxhat, m1 } = rNormalise(s, xhat, rx);
      const gp = zeros(2 * C); // [∂γ | ∂β]
      const rgp = zeros(2 * C); // [R{∂γ} | R{∂β}]
      for (let k = 0; k < M * C; k++) {
        const c = k % C;
        bump(gp, c, (gy[k] as number) * (xhat[k] as number));
        bump(gp, C + c, gy[k] as number);
        bump(rgp, c, (rgy[k] as number) * (xhat[k] as number) + (gy[k] as number) * (rxhat[k] as number));
        bump(rgp, C + c, rgy[k] as number);
      }
      const rgx = gy.map((g, k) => {
        const c = k % C;
        const sc = s[c] as number;
        const gamma = p[c] as number;
        const rho = -sc * (m1[c] as number); // R{s}/s
        const xh = xhat[k] as number;
        const h = g - (gp[C + c] as number) / M - xh * ((gp[c] as number) / M);
        const inner =
          (rgy[k] as number) -
          (rgp[C + c] as number) / M -
          (rxhat[k] as number) * ((gp[c] as number) / M) -
          xh * ((rgp[c] as number) / M);
        return sc * (((rp[c] as number) + gamma * rho) * h + gamma * inner);
      });
      return { x: rgx, other: undefined, p: rgp };
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Max-pool 2×2 stride 2 (first largest in window order; a NaN is chosen and stays chosen).

function maxPool(n: number, s: TensorShape): ReferenceLayer {
  const { height: h, width: w, channels: c } = s;
  const ho = h / 2;
  const wo = w / 2;
  const argmax = (x: Float64Array): Int32Array => {
    const out = new Int32Array(n * ho * wo * c);
    let j = 0;
    for (let i = 0; i < n; i++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++)
          for (let ch = 0; ch < c; ch++) {
            let best = Number.NEGATIVE_INFINITY;
            let index = -1;
            for (const [dy, dx] of [
              [0, 0],
              [0, 1],
              [1, 0],
              [1, 1],
            ] as const) {
              const at = ((i * h + 2 * oy + dy) * w + 2 * ox + dx) * c + ch;
              const v = x[at] as number;
              if (index < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                best = v;
                index = at;
              }
            }
            out[j++] = index;
          }
    return out;
  };
  const scatter = (x: Float64Array, gy: Float64Array): Float64Array => {
    const gx = zeros(x.length);
    argmax(x).forEach((at, j) => bump(gx, at, gy[j] as number));
    return gx;
  };
  return {
    forward: (x) => Float64Array.from(argmax(x), (at) => x[at] as number),
    rForward: (x, _o, _p, rx) => (rx ? Float64Array.from(argmax(x), (at) => rx[at] as number) : zeros(n * ho * wo * c)),
    backward: (x, _o, _p, gy) => ({ x: scatter(x, gy), other: undefined, p: zeros(0) }),
    rBackward: (x, _o, _p, _rx, _ro, _rp, _gy, rgy) => ({ x: scatter(x, rgy), other: undefined, p: zeros(0) }),
  };
}

// ------------------------------------------------------------------------------------------------
// Global average pooling, residual addition.

function globalAvgPool(n: number, s: TensorShape): ReferenceLayer {
  const hw = s.height * s.width;
  const c = s.channels;
  const mean = (x: Float64Array): Float64Array => {
    const y = zeros(n * c);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let q = 0; q < hw; q++) sum += x[(i * hw + q) * c + ch] as number;
        y[i * c + ch] = sum / hw;
      }
    return y;
  };
  const spread = (gy: Float64Array): Float64Array => {
    const gx = zeros(n * hw * c);
    for (let k = 0; k < gx.length; k++) gx[k] = (gy[Math.floor(k / (hw * c)) * c + (k % c)] as number) / hw;
    return gx;
  };
  return {
    forward: (x) => mean(x),
    rForward: (_x, _o, _p, rx) => (rx ? mean(rx) : zeros(n * c)),
    backward: (_x, _o, _p, gy) => ({ x: spread(gy), other: undefined, p: zeros(0) }),
    rBackward: (_x, _o, _p, _rx, _ro, _rp, _gy, rgy) => ({ x: spread(rgy), other: undefined, p: zeros(0) }),
  };
}

const addition: ReferenceLayer = {
  forward: (x, other) => x.map((v, k) => v + ((other as Float64Array)[k] as number)),
  rForward: (x, _o, _p, rx, rOther) =>
    x.map((_, k) => (rx ? (rx[k] as number) : 0) + (rOther ? (rOther[k] as number) : 0)),
  backward: (_x, _o, _p, gy) => ({ x: Float64Array.from(gy), other: Float64Array.from(gy), p: zeros(0) }),
  rBackward: (_x, _o, _p, _rx, _ro, _rp, _gy, rgy) => ({
    x: Float64Array.from(rgy),
    other: Float64Array.from(rgy),
    p: zeros(0),
  }),
};

// ------------------------------------------------------------------------------------------------
// The paper's ResNet shortcut pieces: every stride-th position; channels padded with zeros.

/** A parameter-free linear layer from its forward map and its adjoint. */
function linear(
  forward: (x: Float64Array) => Float64Array,
  adjoint: (gy: Float64Array) => Float64Array,
  outLength: number,
): ReferenceLayer {
  return {
    forward: (x) => forward(x),
    rForward: (_x, _o, _p, rx) => (rx ? forward(rx) : zeros(outLength)),
    backward: (_x, _o, _p, gy) => ({ x: adjoint(gy), other: undefined, p: zeros(0) }),
    rBackward: (_x, _o, _p, _rx, _ro, _rp, _gy, rgy) => ({ x: adjoint(rgy), other: undefined, p: zeros(0) }),
  };
}

function subsample(n: number, s: TensorShape, out: TensorShape, stride: number): ReferenceLayer {
  const { height: h, width: w, channels: c } = s;
  /** Index into x of output entry j. */
  const source = (j: number): number => {
    const ch = j % c;
    const pos = Math.floor(j / c);
    const ox = pos % out.width;
    const oy = Math.floor(pos / out.width) % out.height;
    const i = Math.floor(pos / (out.width * out.height));
    return ((i * h + oy * stride) * w + ox * stride) * c + ch;
  };
  const length = n * size(out);
  return linear(
    (x) => Float64Array.from({ length }, (_, j) => x[source(j)] as number),
    (gy) => {
      const gx = zeros(n * size(s));
      gy.forEach((g, j) => bump(gx, source(j), g));
      return gx;
    },
    length,
  );
}

function padChannels(n: number, s: TensorShape, channels: number): ReferenceLayer {
  const rows = n * s.height * s.width;
  const cin = s.channels;
  return linear(
    (x) =>
      Float64Array.from({ length: rows * channels }, (_, j) =>
        j % channels < cin ? (x[Math.floor(j / channels) * cin + (j % channels)] as number) : 0,
      ),
    (gy) =>
      Float64Array.from({ length: rows * cin }, (_, j) => gy[Math.floor(j / cin) * channels + (j % cin)] as number),
    rows * channels,
  );
}

/** The reference layer of a resolved layer over n samples. */
export function referenceLayer(resolved: ResolvedLayer, n: number): ReferenceLayer {
  const layer: ConvLayer = resolved.layer;
  const x = resolved.in;
  switch (layer.kind) {
    case 'conv':
      return convolution({
        n,
        h: x.height,
        w: x.width,
        cin: x.channels,
        ho: resolved.out.height,
        wo: resolved.out.width,
        cout: layer.channels,
        k: layer.kernel,
        stride: layer.stride,
        padding: layer.padding,
        bias: layer.bias,
      });
    case 'dense': {
      const din = size(x);
      const g = { n, h: 1, w: 1, cin: din, ho: 1, wo: 1, cout: layer.features, k: 1, stride: 1, padding: 0 };
      return convolution({ ...g, bias: layer.bias });
    }
    case 'batchNorm':
      return batchNorm(n * x.height * x.width, x.channels, layer.epsilon);
    case 'activation':
      return activation(layer.activation);
    case 'maxPool':
      return maxPool(n, x);
    case 'globalAvgPool':
      return globalAvgPool(n, x);
    case 'add':
      return addition;
    case 'subsample':
      return subsample(n, x, resolved.out, layer.stride);
    case 'padChannels':
      return padChannels(n, x, layer.channels);
  }
}
