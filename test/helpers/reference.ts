/**
 * Independent plain-TypeScript float64 references for the scalar network (model.md §1). They use
 * different algorithms from the WASM kernels on purpose: direct O(D²) leave-one-out products,
 * bisection (not Newton) for the GFS shift, finite differences for derivatives.
 */

export function refProduct(w: ArrayLike<number>): number {
  let p = 1;
  for (let i = 0; i < w.length; i++) p *= w[i] as number;
  return p;
}

export function refLoss(w: ArrayLike<number>): number {
  const r = refProduct(w) - 1;
  return 0.5 * r * r;
}

/** ∂L/∂wᵢ = (π − 1) ∏_{j≠i} wⱼ, each leave-one-out product by its own loop. */
export function refGradient(w: ArrayLike<number>): Float64Array {
  const r = refProduct(w) - 1;
  return Float64Array.from({ length: w.length }, (_, i) => {
    let q = 1;
    for (let j = 0; j < w.length; j++) if (j !== i) q *= w[j] as number;
    return r * q;
  });
}

/** Central finite differences of f at w with step h·max(1,|wᵢ|). */
export function finiteDifferenceGradient(f: (w: Float64Array) => number, w: ArrayLike<number>, h = 1e-6): Float64Array {
  const x = Float64Array.from(w);
  return Float64Array.from({ length: x.length }, (_, i) => {
    const step = h * Math.max(1, Math.abs(x[i] as number));
    const keep = x[i] as number;
    x[i] = keep + step;
    const up = f(x);
    x[i] = keep - step;
    const down = f(x);
    x[i] = keep;
    return (up - down) / (2 * step);
  });
}

/** Hessian by central differences of an exact gradient. */
export function finiteDifferenceHessian(
  grad: (w: Float64Array) => Float64Array,
  w: ArrayLike<number>,
  h = 1e-6,
): Float64Array {
  const D = w.length;
  const x = Float64Array.from(w);
  const H = new Float64Array(D * D);
  for (let j = 0; j < D; j++) {
    const step = h * Math.max(1, Math.abs(x[j] as number));
    const keep = x[j] as number;
    x[j] = keep + step;
    const up = grad(x);
    x[j] = keep - step;
    const down = grad(x);
    x[j] = keep;
    for (let i = 0; i < D; i++) H[i * D + j] = ((up[i] as number) - (down[i] as number)) / (2 * step);
  }
  return H;
}

/** s with Σ log(aᵢ + s) = target, by bisection to the last bit. */
export function refLogShift(a: ArrayLike<number>, target: number): number {
  let lo = Infinity;
  for (let i = 0; i < a.length; i++) lo = Math.min(lo, a[i] as number);
  lo = -lo;
  const F = (s: number): number => {
    let f = -target;
    for (let i = 0; i < a.length; i++) f += Math.log((a[i] as number) + s);
    return f;
  };
  let hi = 1;
  while (F(hi) < 0) hi *= 2;
  for (let it = 0; it < 2000; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (F(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** φ(w) = Σ 1/(wᵢ² + s*), NaN without a GFS. */
export function refGfsSharpness(w: ArrayLike<number>): number {
  if (!(refProduct(w) > 0)) return Number.NaN;
  const a = Array.from(w, (x) => x * x);
  const s = refLogShift(a, 0);
  return a.reduce((acc, ai) => acc + 1 / (ai + s), 0);
}

/** One GD step, written independently (wᵢ(1 − aᵢ) form is NOT used, to stay a distinct route). */
export function refGdStep(w: ArrayLike<number>, eta: number): Float64Array {
  const g = refGradient(w);
  return Float64Array.from(w, (x, i) => x - eta * (g[i] as number));
}

/** Deterministic PRNG (mulberry32) for reproducible random test points. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random weights of depth D in ±[lo, hi] (sign flips with probability `negative`). */
export function randomWeights(random: () => number, D: number, lo = 0.3, hi = 1.7, negative = 0): Float64Array {
  return Float64Array.from({ length: D }, () => {
    const x = lo + (hi - lo) * random();
    return random() < negative ? -x : x;
  });
}

export function relativeError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Standard normal samples from a uniform source (Box–Muller, one cosine branch per two draws). */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random(); // (0, 1]
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
