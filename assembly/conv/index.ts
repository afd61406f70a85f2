// Layers of convolutional networks (model.md §7) with exact gradients and Hessian-vector products
// by Pearlmutter's R-operator (forward-over-reverse): for each layer y = f(x; p), given the
// direction (R{x}, R{p} = v's slice),
//   forward     y                       R-forward   R{y} = J_x R{x} + J_p R{p}
//   backward    ∂x += J_xᵀ ∂y,  ∂p += J_pᵀ ∂y
//   R-backward  R{∂x} += J_xᵀ R{∂y} + R{J_x}ᵀ ∂y,  R{∂p} += J_pᵀ R{∂y} + R{J_p}ᵀ ∂y.
// ABI, common to every kernel here:
//   - f64 tensors in NHWC: n·h·w rows of c contiguous channels (a flat layer: n rows of features);
//   - lengths and scalars first, then pointers; the host owns every buffer (no allocation here);
//   - forward and R-forward passes OVERWRITE their outputs; backward and R-backward passes ADD into
//     theirs (∂x, parameter gradients), which the host zeroes first, so a tensor feeding several
//     layers (a residual block's input) collects every path;
//   - a pointer of 0 marks an absent operand (no bias; R{x} = 0 for the network input; no ∂x wanted);
//   - parameter slices are in θ's layout: conv W (c_out × k·k·c_in, taps (ky, kx, ci)) then b;
//     dense W (d_out × d_in) then b; batch norm [γ (C) | β (C)];
//   - per-row kernels run on any range of whole images (a shard); batch norm's statistics couple
//     the batch: its `…Sums` kernels return a shard's per-channel partials, summed over shards in a
//     fixed order by the host before the elementwise kernel (batchNorm.ts, model.md §7.3);
//   - NaN and ±Inf propagate (every output they reach is NaN or ±Inf; never an exception or status).
export {
  conv2dOutputSize,
  conv2dForward,
  conv2dRForward,
  conv2dBackward,
  conv2dRBackward,
  denseForward,
  denseRForward,
  denseBackward,
  denseRBackward,
} from './conv2d';
export {
  batchNormMaxChannels,
  batchNormSums,
  batchNormCentredSquares,
  batchNormForward,
  batchNormBackwardSums,
  batchNormBackward,
  batchNormRForwardSums,
  batchNormRForward,
  batchNormRBackwardSums,
  batchNormRBackward,
} from './batchNorm';
export { subsampleForward, subsampleBackward, padChannelsForward, padChannelsBackward } from './reshape';
export { maxPoolForward, maxPoolRForward, maxPoolBackward, globalAvgPoolForward, globalAvgPoolBackward } from './pool';
export {
  activationForward,
  activationRForward,
  activationBackward,
  activationRBackward,
  tensorAdd,
  tensorAccumulate,
  mseLoss,
  mseBackward,
  mseRBackward,
} from './elementwise';
