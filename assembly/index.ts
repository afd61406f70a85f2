// eoslab WASM module: every export is a pure kernel over lengths, scalars and pointers.
export { heapBase } from './abi';
export {
  product,
  loss,
  gradient,
  hessian,
  sharpness,
  sharpnessJacobi,
  topEigenpair,
} from './scalar/model';
export { symmetricEigen } from './linalg/jacobi';
export { topEigenDiagonalPlusRankOne } from './linalg/secular';
export { gfsShift, gfsStatus, gfsPoint, gfsSharpness } from './scalar/gfs';
export { logShift, logShiftFromZero, logShiftTwo } from './scalar/logShift';
export { gdStep } from './scalar/gd';
export { gpgdStep, gpgdMap1d } from './scalar/gpgd';
export { invariantSetMembership } from './scalar/invariantSet';
export { gradientFlowRk4 } from './scalar/rk4';
export { trajectoryChunk } from './scalar/trajectory';
export { initFromGfsSharpness } from './scalar/family';
export * from './scalar/sweep/sweep';
export { initFamilyCells, initSliceCells, familyCacheStride } from './scalar/sweep/init';
export { summarizeCells } from './scalar/sweep/summary';
export { sharpnessCells } from './scalar/sweep/finalSharpness';
export { invariantMapCells } from './scalar/sweep/invariantMap';
export * from './scalar/orbit';
export * from './scalar/stableSet';
export * from './scalar/checks/theorems';
export * from './scalar/checks/gpgdLemmas';
export * from './regression/index';
export * from './mlp/index';
export * from './mlp32/index';
export * from './conv/index';
