// Fully connected networks in float32 (issue 13, f32 mode): the kernels of assembly/mlp/network.ts
// over f32 data, parameters and work, with f32x4 products (gemm32.ts); θ has the same layout and
// parameter count P (mlpParameterCount).
export { mlp32WorkLength, mlp32Loss, mlp32Gradient, mlp32Hvp, mlp32Prepare, mlp32HvpPrepared } from './network32';
