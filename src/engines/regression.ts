/**
 * Typed layer over the regression kernels of `assembly/regression/` (model.md §4): the diagonal linear
 * model f(x; u, v) = ⟨u ⊙ v, x⟩ with L = (1/2N)‖X(u⊙v) − y‖². One `RegressionEngine` per problem
 * and WASM instance: the constructor copies X and y into the instance once and reserves every
 * buffer the kernels need (no allocation afterwards; the kernels' signatures and the buffer layout
 * are in regressionKernels.ts, the problem type and its validation in regressionProblem.ts). Inputs
 * are assumed validated by the caller; NaN/±Inf come back as NaN values or statuses, never as
 * exceptions.
 */
import type { WasmExports } from '../wasm/abi.js';
import { invalidOption } from '../base/errors.js';
import { OPTIONS } from '../base/options.js';
import { Arena, instantiate, type RawExports } from '../wasm/module.js';
import { REGRESSION_STATUS_LABELS, RegressionStatus } from '../wasm/abi.js';
import { labelOf } from '../wasm/decode.js';
import { allocateRegressionBuffers, RUN_CHUNK_ROWS, type Ptr, type RegressionBuffers } from './regressionKernels.js';
import { checkProblem, type RegressionProblem } from './regressionProblem.js';

export type { RegressionProblem } from './regressionProblem.js';

export interface GfsSolution {
  status: 'ok' | 'no-convergence';
  /** β∞ (d). */
  beta: Float64Array;
  /** The dual variable ν (n) with β∞ = (k/2) ⊙ sinh(arcsinh(2β₀/k) + 2Xᵀν). */
  nu: Float64Array;
  /** Recovered GFS weights (d each); the dominant factor (|u| if Δ = u² − v² > 0) keeps its sign. */
  u: Float64Array;
  v: Float64Array;
  /** φ = λmax((1/N) X diag(√(k² + 4β∞²)) Xᵀ); NaN unless status is 'ok'. */
  gfsSharpness: number;
  newtonIterations: number;
  /** ‖Xβ∞ − y‖ / (‖y‖ + ‖|X||β∞|‖) reached. */
  relativeResidual: number;
}

export interface RegressionRun {
  /** GD steps taken; the arrays hold iterates 0..steps. */
  steps: number;
  status: 'converged' | 'diverged' | 'max-steps' | 'gfs-failed';
  loss: Float64Array;
  sharpness: Float64Array;
  gfsSharpness: Float64Array;
  /** The last iterate. */
  u: Float64Array;
  v: Float64Array;
}

export interface RunOptions {
  maxSteps: number;
  /** Stop (converged) at the first iterate with L < lossTol. */
  lossTol: number;
  /** Stop (diverged) at the first iterate with L > divergeAt or a non-finite entry (default 1e10). */
  divergeAt?: number;
  /** Sharpness per step: Lanczos warm-started from the previous top eigenvector (default) or dense Jacobi. */
  sharpnessMethod?: 'lanczos' | 'dense';
  onProgress?: (steps: number) => void;
}

/** Relative Ritz-residual tolerance of Lanczos: eigenvalue error ≲ (tol·S)²/gap. */
export const LANCZOS_TOL = 1e-10;
/** Newton stops when ‖Xβ∞ − y‖ ≤ GFS_TOL·(‖y‖ + ‖|X||β∞|‖). */
export const GFS_TOL = 1e-13;
export const GFS_MAX_ITERATIONS = 200;
/** Largest Krylov dimension (capped by 2d). */
export const KRYLOV_MAX = 256;
/** Default divergence bound on the loss. */
export const DEFAULT_DIVERGE_AT = 1e10;

/**
 * The run's status from the driver's last code: a run that never stopped used its step budget
 * (max-steps); any other code is the kernel's own stopping status, and an unknown code an error.
 */
function runStatus(code: number): RegressionRun['status'] {
  if (code === RegressionStatus.running) return 'max-steps';
  return labelOf(REGRESSION_STATUS_LABELS, code, 'regression run status') as RegressionRun['status'];
}

export class RegressionEngine {
  readonly kernels: WasmExports;
  readonly arena: Arena;
  readonly n: number;
  readonly d: number;
  /** Krylov dimension limit used by Lanczos. */
  readonly krylovMax: number;
  private readonly p: RegressionBuffers;

  constructor(problem: RegressionProblem, raw: RawExports = instantiate()) {
    checkProblem(problem, 'problem');
    const { n, d } = problem;
    this.kernels = raw;
    this.arena = new Arena(raw);
    this.n = n;
    this.d = d;
    this.krylovMax = Math.min(2 * d, KRYLOV_MAX);
    this.p = allocateRegressionBuffers(this.arena, this.kernels, n, d, this.krylovMax);
    this.view(this.p.X, n * d).set(problem.X.subarray(0, n * d));
    this.view(this.p.y, n).set(problem.y.subarray(0, n));
  }

  private view(ptr: Ptr, length: number): Float64Array {
    return this.arena.f64(ptr, length);
  }

  private setUV(u: ArrayLike<number>, v: ArrayLike<number>): void {
    this.view(this.p.u, this.d).set(u);
    this.view(this.p.v, this.d).set(v);
  }

  private out(ptr: Ptr, length: number): Float64Array {
    return this.view(ptr, length).slice();
  }

  /** u and v: Float64Arrays of length d (values may be anything; NaN gives a status). */
  private checkWeights(u: unknown, v: unknown): void {
    this.checkVector(u, this.d, 'u');
    this.checkVector(v, this.d, 'v');
  }

  private checkVector(x: unknown, length: number, label: string): void {
    if (!(x instanceof Float64Array) || x.length !== length) {
      throw invalidOption(
        label,
        x instanceof Float64Array ? `Float64Array(${x.length})` : typeof x,
        `a Float64Array of length ${length}`,
      );
    }
  }

  loss(u: Float64Array, v: Float64Array): number {
    this.checkWeights(u, v);
    this.setUV(u, v);
    const { X, y, work } = this.p;
    return this.kernels.regLoss(X, y, this.n, this.d, this.p.u, this.p.v, work);
  }

  /** Residual r = X(u⊙v) − y. */
  residual(u: Float64Array, v: Float64Array): Float64Array {
    this.checkWeights(u, v);
    this.setUV(u, v);
    const { X, y, work } = this.p;
    this.kernels.regResidual(X, y, this.n, this.d, this.p.u, this.p.v, work);
    return this.out(work, this.n);
  }

  gradient(u: Float64Array, v: Float64Array): { u: Float64Array; v: Float64Array } {
    this.checkWeights(u, v);
    this.setUV(u, v);
    const { X, y, work, outA, outB } = this.p;
    this.kernels.regGradient(X, y, this.n, this.d, this.p.u, this.p.v, work, outA, outB);
    return { u: this.out(outA, this.d), v: this.out(outB, this.d) };
  }

  gdStep(u: Float64Array, v: Float64Array, eta: number): { u: Float64Array; v: Float64Array } {
    this.checkWeights(u, v);
    OPTIONS.eta.check(eta, 'eta');
    this.setUV(u, v);
    const { X, y, work, outA, outB } = this.p;
    this.kernels.regGdStep(X, y, this.n, this.d, this.p.u, this.p.v, eta, work, outA, outB);
    return { u: this.out(outA, this.d), v: this.out(outB, this.d) };
  }

  hessianVectorProduct(
    u: Float64Array,
    v: Float64Array,
    a: Float64Array,
    b: Float64Array,
  ): { a: Float64Array; b: Float64Array } {
    this.setUV(u, v);
    this.view(this.p.a, this.d).set(a);
    this.view(this.p.b, this.d).set(b);
    const { X, y, work, outA, outB } = this.p;
    this.kernels.regHvp(X, y, this.n, this.d, this.p.u, this.p.v, this.p.a, this.p.b, work, outA, outB);
    return { a: this.out(outA, this.d), b: this.out(outB, this.d) };
  }

  /** Dense (2d)×(2d) Hessian, row-major, order [u; v]. */
  hessian(u: Float64Array, v: Float64Array): Float64Array {
    this.checkWeights(u, v);
    this.setUV(u, v);
    const { X, y, work, dense } = this.p;
    this.kernels.regHessian(X, y, this.n, this.d, this.p.u, this.p.v, work, dense);
    return this.out(dense, 4 * this.d * this.d);
  }

  /** S = λmax(∇²L): Lanczos from a fixed start vector (default) or dense Jacobi. */
  sharpness(u: Float64Array, v: Float64Array, method: 'lanczos' | 'dense' = 'lanczos'): number {
    this.checkWeights(u, v);
    return this.sharpnessDetail(u, v, method).value;
  }

  /** S with Lanczos diagnostics (iterations, relative Ritz residual; 0 and 0 for dense). */
  sharpnessDetail(
    u: Float64Array,
    v: Float64Array,
    method: 'lanczos' | 'dense' = 'lanczos',
    tol = LANCZOS_TOL,
  ): { value: number; iterations: number; relativeResidual: number } {
    this.setUV(u, v);
    const { X, y, work, dense, basis, eig, info } = this.p;
    const k = this.kernels;
    if (method === 'dense') {
      k.regHessian(X, y, this.n, this.d, this.p.u, this.p.v, work, dense);
      return { value: k.regSymmetricEigen(dense, 2 * this.d, 0, 0), iterations: 0, relativeResidual: 0 };
    }
    const value = k.regLanczos(
      X,
      y,
      this.n,
      this.d,
      this.p.u,
      this.p.v,
      0,
      this.krylovMax,
      tol,
      basis,
      work,
      eig,
      info,
    );
    const i = this.view(info, 2);
    return { value, iterations: i[0] as number, relativeResidual: i[1] as number };
  }

  /** λmax of a symmetric row-major m×m matrix (m ≤ 2d) by the general Jacobi kernel. */
  symmetricTopEigenvalue(matrix: Float64Array, m: number): number {
    this.view(this.p.dense, m * m).set(matrix.subarray(0, m * m));
    return this.kernels.regSymmetricEigen(this.p.dense, m, 0, 0);
  }

  /** GFS predictor from (u, v), Newton warm-started from `warmNu` (default ν = 0). */
  gfs(u: Float64Array, v: Float64Array, warmNu?: Float64Array): GfsSolution {
    this.checkWeights(u, v);
    if (warmNu !== undefined) this.checkVector(warmNu, this.n, 'warmNu');
    this.setUV(u, v);
    const { X, y, work, nu, beta, outA, outB, info } = this.p;
    const nuView = this.view(nu, this.n);
    if (warmNu) nuView.set(warmNu.subarray(0, this.n));
    else nuView.fill(0);
    const code = this.kernels.regGfs(
      X,
      y,
      this.n,
      this.d,
      this.p.u,
      this.p.v,
      nu,
      GFS_MAX_ITERATIONS,
      GFS_TOL,
      work,
      beta,
      outA,
      outB,
      info,
    );
    const i = this.view(info, 3);
    return {
      status: code === 0 ? 'ok' : 'no-convergence',
      beta: this.out(beta, this.d),
      nu: this.out(nu, this.n),
      u: this.out(outA, this.d),
      v: this.out(outB, this.d),
      gfsSharpness: code === 0 ? (i[0] as number) : Number.NaN,
      newtonIterations: i[1] as number,
      relativeResidual: i[2] as number,
    };
  }

  /**
   * RK4 gradient flow from (u, v) with step h = hScale/S (S by Lanczos every few steps, default
   * hScale 0.5) until L < lossTol or maxSteps RK4 steps.
   */
  gradientFlow(
    u: Float64Array,
    v: Float64Array,
    options: { lossTol: number; maxSteps: number; hScale?: number },
  ): { u: Float64Array; v: Float64Array; steps: number; converged: boolean } {
    this.setUV(u, v);
    const { X, y, work, basis, outA, outB } = this.p;
    const result = this.kernels.regGradientFlow(
      X,
      y,
      this.n,
      this.d,
      this.p.u,
      this.p.v,
      options.hScale ?? 0.5,
      options.lossTol,
      options.maxSteps,
      this.krylovMax,
      basis,
      work,
      outA,
      outB,
    );
    const converged = result >= 0;
    return {
      u: this.out(outA, this.d),
      v: this.out(outB, this.d),
      steps: converged ? result : -result - 1,
      converged,
    };
  }

  /**
   * GD from (u0, v0) with step eta, recording L, S and φ at iterates 0..steps. Stops at the first
   * iterate with L < lossTol (converged), L > divergeAt or non-finite (diverged; S, φ NaN there),
   * a GFS that Newton cannot find (gfs-failed; φ NaN there) or after maxSteps steps (max-steps).
   */
  run(u0: Float64Array, v0: Float64Array, eta: number, options: RunOptions): RegressionRun {
    this.checkWeights(u0, v0);
    OPTIONS.eta.check(eta, 'eta');
    const { n, d } = this;
    const maxSteps = Math.max(0, Math.floor(options.maxSteps));
    const total = maxSteps + 1;
    const { X, y, work, basis, dense, nu, eig, params, status } = this.p;
    this.setUV(u0, v0);
    this.view(nu, n).fill(0);
    this.view(eig, 2 * d).fill(0);
    this.view(params, 6).set([
      options.lossTol,
      options.divergeAt ?? DEFAULT_DIVERGE_AT,
      LANCZOS_TOL,
      GFS_TOL,
      GFS_MAX_ITERATIONS,
      this.krylovMax,
    ]);
    const method = options.sharpnessMethod === 'dense' ? 1 : 0;
    const loss = new Float64Array(total);
    const sharpness = new Float64Array(total);
    const gfsSharpness = new Float64Array(total);
    let written = 0;
    let code: number = RegressionStatus.running;
    while (written < total) {
      const rows = Math.min(RUN_CHUNK_ROWS, total - written);
      const last = written + rows >= total;
      const got = this.kernels.regRunChunk(
        X,
        y,
        n,
        d,
        this.p.u,
        this.p.v,
        nu,
        eig,
        eta,
        rows,
        params,
        method,
        basis,
        dense,
        work,
        this.p.loss,
        this.p.sharp,
        this.p.phi,
        last ? 0 : 1,
        status,
      );
      loss.set(this.view(this.p.loss, got), written);
      sharpness.set(this.view(this.p.sharp, got), written);
      gfsSharpness.set(this.view(this.p.phi, got), written);
      written += got;
      code = this.arena.i32(status, 1)[0] as number;
      options.onProgress?.(written - 1);
      if (code !== RegressionStatus.running) break;
    }
    const steps = written - 1;
    return {
      steps,
      status: runStatus(code),
      loss: loss.slice(0, written),
      sharpness: sharpness.slice(0, written),
      gfsSharpness: gfsSharpness.slice(0, written),
      u: this.out(this.p.u, d),
      v: this.out(this.p.v, d),
    };
  }
}
