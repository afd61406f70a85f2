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
  TRAJECTORY_OPTIONS,
  SHARPNESS_OPTIONS,
  GRADIENT_FLOW_OPTIONS,
  FAMILY_DEPTH,
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
export { ScalarEngine, TRAJECTORY_CHUNK_ROWS } from './engines/scalar.js';
export type { GfsResult, InvariantSetResult, TrajectoryArrays } from './engines/scalar.js';
export type { WasmExports, Ptr } from './wasm/abi.js';
export { Status, STATUS_LABELS, statusLabel } from './wasm/status.js';
export type { StatusName, StatusCode } from './wasm/status.js';
export { EoslabError } from './base/errors.js';
export type { ErrorCode } from './base/errors.js';
export { TRAJECTORY_PRESETS, HEATMAP_PRESETS, trajectoryPreset, heatmapPreset } from './base/presets.js';
export { OPTIONS } from './base/options.js';
export type { OptionSpec } from './base/options.js';
export { defineOptions, resolveOptions, defaultsOf, derived, DerivedDefault } from './base/optionSet.js';
export type { OptionEntry, OptionSet, Resolved, Defaults } from './base/optionSet.js';
export { wasmHash, wasmPath, instantiate, wasmModule, loadWasmModule, Arena } from './wasm/module.js';
export type { RawExports } from './wasm/module.js';
export {
  resolveHeatmapOptions,
  HEATMAP_OPTIONS,
  MAX_CELLS,
  checkMemory,
  memoryBudget,
  BYTES_PER_CELL,
  DEFAULT_RESOLUTION,
} from './experiments/heatmap/resolve.js';
export type { HeatmapOptions, ResolvedHeatmap, SliceOptions } from './experiments/heatmap/resolve.js';
export { heatmap, runHeatmap, heatmapResult, INVARIANT_CLASSES } from './experiments/heatmap/heatmap.js';
export type { HeatmapResult } from './experiments/heatmap/heatmap.js';
export { heatmapSvg, invariantSetSvg } from './experiments/heatmap/figures.js';
export { writeHeatmap } from './experiments/heatmap/writer.js';
export type { GridSpec, FamilyGrid, SliceGrid, RunSpec, MapKind, KernelKind } from './experiments/heatmap/grid.js';
export { SweepPool } from './experiments/heatmap/sweep.js';
export type { SweepArrays, SharpnessArrays, InvariantSetArrays } from './experiments/heatmap/sweep.js';
export {
  stableSet,
  resolveStableSetOptions,
  STABLE_SET_OPTIONS,
  STABLE_SET_CLASSES,
  ROOT_RTOL,
  DERIVED_NON_MINIMUM_LOSS_INFIMUM,
} from './experiments/stableSet/stableSet.js';
export { stableSetSvg, stableSetLossSvg } from './experiments/stableSet/figure.js';
export { writeStableSet } from './experiments/stableSet/writer.js';
export type {
  StableSetOptions,
  StableSetResult,
  StableSetZero,
  StableSetArrays,
  ResolvedStableSet,
  SmallestLoss,
} from './experiments/stableSet/stableSet.js';
export { check, runCheck, type CheckResult } from './experiments/check/check.js';
export {
  resolveCheckOptions,
  CHECK_OPTIONS,
  CHECK_METHOD,
  CHECK_TOLERANCES,
  type CheckOptions,
  type ResolvedCheck,
} from './experiments/check/settings.js';
export { drawCheckSample, drawGpgdPoint } from './experiments/check/sampling.js';
export {
  decodeRun as decodeCheckRun,
  decodeGpgdPoint,
  RUN_COLUMNS,
  GPGD_COLUMNS,
  type CheckRun,
  type GpgdPointCheck,
} from './experiments/check/record.js';
export {
  checkTrajectory,
  certifiedMember,
  gpgdLemmaCheck,
  verifyGpgdOrbit,
  type CheckTrajectoryOptions,
  type OrbitVerification,
} from './experiments/check/pointChecks.js';
export { summarize as summarizeCheck, type CheckSummary } from './experiments/check/summary.js';
export type { Theorem33Group } from './experiments/check/theorem33.js';
export type { Quantiles } from './experiments/check/stats.js';
export { formatCheckTable, checkReport } from './experiments/check/report.js';
export { writeCheck } from './experiments/check/writer.js';
export { thm33Points, thm33Figure, type Thm33Points, type Thm33FigureInfo } from './experiments/check/figure.js';
export {
  bifurcationOverPhi,
  bifurcationFromPoints,
  gpgdOrbit,
  detectPeriod,
  gpgdMap1dDerivative,
  resolvePhiAxisOptions,
} from './experiments/bifurcation/orbits.js';
export { sliceBifurcation, sliceFixedCMap, quasistaticSliceMap } from './experiments/bifurcation/slice.js';
export { gdIterates } from './experiments/bifurcation/gdRun.js';
export {
  resolveOrbitSettings,
  OrbitStatus,
  ORBIT_STATUS_LABELS,
  orbitStatusLabel,
  ORBIT_OPTIONS,
  AXIS_OPTIONS,
  MAX_ORBIT_VALUES,
} from './experiments/bifurcation/settings.js';
export type { BifurcationResult, SliceModel } from './experiments/bifurcation/chunks.js';
export type { OrbitSettings, OrbitOptions, OrbitMethod } from './experiments/bifurcation/settings.js';
export type { PhiAxisOptions, PointsOptions, Orbit } from './experiments/bifurcation/orbits.js';
export type { SliceBifurcationOptions } from './experiments/bifurcation/slice.js';
export { RegressionEngine } from './engines/regression.js';
export type { RegressionProblem, GfsSolution, RegressionRun } from './engines/regression.js';
export { flattestSharpness, FLAT_OPTIONS } from './experiments/regression/flat.js';
export type { FlatProblem, FlatOptions, FlatResult, FlatCertificate } from './experiments/regression/flat.js';
export { syntheticData } from './experiments/regression/data.js';
export { checkProblem } from './engines/regressionProblem.js';
export {
  regressionExperiment,
  resolveRegressionOptions,
  runSeed,
  monotonicity,
  normalisedChanges,
  REGRESSION_OPTIONS,
} from './experiments/regression/experiment.js';
export type {
  RegressionExperimentOptions,
  ResolvedRegression,
  RegressionExperiment,
  ExperimentRun,
  SeedResult,
  GfsMonotonicity,
} from './experiments/regression/experiment.js';
export { writeRegression, fig5aSvg, fig5bSvg, fig5cSvg } from './experiments/regression/figures.js';
export { MlpEngine } from './engines/mlp.js';
export type { Activation, MlpShape, MlpData } from './engines/mlp.js';
export { loadDigits, type DigitsData } from './data/digits.js';
export { availableDigits } from './data/mnist.js';
export { loadImages, inspectImages, resolveImageRequest } from './data/images.js';
export type { ImageRequest, ResolvedImageRequest, ImageSet, ImageSetShape } from './data/images.js';
export { parseDataSpec, type DataSpec } from './base/dataSpec.js';
export { MlpSolver, NetworkSolver } from './engines/mlpSolver.js';
export type {
  LanczosOptions,
  LanczosResult,
  FlowOptions,
  FlowResult,
  FlowStatus,
  GfsResult as MlpGfsResult,
} from './engines/mlpSolver.js';
export { LocalBatch, shardRanges, defaultShards, MAX_SHARDS } from './engines/mlpBatch.js';
export type { MlpBatch, MlpProblem, NetworkBatch, Precision, ShardKernels } from './engines/mlpBatch.js';
export { createMlpSolver, TeamBatch } from './pool/mlpTeam.js';
export type { MlpSolverOptions } from './pool/mlpTeam.js';
export { ConvEngine } from './engines/conv/engine.js';
export type { ConvEngineOptions } from './engines/conv/engine.js';
export { ConvReference } from './engines/conv/referenceNet.js';
export { ConvBatch } from './engines/conv/batch.js';
export { layoutOf, initialConvParameters } from './engines/conv/spec.js';
export type { ConvNetSpec, ConvLayer, ConvData, ConvLayout, TensorShape } from './engines/conv/spec.js';
export {
  netArchitecture,
  initialArchitectureParameters,
  ARCHITECTURES,
  type ArchitectureName,
  type ArchitectureOptions,
  type NetArchitecture,
} from './engines/conv/architectures.js';
export { ConvTeam } from './pool/convTeam.js';
export {
  netExperiment,
  resolveNetOptions,
  fcnetExperiment,
  resolveFcnetOptions,
  recordSteps,
  NET_OPTIONS,
  ARCH_DEFAULTS,
  type NetOptions,
  type FcnetOptions,
  type ResolvedNet,
  type NetRun,
  type NetExperiment,
} from './experiments/net/experiment.js';
export { NET_ARCHITECTURES, type NetArchitectureName } from './experiments/net/tasks.js';
export { writeNet, netFigureSvg, figureStems } from './experiments/net/figures.js';
export {
  paperFigureExperiment,
  paperFigureSvg,
  writePaperFigure,
  resolvePaperFigure,
  FIGURE_NETWORKS,
  type PaperFigure,
  type PaperFigureOptions,
  type PaperFigureExperiment,
} from './experiments/net/paperFigure.js';
