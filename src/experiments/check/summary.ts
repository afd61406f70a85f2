/**
 * The summary of `eoslab check`: violation counts of Theorem 3.2 and Lemmas 3.10–3.12 over the runs
 * in 𝕊, Theorem 3.3 after the crossing of 2/η (theorem33.ts), the runs outside 𝕊 and their entry
 * into it, and Lemmas 3.13–3.14 over the GPGD points (Kreisler et al. 2023).
 */
import { decodeGpgdPoint, decodeRun, GPGD_STRIDE, RUN_STRIDE, type CheckRun } from './record.js';
import { CHECK_METHOD, CHECK_OPTIONS, CHECK_TOLERANCES, type ResolvedCheck } from './settings.js';
import { quantiles, type Quantiles, type ViolationCount } from './stats.js';
import { crossingLoss, theorem33Group, type Theorem33Group } from './theorem33.js';

export interface CheckSummary {
  inside: {
    runs: number;
    converged: number;
    maxSteps: number;
    diverged: number;
    noGfs: number;
    stepsChecked: number;
    /** Theorem 3.2: φ increased at some step. */
    theorem32Phi: ViolationCount;
    /** Theorem 3.2: an iterate left 𝕊. */
    theorem32Set: ViolationCount;
    /** Runs with either part of Theorem 3.2 violated. */
    theorem32Runs: number;
    lemma310: ViolationCount;
    lemma311: ViolationCount;
    lemma312: ViolationCount;
    /** Converged runs whose final S > (2/η)(1 + SHARPNESS_RTOL). */
    sharpness: { violations: number; checked: number; maxFinalOverThreshold: number };
    lemma312MaxRatio: number;
    maxA: number;
    membershipCertified: number;
    membershipReference: number;
  };
  outside: {
    runs: number;
    /** φ increased at some step while defined (the paper's point: 𝕊 is sufficient, not necessary). */
    phiNotMonotone: number;
    /** φ never increased and stayed defined (π > 0) along the whole run. */
    phiMonotone: number;
    /** φ never increased before GD reached π ≤ 0, where φ is undefined. */
    phiUndefined: number;
    diverged: number;
    maxSteps: number;
    /** Those with φ₀ > 2√2/η (𝕊's sharpness condition fails) and the rest (the product conditions). */
    sharpnessCondition: { runs: number; phiNotMonotone: number };
    productCondition: { runs: number; phiNotMonotone: number };
  };
  /** Theorem 3.3 on the runs in 𝕊 at t = 0. */
  theorem33: {
    /** Theorem 3.3's "small enough" loss at the crossing: the `small` group has max(L(t₀ − 1), L(t₀)) ≤ this. */
    smallLoss: number;
    /** The constant K of the final-gap bound (2/η − S∞)/(2/η) ≤ K·√max(L(t₀ − 1), L(t₀)) (ours). */
    gapConstant: number;
    /** Runs in 𝕊 at t = 0 with φ₀ > 2/η. */
    runs: number;
    crossed: number;
    /** φ still above 2/η at the last step. */
    notCrossed: number;
    /** Runs in 𝕊 at t = 0 with φ₀ ≤ 2/η (nothing to cross). */
    startedBelow: number;
    small: Theorem33Group;
    /** Loss at the crossing above the threshold: reported; the counters are not claimed (Fig 3/Fig 9). */
    large: Theorem33Group;
    /** Converged runs in 𝕊: |L(T)/L(T − 2) − (1 − ηS∞)⁴| > FINAL_RATE_ATOL. */
    finalRate: { checked: number; violations: number; maxDeviation: number };
  };
  /** Runs that start outside 𝕊 and do not diverge: when they enter 𝕊 and whether φ is monotone from then on. */
  entry: {
    runs: number;
    entered: number;
    neverEntered: number;
    /** Of those that never entered: runs that reached π ≤ 0 (φ undefined from there). */
    neverEnteredNoGfs: number;
    entryStep: Quantiles;
    /** φ increased at a step from the entry on (Theorem 3.2 says never). */
    phiNotMonotoneAfterEntry: ViolationCount;
    /** Runs whose φ increased before they entered 𝕊. */
    phiNotMonotoneBeforeEntry: number;
    membershipCertified: number;
    membershipReference: number;
  };
  /** Lemma 3.13 on the GPGD points (`ViolationCount.runs` counts points). */
  lemma313: {
    points: number;
    band: readonly [number, number] | null;
    margin: number;
    neighbourhood: number;
    reached: number;
    maxSteps: number;
    undefined: number;
    sign: ViolationCount;
    decay: ViolationCount;
    rate: { checked: number; violations: number; maxDeviation: number };
    maxRoomUsed: number;
    steps: Quantiles;
    /** Points with any violation (sign, decay, rate, GPGD undefined, budget exhausted). */
    violations: number;
  };
  /** Lemma 3.14 on the same points. */
  lemma314: {
    points: number;
    violations: number;
    /** Points with L(GD²(w)) ≤ L(GPGD²(w)). */
    gdNotLarger: number;
    /** L(GD²(w))/L(GPGD²(w)). */
    ratio: Quantiles;
    /** Largest |π(GD²(w)) − 1| − |π(GPGD²(w)) − 1| (the allowance is PRODUCT_ATOL). */
    maxExcess: number;
  };
}

export function summarize(
  r: Pick<ResolvedCheck, 'eta' | 'samples'> &
    Partial<Pick<ResolvedCheck, 'thm33SmallLoss' | 'thm33GapConstant' | 'gpgdBand' | 'gpgdNeighbourhood'>>,
  runs: Float64Array,
  gpgd: Float64Array = new Float64Array(0),
): CheckSummary {
  const viol = (): ViolationCount => ({ runs: 0, steps: 0 });
  const inside: CheckSummary['inside'] = {
    runs: 0,
    converged: 0,
    maxSteps: 0,
    diverged: 0,
    noGfs: 0,
    stepsChecked: 0,
    theorem32Phi: viol(),
    theorem32Set: viol(),
    theorem32Runs: 0,
    lemma310: viol(),
    lemma311: viol(),
    lemma312: viol(),
    sharpness: { violations: 0, checked: 0, maxFinalOverThreshold: 0 },
    lemma312MaxRatio: 0,
    maxA: 0,
    membershipCertified: 0,
    membershipReference: 0,
  };
  const outside: CheckSummary['outside'] = {
    runs: 0,
    phiNotMonotone: 0,
    phiMonotone: 0,
    phiUndefined: 0,
    diverged: 0,
    maxSteps: 0,
    sharpnessCondition: { runs: 0, phiNotMonotone: 0 },
    productCondition: { runs: 0, phiNotMonotone: 0 },
  };
  const smallLoss = r.thm33SmallLoss ?? CHECK_OPTIONS.thm33SmallLoss.default;
  const gapConstant = r.thm33GapConstant ?? CHECK_OPTIONS.thm33GapConstant.default;
  const entry: CheckSummary['entry'] = {
    runs: 0,
    entered: 0,
    neverEntered: 0,
    neverEnteredNoGfs: 0,
    entryStep: quantiles([]),
    phiNotMonotoneAfterEntry: viol(),
    phiNotMonotoneBeforeEntry: 0,
    membershipCertified: 0,
    membershipReference: 0,
  };
  const add = (c: ViolationCount, steps: number): void => {
    if (steps > 0) {
      c.runs++;
      c.steps += steps;
    }
  };
  const threshold = 2 / r.eta;
  const phiBound = (2 * Math.SQRT2) / r.eta;
  const small: CheckRun[] = [];
  const large: CheckRun[] = [];
  let aboveThreshold = 0;
  let notCrossed = 0;
  let startedBelow = 0;
  const finalRate = { checked: 0, violations: 0, maxDeviation: 0 };
  const entrySteps: number[] = [];
  const n = runs.length / RUN_STRIDE;
  for (let i = 0; i < n; i++) {
    const run = decodeRun(runs, i);
    if (run.inSet) {
      inside.runs++;
      inside.stepsChecked += run.steps;
      inside.membershipCertified += run.certifiedCalls;
      inside.membershipReference += run.referenceCalls;
      if (run.status === 'converged') inside.converged++;
      else if (run.status === 'diverged') inside.diverged++;
      else if (run.status === 'no-gfs') inside.noGfs++;
      else inside.maxSteps++;
      add(inside.theorem32Phi, run.phiIncreases);
      add(inside.theorem32Set, run.outsideSet);
      if (run.phiIncreases > 0 || run.outsideSet > 0) inside.theorem32Runs++;
      add(inside.lemma310, run.lemma310);
      add(inside.lemma311, run.lemma311);
      add(inside.lemma312, run.lemma312);
      if (run.status === 'converged') {
        inside.sharpness.checked++;
        if (run.sharpnessViolation) inside.sharpness.violations++;
        inside.sharpness.maxFinalOverThreshold = Math.max(
          inside.sharpness.maxFinalOverThreshold,
          (run.finalSharpness * r.eta) / 2,
        );
        if (run.steps >= 2 && run.finalLoss > 0 && Number.isFinite(run.lastTwoStepRatio)) {
          const deviation = Math.abs(run.lastTwoStepRatio - (1 - r.eta * run.finalSharpness) ** 4);
          finalRate.checked++;
          finalRate.maxDeviation = Math.max(finalRate.maxDeviation, deviation);
          if (!(deviation <= CHECK_TOLERANCES.FINAL_RATE_ATOL)) finalRate.violations++;
        }
      }
      inside.lemma312MaxRatio = Math.max(inside.lemma312MaxRatio, run.lemma312MaxRatio);
      inside.maxA = Math.max(inside.maxA, run.maxA);
      if (run.initialGfsSharpness > threshold) {
        aboveThreshold++;
        if (run.crossingStep < 0) notCrossed++;
        else if (crossingLoss(run) <= smallLoss) small.push(run);
        else large.push(run);
      } else {
        startedBelow++;
      }
    } else {
      outside.runs++;
      const increased = run.phiIncreases > 0;
      if (increased) outside.phiNotMonotone++;
      else if (run.status === 'no-gfs') outside.phiUndefined++;
      else outside.phiMonotone++;
      if (run.status === 'diverged') outside.diverged++;
      else if (run.status === 'max-steps') outside.maxSteps++;
      const part = run.initialGfsSharpness > phiBound ? outside.sharpnessCondition : outside.productCondition;
      part.runs++;
      if (increased) part.phiNotMonotone++;
      entry.membershipCertified += run.certifiedCalls;
      entry.membershipReference += run.referenceCalls;
      if (run.status !== 'diverged') {
        entry.runs++;
        if (run.entryStep >= 0) {
          entry.entered++;
          entrySteps.push(run.entryStep);
          add(entry.phiNotMonotoneAfterEntry, run.phiIncreasesAfterEntry);
        } else {
          entry.neverEntered++;
          if (run.status === 'no-gfs') entry.neverEnteredNoGfs++;
        }
        if (run.phiIncreases - run.phiIncreasesAfterEntry > 0) entry.phiNotMonotoneBeforeEntry++;
      }
    }
  }
  entry.entryStep = quantiles(entrySteps);
  const theorem33: CheckSummary['theorem33'] = {
    smallLoss,
    gapConstant,
    runs: aboveThreshold,
    crossed: small.length + large.length,
    notCrossed,
    startedBelow,
    small: theorem33Group(r.eta, gapConstant, small),
    large: theorem33Group(r.eta, gapConstant, large),
    finalRate,
  };
  return { inside, outside, theorem33, entry, ...summarizeGpgd(r, gpgd) };
}

/** Lemma 3.13 and 3.14 summaries of the GPGD points. */
function summarizeGpgd(
  r: Pick<ResolvedCheck, 'eta'> & Partial<Pick<ResolvedCheck, 'gpgdBand' | 'gpgdNeighbourhood'>>,
  gpgd: Float64Array,
): Pick<CheckSummary, 'lemma313' | 'lemma314'> {
  const lemma313: CheckSummary['lemma313'] = {
    points: 0,
    band: r.gpgdBand ?? null,
    margin: CHECK_METHOD.gpgdMargin,
    neighbourhood: r.gpgdNeighbourhood ?? CHECK_OPTIONS.gpgdNeighbourhood.default,
    reached: 0,
    maxSteps: 0,
    undefined: 0,
    sign: { runs: 0, steps: 0 },
    decay: { runs: 0, steps: 0 },
    rate: { checked: 0, violations: 0, maxDeviation: 0 },
    maxRoomUsed: Number.NEGATIVE_INFINITY,
    steps: quantiles([]),
    violations: 0,
  };
  const lemma314: CheckSummary['lemma314'] = {
    points: 0,
    violations: 0,
    gdNotLarger: 0,
    ratio: quantiles([]),
    maxExcess: Number.NEGATIVE_INFINITY,
  };
  const steps: number[] = [];
  const ratios: number[] = [];
  const n = gpgd.length / GPGD_STRIDE;
  for (let i = 0; i < n; i++) {
    const p = decodeGpgdPoint(gpgd, i);
    lemma313.points++;
    if (p.status === 'reached') lemma313.reached++;
    else if (p.status === 'max-steps') lemma313.maxSteps++;
    else lemma313.undefined++;
    steps.push(p.steps);
    if (p.signViolations > 0) {
      lemma313.sign.runs++;
      lemma313.sign.steps += p.signViolations;
    }
    if (p.decayViolations > 0) {
      lemma313.decay.runs++;
      lemma313.decay.steps += p.decayViolations;
    }
    if (Number.isFinite(p.rateDeviation)) {
      lemma313.rate.checked++;
      lemma313.rate.maxDeviation = Math.max(lemma313.rate.maxDeviation, p.rateDeviation);
    }
    if (p.rateViolation) lemma313.rate.violations++;
    if (p.steps > 0) lemma313.maxRoomUsed = Math.max(lemma313.maxRoomUsed, p.maxRoomUsed);
    if (p.signViolations > 0 || p.decayViolations > 0 || p.rateViolation || p.status !== 'reached') {
      lemma313.violations++;
    }
    lemma314.points++;
    if (p.lemma314Violation) lemma314.violations++;
    const excess = Math.abs(p.gdTwoStepError) - Math.abs(p.gpgdTwoStepError);
    if (Number.isFinite(excess)) lemma314.maxExcess = Math.max(lemma314.maxExcess, excess);
    const ratio = (p.gdTwoStepError / p.gpgdTwoStepError) ** 2;
    if (Number.isFinite(ratio)) {
      ratios.push(ratio);
      if (ratio <= 1) lemma314.gdNotLarger++;
    }
  }
  lemma313.steps = quantiles(steps);
  lemma314.ratio = quantiles(ratios);
  return { lemma313, lemma314 };
}
