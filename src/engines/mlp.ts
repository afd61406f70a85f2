/**
 * Typed layer over the fully connected network kernels of `assembly/mlp/` (docs/model.md §5): an
 * MLP input → hidden… → output with biases, activation σ on the hidden layers, linear output and
 * the full-batch loss L(θ) = (1/n) Σ ½‖f(x) − y‖². One `MlpEngine` per problem and WASM instance:
 * the constructor validates the shape and data, copies X and Y into the instance once and reserves
 * every buffer the kernels need (no allocation afterwards).
 *
 * The shape, data, their validation and the θ layout are in mlpNetwork.ts; the kernels' problem
 * arguments and the buffer layout in mlpKernels.ts; this module holds the engine's methods
 * (loss, gradient, HVP, GD, Lanczos sharpness, RK4 gradient flow and the GFS sharpness).
 */
import { invalidOption } from '../base/errors.js';
import { Arena, instantiate, type RawExports } from '../wasm/module.js';
import type { WasmExports } from '../wasm/abi.js';
import {
  allocateKrylov,
  allocateMlpBuffers,
  type KrylovBuffers,
  type MlpBuffers,
  type Net,
  type Ptr,
} from './mlpKernels.js';
import {
  allFinite,
  checkArray,
  checkNetwork,
  initialParameters,
  isPositiveInteger,
  layerOffsets,
  type LayerOffsets,
  type MlpData,
  type MlpShape,
} from './mlpNetwork.js';

export {
  ACTIVATION_CODES,
  ACTIVATIONS,
  DEFAULT_HIDDEN,
  type Activation,
  type LayerOffsets,
  type MlpData,
  type MlpShape,
} from './mlpNetwork.js';

/** Options of `MlpEngine.sharpness` (Lanczos with full re-orthogonalisation). */
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

/** Options of `MlpEngine.gradientFlow` / `gfsSharpness` (docs/model.md §5). */
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

export class MlpEngine {
  readonly kernels: WasmExports;
  readonly arena: Arena;
  readonly shape: MlpShape;
  readonly n: number;
  readonly parameterCount: number;
  /** d₀ … d_L. */
  readonly sizes: readonly number[];
  private readonly act: number;
  /** This engine's `Net` arguments. */
  private readonly net: Net;
  private readonly p: MlpBuffers;
  /** Lanczos storage, reserved on first use. */
  private krylov: KrylovBuffers | undefined;

  constructor(shape: MlpShape, data: MlpData, raw: RawExports = instantiate()) {
    const sizes = checkNetwork(shape, data);
    this.kernels = raw;
    this.arena = new Arena(raw);
    this.shape = { ...shape, hidden: [...shape.hidden] };
    this.n = data.n;
    this.sizes = sizes;
    const { net, parameterCount, buffers } = allocateMlpBuffers(this.arena, raw, shape, sizes, data);
    this.net = net;
    this.act = net[2];
    this.parameterCount = parameterCount;
    this.p = buffers;
  }

  private view(ptr: Ptr, length: number): Float64Array {
    return this.arena.f64(ptr, length);
  }

  private setTheta(theta: Float64Array): void {
    checkArray(theta, this.parameterCount, 'theta');
    this.view(this.p.theta, this.parameterCount).set(theta);
  }

  /** Offsets of W_l and b_l (l = 1..L) inside θ. */
  layerOffsets(): LayerOffsets[] {
    return layerOffsets(this.sizes);
  }

  /** θ₀ with W_l, b_l entries uniform in ±1/√(fan-in of layer l), seeded (Sfc32, stream 0). */
  initialParameters(seed: number): Float64Array {
    return initialParameters(this.sizes, this.parameterCount, seed);
  }

  loss(theta: Float64Array): number {
    this.setTheta(theta);
    return this.kernels.mlpLoss(...this.net, this.p.theta, this.p.work);
  }

  gradient(theta: Float64Array): { loss: number; gradient: Float64Array } {
    this.setTheta(theta);
    const { work, out } = this.p;
    const loss = this.kernels.mlpGradient(...this.net, this.p.theta, work, out);
    return { loss, gradient: this.view(out, this.parameterCount).slice() };
  }

  /** Exact ∇²L(θ)·v (Pearlmutter's R-operator). */
  hessianVectorProduct(theta: Float64Array, v: Float64Array): Float64Array {
    this.setTheta(theta);
    checkArray(v, this.parameterCount, 'v');
    this.view(this.p.v, this.parameterCount).set(v);
    const { work, out } = this.p;
    this.kernels.mlpHvp(...this.net, this.p.theta, this.p.v, work, out);
    return this.view(out, this.parameterCount).slice();
  }

  /** θ − η∇L(θ). */
  gdStep(theta: Float64Array, eta: number): Float64Array {
    if (typeof eta !== 'number' || !Number.isFinite(eta) || eta <= 0) {
      throw invalidOption('eta', eta, 'a finite number > 0');
    }
    this.setTheta(theta);
    const { work, out } = this.p;
    this.kernels.mlpGdStep(...this.net, this.p.theta, eta, work, out);
    return this.view(out, this.parameterCount).slice();
  }

  /**
   * `steps` GD steps θ ← θ − η∇L(θ) from θ, kept in WASM memory between steps. Returns the final
   * θ and L(θ_t) for t = 0 … steps − 1 (each a by-product of that step's gradient). Stops early,
   * with `diverged` set, at the first loss that is not finite or above `divergeAt`.
   */
  gradientDescent(
    theta: Float64Array,
    eta: number,
    steps: number,
    divergeAt = Number.POSITIVE_INFINITY,
  ): { theta: Float64Array; losses: Float64Array; diverged: boolean } {
    this.checkPositive(eta, 'eta');
    if (!Number.isInteger(steps) || steps < 0) throw invalidOption('steps', steps, 'an integer ≥ 0');
    this.setTheta(theta);
    const losses = new Float64Array(steps);
    let diverged = false;
    for (let t = 0; t < steps; t++) {
      const l = this.kernels.mlpGdStep(...this.net, this.p.theta, eta, this.p.work, this.p.theta);
      losses[t] = l;
      if (!Number.isFinite(l) || l > divergeAt) {
        diverged = true;
        return {
          theta: this.view(this.p.theta, this.parameterCount).slice(),
          losses: losses.slice(0, t + 1),
          diverged,
        };
      }
    }
    return { theta: this.view(this.p.theta, this.parameterCount).slice(), losses, diverged };
  }

  /** σ^(order)(z) of this engine's activation (order 0, 1 or 2), evaluated by the kernel. */
  activation(z: number, order: 0 | 1 | 2 = 0): number {
    return this.kernels.mlpActivation(this.act, order, z);
  }

  private checkPositive(value: unknown, label: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw invalidOption(label, value, 'a finite number > 0');
    }
    return value;
  }

  private checkCount(value: unknown, label: string): number {
    if (!isPositiveInteger(value)) throw invalidOption(label, value, 'a positive integer');
    return value;
  }

  private krylovSpace(requested: number): KrylovBuffers {
    if (this.krylov === undefined || this.krylov.capacity < requested) {
      // Reserve the largest basis the engine itself uses at once (the arena cannot free a smaller
      // one); only a larger user maxIterations allocates again.
      const capacity = Math.max(requested, Math.min(GFS_LANCZOS_ITERATIONS, this.parameterCount));
      this.krylov = allocateKrylov(this.arena, capacity, this.parameterCount);
    }
    return this.krylov;
  }

  /**
   * S = λmax(∇²L(θ)) by Lanczos with full re-orthogonalisation over exact Hessian-vector products
   * (docs/model.md §5), warm-started from `options.start`. One WASM call per product, so long runs stay
   * responsive and V8 tiers the kernels up.
   */
  sharpness(theta: Float64Array, options: LanczosOptions = {}): LanczosResult {
    this.setTheta(theta);
    const tol = this.checkPositive(options.tol ?? LANCZOS_DEFAULTS.tol, 'tol');
    const maxIterations = this.checkCount(options.maxIterations ?? LANCZOS_DEFAULTS.maxIterations, 'maxIterations');
    if (options.start !== undefined) checkArray(options.start, this.parameterCount, 'start');
    if (!allFinite(theta)) return this.nonFiniteLanczos();
    return this.lanczos(this.p.theta, tol, Math.min(maxIterations, this.parameterCount), options.start);
  }

  /** The result for a non-finite θ (saturating activations could otherwise hide a NaN or ±Inf). */
  private nonFiniteLanczos(): LanczosResult {
    const vector = new Float64Array(this.parameterCount).fill(Number.NaN);
    return { value: Number.NaN, vector, iterations: 0, residual: Number.NaN, converged: false };
  }

  /** Lanczos at the θ stored at `theta` in WASM memory. */
  private lanczos(theta: Ptr, tol: number, m: number, start: Float64Array | undefined): LanczosResult {
    const P = this.parameterCount;
    const k = this.kernels;
    const kr = this.krylovSpace(m);
    const { work, out, v } = this.p;
    let startPtr = 0;
    if (start !== undefined) {
      this.view(v, P).set(start);
      startPtr = v;
    }
    k.lanczosStart(P, startPtr, kr.basis);
    let value = Number.NaN;
    let residual = Number.POSITIVE_INFINITY;
    let iterations = 0;
    let converged = false;
    let normT = 0;
    for (let j = 0; j < m; j++) {
      const qj = kr.basis + j * P * 8;
      k.mlpHvp(...this.net, theta, qj, work, out);
      value = k.lanczosExtend(P, j, kr.basis, out, kr.alpha, kr.beta, kr.s, kr.tmp);
      iterations = j + 1;
      if (!Number.isFinite(value)) break;
      const alpha = this.view(kr.alpha, j + 1);
      const beta = this.view(kr.beta, j + 1);
      const b = beta[j] as number;
      normT = Math.max(normT, Math.abs(alpha[j] as number) + b + (j > 0 ? (beta[j - 1] as number) : 0));
      const sj = this.view(kr.s, j + 1)[j] as number;
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
    }
    const vector = new Float64Array(P);
    if (Number.isFinite(value)) {
      k.lanczosRitzVector(P, iterations, kr.basis, kr.s, v);
      vector.set(this.view(v, P));
    } else {
      vector.fill(Number.NaN);
      residual = Number.NaN;
    }
    return { value, vector, iterations, residual, converged };
  }

  /** One RK4 step of θ̇ = −∇L(θ) with step h (assembly/mlp/flow.ts): returns θ⁺ and L(θ). */
  rk4Step(theta: Float64Array, h: number): { theta: Float64Array; loss: number } {
    this.checkPositive(h, 'h');
    this.setTheta(theta);
    const loss = this.rk4(this.p.theta, h, this.p.next);
    return { theta: this.view(this.p.next, this.parameterCount).slice(), loss };
  }

  /** out ← RK4 step of the θ at `from` (both in WASM memory); returns L(from). */
  private rk4(from: Ptr, h: number, out: Ptr): number {
    const { work, acc, tmp } = this.p;
    return this.kernels.mlpRk4Step(...this.net, from, h, work, this.p.out, acc, tmp, out);
  }

  /**
   * Gradient flow from θ by RK4 with h = α/S, S re-estimated every `sharpnessEvery` steps by a
   * warm-started Lanczos (docs/model.md §5), until L < lossThreshold or `maxSteps` steps. A non-finite loss
   * or S stops with status 'non-finite' (data, not an exception). The loss of each new iterate is
   * the by-product of the next step's first gradient (no extra forward pass): the step taken from
   * an iterate that turns out to be below the threshold is discarded.
   */
  gradientFlow(theta: Float64Array, options: FlowOptions = {}): FlowResult {
    const r = this.flow(theta, options);
    return { ...r, theta: this.view(r.at, this.parameterCount).slice() };
  }

  private flow(theta: Float64Array, options: FlowOptions): Omit<FlowResult, 'theta'> & { at: Ptr } {
    const alpha = this.checkPositive(options.alpha ?? FLOW_DEFAULTS.alpha, 'alpha');
    const lossThreshold = this.checkPositive(options.lossThreshold ?? FLOW_DEFAULTS.lossThreshold, 'lossThreshold');
    const maxSteps = options.maxSteps ?? FLOW_DEFAULTS.maxSteps;
    if (!Number.isInteger(maxSteps) || maxSteps < 0) throw invalidOption('maxSteps', maxSteps, 'an integer ≥ 0');
    const every = this.checkCount(options.sharpnessEvery ?? FLOW_DEFAULTS.sharpnessEvery, 'sharpnessEvery');
    if (options.start !== undefined) checkArray(options.start, this.parameterCount, 'start');
    this.setTheta(theta);
    let at = this.p.theta;
    if (!allFinite(theta)) {
      const common = { at, loss: Number.NaN, steps: 0, time: 0, sharpness: Number.NaN, hvps: 0 };
      return { ...common, status: 'non-finite', vector: options.start };
    }
    let spare = this.p.next;
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
        loss = this.kernels.mlpLoss(...this.net, at, this.p.work);
        if (!Number.isFinite(loss)) status = 'non-finite';
        else if (loss < lossThreshold) status = 'converged';
        break;
      }
      if (steps % every === 0) {
        const s = this.lanczos(at, FLOW_LANCZOS_TOL, m, vector);
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
      loss = this.rk4(at, h, spare);
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
    }
    return { at, loss, steps, time, status, sharpness, vector, hvps };
  }

  /**
   * The GFS sharpness φ(θ) (docs/model.md §5): gradient flow to L < lossThreshold, then λmax(∇²L) there by
   * Lanczos (tol 1e-6), warm-started from the flow's last step-size eigenvector. When the flow did
   * not converge, `gfsSharpness` is S at the flow's end and `status` says so.
   */
  gfsSharpness(theta: Float64Array, options: FlowOptions = {}): GfsResult {
    const { at, ...end } = this.flow(theta, options);
    const flow = { ...end, theta: this.view(at, this.parameterCount).slice() };
    if (flow.status === 'non-finite') return { ...flow, gfsSharpness: Number.NaN, lanczos: this.nonFiniteLanczos() };
    const lanczos = this.lanczos(
      at,
      GFS_LANCZOS_TOL,
      Math.min(GFS_LANCZOS_ITERATIONS, this.parameterCount),
      flow.vector,
    );
    return { ...flow, gfsSharpness: lanczos.value, lanczos };
  }
}
