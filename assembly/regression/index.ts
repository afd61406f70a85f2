// Diagonal linear regression model (model.md §4): kernels exported by the eoslab WASM module.
export { regWorkLength, regBasisLength } from './layout';
export { regResidual, regLoss, regGradient, regGdStep, regHvp, regHessian } from './model';
export { regSymmetricEigen, tridiagonalTop as regTridiagonalTop } from './eigen';
export { regLanczos } from './lanczos';
export { regGfs } from './gfs';
export { regGradientFlow } from './flow';
export { regRunChunk } from './run';
