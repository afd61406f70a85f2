/**
 * The summary numbers of a network run (the CLI table, --json, summary.csv, the manifest): where S
 * meets 2/η, φ's first and last values and how often it rose, the flow threshold's margin below
 * GD's losses, the flows' lengths and the threshold-sensitivity report.
 */
import type { NetRun } from './results.js';

/** The last record whose flow converged: its step and φ / (2/η) (NaN, NaN when there is none). */
export function lastConverged(run: NetRun): { step: number; ratio: number } {
  const r = run.records;
  for (let k = r.step.length - 1; k >= 0; k--) {
    if (r.gfsStatus[k] === 'converged') {
      return { step: r.step[k] as number, ratio: ((r.gfsSharpness[k] as number) * run.eta) / 2 };
    }
  }
  return { step: Number.NaN, ratio: Number.NaN };
}

/** Largest finite entry (NaN when there is none). */
export function finiteMax(values: ArrayLike<number>): number {
  let m = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && !(v <= m)) m = v;
  }
  return m;
}

/** Smallest finite entry (NaN when there is none). */
export function finiteMin(values: ArrayLike<number>): number {
  let m = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && !(v >= m)) m = v;
  }
  return m;
}

/** One row of the threshold-sensitivity report. */
export interface SensitivityRow {
  step: number;
  /** φ with the flow stopped at L < τ, and at L < τ/10 (continued). */
  gfsSharpness: number;
  lowGfsSharpness: number;
  /** (φ(τ/10) − φ(τ)) / φ(τ). */
  relativeChange: number;
  lowThreshold: number;
  /** The continuation's status and RK4 steps (beyond the first flow's). */
  status: string;
  flowSteps: number;
  extraFlowSteps: number;
}

/** Summary numbers of one run (also in the manifest and the CLI table). */
export function runSummary(
  run: NetRun,
  e: { readonly lossThreshold: number },
): {
  activation: string;
  eta: number;
  status: string;
  steps: number;
  finalLoss: number;
  minLoss: number;
  minLossStep: number;
  /** min over the window of GD's loss / the flow threshold (≥ 10 wanted: the threshold well below). */
  lossOverThreshold: number;
  maxSharpnessOverThreshold: number;
  firstStepAtThreshold: number;
  gfsConverged: number;
  gfsRecords: number;
  gfsIncreases: number;
  /** Fewest and most RK4 steps of a flow (0 would mean φ = S by construction). */
  minFlowSteps: number;
  maxFlowSteps: number;
  firstGfsSharpness: number;
  lastGfsSharpness: number;
  /** The last record whose flow converged, and its φ / (2/η). */
  lastConvergedStep: number;
  lastGfsOverThreshold: number;
  sensitivity: SensitivityRow[];
} {
  const r = run.records;
  const threshold = 2 / run.eta;
  const trace = run.sharpnessTrace;
  let firstAt = Number.NaN;
  for (let k = 0; k < trace.step.length; k++) {
    if ((trace.sharpness[k] as number) >= 0.95 * threshold) {
      firstAt = trace.step[k] as number;
      break;
    }
  }
  const phis = Array.from(r.gfsSharpness).filter((_, k) => r.gfsStatus[k] === 'converged');
  let increases = 0;
  for (let k = 1; k < phis.length; k++) if ((phis[k] as number) > (phis[k - 1] as number)) increases++;
  const last = lastConverged(run);
  const minLoss = finiteMin(run.loss);
  const sensitivity: SensitivityRow[] = [];
  r.sensitivity.forEach((c, k) => {
    if (c === null) return;
    const phi = r.gfsSharpness[k] as number;
    sensitivity.push({
      step: r.step[k] as number,
      gfsSharpness: phi,
      lowGfsSharpness: c.gfsSharpness,
      relativeChange: (c.gfsSharpness - phi) / phi,
      lowThreshold: c.threshold,
      status: c.status,
      flowSteps: r.flowSteps[k] as number,
      extraFlowSteps: c.flowSteps,
    });
  });
  return {
    activation: run.activation,
    eta: run.eta,
    status: run.status,
    steps: run.steps,
    finalLoss: run.loss[run.steps] as number,
    minLoss,
    minLossStep: Number.isFinite(minLoss) ? run.loss.indexOf(minLoss) : Number.NaN,
    lossOverThreshold: minLoss / e.lossThreshold,
    maxSharpnessOverThreshold: finiteMax(run.sharpnessTrace.sharpness) / threshold,
    firstStepAtThreshold: firstAt,
    gfsConverged: phis.length,
    gfsRecords: r.step.length,
    gfsIncreases: increases,
    minFlowSteps: finiteMin(r.flowSteps),
    maxFlowSteps: finiteMax(r.flowSteps),
    firstGfsSharpness: r.step.length > 0 ? (r.gfsSharpness[0] as number) : Number.NaN,
    lastGfsSharpness: r.step.length > 0 ? (r.gfsSharpness[r.step.length - 1] as number) : Number.NaN,
    lastConvergedStep: last.step,
    lastGfsOverThreshold: last.ratio,
    sensitivity,
  };
}
