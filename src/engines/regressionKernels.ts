/**
 * The pointer level of the regression engine (engines/regression.ts): the signatures of the kernels
 * of `assembly/regression/` and the layout of one problem's buffers in a WASM instance's memory,
 * reserved once per engine so that no call allocates afterwards.
 */
import type { Arena, RawExports } from '../wasm/module.js';

export type Ptr = number;

/** The regression kernels of `assembly/regression/index.ts`, with their pointer-level signatures. */
export interface RegressionKernels extends RawExports {
  regWorkLength(n: number, d: number): number;
  regBasisLength(d: number, m: number): number;
  regResidual(X: Ptr, y: Ptr, n: number, d: number, u: Ptr, v: Ptr, r: Ptr): number;
  regLoss(X: Ptr, y: Ptr, n: number, d: number, u: Ptr, v: Ptr, work: Ptr): number;
  regGradient(X: Ptr, y: Ptr, n: number, d: number, u: Ptr, v: Ptr, work: Ptr, outU: Ptr, outV: Ptr): number;
  regGdStep(X: Ptr, y: Ptr, n: number, d: number, u: Ptr, v: Ptr, eta: number, work: Ptr, outU: Ptr, outV: Ptr): number;
  regHvp(X: Ptr, y: Ptr, n: number, d: number, u: Ptr, v: Ptr, a: Ptr, b: Ptr, work: Ptr, outA: Ptr, outB: Ptr): void;
  regHessian(X: Ptr, y: Ptr, n: number, d: number, u: Ptr, v: Ptr, work: Ptr, out: Ptr): void;
  regSymmetricEigen(a: Ptr, n: number, vecScratch: Ptr, vecOut: Ptr): number;
  regTridiagonalTop(alpha: Ptr, beta: Ptr, m: number, s: Ptr, tmp: Ptr): number;
  regLanczos(
    X: Ptr,
    y: Ptr,
    n: number,
    d: number,
    u: Ptr,
    v: Ptr,
    start: Ptr,
    maxIter: number,
    tol: number,
    basis: Ptr,
    work: Ptr,
    vecOut: Ptr,
    info: Ptr,
  ): number;
  regGfs(
    X: Ptr,
    y: Ptr,
    n: number,
    d: number,
    u: Ptr,
    v: Ptr,
    nu: Ptr,
    maxIter: number,
    tol: number,
    work: Ptr,
    betaOut: Ptr,
    uOut: Ptr,
    vOut: Ptr,
    info: Ptr,
  ): number;
  regGradientFlow(
    X: Ptr,
    y: Ptr,
    n: number,
    d: number,
    u: Ptr,
    v: Ptr,
    hScale: number,
    lossTol: number,
    maxSteps: number,
    krylovMax: number,
    basis: Ptr,
    work: Ptr,
    outU: Ptr,
    outV: Ptr,
  ): number;
  regRunChunk(
    X: Ptr,
    y: Ptr,
    n: number,
    d: number,
    u: Ptr,
    v: Ptr,
    nu: Ptr,
    eigvec: Ptr,
    eta: number,
    rows: number,
    params: Ptr,
    method: number,
    basis: Ptr,
    dense: Ptr,
    work: Ptr,
    outLoss: Ptr,
    outSharpness: Ptr,
    outGfsSharpness: Ptr,
    stepAfterLast: number,
    statusOut: Ptr,
  ): number;
}

/** Iterates per WASM call of the run driver. */
export const RUN_CHUNK_ROWS = 256;

/** Byte offsets of one problem's buffers (float64 unless noted; `status` holds an int32). */
export interface RegressionBuffers {
  X: Ptr;
  y: Ptr;
  u: Ptr;
  v: Ptr;
  a: Ptr;
  b: Ptr;
  outA: Ptr;
  outB: Ptr;
  nu: Ptr;
  beta: Ptr;
  eig: Ptr;
  work: Ptr;
  basis: Ptr;
  dense: Ptr;
  info: Ptr;
  params: Ptr;
  status: Ptr;
  loss: Ptr;
  sharp: Ptr;
  phi: Ptr;
}

/**
 * Reserves every buffer the kernels need for an n×d problem with Krylov dimension limit `krylovMax`:
 * X, y, the weights and directions, ν, β, an eigenvector, the kernels' work and Lanczos basis, a
 * dense (2d)×(2d) matrix, the info/params/status slots and one run chunk of L, S and φ.
 */
export function allocateRegressionBuffers(
  arena: Arena,
  k: RegressionKernels,
  n: number,
  d: number,
  krylovMax: number,
): RegressionBuffers {
  const dim = 2 * d;
  const f = (count: number): Ptr => arena.alloc(count * 8);
  return {
    X: f(n * d),
    y: f(n),
    u: f(d),
    v: f(d),
    a: f(d),
    b: f(d),
    outA: f(d),
    outB: f(d),
    nu: f(n),
    beta: f(d),
    eig: f(dim),
    work: f(k.regWorkLength(n, d)),
    basis: f(k.regBasisLength(d, krylovMax)),
    dense: f(dim * dim),
    info: f(8),
    params: f(8),
    status: f(1),
    loss: f(RUN_CHUNK_ROWS),
    sharp: f(RUN_CHUNK_ROWS),
    phi: f(RUN_CHUNK_ROWS),
  };
}
