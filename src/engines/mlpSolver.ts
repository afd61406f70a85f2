/**
 * The solver of the fully connected network experiment (docs/model.md §5): the network solver
 * (networkSolver.ts — GD, Lanczos, the RK4 flow with h = α/S and the GFS sharpness φ, over any
 * network's fixed-shard batch) on an `MlpBatch`, which also knows the layer sizes and so θ₀.
 */
import type { MlpBatch } from './mlpBatch.js';
import { initialParameters } from './mlpNetwork.js';
import { NetworkSolver } from './networkSolver.js';
import type { RawExports } from '../wasm/module.js';

export {
  GFS_LANCZOS_ITERATIONS,
  NetworkSolver,
  type FlowOptions,
  type FlowResult,
  type FlowStatus,
  type GfsResult,
  type LanczosOptions,
  type LanczosResult,
} from './networkSolver.js';

export class MlpSolver extends NetworkSolver {
  declare readonly batch: MlpBatch;

  constructor(
    batch: MlpBatch,
    options: { signal?: AbortSignal; what?: string; capacity?: number; raw?: RawExports } = {},
  ) {
    super(batch, options);
  }

  /** θ₀ with W_l, b_l entries uniform in ±1/√(fan-in of layer l), seeded (as MlpEngine's). */
  initialParameters(seed: number): Float64Array {
    return initialParameters(this.batch.sizes, this.parameterCount, seed);
  }
}
