/**
 * The pointer level of the regression engine (engines/regression.ts): the layout of one problem's
 * buffers in a WASM instance's memory, reserved once per engine so that no call allocates
 * afterwards. (The kernels' signatures are generated: WasmExports in src/wasm/abi.ts.)
 */
import type { Ptr, WasmExports } from '../wasm/abi.js';
import type { Arena } from '../wasm/module.js';

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
  k: WasmExports,
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

export type { Ptr };
