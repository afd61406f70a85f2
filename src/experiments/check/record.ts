/**
 * The record layout of `eoslab check`, decoded into named fields. The layout is defined once, by
 * the enums CheckRunColumn and GpgdPointColumn of assembly/scalar/checks/ (generated into
 * src/wasm/abi.ts with the column descriptions); a status code outside its enum is an error.
 */
import {
  CHECK_RUN_COLUMNS,
  CHECK_RUN_STRIDE,
  CheckRunColumn as C,
  GPGD_POINT_COLUMNS,
  GPGD_POINT_STATUS_LABELS,
  GPGD_POINT_STRIDE,
  GpgdPointColumn as G,
  STATUS_LABELS,
} from '../../wasm/abi.js';
import { EoslabError } from '../../base/errors.js';
import { labelOf } from '../../wasm/decode.js';

/** Doubles per run written by theoremCheckRuns (column meanings: RUN_COLUMNS). */
export const RUN_STRIDE = CHECK_RUN_STRIDE;
export const RUN_COLUMNS = CHECK_RUN_COLUMNS;

/** Doubles per point written by gpgdLemmaChecks (column meanings: GPGD_COLUMNS). */
export const GPGD_STRIDE = GPGD_POINT_STRIDE;
export const GPGD_COLUMNS = GPGD_POINT_COLUMNS;

/** One run, decoded. */
export interface CheckRun {
  inSet: boolean;
  checked: boolean;
  status: 'converged' | 'diverged' | 'max-steps' | 'no-gfs';
  steps: number;
  phiIncreases: number;
  outsideSet: number;
  lemma310: number;
  lemma311: number;
  lemma312: number;
  sharpnessViolation: boolean;
  finalSharpness: number;
  finalGfsSharpness: number;
  initialGfsSharpness: number;
  initialProduct: number;
  finalLoss: number;
  maxPhiIncrease: number;
  lemma312MaxRatio: number;
  maxA: number;
  referenceCalls: number;
  certifiedCalls: number;
  firstViolationStep: number;
  /** Theorem 3.3: first t ≥ 1 with φ(t − 1) > 2/η ≥ φ(t); −1 none. */
  crossingStep: number;
  lossAtCrossing: number;
  lossBeforeCrossing: number;
  gfsSharpnessAtCrossing: number;
  /** exp(2·slope) of the least-squares fit of log L(t) on t ≥ t₀, t − t₀ even (NaN: < 2 points). */
  decayRate: number;
  /** Steps t ≥ t₀ with L(t + 2) > L(t)(1 + LOSS_RTOL). */
  twoStepIncreases: number;
  maxTwoStepRatio: number;
  /** L(T)/L(T − 2) at the last step T (NaN: T < 2 or π ≤ 0 reached). */
  lastTwoStepRatio: number;
  /** First step whose iterate is in 𝕊 (0: in 𝕊 at t = 0; −1 none). */
  entryStep: number;
  phiIncreasesAfterEntry: number;
}

export function decodeRun(runs: Float64Array, index: number): CheckRun {
  const o = index * RUN_STRIDE;
  const v = (c: number): number => runs[o + c] as number;
  const status = labelOf(STATUS_LABELS, v(C.status), 'check run status');
  if (status !== 'converged' && status !== 'diverged' && status !== 'max-steps' && status !== 'no-gfs') {
    throw labelError(status);
  }
  return {
    inSet: v(C.inInvariantSet) === 1,
    checked: v(C.checked) === 1,
    status,
    steps: v(C.steps),
    phiIncreases: v(C.phiIncreases),
    outsideSet: v(C.outsideSet),
    lemma310: v(C.lemma310),
    lemma311: v(C.lemma311),
    lemma312: v(C.lemma312),
    sharpnessViolation: v(C.sharpnessViolation) === 1,
    finalSharpness: v(C.finalSharpness),
    finalGfsSharpness: v(C.finalGfsSharpness),
    initialGfsSharpness: v(C.initialGfsSharpness),
    initialProduct: v(C.initialProduct),
    finalLoss: v(C.finalLoss),
    maxPhiIncrease: v(C.maxPhiIncrease),
    lemma312MaxRatio: v(C.lemma312MaxRatio),
    maxA: v(C.maxA),
    referenceCalls: v(C.referenceCalls),
    certifiedCalls: v(C.certifiedCalls),
    firstViolationStep: v(C.firstViolationStep),
    crossingStep: v(C.crossingStep),
    lossAtCrossing: v(C.lossAtCrossing),
    lossBeforeCrossing: v(C.lossBeforeCrossing),
    gfsSharpnessAtCrossing: v(C.gfsSharpnessAtCrossing),
    decayRate: v(C.decayRate),
    twoStepIncreases: v(C.twoStepIncreases),
    maxTwoStepRatio: v(C.maxTwoStepRatio),
    lastTwoStepRatio: v(C.lastTwoStepRatio),
    entryStep: v(C.entryStep),
    phiIncreasesAfterEntry: v(C.phiIncreasesAfterEntry),
  };
}

/** A run status the check kernel never writes (non-finite, ok). */
function labelError(status: string): EoslabError {
  return new EoslabError('E_WASM', `check run status "${status}" is not one the theorem-check kernel writes`);
}

/** One Lemma 3.13/3.14 point, decoded. */
export interface GpgdPointCheck {
  gfsSharpness: number;
  /** π₀ − 1. */
  initialError: number;
  status: 'reached' | 'max-steps' | 'undefined';
  steps: number;
  signViolations: number;
  decayViolations: number;
  /** Largest (r − |1 − ηφ|)/(1 − |1 − ηφ|) over the steps (the claim is ≤ ½). */
  maxRoomUsed: number;
  /** |r − |1 − ηφ|| at the first |π − 1| ≤ B_RATE (NaN: not reached). */
  rateDeviation: number;
  rateViolation: boolean;
  /** π(GD(GD(w))) − 1 and π(GPGD(GPGD(w))) − 1. */
  gdTwoStepError: number;
  gpgdTwoStepError: number;
  lemma314Violation: boolean;
}

export function decodeGpgdPoint(gpgd: Float64Array, index: number): GpgdPointCheck {
  const o = index * GPGD_STRIDE;
  const v = (c: number): number => gpgd[o + c] as number;
  return {
    gfsSharpness: v(G.gfsSharpness),
    initialError: v(G.initialError),
    status: labelOf(GPGD_POINT_STATUS_LABELS, v(G.status), 'GPGD point status') as GpgdPointCheck['status'],
    steps: v(G.steps),
    signViolations: v(G.signViolations),
    decayViolations: v(G.decayViolations),
    maxRoomUsed: v(G.maxRoomUsed),
    rateDeviation: v(G.rateDeviation),
    rateViolation: v(G.rateViolation) === 1,
    gdTwoStepError: v(G.gdTwoStepError),
    gpgdTwoStepError: v(G.gpgdTwoStepError),
    lemma314Violation: v(G.lemma314Violation) === 1,
  };
}
