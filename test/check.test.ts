/**
 * `eoslab check`: no violations of Theorem 3.2 / Lemmas 3.10–3.12 inside 𝕊, every depth runs,
 * determinism, planted violations that every counter must catch, the certified membership test
 * against the reference kernel, the per-step quantities against a plain-TypeScript reference, and
 * the command's output and errors.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gfsSharpness, inInvariantSet, initFromGfsSharpness } from '../src/api.js';
import {
  CHECK_TOLERANCES,
  RUN_STRIDE,
  certifiedMember,
  check,
  checkTrajectory,
  decodeRun,
  drawCheckSample,
  resolveCheckOptions,
  summarize,
  type CheckResult,
} from '../src/check.js';
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
  });

  it('runs for D = 2, 3, 5, 8', async () => {
    for (const depth of [2, 3, 5, 8]) {
      const r = await check({ depth, eta: 0.1, samples: 120, seed: depth, workers: 0, steps: 5000 });
      expect(r.summary.inside.runs, `D = ${depth}`).toBeGreaterThan(20);
      expect(insideViolations(r), `D = ${depth}`).toBe(0);
      expect(r.runs.length).toBe(120 * RUN_STRIDE);
    }
  });

  it('is deterministic for a seed, whatever the worker count', async () => {
    const a = await check({ depth: 4, eta: 0.1, samples: 160, seed: 3, workers: 0 });
    const b = await check({ depth: 4, eta: 0.1, samples: 160, seed: 3, workers: 2 });
    const c = await check({ depth: 4, eta: 0.1, samples: 160, seed: 4, workers: 0 });
    expect(Buffer.from(b.runs.buffer).equals(Buffer.from(a.runs.buffer))).toBe(true);
    expect(Buffer.from(b.initial.buffer).equals(Buffer.from(a.initial.buffer))).toBe(true);
    expect(b.summary).toEqual(a.summary);
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
    const out = join(scratch, 'd3');
    const json = io();
    const parsedJson = parseCommandArgs(checkCommand, [...args, '--json', '--out', out]);
    expect(await checkCommand.run(parsedJson.values, json, parsedJson.given)).toBe(0);
    const report = JSON.parse(json.text()) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['depth', 'eta', 'samples', 'seed', 'inside', 'outside', 'tolerances', 'distribution']),
    );
    expect((report.inside as { theorem32Runs: number }).theorem32Runs).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'runs.npy', 'samples.npy']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      seeds: number[];
      command: string;
    };
    expect(manifest.command).toBe('check');
    expect(manifest.seeds).toEqual([2]);
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
});
