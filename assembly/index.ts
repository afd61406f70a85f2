// eoslab WASM module: every export is a pure kernel over lengths, scalars and pointers.
export { heapBase } from './common';
export {
  product,
  loss,
  gradient,
  hessian,
  sharpness,
  sharpnessJacobi,
  topEigenpair,
} from './models/scalar';
export { symmetricEigen } from './linalg/jacobi';
export { topEigenDiagonalPlusRankOne } from './linalg/secular';
export { logShift, gfsShift, gfsStatus, gfsPoint, gfsSharpness } from './solvers/gfs';
export { gdStep } from './steps/gd';
export { gpgdStep, gpgdMap1d } from './steps/gpgd';
export { invariantSetMembership } from './sets/invariant';
export { gradientFlowRk4 } from './flow/rk4';
export { trajectoryChunk } from './drivers/trajectory';
export { initFromGfsSharpness } from './init/family';
export * from './sweep/sweep';
export { initFamilyCells, initSliceCells } from './grid/init';
export { summarizeCells } from './grid/summary';
export { invariantMapCells } from './grid/invariantMap';
export * from './bifurcation/orbit';
export * from './sets/stableSet';
export * from './checks/theorems';
export * from './checks/gpgdLemmas';
export * from './regression/index';
export * from './mlp/index';
