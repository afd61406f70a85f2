/**
 * An independent plain-TypeScript float64 implementation of the `fig3` heatmap workload
 * (model.md §2): family initialisation by cosh/bisection, plain GD (its own formula order, not the
 * kernels'), and the final sharpness by a cyclic Jacobi eigensolver written here.
 */
import { refLogShift } from './reference.js';

export const STATUS = { converged: 0, diverged: 1, maxSteps: 2 } as const;

/** w of the (φ₀, p₀) family for c = (1, 1, −1, −1): cosh(2t) = φ₀/4, then shift to product p₀. */
export function fig3Init(phi0: number, p0: number): Float64Array {
  const t = 0.5 * Math.acosh(phi0 / 4);
  const u = [Math.exp(2 * t), Math.exp(2 * t), Math.exp(-2 * t), Math.exp(-2 * t)];
  const s = refLogShift(u, 2 * Math.log(p0));
  return Float64Array.from(u, (x) => Math.sqrt(x + s));
}

export interface CellOutcome {
  status: number;
  steps: number;
  w: Float64Array;
}

/**
 * GD on depth 4 in the kernels' formula order (pl = w₀w₁, pr = w₂w₃, π = pl·pr, sL = ηr·pr,
 * sR = ηr·pl), so that it reaches the kernels' final iterate bit for bit; its stopping rule
 * (½r² < tol, tested literally — the kernels use the equivalent |r| < θ) and everything around it
 * are written here independently. Used to check final sharpness to 1e-9 on the same iterate.
 */
export function fig3RunKernelOrder(
  w0: ArrayLike<number>,
  eta: number,
  tol: number,
  divergeAt: number,
  maxSteps: number,
): CellOutcome {
  let a = w0[0] as number;
  let b = w0[1] as number;
  let c = w0[2] as number;
  let d = w0[3] as number;
  let steps = 0;
  let status: number = STATUS.maxSteps;
  for (;;) {
    const pl = a * b;
    const pr = c * d;
    const p = pl * pr;
    const r = p - 1;
    if (!(Math.abs(p) < divergeAt)) {
      status = STATUS.diverged;
      break;
    }
    if (0.5 * r * r < tol) {
      status = STATUS.converged;
      break;
    }
    if (steps >= maxSteps) break;
    const s = eta * r;
    const sl = s * pr;
    const sr = s * pl;
    const na = a - sl * b;
    const nb = b - sl * a;
    const nc = c - sr * d;
    const nd = d - sr * c;
    a = na;
    b = nb;
    c = nc;
    d = nd;
    steps++;
  }
  return { status, steps, w: Float64Array.from([a, b, c, d]) };
}

/**
 * Plain GD on depth 4, written independently of the kernels: π = ((w₀w₁)w₂)w₃ left to right, the
 * gradient (π − 1)·∏_{j≠i} wⱼ with each leave-one-out product by its own multiplication, the
 * update wᵢ − η·gᵢ, and the stopping rule ½(π − 1)² < tol tested literally. Rounding differs from
 * the kernels, so a cell on a knife edge (divergence boundary) may end differently.
 */
export function fig3Run(
  w0: ArrayLike<number>,
  eta: number,
  tol: number,
  divergeAt: number,
  maxSteps: number,
): CellOutcome {
  let a = w0[0] as number;
  let b = w0[1] as number;
  let c = w0[2] as number;
  let d = w0[3] as number;
  let steps = 0;
  let status: number = STATUS.maxSteps;
  for (;;) {
    const p = a * b * c * d;
    if (!(Math.abs(p) < divergeAt)) {
      status = STATUS.diverged;
      break;
    }
    const r = p - 1;
    if (0.5 * r * r < tol) {
      status = STATUS.converged;
      break;
    }
    if (steps >= maxSteps) break;
    const ga = r * (b * c * d);
    const gb = r * (a * c * d);
    const gc = r * (a * b * d);
    const gd = r * (a * b * c);
    a -= eta * ga;
    b -= eta * gb;
    c -= eta * gc;
    d -= eta * gd;
    steps++;
  }
  return { status, steps, w: Float64Array.from([a, b, c, d]) };
}

/** Hessian of ½(∏w − 1)² written entry by entry (O(D³), no prefix products). */
export function denseHessian(w: ArrayLike<number>): Float64Array {
  const D = w.length;
  let p = 1;
  for (let i = 0; i < D; i++) p *= w[i] as number;
  const H = new Float64Array(D * D);
  const prodExcept = (skip: number[]): number => {
    let q = 1;
    for (let k = 0; k < D; k++) if (!skip.includes(k)) q *= w[k] as number;
    return q;
  };
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      H[i * D + j] = i === j ? prodExcept([i]) ** 2 : prodExcept([i]) * prodExcept([j]) + (p - 1) * prodExcept([i, j]);
    }
  }
  return H;
}

/** Largest eigenvalue of a symmetric matrix by cyclic Jacobi rotations. */
export function jacobiMaxEigenvalue(matrix: Float64Array, n: number): number {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (apq === 0) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  let best = -Infinity;
  for (let i = 0; i < n; i++) best = Math.max(best, a[i * n + i] as number);
  return best;
}
