/**
 * The report of `eoslab check`: the readable table of violation counts and statistics, and the
 * JSON report (the summary without the per-run arrays).
 */
import type { CheckResult } from './check.js';
import { GPGD_DISTRIBUTION } from './sampling.js';
import { CHECK_TOLERANCES } from './settings.js';
import type { Quantiles } from './stats.js';

const pct = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '—');

/** 3 significant digits, '—' for NaN. */
const g3 = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '—');
/** median [p10, p90], max. */
const spread = (q: Quantiles): string =>
  q.count === 0 ? '—' : `median ${g3(q.median)} [p10 ${g3(q.p10)}, p90 ${g3(q.p90)}], max ${g3(q.max)}`;

/** The readable report. */
export function formatCheckTable(r: CheckResult): string {
  const s = r.summary;
  const i = s.inside;
  const o = s.outside;
  const t = s.theorem33;
  const a = t.small;
  const b = t.large;
  const e = s.entry;
  const l3 = s.lemma313;
  const l4 = s.lemma314;
  const T = CHECK_TOLERANCES;
  const lc = `Lc ≤ ${g3(t.smallLoss)}`;
  const rows: [string, string, string][] = [
    ['Theorem 3.2: φ(w⁺) ≤ φ(w)', String(i.theorem32Phi.runs), String(i.theorem32Phi.steps)],
    ['Theorem 3.2: w⁺ ∈ 𝕊', String(i.theorem32Set.runs), String(i.theorem32Set.steps)],
    ['Lemma 3.10: GD(w) ⪯_b w', String(i.lemma310.runs), String(i.lemma310.steps)],
    ['Lemma 3.11: all aᵢ < 1 (signs kept)', String(i.lemma311.runs), String(i.lemma311.steps)],
    [`Lemma 3.12: φ⁺ ≥ φ − ${r.lemma312Constant}η²max(1,π²)Lφ³`, String(i.lemma312.runs), String(i.lemma312.steps)],
    ['final S ≤ 2/η (converged runs)', String(i.sharpness.violations), '—'],
    [
      `Theorem 3.3, ${lc}: L(t + 2) ≤ L(t) for t ≥ t₀`,
      String(a.twoStepIncreases.runs),
      String(a.twoStepIncreases.steps),
    ],
    [`Theorem 3.3, ${lc}: two-step decay rate < 1`, String(a.rateNotBelowOne), '—'],
    [`Theorem 3.3, ${lc}: no divergence, π stays > 0`, String(a.failed), '—'],
    [`Theorem 3.3, ${lc}: (2/η − S∞)/(2/η) ≤ ${t.gapConstant}·√Lc`, String(a.gapAboveBound), '—'],
    [`L(T)/L(T − 2) = (1 − ηS∞)⁴ ± ${T.FINAL_RATE_ATOL} (converged)`, String(t.finalRate.violations), '—'],
  ];
  const gpgdRows: [string, string, string][] = [
    ['Lemma 3.13: π − 1 changes sign every step', String(l3.sign.runs), String(l3.sign.steps)],
    ['Lemma 3.13: |π⁺ − 1| ≤ ρ*|π − 1|, ρ* = (1 + |1 − ηφ|)/2', String(l3.decay.runs), String(l3.decay.steps)],
    [`Lemma 3.13: local rate = |1 − ηφ| ± ${T.RATE_ATOL}`, String(l3.rate.violations), '—'],
    [`Lemma 3.13: reaches |π − 1| ≤ ${T.B_STOP} (GPGD defined)`, String(l3.maxSteps + l3.undefined), '—'],
    [`Lemma 3.14: |π(GD²) − 1| ≤ |π(GPGD²) − 1| + 64ε`, String(l4.violations), '—'],
  ];
  const entryRows: [string, string, string][] = [
    [
      'Theorem 3.2 after entry: φ(w⁺) ≤ φ(w)',
      String(e.phiNotMonotoneAfterEntry.runs),
      String(e.phiNotMonotoneAfterEntry.steps),
    ],
  ];
  const all = [...rows, ...gpgdRows, ...entryRows];
  const w0 = Math.max(...all.map((x) => x[0].length)) + 2;
  const row = ([x, y, z]: [string, string, string]): string => `${x.padEnd(w0)}${y.padStart(8)}${z.padStart(10)}`;
  const header = (title: string, unit: string): string =>
    `${title.padEnd(w0)}${unit.padStart(8)}${'steps'.padStart(10)}`;
  const band = l3.band;
  const lines = [
    `eoslab check: D = ${r.depth}, η = ${r.eta} (2/η = ${2 / r.eta}), ${r.samples} samples, seed ${r.seed}, ≤ ${r.steps} GD steps, converged when L < ${r.tol}`,
    '',
    `in 𝕊 at t = 0: ${i.runs} runs (${pct(i.runs, r.samples)}), ${i.stepsChecked} GD steps checked`,
    `  converged ${i.converged}, not converged in ${r.steps} steps ${i.maxSteps}, diverged ${i.diverged}, π ≤ 0 reached ${i.noGfs}`,
    '',
    header('violations (runs in 𝕊)', 'runs'),
    ...rows.map(row),
    header('violations (GPGD points)', 'points'),
    ...gpgdRows.map(row),
    header('violations (runs entering 𝕊)', 'runs'),
    ...entryRows.map(row),
    '',
    `Theorem 3.2 violated in ${i.theorem32Runs} of ${i.runs} runs`,
    `largest final S/(2/η) of a converged run: ${i.sharpness.maxFinalOverThreshold.toPrecision(8)} (${i.sharpness.checked} converged runs)`,
    `Lemma 3.12: largest used fraction of the bound (φ − φ⁺)/(C η² max(1,π²) L φ³) = ${i.lemma312MaxRatio.toPrecision(4)}`,
    `Lemma 3.11: largest aᵢ = ${i.maxA.toPrecision(6)}`,
    `membership of iterates: ${i.membershipCertified} certified by interval bounds, ${i.membershipReference} decided by the reference kernel`,
    '',
    `Theorem 3.3: ${t.runs} runs in 𝕊 start with φ₀ > 2/η; φ crossed 2/η in ${t.crossed}, not within ${r.steps} steps in ${t.notCrossed}; ${t.startedBelow} start at φ₀ ≤ 2/η`,
    `  Lc = max(L(t₀ − 1), L(t₀)) ≤ ${g3(t.smallLoss)}: ${a.runs} runs, converged ${a.converged}, not converged in ${r.steps} steps ${a.maxSteps}`,
    `    t₀ ${spread(a.crossingStep)}; L(t₀) ${spread(a.lossAtCrossing)}`,
    `    final gap (2/η − S∞)/(2/η) ${spread(a.finalGap)}`,
    `      = gap at t₀ ${spread(a.gapAtCrossing)}`,
    `      + drop of φ after t₀ ${spread(a.dropAfterCrossing)}`,
    `    two-step loss decay rate after t₀ ${spread(a.decayRate)}; largest L(t + 2)/L(t) ${g3(a.maxTwoStepRatio)}`,
    `    largest final gap/√Lc ${g3(a.maxGapOverSqrtLoss)} (bound ${t.gapConstant}); largest drop/√L(t₀) ${g3(a.maxDropOverSqrtLoss)}; log-log slope of the drop on L(t₀) ${g3(a.dropLogSlope)}`,
    `  Lc > ${g3(t.smallLoss)} (reported, not counted): ${b.runs} runs, converged ${b.converged}; final gap ${spread(b.finalGap)}`,
    `    violations of the counters above if they were applied: ${b.violations} runs; largest drop/√L(t₀) ${g3(b.maxDropOverSqrtLoss)}`,
    `  at convergence (${t.finalRate.checked} runs): largest |L(T)/L(T − 2) − (1 − ηS∞)⁴| = ${g3(t.finalRate.maxDeviation)}`,
    '',
    `outside 𝕊 at t = 0: ${o.runs} runs; φ not monotone along GD in ${o.phiNotMonotone} (${pct(o.phiNotMonotone, o.runs)})`,
    `  φ monotone ${o.phiMonotone}; φ monotone until GD reached π ≤ 0 (φ undefined after) ${o.phiUndefined}; diverged ${o.diverged}, not converged ${o.maxSteps}`,
    `  φ₀ > 2√2/η: ${o.sharpnessCondition.runs} runs, φ not monotone in ${o.sharpnessCondition.phiNotMonotone}; 𝕊's product conditions fail: ${o.productCondition.runs} runs, φ not monotone in ${o.productCondition.phiNotMonotone}`,
    `  entry into 𝕊 (${e.runs} runs that do not diverge): entered ${e.entered}, at step ${spread(e.entryStep)}; never ${e.neverEntered} (π ≤ 0 reached in ${e.neverEnteredNoGfs})`,
    `  φ increased before the entry in ${e.phiNotMonotoneBeforeEntry} runs, after it in ${e.phiNotMonotoneAfterEntry.runs}; membership tests ${e.membershipCertified} certified, ${e.membershipReference} by the reference kernel`,
    '',
    band === null
      ? `GPGD points (Lemmas 3.13, 3.14): none, the band (2 − ${l3.margin})/η ≤ max(D, (1 + ${l3.margin})/η) is empty`
      : `GPGD points (Lemmas 3.13, 3.14): ${l3.points}, φ ∈ [${g3(band[0])}, ${g3(band[1])}], |π₀ − 1| ≤ ${l3.neighbourhood}·min(ηφ − 1, 2 − ηφ)`,
    `  GPGD steps to |π − 1| ≤ ${T.B_STOP}: ${spread(l3.steps)}; largest used fraction of the room (r − |1 − ηφ|)/(1 − |1 − ηφ|) ${g3(l3.maxRoomUsed)} (claim ≤ 0.5); largest |r − |1 − ηφ|| ${g3(l3.rate.maxDeviation)}`,
    `  Lemma 3.14: L(GD²)/L(GPGD²) min ${g3(l4.ratio.min)}, p01 ${g3(l4.ratio.p01)}, median ${g3(l4.ratio.median)}, p99 ${g3(l4.ratio.p99)}, max ${l4.ratio.count > 0 ? l4.ratio.max.toPrecision(10) : '—'}; ≤ 1 in ${l4.gdNotLarger} of ${l4.points}; largest |π(GD²) − 1| − |π(GPGD²) − 1| = ${g3(l4.maxExcess)}`,
    '',
    `tolerances: φ ${T.PHI_RTOL.toExponential()} rel, balances ${T.BALANCE_RTOL.toExponential()}·max w², aᵢ < 1 + ${T.SIGN_RTOL.toExponential()}, final S ≤ (2/η)(1 + ${T.SHARPNESS_RTOL.toExponential()}), two-step loss ${T.LOSS_RTOL.toExponential()} rel`,
    `samples: ${r.distribution}`,
    `GPGD points: ${GPGD_DISTRIBUTION}`,
    `wall time ${r.wallSeconds.toFixed(2)} s, ${r.workers} worker${r.workers === 1 ? '' : 's'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The JSON report (no per-run arrays). */
export function checkReport(r: CheckResult): Record<string, unknown> {
  return {
    depth: r.depth,
    eta: r.eta,
    samples: r.samples,
    seed: r.seed,
    steps: r.steps,
    tol: r.tol,
    divergeAt: r.divergeAt,
    lemma312Constant: r.lemma312Constant,
    workers: r.workers,
    distribution: r.distribution,
    gpgdDistribution: GPGD_DISTRIBUTION,
    tolerances: r.tolerances,
    ...r.summary,
    wallSeconds: r.wallSeconds,
  };
}
