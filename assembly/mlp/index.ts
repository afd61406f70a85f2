// Fully connected networks on real data (model.md §5): model kernels (network.ts), the RK4 flow step
// (flow.ts) and the activations; Lanczos lives in linalg/lanczos.ts (operator-agnostic).
export { mlpParameterCount, mlpWorkLength, mlpLoss, mlpGradient, mlpGdStep, mlpHvp } from './network';
export { mlpRk4Step } from './flow';
export { mlpActivation } from './activation';
export { lanczosStart, lanczosExtend, lanczosRitzVector } from '../linalg/lanczos';
// The dense products under the kernels above, exported for tests and benchmarks (gemm.ts).
export { gemmNT as mlpGemmNT, gemmNN as mlpGemmNN, gemmTN as mlpGemmTN } from './gemm';
