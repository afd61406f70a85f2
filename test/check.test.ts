/**
 * `eoslab check`: no violations of Theorems 3.2, 3.3 / Lemmas 3.10–3.14 where their hypotheses
 * hold, every depth runs, determinism for any worker count, planted violations that every counter
 * must catch, the certified membership test against the reference kernel, the per-step and per-run
 * quantities against plain-TypeScript references (and, for GPGD on Zhu's slice, the closed-form
 * fixed-c map and its rate |1 − ηφ|), and the command's output and errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gdStep, gfsSharpness, inInvariantSet, initFromGfsSharpness } from '../src/api.js';
import { check, type CheckResult } from '../src/experiments/check/check.js';
import {
  certifiedMember,
  checkTrajectory,
  gpgdLemmaCheck,
  verifyGpgdOrbit,
} from '../src/experiments/check/pointChecks.js';
import { GPGD_STRIDE, RUN_STRIDE, decodeRun } from '../src/experiments/check/record.js';
import { drawCheckSample, drawGpgdPoint } from '../src/experiments/check/sampling.js';
import { CHECK_TOLERANCES, resolveCheckOptions } from '../src/experiments/check/settings.js';
import { quantiles } from '../src/experiments/check/stats.js';
import { summarize } from '../src/experiments/check/summary.js';
import { parseCommandArgs, type CliIo } from '../src/cli/args.js';
import { checkCommand } from '../src/cli/commands/check.js';
import { refGdStep, refGfsSharpness, refProduct, relativeError } from './helpers/reference.js';

/** Agreement of the kernel's per-run extrema with the TypeScript reference (relative). */
const EXTREMUM_RTOL = 1e-6;

const insideViolations = (r: CheckResult): number => {
  const i = r.summary.inside;
  return (
    i.theorem32Phi.steps +
    i.theorem32Set.steps +
    i.lemma310.steps +
    i.lemma311.steps +
    i.lemma312.steps +
    i.sharpness.violations
  );
};

/** Every counter of Theorem 3.3 (small-loss group), the entry check and Lemmas 3.13–3.14. */
const newViolations = (r: CheckResult): number => {
  const s = r.summary;
  return (
    s.theorem33.small.violations +
    s.theorem33.finalRate.violations +
    s.entry.phiNotMonotoneAfterEntry.steps +
    s.lemma313.violations +
    s.lemma314.violations
  );
};

/** L = ½(π − 1)² with π a left fold (an independent route from the kernel's product). */
const lossOf = (w: ArrayLike<number>): number => 0.5 * (refProduct(w) - 1) ** 2;

describe('eoslab check: the theorems hold inside 𝕊', () => {
  it('D = 4, η = 0.1: 0 violations of Theorem 3.2 and the lemmas on a few hundred samples', async () => {
    const r = await check({ depth: 4, eta: 0.1, samples: 400, seed: 11, workers: 0 });
    const i = r.summary.inside;
    expect(i.runs).toBeGreaterThan(150);
    expect(r.summary.outside.runs).toBeGreaterThan(100);
    expect(i.runs + r.summary.outside.runs).toBe(400);
    expect(i.stepsChecked).toBeGreaterThan(50_000);
    expect(i.theorem32Runs).toBe(0);
    expect(insideViolations(r)).toBe(0);
    expect(i.converged).toBeGreaterThan(0.9 * i.runs);
    // the edge of stability: some converged runs end just below 2/η, none above
    expect(i.sharpness.maxFinalOverThreshold).toBeGreaterThan(0.99);
    expect(i.sharpness.maxFinalOverThreshold).toBeLessThanOrEqual(1 + CHECK_TOLERANCES.SHARPNESS_RTOL);
    expect(i.maxA).toBeLessThan(1);
    expect(i.lemma312MaxRatio).toBeLessThan(1);
    // outside 𝕊, φ is sometimes not monotone (𝕊 is sufficient, not necessary) — and often it is
    expect(r.summary.outside.phiNotMonotone).toBeGreaterThan(0);
    expect(r.summary.outside.phiMonotone).toBeGreaterThan(0);
    // Theorem 3.3, the entry into 𝕊, Lemmas 3.13 and 3.14: populations present, no violations
    const t = r.summary.theorem33;
    expect(t.small.runs).toBeGreaterThan(5);
    expect(t.large.runs).toBeGreaterThan(5);
    expect(t.crossed).toBe(t.small.runs + t.large.runs);
    expect(t.runs).toBe(t.crossed + t.notCrossed);
    expect(t.runs + t.startedBelow).toBe(i.runs);
    expect(t.finalRate.checked).toBe(i.converged);
    expect(t.small.maxGapOverSqrtLoss).toBeGreaterThan(0.05);
    expect(t.small.decayRate.max).toBeLessThan(1);
    expect(r.summary.entry.entered).toBeGreaterThan(20);
    expect(r.summary.entry.phiNotMonotoneBeforeEntry).toBeGreaterThan(0);
    expect(r.summary.lemma313.points).toBe(400);
    expect(r.summary.lemma313.maxRoomUsed).toBeGreaterThan(0.05);
    expect(r.summary.lemma313.maxRoomUsed).toBeLessThan(0.5);
    expect(r.summary.lemma314.ratio.min).toBeLessThan(0.999);
    expect(newViolations(r)).toBe(0);
  });

  it('runs for D = 2, 3, 5, 8', async () => {
    for (const depth of [2, 3, 5, 8]) {
      const r = await check({ depth, eta: 0.1, samples: 120, seed: depth, workers: 0, steps: 5000 });
      expect(r.summary.inside.runs, `D = ${depth}`).toBeGreaterThan(20);
      expect(insideViolations(r), `D = ${depth}`).toBe(0);
      expect(newViolations(r), `D = ${depth}`).toBe(0);
      expect(r.runs.length).toBe(120 * RUN_STRIDE);
      expect(r.gpgd.length).toBe(120 * GPGD_STRIDE);
    }
  });

  it('is deterministic for a seed, whatever the worker count', async () => {
    const a = await check({ depth: 4, eta: 0.1, samples: 160, seed: 3, workers: 0 });
    const b = await check({ depth: 4, eta: 0.1, samples: 160, seed: 3, workers: 2 });
    const c = await check({ depth: 4, eta: 0.1, samples: 160, seed: 4, workers: 0 });
    expect(Buffer.from(b.runs.buffer).equals(Buffer.from(a.runs.buffer))).toBe(true);
    expect(Buffer.from(b.initial.buffer).equals(Buffer.from(a.initial.buffer))).toBe(true);
    expect(Buffer.from(b.gpgd.buffer).equals(Buffer.from(a.gpgd.buffer))).toBe(true);
    expect(b.summary).toEqual(a.summary);
    // the new columns are exercised by this sample: crossings, entries, GPGD orbits
    expect(a.summary.theorem33.crossed).toBeGreaterThan(5);
    expect(a.summary.entry.entered).toBeGreaterThan(5);
    expect(a.summary.lemma313.steps.max).toBeGreaterThan(20);
    expect(Buffer.from(c.initial.buffer).equals(Buffer.from(a.initial.buffer))).toBe(false);
    const s = drawCheckSample(resolveCheckOptions({ depth: 5, seed: 9 }), 17);
    expect(s).toEqual(drawCheckSample(resolveCheckOptions({ depth: 5, seed: 9 }), 17));
    expect(Math.abs(s.direction.reduce((x, y) => x + y, 0))).toBeLessThan(1e-12);
  });
});

describe('planted violations: every counter can fail', () => {
  it('Theorem 3.2 (φ increases, GD leaves 𝕊) from a start outside 𝕊, counted by the summary too', async () => {
    const r = await check({ depth: 4, eta: 0.1, samples: 200, seed: 5, workers: 0 });
    let index = -1;
    for (let k = 0; k < r.samples; k++) {
      const run = decodeRun(r.runs, k);
      if (!run.inSet && run.phiIncreases > 0 && run.status !== 'no-gfs') index = k;
    }
    expect(index).toBeGreaterThanOrEqual(0);
    const sample = drawCheckSample(r, index);
    const w0 = initFromGfsSharpness({ phi0: sample.phi0, p0: sample.p0, direction: sample.direction });
    expect(inInvariantSet(w0, 0.1).member).toBe(false);
    const forced = checkTrajectory(w0, { eta: 0.1 });
    expect(forced.checked).toBe(true);
    expect(forced.phiIncreases).toBe(decodeRun(r.runs, index).phiIncreases);
    expect(forced.phiIncreases).toBeGreaterThan(0);
    expect(forced.outsideSet).toBeGreaterThan(0);
    expect(forced.firstViolationStep).toBeGreaterThanOrEqual(0);
    // the same record, relabelled as a start in 𝕊, is counted as a Theorem 3.2 violation
    const planted = new Float64Array(RUN_STRIDE * 2);
    planted.set(r.runs.subarray(index * RUN_STRIDE, (index + 1) * RUN_STRIDE));
    planted[0] = 1;
    const s = summarize({ eta: 0.1, samples: 1 }, planted.subarray(0, RUN_STRIDE));
    expect(s.inside.theorem32Runs).toBe(1);
    expect(s.inside.theorem32Phi.steps).toBe(forced.phiIncreases);
  });

  it('Lemma 3.11 and 3.10 from a start with aᵢ > 1', () => {
    const run = checkTrajectory([2, 1.8, 2.1, 1.9], { eta: 0.1, steps: 1 });
    expect(run.maxA).toBeGreaterThan(1);
    expect(run.lemma311).toBe(1);
    expect(run.lemma310).toBe(1); // |1 − aᵢaⱼ| > 1: the balance gaps grow
    expect(run.firstViolationStep).toBe(0);
  });

  it('Lemma 3.12 with the bound’s constant set to 0 (every decrease of φ violates it)', () => {
    const w0 = initFromGfsSharpness({ phi0: 26, p0: 1.5 }); // fig2, in 𝕊
    const held = checkTrajectory(w0, { eta: 0.1, steps: 3000 });
    expect(held.inSet).toBe(true);
    expect(held.lemma312).toBe(0);
    expect(held.lemma312MaxRatio).toBeGreaterThan(0);
    const broken = checkTrajectory(w0, { eta: 0.1, steps: 3000, lemma312Constant: 0 });
    expect(broken.lemma312).toBeGreaterThan(100);
  });

  it('final S ≤ 2/η from an exact minimum sharper than 2/η (a fixed point of GD)', () => {
    const w0 = initFromGfsSharpness({ phi0: 25, p0: 1 });
    const run = checkTrajectory(w0, { eta: 0.1 });
    expect(run.status).toBe('converged');
    expect(run.steps).toBe(0);
    expect(run.finalSharpness).toBeGreaterThan(24.9);
    expect(run.sharpnessViolation).toBe(true);
  });
});

describe('per-step quantities against a TypeScript reference (fig2 trajectory)', () => {
  it('max aᵢ, the Lemma 3.12 ratio and φ monotonicity agree', () => {
    const eta = 0.1;
    const steps = 600;
    let w: Float64Array = Float64Array.from(initFromGfsSharpness({ phi0: 26, p0: 1.5 }));
    const run = checkTrajectory(w, { eta, steps, tol: 0 });
    let phi = refGfsSharpness(w);
    let maxA = 0;
    let maxRatio = 0;
    let increases = 0;
    for (let t = 0; t < steps; t++) {
      const p = refProduct(w);
      const L = 0.5 * (p - 1) ** 2;
      for (const x of w) maxA = Math.max(maxA, (eta * p * (p - 1)) / (x * x));
      const next = refGdStep(w, eta);
      const phiNext = refGfsSharpness(next);
      if (phiNext > phi * (1 + CHECK_TOLERANCES.PHI_RTOL)) increases++;
      const bound = 2 * eta * eta * Math.max(1, p * p) * L * phi ** 3;
      if (bound > 0) maxRatio = Math.max(maxRatio, (phi - phiNext) / bound);
      w = next;
      phi = phiNext;
    }
    expect(run.steps).toBe(steps);
    expect(run.phiIncreases).toBe(increases);
    expect(increases).toBe(0);
    expect(relativeError(run.maxA, maxA)).toBeLessThan(EXTREMUM_RTOL);
    expect(relativeError(run.lemma312MaxRatio, maxRatio)).toBeLessThan(1e-4);
    expect(relativeError(run.finalGfsSharpness, phi)).toBeLessThan(1e-12);
    expect(relativeError(run.finalGfsSharpness, gfsSharpness(w))).toBeLessThan(1e-12);
  });
});

/** A record copied from `runs` with some columns replaced, for planted summaries. */
function planted(runs: Float64Array, index: number, changes: Record<number, number>): Float64Array {
  const out = runs.slice(index * RUN_STRIDE, (index + 1) * RUN_STRIDE);
  for (const [column, value] of Object.entries(changes)) out[Number(column)] = value;
  return out;
}

describe('Theorem 3.3 and the entry into 𝕊: references and planted violations', () => {
  it('fig2 run: t₀, L(t₀ − 1), L(t₀), φ(t₀), the fitted rate and the two-step ratios against TypeScript', () => {
    const eta = 0.1;
    const w0 = initFromGfsSharpness({ phi0: 26, p0: 1.5 }); // fig2, in 𝕊, crosses 2/η
    const run = checkTrajectory(w0, { eta });
    expect(run.inSet).toBe(true);
    expect(run.status).toBe('converged');
    // the same GD iterates (the kernel's gdStep), losses and φ by independent TypeScript code
    const losses: number[] = [];
    const phis: number[] = [];
    let w: Float64Array = Float64Array.from(w0);
    for (;;) {
      losses.push(lossOf(w));
      phis.push(refGfsSharpness(w));
      if ((losses.at(-1) as number) < 1e-14 || losses.length > 20_001) break;
      w = gdStep(w, eta);
    }
    const T = losses.length - 1;
    expect(run.steps).toBe(T);
    let t0 = -1;
    for (let t = 1; t <= T && t0 < 0; t++)
      if ((phis[t - 1] as number) > 2 / eta && (phis[t] as number) <= 2 / eta) t0 = t;
    expect(t0).toBeGreaterThan(100);
    expect(run.crossingStep).toBe(t0);
    expect(relativeError(run.lossAtCrossing, losses[t0] as number)).toBeLessThan(1e-9);
    expect(relativeError(run.lossBeforeCrossing, losses[t0 - 1] as number)).toBeLessThan(1e-9);
    expect(relativeError(run.gfsSharpnessAtCrossing, phis[t0] as number)).toBeLessThan(1e-12);
    // least squares of log L on the even offsets t − t₀, two-step rate exp(2·slope)
    const xs: number[] = [];
    const ys: number[] = [];
    for (let t = t0; t <= T; t += 2) {
      xs.push(t - t0);
      ys.push(Math.log(losses[t] as number));
    }
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let sxy = 0;
    let sxx = 0;
    xs.forEach((x, k) => {
      sxy += (x - mx) * ((ys[k] as number) - my);
      sxx += (x - mx) ** 2;
    });
    expect(relativeError(run.decayRate, Math.exp((2 * sxy) / sxx))).toBeLessThan(1e-9);
    let maxRatio = 0;
    let increases = 0;
    for (let t = t0 + 2; t <= T; t++) {
      const q = (losses[t] as number) / (losses[t - 2] as number);
      maxRatio = Math.max(maxRatio, q);
      if (q > 1 + CHECK_TOLERANCES.LOSS_RTOL) increases++;
    }
    expect(increases).toBe(0);
    expect(run.twoStepIncreases).toBe(0);
    expect(relativeError(run.maxTwoStepRatio, maxRatio)).toBeLessThan(1e-6);
    const last = (losses[T] as number) / (losses[T - 2] as number);
    expect(relativeError(run.lastTwoStepRatio, last)).toBeLessThan(1e-6);
    // closed form at the minimum: the product error is multiplied by 1 − ηS∞ per step
    expect(Math.abs(run.lastTwoStepRatio - (1 - eta * run.finalSharpness) ** 4)).toBeLessThan(
      CHECK_TOLERANCES.FINAL_RATE_ATOL,
    );
    expect(run.entryStep).toBe(0);
    expect(run.phiIncreasesAfterEntry).toBe(0);
  });

  it('entry step of runs that start outside 𝕊 against the reference membership test, step by step', async () => {
    const r = await check({ depth: 4, eta: 0.1, samples: 200, seed: 11, workers: 0 });
    const entered = Array.from({ length: r.samples }, (_, k) => k).filter((k) => {
      const run = decodeRun(r.runs, k);
      return !run.inSet && run.entryStep > 1 && run.entryStep <= 40;
    });
    expect(entered.length).toBeGreaterThan(3);
    for (const k of entered.slice(0, 4)) {
      const run = decodeRun(r.runs, k);
      const s = drawCheckSample(r, k);
      let w: Float64Array = initFromGfsSharpness({ phi0: s.phi0, p0: s.p0, direction: s.direction });
      let t = 0;
      while (!inInvariantSet(w, r.eta).member) {
        w = gdStep(w, r.eta);
        t++;
      }
      expect(run.entryStep, `sample ${k}`).toBe(t);
      let phi = refGfsSharpness(w);
      let increases = 0;
      for (let u = t; u < Math.min(run.steps, t + 300); u++) {
        w = gdStep(w, r.eta);
        const next = refGfsSharpness(w);
        if (next > phi * (1 + CHECK_TOLERANCES.PHI_RTOL)) increases++;
        phi = next;
      }
      expect(increases).toBe(0);
      expect(run.phiIncreasesAfterEntry).toBe(0);
    }
  });

  it('planted: membership tested with a smaller step size lets a start whose φ rises pass as in 𝕊', async () => {
    const r = await check({ depth: 4, eta: 0.1, samples: 200, seed: 5, workers: 0 });
    let index = -1;
    for (let k = 0; k < r.samples && index < 0; k++) {
      const run = decodeRun(r.runs, k);
      if (!run.inSet && run.phiIncreases > 0 && run.status !== 'no-gfs' && run.initialGfsSharpness < 25) index = k;
    }
    expect(index).toBeGreaterThanOrEqual(0);
    const sample = drawCheckSample(r, index);
    const w0 = initFromGfsSharpness({ phi0: sample.phi0, p0: sample.p0, direction: sample.direction });
    const honest = checkTrajectory(w0, { eta: 0.1 });
    expect(honest.inSet).toBe(false);
    const tampered = checkTrajectory(w0, { eta: 0.1, membershipEta: 0.01 }); // 𝕊 of η/10 ⊇ 𝕊 of η
    expect(tampered.inSet).toBe(true);
    expect(tampered.entryStep).toBe(0);
    expect(tampered.phiIncreasesAfterEntry).toBe(honest.phiIncreases);
    expect(tampered.phiIncreasesAfterEntry).toBeGreaterThan(0);
    // the summary counts such a record (a start outside 𝕊 that entered, φ rising after)
    const record = planted(r.runs, index, { 1: 0, 28: 3, 29: 2, 3: 2 });
    const s = summarize({ eta: 0.1, samples: 1 }, record);
    expect(s.entry.entered).toBe(1);
    expect(s.entry.phiNotMonotoneAfterEntry).toEqual({ runs: 1, steps: 2 });
  });

  it('planted: each Theorem 3.3 counter flags a record that breaks it', async () => {
    const r = await check({ depth: 4, eta: 0.1, samples: 400, seed: 11, workers: 0 });
    const small = Array.from({ length: r.samples }, (_, k) => decodeRun(r.runs, k)).findIndex(
      (run) =>
        run.inSet &&
        run.crossingStep >= 0 &&
        run.status === 'converged' &&
        Math.max(run.lossAtCrossing, run.lossBeforeCrossing) <= 1e-2,
    );
    expect(small).toBeGreaterThanOrEqual(0);
    const base = summarize(r, planted(r.runs, small, {}));
    expect(base.theorem33.small.runs).toBe(1);
    expect(base.theorem33.small.violations).toBe(0);
    const cases: [string, Record<number, number>, (s: ReturnType<typeof summarize>) => number][] = [
      ['two-step increase', { 25: 3 }, (s) => s.theorem33.small.twoStepIncreases.steps],
      ['rate ≥ 1', { 24: 1.01 }, (s) => s.theorem33.small.rateNotBelowOne],
      ['diverged', { 1: 1 }, (s) => s.theorem33.small.failed],
      ['final gap above K·√Lc', { 8: 1 / r.eta }, (s) => s.theorem33.small.gapAboveBound],
      ['last two-step ratio ≠ (1 − ηS∞)⁴', { 27: 0.5 }, (s) => s.theorem33.finalRate.violations],
    ];
    for (const [name, change, count] of cases) {
      const s = summarize(r, planted(r.runs, small, change));
      expect(count(s), name).toBeGreaterThan(0);
      if (name !== 'last two-step ratio ≠ (1 − ηS∞)⁴') expect(s.theorem33.small.violations, name).toBe(1);
    }
    // the gap bound with its constant K made 1000 times smaller
    expect(summarize({ ...r, thm33GapConstant: 1e-3 }, r.runs).theorem33.small.gapAboveBound).toBeGreaterThan(5);
    // a large loss at the crossing moves a run out of the counted group
    const moved = summarize(r, planted(r.runs, small, { 22: 0.5 }));
    expect(moved.theorem33.small.runs).toBe(0);
    expect(moved.theorem33.large.runs).toBe(1);
  });

  it('planted: GD from a start outside 𝕊 whose loss grows two steps after the crossing', async () => {
    const r = await check({ depth: 4, eta: 0.1, samples: 400, seed: 11, workers: 0 });
    let index = -1;
    for (let k = 0; k < r.samples && index < 0; k++) {
      const run = decodeRun(r.runs, k);
      if (!run.inSet && run.crossingStep >= 0 && run.twoStepIncreases > 0) index = k;
    }
    expect(index).toBeGreaterThanOrEqual(0);
    const run = decodeRun(r.runs, index);
    const sample = drawCheckSample(r, index);
    let w: Float64Array = initFromGfsSharpness({ phi0: sample.phi0, p0: sample.p0, direction: sample.direction });
    const losses = [lossOf(w)];
    for (let t = 0; t < run.steps; t++) {
      w = gdStep(w, r.eta);
      losses.push(lossOf(w));
    }
    let increases = 0;
    for (let t = run.crossingStep + 2; t < losses.length; t++) {
      if ((losses[t] as number) > (losses[t - 2] as number) * (1 + CHECK_TOLERANCES.LOSS_RTOL)) increases++;
    }
    expect(run.twoStepIncreases).toBe(increases);
    const s = summarize(r, planted(r.runs, index, { 0: 1, 22: 0, 21: 0 }));
    expect(s.theorem33.small.twoStepIncreases.runs).toBe(1);
    expect(s.theorem33.small.violations).toBe(1);
  });
});

describe('Lemmas 3.13 and 3.14 on GPGD', () => {
  /** Zhu's slice (x, x, y, y) with c² = x² − y² and d = xy: φ = 2√(c⁴ + 4). */
  const slicePoint = (c2: number, d: number): number[] => {
    const x2 = (c2 + Math.sqrt(c2 * c2 + 4 * d * d)) / 2;
    const x = Math.sqrt(x2);
    const y = d / x;
    return [x, x, y, y];
  };
  /** The exact fixed-c map of the slice: GPGD is d ↦ |f(d)|. */
  const sliceMap = (c4: number, eta: number, d: number): number => {
    const e = d * d - 1;
    return Math.abs(d * (1 - eta * e * Math.sqrt(c4 + 4 * d * d) + eta * eta * e * e * d * d));
  };

  it('on Zhu’s slice the orbit is the fixed-c map and |π⁺ − 1|/|π − 1| → |1 − ηφ| (g′(1) = 1 − ηφ)', () => {
    const eta = 0.1;
    for (const phi of [11, 15, 19]) {
      const c4 = (phi / 2) ** 2 - 4;
      const w = slicePoint(Math.sqrt(c4), 1.01);
      expect(relativeError(refGfsSharpness(w), phi)).toBeLessThan(1e-12);
      const g = gpgdLemmaCheck(w, { eta });
      expect(g.status).toBe('reached');
      expect(g.signViolations + g.decayViolations).toBe(0);
      expect(g.rateViolation).toBe(false);
      // the closed-form map, iterated in TypeScript
      const errors = [1.01 ** 2 - 1];
      let d = 1.01;
      while (Math.abs(errors.at(-1) as number) > CHECK_TOLERANCES.B_STOP) {
        d = sliceMap(c4, eta, d);
        errors.push(d * d - 1);
      }
      expect(Math.abs(g.steps - (errors.length - 1))).toBeLessThanOrEqual(1);
      expect(Math.abs(g.gpgdTwoStepError - (errors[2] as number))).toBeLessThan(1e-13);
      expect(relativeError(g.gfsSharpness, phi)).toBeLessThan(1e-12);
      // the exact geometric rate near π = 1
      const k = errors.findIndex((b) => Math.abs(b) <= CHECK_TOLERANCES.B_RATE);
      const rate = Math.abs((errors[k + 1] as number) / (errors[k] as number));
      expect(Math.abs(rate - Math.abs(1 - eta * phi))).toBeLessThan(1e-6);
      expect(g.rateDeviation).toBeLessThan(1e-6);
      // and the kernel's verifier on the TypeScript sequence says the same
      const v = verifyGpgdOrbit(errors, phi, eta);
      expect(v.signViolations + v.decayViolations).toBe(0);
      expect(relativeError(v.maxRoomUsed, g.maxRoomUsed)).toBeLessThan(1e-6);
      // Lemma 3.14: two GD steps (an independent TypeScript GD) against two GPGD steps
      const gd2 = refGdStep(refGdStep(w, eta), eta);
      expect(Math.abs(g.gdTwoStepError - (refProduct(gd2) - 1))).toBeLessThan(1e-14);
      expect(Math.abs(g.gdTwoStepError)).toBeLessThanOrEqual(Math.abs(g.gpgdTwoStepError));
      expect(g.lemma314Violation).toBe(false);
    }
  });

  it('planted sequences: no alternation, slow decay and a wrong rate are each counted', () => {
    const eta = 0.1;
    const phi = 15; // |1 − ηφ| = 0.5, ρ* = 0.75
    const seq = (ratio: number, n: number): number[] => Array.from({ length: n }, (_, k) => 0.01 * ratio ** k);
    const good = verifyGpgdOrbit(seq(-0.5, 40), phi, eta);
    expect(good).toMatchObject({ signViolations: 0, decayViolations: 0, rateViolation: false });
    expect(good.maxRoomUsed).toBeLessThan(1e-12);
    expect(good.rateDeviation).toBeLessThan(1e-12);
    const same = verifyGpgdOrbit(seq(0.5, 40), phi, eta);
    expect(same.signViolations).toBe(39);
    expect(same.decayViolations).toBe(0);
    const slow = verifyGpgdOrbit(seq(-0.9, 160), phi, eta);
    expect(slow.signViolations).toBe(0);
    expect(slow.decayViolations).toBe(159);
    expect(slow.rateViolation).toBe(true);
    expect(slow.rateDeviation).toBeCloseTo(0.4, 10);
    expect(slow.maxRoomUsed).toBeCloseTo(0.8, 10);
    // a sequence that stops at 0 is converged; a single value has nothing to check
    expect(verifyGpgdOrbit([0.01, -0.005, 0, 0.3], phi, eta)).toMatchObject({ signViolations: 0, decayViolations: 0 });
    expect(verifyGpgdOrbit([0.01], phi, eta).decayViolations).toBe(0);
  });

  it('planted points: below 1/η no alternation and Lemma 3.14 fails; above 2/η no decay', () => {
    const below = gpgdLemmaCheck(initFromGfsSharpness({ phi0: 6, p0: 1.01 }), { eta: 0.1 });
    expect(below.signViolations).toBeGreaterThan(5);
    expect(below.lemma314Violation).toBe(true);
    expect(Math.abs(below.gdTwoStepError)).toBeGreaterThan(Math.abs(below.gpgdTwoStepError));
    const above = gpgdLemmaCheck(initFromGfsSharpness({ phi0: 21, p0: 1.01 }), { eta: 0.1, steps: 500 });
    expect(above.status).toBe('max-steps');
    expect(above.decayViolations).toBeGreaterThan(100);
    const s = summarize({ eta: 0.1, samples: 0 }, new Float64Array(0), new Float64Array(0));
    expect(s.lemma313.points).toBe(0);
  });

  it('a neighbourhood four times larger than the default breaks Lemma 3.13 on some points', async () => {
    const wide = await check({ depth: 4, eta: 0.1, samples: 400, seed: 2, workers: 0, gpgdNeighbourhood: 1.5 });
    expect(wide.summary.lemma313.violations).toBeGreaterThan(0);
    expect(wide.summary.lemma313.decay.runs).toBeGreaterThan(0);
    expect(wide.summary.lemma313.maxRoomUsed).toBeGreaterThan(0.5);
    const p = drawGpgdPoint(resolveCheckOptions({ seed: 2, gpgdNeighbourhood: 1.5 }), 3);
    const q = drawGpgdPoint(resolveCheckOptions({ seed: 2 }), 3);
    expect(p?.phi).toBe(q?.phi);
    expect(Math.abs(p?.b0 as number)).toBeCloseTo(6 * Math.abs(q?.b0 as number), 12);
  });

  it('no points when the band (1 + μ)/η < φ < (2 − μ)/η holds no φ ≥ D', async () => {
    const r = await check({ depth: 30, eta: 0.1, samples: 20, seed: 1, workers: 0, steps: 200 });
    expect(r.gpgdBand).toBeNull();
    expect(r.gpgd.length).toBe(0);
    expect(r.summary.lemma313.points).toBe(0);
    expect(r.summary.lemma314.points).toBe(0);
    expect(drawGpgdPoint(r, 0)).toBeNull();
  });

  it('odd inputs: zero, negative and sign-flipped weights; bad arguments name the option', () => {
    const zero = gpgdLemmaCheck([0, 0, 0, 0], { eta: 0.1 });
    expect(zero.status).toBe('undefined');
    expect(zero.gfsSharpness).toBeNaN();
    expect(zero.lemma314Violation).toBe(true);
    const negative = gpgdLemmaCheck([-1, 1, 1, 1], { eta: 0.1 });
    expect(negative.status).toBe('undefined');
    const w = initFromGfsSharpness({ phi0: 15, p0: 1.02 });
    const flipped = gpgdLemmaCheck([-(w[0] as number), -(w[1] as number), w[2] as number, w[3] as number], {
      eta: 0.1,
    });
    const plain = gpgdLemmaCheck(w, { eta: 0.1 });
    expect(flipped).toEqual(plain);
    expect(() => gpgdLemmaCheck([1, Number.NaN], { eta: 0.1 })).toThrow(/invalid w/);
    expect(() => gpgdLemmaCheck([1, 1], { eta: 0 })).toThrow(/invalid eta: 0/);
    expect(() => gpgdLemmaCheck([1, 1], { eta: 0.1, steps: 8192 })).toThrow(/invalid steps: 8192/);
    expect(() => verifyGpgdOrbit([0.1, Number.POSITIVE_INFINITY], 15, 0.1)).toThrow(/invalid errors/);
    expect(() => verifyGpgdOrbit([], 15, 0.1)).toThrow(/invalid errors/);
    expect(() => verifyGpgdOrbit([0.1], -1, 0.1)).toThrow(/invalid phi: -1/);
    expect(() => verifyGpgdOrbit([0.1], 15, Number.NaN)).toThrow(/invalid eta/);
    expect(() => checkTrajectory([1, 1], { eta: 0.1, membershipEta: -1 })).toThrow(/invalid membershipEta: -1/);
    expect(() => resolveCheckOptions({ thm33SmallLoss: 0 })).toThrow(/invalid thm33SmallLoss: 0/);
    expect(() => resolveCheckOptions({ thm33GapConstant: Number.POSITIVE_INFINITY })).toThrow(
      /invalid thm33GapConstant/,
    );
    expect(() => resolveCheckOptions({ gpgdNeighbourhood: Number.NaN })).toThrow(/invalid gpgdNeighbourhood/);
    // a run from zero weights reaches no GFS: no crossing, no entry, nothing counted
    const run = checkTrajectory([0, 0, 0, 0], { eta: 0.1 });
    expect(run.status).toBe('no-gfs');
    expect(run.crossingStep).toBe(-1);
    expect(run.entryStep).toBe(-1);
    expect(run.lastTwoStepRatio).toBeNaN();
  });

  it('quantiles interpolate between order statistics and ignore non-finite values', () => {
    const q = quantiles([4, Number.NaN, 1, 3, 2, Number.POSITIVE_INFINITY, 0]);
    expect(q).toMatchObject({ count: 5, min: 0, median: 2, max: 4 });
    expect(q.p10).toBeCloseTo(0.4, 12);
    expect(quantiles([]).median).toBeNaN();
  });
});

describe('certified membership', () => {
  it('implies the reference kernel’s verdict and certifies almost every member', () => {
    const r = resolveCheckOptions({ depth: 4, eta: 0.1, seed: 21 });
    let members = 0;
    let certified = 0;
    for (let k = 0; k < 400; k++) {
      const s = drawCheckSample(r, k);
      const w = initFromGfsSharpness({ phi0: s.phi0, p0: s.p0, direction: s.direction });
      const reference = inInvariantSet(w, r.eta).member;
      const cert = certifiedMember(w, r.eta);
      if (cert) expect(reference).toBe(true);
      if (reference) members++;
      if (cert) certified++;
    }
    expect(members).toBeGreaterThan(150);
    expect(certified).toBeGreaterThanOrEqual(0.95 * members);
  });
});

describe('eoslab check (CLI)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'eoslab-check-'));
  const io = (): CliIo & { text: () => string } => {
    let out = '';
    return { out: (t) => (out += t), err: () => {}, interactive: false, text: () => out };
  };

  it('prints a table and, with --json and --out, a report and the per-run data with the seed', async () => {
    const table = io();
    const args = ['--depth', '3', '--eta', '0.1', '--samples', '60', '--seed', '2', '--workers', '0'];
    const parsed = parseCommandArgs(checkCommand, args);
    expect(await checkCommand.run(parsed.values, table, parsed.given)).toBe(0);
    expect(table.text()).toMatch(/Theorem 3\.2: φ\(w⁺\) ≤ φ\(w\)\s+0\s+0/);
    expect(table.text()).toMatch(/outside 𝕊 at t = 0: \d+ runs; φ not monotone along GD in \d+/);
    expect(table.text()).toMatch(/Lemma 3\.13: π − 1 changes sign every step\s+0\s+0/);
    expect(table.text()).toMatch(/Theorem 3\.3: \d+ runs in 𝕊 start with φ₀ > 2\/η/);
    const out = join(scratch, 'd3');
    const json = io();
    const parsedJson = parseCommandArgs(checkCommand, [...args, '--json', '--out', out]);
    expect(await checkCommand.run(parsedJson.values, json, parsedJson.given)).toBe(0);
    const report = JSON.parse(json.text()) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'depth',
        'eta',
        'samples',
        'seed',
        'inside',
        'outside',
        'theorem33',
        'entry',
        'lemma313',
        'lemma314',
        'tolerances',
        'distribution',
      ]),
    );
    expect((report.inside as { theorem32Runs: number }).theorem32Runs).toBe(0);
    expect((report.lemma313 as { violations: number }).violations).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'gpgd.npy',
      'manifest.json',
      'runs.npy',
      'samples.npy',
      'thm33-crossing.png',
      'thm33-crossing.svg',
    ]);
    expect(readFileSync(join(out, 'thm33-crossing.svg'), 'utf8')).toContain('Theorem 3.3');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      seeds: number[];
      command: string;
      summary: { runsColumns: string[]; gpgdColumns: string[]; theorem33: unknown };
    };
    expect(manifest.command).toBe('check');
    expect(manifest.seeds).toEqual([2]);
    expect(manifest.summary.runsColumns).toHaveLength(RUN_STRIDE);
    expect(manifest.summary.gpgdColumns).toHaveLength(GPGD_STRIDE);
    expect(manifest.summary.theorem33).toBeDefined();
    expect(readFileSync(join(out, 'gpgd.npy')).toString('latin1', 10, 80)).toContain(`'shape': (60, ${GPGD_STRIDE})`);
    expect(readFileSync(join(out, 'runs.npy')).toString('latin1', 10, 80)).toContain(`'shape': (60, ${RUN_STRIDE})`);
  });

  it('bad input names the option and the value', () => {
    const bad: [string[], RegExp][] = [
      [['--samples', '0'], /invalid --samples: 0 /],
      [['--depth', '1'], /invalid --depth: 1 /],
      [['--depth', '65'], /invalid --depth: 65 /],
      [['--eta', '-1'], /invalid --eta: -1 /],
      [['--seed', '1.5'], /invalid --seed: 1\.5 /],
      [['--steps', '0'], /invalid --steps: 0 /],
      [['--samples', 'many'], /invalid --samples: "many"/],
    ];
    for (const [argv, message] of bad) expect(() => parseCommandArgs(checkCommand, argv)).toThrow(message);
    expect(() => resolveCheckOptions({ lemma312Constant: -1 })).toThrow(/invalid lemma312Constant: -1/);
    expect(() => checkTrajectory([1, Number.NaN], { eta: 0.1 })).toThrow(/invalid w0/);
  });

  it('the bin exits 2 with one error line on bad input and writes nothing', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'eoslab.js');
    const out = join(scratch, 'never');
    for (const argv of [
      ['--samples', '0'],
      ['--eta', 'NaN'],
      ['--eta', '-0.1'],
      ['--depth', '1'],
      ['--tol', 'Infinity'],
    ]) {
      const bad = spawnSync(process.execPath, [bin, 'check', ...argv, '--out', out], { encoding: 'utf8' });
      expect(bad.status, argv.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(bad.stderr, argv.join(' ')).toMatch(new RegExp(`^eoslab: error: invalid ${argv[0]}`));
      expect(bad.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    }
  });
});
