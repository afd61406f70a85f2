/**
 * The `fig3` benchmark workload (model.md §2), shared by bench/sweep-kernel.bench.ts and
 * bench/heatmap.bench.ts: D = 4, η = 0.1, tol = 1e-14, divergeAt = 1e6, maxSteps = 20000 on an
 * R × R grid of (φ₀, p₀) initialisations; the same lane-refill GD loop in plain JavaScript; and a
 * runner for the C baseline (compiled here with gcc -O3 -march=native from a path you give).
 */
import { execFileSync } from 'node:child_process';

export const FIG3 = { D: 4, eta: 0.1, tol: 1e-14, divergeAt: 1e6, maxSteps: 20000 };
export const PHI_RANGE = [4.05, 34] as const;
export const P_RANGE = [0.05, 5] as const;
/** The JavaScript loop uses the WASM kernel's lane count and refill period (assembly/scalar/sweep/). */
export const JS_LANES = 16;
export const JS_REFILL_PERIOD = 1;

// ---- Grid ---------------------------------------------------------------------------------

function linspace(lo: number, hi: number, count: number, i: number): number {
  return lo + ((hi - lo) * i) / (count - 1);
}

/** s with Σ log(uᵢ + s) = target, by bisection on (−min u, hi] (the sum increases with s). */
function shiftToProduct(u: readonly number[], target: number): number {
  const f = (s: number) => u.reduce((acc, x) => acc + Math.log(x + s), 0);
  let lo = -Math.min(...u);
  let hi = 1;
  while (f(hi) < target) hi *= 2;
  for (let it = 0; it < 300; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** fig3 initialisations, struct of arrays: weight d of cell k = i·R + j at d·n + k (i: p₀ row, j: φ₀ column). */
export function fig3Grid(R: number): Float64Array {
  const n = R * R;
  const w = new Float64Array(4 * n);
  for (let i = 0; i < R; i++) {
    const p0 = linspace(P_RANGE[0], P_RANGE[1], R, i);
    for (let j = 0; j < R; j++) {
      const phi0 = linspace(PHI_RANGE[0], PHI_RANGE[1], R, j);
      const t = 0.5 * Math.acosh(phi0 / 4);
      const u = [Math.exp(2 * t), Math.exp(2 * t), Math.exp(-2 * t), Math.exp(-2 * t)];
      const s = shiftToProduct(u, 2 * Math.log(p0));
      for (let d = 0; d < 4; d++) w[d * n + i * R + j] = Math.sqrt(u[d]! + s);
    }
  }
  return w;
}

// ---- Plain JavaScript: the same lane-refill loop ------------------------------------------

export interface SweepOutput {
  steps: Int32Array;
  status: Uint8Array;
  total: number;
}

/**
 * D = 4 only. JS_LANES lanes (Float64Array SoA) step in lockstep; a lane whose cell stops records it
 * and, at the next multiple of JS_REFILL_PERIOD steps, takes the next cell (lanes in ascending
 * order). Same formula order as the WASM kernels: PL = w₀w₁, PR = w₂w₃, s = η(PL·PR − 1),
 * w₀ −= (s·PR)·w₁, w₁ −= (s·PR)·w₀, w₂ −= (s·PL)·w₃, w₃ −= (s·PL)·w₂.
 */
export function sweepJs(win: Float64Array, wout: Float64Array, out: SweepOutput): number {
  const { eta, tol, divergeAt, maxSteps } = FIG3;
  const n = win.length / 4;
  const B = JS_LANES;
  const w0 = new Float64Array(B);
  const w1 = new Float64Array(B);
  const w2 = new Float64Array(B);
  const w3 = new Float64Array(B);
  const cell = new Int32Array(B).fill(-1);
  const done = new Int32Array(B);
  let next = 0;
  let total = 0;
  let live = 0;
  let stopped = false; // some lane is waiting for a cell: skip the refill scan otherwise
  const refill = () => {
    stopped = false;
    for (let l = 0; l < B && next < n; l++) {
      if (cell[l]! >= 0) continue;
      const k = next++;
      cell[l] = k;
      done[l] = 0;
      w0[l] = win[k]!;
      w1[l] = win[n + k]!;
      w2[l] = win[2 * n + k]!;
      w3[l] = win[3 * n + k]!;
      live++;
    }
  };
  refill();
  for (let t = 1; live > 0; t++) {
    for (let l = 0; l < B; l++) {
      const k = cell[l]!;
      if (k < 0) continue;
      const a = w0[l]!;
      const b = w1[l]!;
      const c = w2[l]!;
      const d = w3[l]!;
      const left = a * b;
      const right = c * d;
      const prod = left * right;
      const r = prod - 1;
      const diverged = !(Math.abs(prod) < divergeAt);
      if (diverged || 0.5 * r * r < tol || done[l]! >= maxSteps) {
        wout[k] = a;
        wout[n + k] = b;
        wout[2 * n + k] = c;
        wout[3 * n + k] = d;
        out.steps[k] = done[l]!;
        out.status[k] = diverged ? 1 : 0.5 * r * r < tol ? 0 : 2;
        total += done[l]!;
        cell[l] = -1;
        live--;
        stopped = true;
        continue;
      }
      const s = eta * r;
      const sl = s * right;
      const sr = s * left;
      w0[l] = a - sl * b;
      w1[l] = b - sl * a;
      w2[l] = c - sr * d;
      w3[l] = d - sr * c;
      done[l]!++;
    }
    if (stopped && t % JS_REFILL_PERIOD === 0) refill();
  }
  return total;
}

// ---- C baseline -------------------------------------------------------------------------------

export interface CResult {
  steps: number;
  seconds: number;
  converged: number;
  diverged: number;
  maxsteps: number;
}

export const C_BINARY = '/tmp/gd_fig3';

/** Compiles the C baseline at `source` into C_BINARY. */
export function compileC(source: string): void {
  execFileSync('gcc', ['-O3', '-march=native', '-o', C_BINARY, source, '-lm'], { stdio: 'inherit' });
}

export function runC(resolution: number): CResult {
  const args = [resolution, FIG3.maxSteps, FIG3.eta, ...PHI_RANGE, ...P_RANGE].map(String);
  return JSON.parse(execFileSync(C_BINARY, args, { encoding: 'utf8' })) as CResult;
}
