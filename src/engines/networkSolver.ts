/**
 * The algorithms of the network experiments (docs/model.md §5, §7) over a full-batch operator (a
 * `NetworkBatch`, networkBatch.ts: gradients and Hessian-vector products as fixed-order sums over
 * batch shards, computed in this thread or on pool workers, of a fully connected or a
 * convolutional network alike), all in float64 on this thread:
 *   GD            θ⁺ = θ − η ∇L(θ);
 *   RK4 flow      k₁ = ∇L(θ), k₂ = ∇L(θ − h/2 k₁), k₃ = ∇L(θ − h/2 k₂), k₄ = ∇L(θ − h k₃),
 *                 θ⁺ = θ − h/6 (k₁ + 2k₂ + 2k₃ + k₄), with h = α/S and S re-estimated every few
 *                 steps (Cohen et al. 2021; the paper's App. B.4);
 *   Lanczos       S = λmax(∇²L) with full re-orthogonalisation (assembly/linalg/lanczos.ts, one
 *                 WASM call per iteration, in this thread's own instance);
 *   GFS sharpness φ = S at the end of the flow to L < τ.
 * Because the batch's sums do not depend on who computed the shards, neither does anything here:
 * results are bit-identical for any number of workers.
 */
import { aborted, invalidOption } from '../base/errors.js';
import type { Ptr, WasmExports } from '../wasm/abi.js';
import { Arena, instantiate, type RawExports } from '../wasm/module.js';
import { allFinite, checkArray, checkPositive, isPositiveInteger } from './mlpNetwork.js';
import type { NetworkBatch } from './networkBatch.js';

/** Options of `NetworkSolver.sharpness` (Lanczos with full re-orthogonalisation). */
export interface LanczosOptions {
  /** Warm start (e.g. the previous top eigenvector); a fixed pseudo-random vector otherwise. */
  start?: Float64Array;
  /** Stop when the Ritz residual ‖Hy − θy‖ ≤ tol·|θ| (default 1e-4). */
  tol?: number;
  /** Largest Krylov dimension (default 40). */
  maxIterations?: number;
}

export interface LanczosResult {
  /** λmax(∇²L(θ)) estimate (the top Ritz value; NaN for a non-finite θ or Hessian). */
  value: number;
  /** Its unit Ritz vector (a warm start for the next call). */
  vector: Float64Array;
  /** Hessian-vector products used. */
  iterations: number;
  /** Ritz residual ‖Hy − θy‖ / |θ| (0 on an invariant subspace). */
  residual: number;
  converged: boolean;
}

/** Options of `NetworkSolver.gradientFlow` / `gfsSharpness` (docs/model.md §5). */
export interface FlowOptions {
  /** RK4 step h = alpha/S (default 1). */
  alpha?: number;
  /** Stop when L < lossThreshold (default 1e-2). */
  lossThreshold?: number;
  /** RK4 step budget (default 2000). */
  maxSteps?: number;
  /** Re-estimate S (warm-started Lanczos, tol 1e-2) every this many RK4 steps (default 10). */
  sharpnessEvery?: number;
  /** Warm start for the first S estimate. */
  start?: Float64Array;
  /** Called after every RK4 step with (steps done, loss at the start of that step). */
  onStep?: (steps: number, loss: number) => void;
}

export type FlowStatus = 'converged' | 'max-steps' | 'non-finite';

export interface FlowResult {
  /** The last iterate (θ at the first L < lossThreshold, or after the budget). */
  theta: Float64Array;
  loss: number;
  /** RK4 steps taken. */
  steps: number;
  /** Flow time Σh. */
  time: number;
  /** 'converged': L < threshold reached; 'max-steps': budget used up; 'non-finite': NaN/Inf. */
  status: FlowStatus;
  /** Last S estimate used for the step size, and its Lanczos vector. */
  sharpness: number;
  vector: Float64Array | undefined;
  /** Hessian-vector products spent on step sizes. */
  hvps: number;
}

export interface GfsResult extends FlowResult {
  /** φ = λmax(∇²L) at the flow's end (Lanczos, tol 1e-6) — the GFS sharpness when converged. */
  gfsSharpness: number;
  lanczos: LanczosResult;
}

const LANCZOS_DEFAULTS = { tol: 1e-4, maxIterations: 40 } as const;
/** Step-size estimates need few digits: h only has to stay inside RK4's stability region. */
const FLOW_LANCZOS_TOL = 1e-2;
const FLOW_DEFAULTS = { alpha: 1, lossThreshold: 1e-2, maxSteps: 2000, sharpnessEvery: 10 } as const;
const GFS_LANCZOS_TOL = 1e-6;
/** Krylov dimension of the final Lanczos of gfsSharpness (also the basis reserved up front). */
export const GFS_LANCZOS_ITERATIONS = 60;
/** Longest stretch of computation between two turns of the event loop (Ctrl-C, progress). */
const YIELD_MS = 50;

/** θ-sized arguments: checked by checkArray, returned for use in an expression. */
function checkVector(value: Float64Array, length: number, label: string): Float64Array {
  checkArray(value, length, label);
  return value;
}

function checkCount(value: unknown, label: string): number {
  if (!isPositiveInteger(value)) throw invalidOption(label, value, 'a positive integer');
  return value;
}

/** GD, Lanczos, the RK4 flow and φ over any network's `NetworkBatch` (P, not the layers, is all it needs). */
export class NetworkSolver {
  readonly parameterCount: number;
  private readonly k: WasmExports;
  private readonly arena: Arena;
  /** P-vectors in this thread's WASM memory: θ, a direction, a result, RK4's stage points. */
  private readonly theta: Ptr;
  private readonly v: Ptr;
  private readonly out: Ptr;
  private readonly acc: Ptr;
  private readonly tmp: Ptr;
  private readonly next: Ptr;
  /** Lanczos storage: basis (capacity + 1 vectors), α, β, s, scratch; grown by `reserve`. */
  private capacity = 0;
  private basis: Ptr = 0;
  private alpha: Ptr = 0;
  private beta: Ptr = 0;
  private s: Ptr = 0;
  private scratch: Ptr = 0;
  private lastYield = performance.now();

  private readonly signal: AbortSignal | undefined;
  private readonly what: string;

  constructor(
    readonly batch: NetworkBatch,
    options: { signal?: AbortSignal; what?: string; capacity?: number; raw?: RawExports } = {},
  ) {
    const raw = options.raw ?? instantiate();
    const capacity = options.capacity ?? GFS_LANCZOS_ITERATIONS;
    this.signal = options.signal;
    this.what = options.what ?? 'the network solver';
    const P = batch.parameterCount;
    this.parameterCount = P;
    this.k = raw;
    this.arena = new Arena(raw);
    const f = (count: number): Ptr => this.arena.alloc(count * 8);
    this.theta = f(P);
    this.v = f(P);
    this.out = f(P);
    this.acc = f(P);
    this.tmp = f(P);
    this.next = f(P);
    this.reserve(Math.min(capacity, P));
  }

  /**
   * Lanczos storage for a Krylov dimension up to m (the arena cannot free, so only a larger
   * request than any before allocates; views are taken after every call).
   */
  private reserve(m: number): void {
    if (m <= this.capacity) return;
    const P = this.parameterCount;
    const f = (count: number): Ptr => this.arena.alloc(count * 8);
    this.capacity = m;
    this.basis = f((m + 1) * P);
    this.alpha = f(m);
    this.beta = f(m);
    this.s = f(m);
    this.scratch = f(5 * m);
  }

  private view(ptr: Ptr, length = this.parameterCount): Float64Array {
    return this.arena.f64(ptr, length);
  }

  /** Lets the event loop run (signals, progress) at most every YIELD_MS; throws E_ABORTED once aborted. */
  private async breathe(): Promise<void> {
    if (this.signal?.aborted) throw aborted(this.what);
    if (performance.now() - this.lastYield < YIELD_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    if (this.signal?.aborted) throw aborted(this.what);
  }

  async loss(theta: Float64Array): Promise<number> {
    return this.batch.loss(checkVector(theta, this.parameterCount, 'theta'));
  }

  async gradient(theta: Float64Array): Promise<{ loss: number; gradient: Float64Array }> {
    const gradient = new Float64Array(this.parameterCount);
    const loss = await this.batch.gradient(checkVector(theta, this.parameterCount, 'theta'), gradient);
    return { loss, gradient };
  }

  /** Exact ∇²L(θ)·v (Pearlmutter's R-operator on every shard). */
  async hessianVectorProduct(theta: Float64Array, v: Float64Array): Promise<Float64Array> {
    const out = new Float64Array(this.parameterCount);
    await this.batch.hvp(
      checkVector(theta, this.parameterCount, 'theta'),
      checkVector(v, this.parameterCount, 'v'),
      out,
    );
    return out;
  }

  /**
   * `steps` GD steps θ ← θ − η∇L(θ) from θ. Returns the final θ and L(θ_t) for t = 0 … steps − 1
   * (each a by-product of that step's gradient). Stops early, with `diverged` set, at the first
   * loss that is not finite or above `divergeAt`.
   */
  async gradientDescent(
    theta: Float64Array,
    eta: number,
    steps: number,
    divergeAt = Number.POSITIVE_INFINITY,
  ): Promise<{ theta: Float64Array; losses: Float64Array; diverged: boolean }> {
    checkPositive(eta, 'eta');
    if (!Number.isInteger(steps) || steps < 0) throw invalidOption('steps', steps, 'an integer ≥ 0');
    const current = Float64Array.from(checkVector(theta, this.parameterCount, 'theta'));
    const g = this.view(this.out);
    const losses = new Float64Array(steps);
    for (let t = 0; t < steps; t++) {
      const l = await this.batch.gradient(current, g);
      losses[t] = l;
      if (!Number.isFinite(l) || l > divergeAt)
        return { theta: current, losses: losses.slice(0, t + 1), diverged: true };
      for (let i = 0; i < current.length; i++) current[i] = (current[i] as number) - eta * (g[i] as number);
      await this.breathe();
    }
    return { theta: current, losses, diverged: false };
  }

  /**
   * S = λmax(∇²L(θ)) by Lanczos with full re-orthogonalisation over exact Hessian-vector products
   * (docs/model.md §5), warm-started from `options.start`.
   */
  async sharpness(theta: Float64Array, options: LanczosOptions = {}): Promise<LanczosResult> {
    checkVector(theta, this.parameterCount, 'theta');
    const tol = checkPositive(options.tol ?? LANCZOS_DEFAULTS.tol, 'tol');
    const maxIterations = checkCount(options.maxIterations ?? LANCZOS_DEFAULTS.maxIterations, 'maxIterations');
    if (options.start !== undefined) checkVector(options.start, this.parameterCount, 'start');
    if (!allFinite(theta)) return this.nonFiniteLanczos();
    return this.lanczos(theta, tol, Math.min(maxIterations, this.parameterCount), options.start);
  }

  /** The result for a non-finite θ (saturating activations could otherwise hide a NaN or ±Inf). */
  private nonFiniteLanczos(): LanczosResult {
    const vector = new Float64Array(this.parameterCount).fill(Number.NaN);
    return { value: Number.NaN, vector, iterations: 0, residual: Number.NaN, converged: false };
  }

  private async lanczos(
    theta: Float64Array,
    tol: number,
    m: number,
    start: Float64Array | undefined,
  ): Promise<LanczosResult> {
    const P = this.parameterCount;
    const k = this.k;
    this.reserve(m);
    let startPtr = 0;
    if (start !== undefined) {
      this.view(this.v).set(start);
      startPtr = this.v;
    }
    k.lanczosStart(P, startPtr, this.basis);
    const out = this.view(this.out);
    let value = Number.NaN;
    let residual = Number.POSITIVE_INFINITY;
    let iterations = 0;
    let converged = false;
    let normT = 0;
    for (let j = 0; j < m; j++) {
      const qj = this.basis + j * P * 8;
      await this.batch.hvp(theta, this.view(qj), out);
      value = k.lanczosExtend(P, j, this.basis, this.out, this.alpha, this.beta, this.s, this.scratch);
      iterations = j + 1;
      if (!Number.isFinite(value)) break;
      const alpha = this.view(this.alpha, j + 1);
      const beta = this.view(this.beta, j + 1);
      const b = beta[j] as number;
      normT = Math.max(normT, Math.abs(alpha[j] as number) + b + (j > 0 ? (beta[j - 1] as number) : 0));
      const sj = this.view(this.s, j + 1)[j] as number;
      residual = (b * Math.abs(sj)) / Math.max(Math.abs(value), 1e-300);
      // β_j ≈ 0: the Krylov space is invariant and θ exact.
      if (b <= 1e-14 * normT) {
        residual = 0;
        converged = true;
        break;
      }
      if (j + 1 >= Math.min(4, P) && residual <= tol) {
        converged = true;
        break;
      }
      await this.breathe();
    }
    const vector = new Float64Array(P);
    if (Number.isFinite(value)) {
      k.lanczosRitzVector(P, iterations, this.basis, this.s, this.v);
      vector.set(this.view(this.v));
    } else {
      vector.fill(Number.NaN);
      residual = Number.NaN;
    }
    return { value, vector, iterations, residual, converged };
  }

  /** One RK4 step of θ̇ = −∇L(θ) with step h: returns θ⁺ and L(θ). */
  async rk4Step(theta: Float64Array, h: number): Promise<{ theta: Float64Array; loss: number }> {
    checkPositive(h, 'h');
    const from = Float64Array.from(checkVector(theta, this.parameterCount, 'theta'));
    const to = new Float64Array(this.parameterCount);
    const loss = await this.rk4(from, h, to);
    return { theta: to, loss };
  }

  /** out ← RK4 step from θ (the arithmetic of assembly/mlp/flow.ts, term for term); returns L(θ). */
  private async rk4(theta: Float64Array, h: number, out: Float64Array): Promise<number> {
    const grad = this.view(this.out);
    const acc = this.view(this.acc);
    const tmp = this.view(this.tmp);
    const P = this.parameterCount;
    const half = 0.5 * h;
    const loss = await this.batch.gradient(theta, grad); // k₁
    for (let i = 0; i < P; i++) {
      const g = grad[i] as number;
      acc[i] = g;
      tmp[i] = (theta[i] as number) - half * g;
    }
    await this.batch.gradient(tmp, grad); // k₂
    for (let i = 0; i < P; i++) {
      const g = grad[i] as number;
      acc[i] = (acc[i] as number) + 2.0 * g;
      tmp[i] = (theta[i] as number) - half * g;
    }
    await this.batch.gradient(tmp, grad); // k₃
    for (let i = 0; i < P; i++) {
      const g = grad[i] as number;
      acc[i] = (acc[i] as number) + 2.0 * g;
      tmp[i] = (theta[i] as number) - h * g;
    }
    await this.batch.gradient(tmp, grad); // k₄
    const sixth = h / 6.0;
    for (let i = 0; i < P; i++) out[i] = (theta[i] as number) - sixth * ((acc[i] as number) + (grad[i] as number));
    return loss;
  }

  /**
   * Gradient flow from θ by RK4 with h = α/S, S re-estimated every `sharpnessEvery` steps by a
   * warm-started Lanczos, until L < lossThreshold or `maxSteps` steps. A non-finite loss or S
   * stops with status 'non-finite' (data, not an exception). The loss of each new iterate is the
   * by-product of the next step's first gradient: the step taken from an iterate that turns out to
   * be below the threshold is discarded.
   */
  async gradientFlow(theta: Float64Array, options: FlowOptions = {}): Promise<FlowResult> {
    const alpha = checkPositive(options.alpha ?? FLOW_DEFAULTS.alpha, 'alpha');
    const lossThreshold = checkPositive(options.lossThreshold ?? FLOW_DEFAULTS.lossThreshold, 'lossThreshold');
    const maxSteps = options.maxSteps ?? FLOW_DEFAULTS.maxSteps;
    if (!Number.isInteger(maxSteps) || maxSteps < 0) throw invalidOption('maxSteps', maxSteps, 'an integer ≥ 0');
    const every = checkCount(options.sharpnessEvery ?? FLOW_DEFAULTS.sharpnessEvery, 'sharpnessEvery');
    if (options.start !== undefined) checkVector(options.start, this.parameterCount, 'start');
    let at = Float64Array.from(checkVector(theta, this.parameterCount, 'theta'));
    if (!allFinite(at)) {
      const common = { theta: at, loss: Number.NaN, steps: 0, time: 0, sharpness: Number.NaN, hvps: 0 };
      return { ...common, status: 'non-finite', vector: options.start };
    }
    let spare = new Float64Array(this.parameterCount);
    let vector = options.start;
    let sharpness = Number.NaN;
    let hvps = 0;
    let time = 0;
    let steps = 0;
    let loss = Number.NaN;
    let status: FlowStatus = 'max-steps';
    const m = Math.min(LANCZOS_DEFAULTS.maxIterations, this.parameterCount);
    for (;;) {
      if (steps >= maxSteps) {
        loss = await this.batch.loss(at);
        if (!Number.isFinite(loss)) status = 'non-finite';
        else if (loss < lossThreshold) status = 'converged';
        break;
      }
      if (steps % every === 0) {
        const s = await this.lanczos(at, FLOW_LANCZOS_TOL, m, vector);
        hvps += s.iterations;
        if (!Number.isFinite(s.value)) {
          status = 'non-finite';
          break;
        }
        sharpness = s.value;
        vector = s.vector;
      }
      // S ≤ 0 happens only at degenerate points (no positive curvature): take h = α.
      const h = sharpness > 0 ? alpha / sharpness : alpha;
      loss = await this.rk4(at, h, spare);
      if (!Number.isFinite(loss)) {
        status = 'non-finite';
        break;
      }
      if (loss < lossThreshold) {
        status = 'converged';
        break;
      }
      [at, spare] = [spare, at];
      time += h;
      steps++;
      options.onStep?.(steps, loss);
      await this.breathe();
    }
    return { theta: at, loss, steps, time, status, sharpness, vector, hvps };
  }

  /**
   * The GFS sharpness φ(θ): gradient flow to L < lossThreshold, then λmax(∇²L) there by Lanczos
   * (tol 1e-6), warm-started from the flow's last step-size eigenvector. When the flow did not
   * converge, `gfsSharpness` is S at the flow's end and `status` says so.
   */
  async gfsSharpness(theta: Float64Array, options: FlowOptions = {}): Promise<GfsResult> {
    const flow = await this.gradientFlow(theta, options);
    if (flow.status === 'non-finite') return { ...flow, gfsSharpness: Number.NaN, lanczos: this.nonFiniteLanczos() };
    const lanczos = await this.lanczos(
      flow.theta,
      GFS_LANCZOS_TOL,
      Math.min(GFS_LANCZOS_ITERATIONS, this.parameterCount),
      flow.vector,
    );
    return { ...flow, gfsSharpness: lanczos.value, lanczos };
  }

  async close(): Promise<void> {
    await this.batch.close();
  }
}
