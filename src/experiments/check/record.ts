/**
 * The record layout of `eoslab check`: the doubles per run written by the kernel theoremCheckRuns
 * (RUN_STRIDE, RUN_COLUMNS) and per point by gpgdLemmaChecks (GPGD_STRIDE, GPGD_COLUMNS), and their
 * decoding into named fields. The layout mirrors assembly/scalar/checks/theorems.ts; it is kept in
 * this one file so that it can be generated from the kernel's description.
 */

/** Doubles per run written by theoremCheckRuns (column meanings: RUN_COLUMNS). */
export const RUN_STRIDE = 31;
export const RUN_COLUMNS = [
  'in 𝕊 at t = 0',
  'status (0 converged, 1 diverged, 2 max steps, 3 π ≤ 0 reached)',
  'GD steps',
  'steps where φ increased',
  'iterates outside 𝕊',
  'Lemma 3.10 violations',
  'Lemma 3.11 violations',
  'Lemma 3.12 violations',
  'final S',
  'final φ',
  'initial φ',
  'initial π',
  'largest relative increase of φ',
  'membership tests decided by the reference kernel',
  'first violating step (−1 none)',
  'final loss',
  'converged with S > (2/η)(1 + SHARPNESS_RTOL)',
  'max (φ − φ⁺)/(C η² max(1, π²) L φ³)',
  'max aᵢ',
  'step checks ran',
  'crossing step t₀: first t ≥ 1 with φ(t − 1) > 2/η ≥ φ(t) (−1 none)',
  'L(t₀)',
  'L(t₀ − 1)',
  'φ(t₀)',
  'two-step loss decay rate after t₀: exp(2·slope) of a least-squares fit of log L(t) on the t ≥ t₀ with t − t₀ even',
  'steps t ≥ t₀ with L(t + 2) > L(t)(1 + LOSS_RTOL)',
  'max over t ≥ t₀ of L(t + 2)/L(t)',
  'last two-step loss ratio L(T)/L(T − 2)',
  'entry step into 𝕊 (0 in 𝕊 at t = 0, −1 none)',
  'φ increases from the entry step on',
  'membership tests certified by interval bounds',
] as const;

/** Doubles per point written by gpgdLemmaChecks (column meanings: GPGD_COLUMNS). */
export const GPGD_STRIDE = 12;
export const GPGD_COLUMNS = [
  'φ',
  'π₀ − 1',
  'status (0 |π − 1| ≤ B_STOP reached, 1 step budget reached, 2 GPGD undefined)',
  'GPGD steps',
  'Lemma 3.13 sign violations',
  'Lemma 3.13 decay violations (|π⁺ − 1| > ρ*|π − 1|, ρ* = (1 + |1 − ηφ|)/2)',
  'largest used fraction (r − |1 − ηφ|)/(1 − |1 − ηφ|) of the room between the local rate and 1',
  '|r − |1 − ηφ|| at the first |π − 1| ≤ B_RATE',
  'local rate violation (column 7 > RATE_ATOL)',
  'π(GD(GD(w))) − 1',
  'π(GPGD(GPGD(w))) − 1',
  'Lemma 3.14 violation (|π(GD²) − 1| > |π(GPGD²) − 1| + PRODUCT_ATOL, or GPGD² undefined)',
] as const;

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

const STATUS_NAMES = ['converged', 'diverged', 'max-steps', 'no-gfs'] as const;

export function decodeRun(runs: Float64Array, index: number): CheckRun {
  const o = index * RUN_STRIDE;
  const v = (c: number): number => runs[o + c] as number;
  return {
    inSet: v(0) === 1,
    checked: v(19) === 1,
    status: STATUS_NAMES[v(1)] ?? 'max-steps',
    steps: v(2),
    phiIncreases: v(3),
    outsideSet: v(4),
    lemma310: v(5),
    lemma311: v(6),
    lemma312: v(7),
    sharpnessViolation: v(16) === 1,
    finalSharpness: v(8),
    finalGfsSharpness: v(9),
    initialGfsSharpness: v(10),
    initialProduct: v(11),
    finalLoss: v(15),
    maxPhiIncrease: v(12),
    lemma312MaxRatio: v(17),
    maxA: v(18),
    referenceCalls: v(13),
    certifiedCalls: v(30),
    firstViolationStep: v(14),
    crossingStep: v(20),
    lossAtCrossing: v(21),
    lossBeforeCrossing: v(22),
    gfsSharpnessAtCrossing: v(23),
    decayRate: v(24),
    twoStepIncreases: v(25),
    maxTwoStepRatio: v(26),
    lastTwoStepRatio: v(27),
    entryStep: v(28),
    phiIncreasesAfterEntry: v(29),
  };
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

const GPGD_STATUS_NAMES = ['reached', 'max-steps', 'undefined'] as const;

export function decodeGpgdPoint(gpgd: Float64Array, index: number): GpgdPointCheck {
  const o = index * GPGD_STRIDE;
  const v = (c: number): number => gpgd[o + c] as number;
  return {
    gfsSharpness: v(0),
    initialError: v(1),
    status: GPGD_STATUS_NAMES[v(2)] ?? 'undefined',
    steps: v(3),
    signViolations: v(4),
    decayViolations: v(5),
    maxRoomUsed: v(6),
    rateDeviation: v(7),
    rateViolation: v(8) === 1,
    gdTwoStepError: v(9),
    gpgdTwoStepError: v(10),
    lemma314Violation: v(11) === 1,
  };
}
