// Fully connected networks on real data (model.md §5): model kernels (network.ts) and the activations;
// Lanczos lives in linalg/lanczos.ts (operator-agnostic). GD, the RK4 flow and Lanczos run on the host
// (src/engines/mlpSolver.ts) over sums of these kernels across batch shards.
export {
  mlpParameterCount,
  mlpWorkLength,
  mlpLoss,
  mlpGradient,
  mlpGdStep,
  mlpHvp,
  mlpPrepare,
  mlpHvpPrepared,
} from './network';
export { mlpActivation } from './activation';
export { lanczosStart, lanczosExtend, lanczosRitzVector } from '../linalg/lanczos';
// The dense products under the kernels above, exported for tests and benchmarks (gemm.ts).
export { gemmNT as mlpGemmNT, gemmNN as mlpGemmNN, gemmTN as mlpGemmTN } from './gemm';
