/**
 * eoslab — gradient descent at the edge of stability, in WebAssembly.
 *
 * Three layers: `src/wasm/` (pointer-level module), `ScalarEngine` (typed arrays, one WASM
 * instance), and the validated functions below that use a ready default engine.
 */
export {
  engine,
  loss,
  product,
  gradient,
  hessian,
  sharpness,
  gfs,
  gfsSharpness,
  gdStep,
  gpgdStep,
  gpgdMap1d,
  inInvariantSet,
  initFromGfsSharpness,
  defaultDirection,
  trajectory,
  gradientFlow,
  stabilityThreshold,
  checkWeights,
  checkDirection,
  resolveTrajectoryOptions,
  MIN_DEPTH,
  MAX_DEPTH,
} from './api.js';
export type {
  Weights,
  SharpnessOptions,
  GfsInfo,
  FamilyOptions,
  TrajectoryOptions,
  Trajectory,
  GradientFlowOptions,
} from './api.js';
export { ScalarEngine, TRAJECTORY_CHUNK_ROWS } from './engine.js';
export type { GfsResult, InvariantSetResult, TrajectoryArrays, ScalarKernels } from './engine.js';
export { Status, STATUS_LABELS, statusLabel } from './status.js';
export type { StatusName, StatusCode } from './status.js';
export { EoslabError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { TRAJECTORY_PRESETS, HEATMAP_PRESETS, trajectoryPreset, heatmapPreset } from './presets.js';
export { OPTIONS } from './options.js';
export { wasmHash, wasmPath, instantiate, wasmModule, Arena } from './wasm/module.js';
export type { RawExports } from './wasm/module.js';
export {
  heatmap,
  resolveHeatmapOptions,
  runHeatmap,
  writeHeatmap,
  heatmapSvg,
  invariantSetSvg,
  INVARIANT_CLASSES,
  MAX_CELLS,
  checkMemory,
  memoryBudget,
  heatmapResult,
  BYTES_PER_CELL,
  DEFAULT_RESOLUTION,
} from './heatmap.js';
export type { HeatmapOptions, HeatmapResult, ResolvedHeatmap, SliceOptions } from './heatmap.js';
export type { GridSpec, FamilyGrid, SliceGrid, RunSpec, MapKind, KernelKind } from './grid/spec.js';
export { SweepPool } from './grid/pool.js';
export type { SweepArrays, SharpnessArrays, InvariantSetArrays } from './grid/pool.js';
export {
  stableSet,
  resolveStableSetOptions,
  writeStableSet,
  stableSetSvg,
  stableSetLossSvg,
  STABLE_SET_DEFAULTS,
  STABLE_SET_CLASSES,
  ROOT_RTOL,
  DERIVED_NON_MINIMUM_LOSS_INFIMUM,
} from './stableSet.js';
export type {
  StableSetOptions,
  StableSetResult,
  StableSetZero,
  StableSetArrays,
  ResolvedStableSet,
  SmallestLoss,
} from './stableSet.js';
export {
  check,
  runCheck,
  resolveCheckOptions,
  checkTrajectory,
  certifiedMember,
  drawCheckSample,
  summarize as summarizeCheck,
  decodeRun as decodeCheckRun,
  formatCheckTable,
  checkReport,
  writeCheck,
  CHECK_DEFAULTS,
  CHECK_TOLERANCES,
  RUN_COLUMNS,
  GPGD_COLUMNS,
  gpgdLemmaCheck,
  verifyGpgdOrbit,
  drawGpgdPoint,
  decodeGpgdPoint,
  thm33Points,
} from './check.js';
export type {
  CheckOptions,
  CheckResult,
  CheckSummary,
  CheckRun,
  ResolvedCheck,
  CheckTrajectoryOptions,
  GpgdPointCheck,
  OrbitVerification,
  Theorem33Group,
  Quantiles,
} from './check.js';
export { thm33Figure, type Thm33Points, type Thm33FigureInfo } from './checkFigure.js';
export {
  bifurcationOverPhi,
  bifurcationFromPoints,
  sliceBifurcation,
  gpgdOrbit,
  detectPeriod,
  gdIterates,
  sliceFixedCMap,
  quasistaticSliceMap,
  gpgdMap1dDerivative,
  resolveOrbitSettings,
  resolvePhiAxisOptions,
  OrbitStatus,
  ORBIT_STATUS_LABELS,
  orbitStatusLabel,
  ORBIT_DEFAULTS,
  MAX_ORBIT_VALUES,
} from './bifurcation.js';
export type {
  BifurcationResult,
  OrbitSettings,
  OrbitOptions,
  OrbitMethod,
  PhiAxisOptions,
  PointsOptions,
  SliceBifurcationOptions,
  SliceModel,
  Orbit,
  BifurcationKernels,
} from './bifurcation.js';
export { RegressionEngine } from './regression/engine.js';
export type { RegressionProblem, GfsSolution, RegressionRun } from './regression/engine.js';
export { flattestSharpness, FLAT_DEFAULTS } from './regression/flat.js';
export type { FlatProblem, FlatOptions, FlatResult, FlatCertificate } from './regression/flat.js';
export { syntheticData, checkProblem } from './regression/data.js';
export {
  regressionExperiment,
  resolveRegressionOptions,
  runSeed,
  monotonicity,
  normalisedChanges,
  REGRESSION_DEFAULTS,
} from './regression/experiment.js';
export type {
  RegressionExperimentOptions,
  ResolvedRegression,
  RegressionExperiment,
  ExperimentRun,
  SeedResult,
  GfsMonotonicity,
} from './regression/experiment.js';
export { writeRegression, fig5aSvg, fig5bSvg, fig5cSvg } from './regression/figures.js';
export { MlpEngine } from './mlp/engine.js';
export type { Activation, MlpShape, MlpData } from './mlp/engine.js';
export { loadDigits, availableDigits } from './mlp/data.js';
export type {
  LanczosOptions,
  LanczosResult,
  FlowOptions,
  FlowResult,
  FlowStatus,
  GfsResult as MlpGfsResult,
} from './mlp/engine.js';
export {
  fcnetExperiment,
  resolveFcnetOptions,
  recordSteps,
  FCNET_DEFAULTS,
  type FcnetOptions,
  type ResolvedFcnet,
  type FcnetRun,
  type FcnetExperiment,
} from './mlp/experiment.js';
export { writeFcnet, fcnetFigureSvg } from './mlp/figures.js';
