/**
 * Typed-array convenience layer over the raw WASM exports: one `ScalarEngine` per WASM instance
 * (one per thread). Methods take plain arrays or typed arrays of weights, copy them into the
 * instance's arena, call one kernel and copy the result out. Inputs are assumed validated
 * (see `src/api.ts`); NaN/±Inf/zero weights are passed through and come back as NaN or a status.
 */
import type { Ptr, WasmExports } from '../wasm/abi.js';
import { Arena, instantiate, type RawExports } from '../wasm/module.js';
import { Status } from '../wasm/status.js';

/** The kernels of `assembly/index.ts`, with their pointer-level signatures. */
export interface GfsResult {
  /**
   * Status.converged (0) when the GFS exists and 𝒮(w), s* and φ are finite; Status.noGfs when
   * π(w) ≤ 0; Status.nonFinite when w has NaN/±Inf entries or the GFS cannot be computed in
   * float64 (wᵢ² or φ overflows). Only Status.converged comes with finite values.
   */
  status: number;
  /** 𝒮(w), NaN-filled without a GFS. */
  point: Float64Array;
  /** s* with 𝒮(w)² = w² + s*. */
  shift: number;
  /** φ(w) = S(𝒮(w)). */
  gfsSharpness: number;
}

export interface InvariantSetResult {
  member: boolean;
  gfsSharpness: number;
  /** sup over the GF line's products in (0, 1] of the product after one GD step. */
  pMax: number;
  /** smallest product ≥ 1 at which GD sends the product to 0. */
  pMin: number;
  product: number;
}

export interface TrajectoryArrays {
  loss: Float64Array;
  sharpness: Float64Array;
  gfsSharpness: Float64Array;
  product: Float64Array;
  status: Uint8Array;
  /** The iterate of the last recorded row. */
  final: Float64Array;
  /** Rows recorded (≤ requested; fewer when the run diverged or converged). */
  rows: number;
}

/** Rows per WASM call: a few ms each, so V8 tiers the kernel up and progress can be reported. */
export const TRAJECTORY_CHUNK_ROWS = 2048;

export class ScalarEngine {
  readonly kernels: WasmExports;
  readonly arena: Arena;

  constructor(raw: RawExports = instantiate()) {
    this.kernels = raw;
    this.arena = new Arena(raw);
  }

  /** Run `body` with `w` copied into WASM memory; frees everything it allocated afterwards. */
  private withWeights<T>(w: ArrayLike<number>, body: (ptr: Ptr, D: number) => T): T {
    const mark = this.arena.mark();
    try {
      const ptr = this.arena.alloc(w.length * 8);
      this.arena.f64(ptr, w.length).set(w);
      return body(ptr, w.length);
    } finally {
      this.arena.release(mark);
    }
  }

  private vectorOut(D: number, body: (w: Ptr, D: number, out: Ptr) => void, w: ArrayLike<number>): Float64Array {
    return this.withWeights(w, (ptr) => {
      const out = this.arena.alloc(D * 8);
      body(ptr, D, out);
      return this.arena.f64(out, D).slice();
    });
  }

  product(w: ArrayLike<number>): number {
    return this.withWeights(w, (p, D) => this.kernels.product(p, D));
  }

  loss(w: ArrayLike<number>): number {
    return this.withWeights(w, (p, D) => this.kernels.loss(p, D));
  }

  gradient(w: ArrayLike<number>): Float64Array {
    return this.vectorOut(w.length, (p, D, out) => this.kernels.gradient(p, D, out), w);
  }

  /** Row-major D×D Hessian. */
  hessian(w: ArrayLike<number>): Float64Array {
    const D = w.length;
    return this.withWeights(w, (p) => {
      const out = this.arena.alloc(D * D * 8);
      this.kernels.hessian(p, D, out);
      return this.arena.f64(out, D * D).slice();
    });
  }

  /** S(w) by the secular fast path (Jacobi when a weight is 0) or by Jacobi. */
  sharpness(w: ArrayLike<number>, method: 'secular' | 'jacobi' = 'secular'): number {
    return this.withWeights(w, (p, D) =>
      method === 'jacobi' ? this.kernels.sharpnessJacobi(p, D) : this.kernels.sharpness(p, D),
    );
  }

  topEigenpair(w: ArrayLike<number>): { value: number; vector: Float64Array } {
    const D = w.length;
    return this.withWeights(w, (p) => {
      const out = this.arena.alloc(D * 8);
      const value = this.kernels.topEigenpair(p, D, out);
      return { value, vector: this.arena.f64(out, D).slice() };
    });
  }

  /** Largest eigenvalue of a symmetric matrix (row-major n×n) by the Jacobi kernel. */
  symmetricTopEigenvalue(matrix: ArrayLike<number>, n: number): number {
    return this.withWeights(matrix, (p) => this.kernels.symmetricEigen(p, n, 0, 0));
  }

  /** λmax(diag(d) + ρ z zᵀ) by the secular kernel. */
  diagonalPlusRankOneTop(d: ArrayLike<number>, z: ArrayLike<number>, rho: number): number {
    const n = d.length;
    return this.withWeights(d, (dp) => {
      const zp = this.arena.alloc(n * 8);
      this.arena.f64(zp, n).set(z);
      return this.kernels.topEigenDiagonalPlusRankOne(dp, zp, n, rho);
    });
  }

  /** Root s of Σ log(aᵢ + s) = target. */
  logShift(a: ArrayLike<number>, target: number): number {
    return this.withWeights(a, (p, D) => this.kernels.logShift(p, D, target));
  }

  gfs(w: ArrayLike<number>): GfsResult {
    const D = w.length;
    return this.withWeights(w, (p) => {
      const out = this.arena.alloc(D * 8);
      const status = this.kernels.gfsPoint(p, D, out);
      const point = this.arena.f64(out, D).slice();
      if (status !== Status.converged) return { status, point, shift: Number.NaN, gfsSharpness: Number.NaN };
      const shift = this.kernels.gfsShift(p, D);
      const gfsSharpness = this.kernels.gfsSharpness(p, D);
      // the squares wᵢ² + s* are finite (the kernel checks wᵢ²), but φ = Σ 1/(wᵢ² + s*) can still
      // overflow when a GFS square is below 1/Number.MAX_VALUE: no value is reported as ok unless finite
      if (!Number.isFinite(shift) || !Number.isFinite(gfsSharpness) || !point.every(Number.isFinite)) {
        return { status: Status.nonFinite, point: point.fill(Number.NaN), shift: Number.NaN, gfsSharpness: Number.NaN };
      }
      return { status, point, shift, gfsSharpness };
    });
  }

  gfsSharpness(w: ArrayLike<number>): number {
    return this.withWeights(w, (p, D) => this.kernels.gfsSharpness(p, D));
  }

  gdStep(w: ArrayLike<number>, eta: number): Float64Array {
    return this.vectorOut(w.length, (p, D, out) => this.kernels.gdStep(p, D, eta, out), w);
  }

  gpgdStep(w: ArrayLike<number>, eta: number): { status: number; point: Float64Array } {
    const D = w.length;
    return this.withWeights(w, (p) => {
      const out = this.arena.alloc(D * 8);
      const status = this.kernels.gpgdStep(p, D, eta, out);
      return { status, point: this.arena.f64(out, D).slice() };
    });
  }

  /** g(x) for GFS squares u. */
  gpgdMap1d(u: ArrayLike<number>, eta: number, x: number): number {
    return this.withWeights(u, (p, D) => this.kernels.gpgdMap1d(p, D, eta, x));
  }

  invariantSet(w: ArrayLike<number>, eta: number): InvariantSetResult {
    return this.withWeights(w, (p, D) => {
      const info = this.arena.alloc(4 * 8);
      const member = this.kernels.invariantSetMembership(p, D, eta, info) === 1;
      const v = this.arena.f64(info, 4);
      return {
        member,
        gfsSharpness: v[0] as number,
        pMax: v[1] as number,
        pMin: v[2] as number,
        product: v[3] as number,
      };
    });
  }

  /** RK4 gradient flow until L < tol; `converged` false when maxSteps ran out. */
  gradientFlow(
    w: ArrayLike<number>,
    hScale: number,
    tol: number,
    maxSteps: number,
  ): { point: Float64Array; steps: number; converged: boolean } {
    const D = w.length;
    return this.withWeights(w, (p) => {
      const out = this.arena.alloc(D * 8);
      const r = this.kernels.gradientFlowRk4(p, D, hScale, tol, maxSteps, out);
      return { point: this.arena.f64(out, D).slice(), steps: Math.abs(r), converged: r >= 0 };
    });
  }

  initFromGfsSharpness(direction: ArrayLike<number>, phi0: number, p0: number): Float64Array {
    const D = direction.length;
    return this.withWeights(direction, (c) => {
      const out = this.arena.alloc(D * 8);
      this.kernels.initFromGfsSharpness(c, D, phi0, p0, out);
      return this.arena.f64(out, D).slice();
    });
  }

  /**
   * GD trajectory: `rows` iterates recorded (row t = iterate t, before its step), computed in
   * chunks of TRAJECTORY_CHUNK_ROWS rows per WASM call. `eta` is a constant or a schedule with at
   * least `rows` entries. `onChunk(rowsDone)` is called after each chunk.
   */
  trajectory(
    w0: ArrayLike<number>,
    eta: number | ArrayLike<number>,
    rows: number,
    tol: number,
    divergeAt: number,
    onChunk?: (rowsDone: number) => void,
  ): TrajectoryArrays {
    const D = w0.length;
    const result: TrajectoryArrays = {
      loss: new Float64Array(rows),
      sharpness: new Float64Array(rows),
      gfsSharpness: new Float64Array(rows),
      product: new Float64Array(rows),
      status: new Uint8Array(rows),
      final: new Float64Array(D),
      rows: 0,
    };
    const chunk = Math.min(TRAJECTORY_CHUNK_ROWS, rows);
    const mark = this.arena.mark();
    try {
      const a = this.arena;
      const wPtr = a.alloc(D * 8);
      const etaPtr = a.alloc(chunk * 8);
      const lossPtr = a.alloc(chunk * 8);
      const sharpPtr = a.alloc(chunk * 8);
      const phiPtr = a.alloc(chunk * 8);
      const prodPtr = a.alloc(chunk * 8);
      const statusPtr = a.alloc(chunk);
      a.f64(wPtr, D).set(w0);
      const schedule = typeof eta === 'number' ? undefined : eta;
      if (schedule === undefined) a.f64(etaPtr, 1)[0] = eta as number;
      let done = 0;
      while (done < rows) {
        const n = Math.min(chunk, rows - done);
        if (schedule) a.f64(etaPtr, n).set(Array.prototype.slice.call(schedule, done, done + n) as number[]);
        const written = this.kernels.trajectoryChunk(
          wPtr,
          D,
          etaPtr,
          schedule ? n : 1,
          n,
          tol,
          divergeAt,
          lossPtr,
          sharpPtr,
          phiPtr,
          prodPtr,
          statusPtr,
          done + n < rows ? 1 : 0,
        );
        result.loss.set(a.f64(lossPtr, written), done);
        result.sharpness.set(a.f64(sharpPtr, written), done);
        result.gfsSharpness.set(a.f64(phiPtr, written), done);
        result.product.set(a.f64(prodPtr, written), done);
        result.status.set(a.u8(statusPtr, written), done);
        done += written;
        onChunk?.(done);
        if (written < n) break;
      }
      result.rows = done;
      result.final.set(a.f64(wPtr, D));
    } finally {
      this.arena.release(mark);
    }
    if (result.rows < rows) {
      result.loss = result.loss.slice(0, result.rows);
      result.sharpness = result.sharpness.slice(0, result.rows);
      result.gfsSharpness = result.gfsSharpness.slice(0, result.rows);
      result.product = result.product.slice(0, result.rows);
      result.status = result.status.slice(0, result.rows);
    }
    return result;
  }
}
