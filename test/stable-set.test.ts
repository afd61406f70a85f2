/**
 * Damian et al.'s stable set ℳ (Fig 7): the kernels against independent references (finite
 * differences and a closed-form 3×3 eigensolver in plain TypeScript), the analytic minimum curve,
 * the derived characterisation of ℳ's non-minimum part, the smallest loss against a refined
 * computation, and the `eoslab stable-set` command.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, type CliIo } from '../src/cli/args.js';
import { stableSetCommand } from '../src/cli/commands/stableSet.js';
import { EoslabError } from '../src/base/errors.js';
import {
  DERIVED_NON_MINIMUM_LOSS_INFIMUM,
  ROOT_RTOL,
  STABLE_SET_OPTIONS,
  resolveStableSetOptions,
  stableSet,
  type StableSetResult,
} from '../src/experiments/stableSet/stableSet.js';
import { finiteDifferenceHessian, refGradient, refLoss, refProduct } from './helpers/reference.js';

/** Finite-difference Hessian and closed-form eigenpairs agree with the kernel to this (absolute, O(1) scale). */
const FD_TOL = 1e-6;
/** Analytic zero locations (minimum curve, w₁ = w₂, w₁ = c) are reproduced to this. */
const LOCATION_TOL = 1e-9;
/** Slack on S ≤ 2/η for rounding in an independent recomputation. */
const SHARPNESS_RTOL = 1e-12;

/** Eigenpairs of a symmetric 3×3 matrix: trigonometric closed form, eigenvector by cross products. */
function topEigen3(A: ArrayLike<number>): { value: number; vector: [number, number, number]; gap: number } {
  const a = (i: number, j: number): number => A[3 * i + j] as number;
  const p1 = a(0, 1) ** 2 + a(0, 2) ** 2 + a(1, 2) ** 2;
  const q = (a(0, 0) + a(1, 1) + a(2, 2)) / 3;
  const p2 = (a(0, 0) - q) ** 2 + (a(1, 1) - q) ** 2 + (a(2, 2) - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  const b = (i: number, j: number): number => (a(i, j) - (i === j ? q : 0)) / p;
  const det =
    b(0, 0) * (b(1, 1) * b(2, 2) - b(1, 2) * b(2, 1)) -
    b(0, 1) * (b(1, 0) * b(2, 2) - b(1, 2) * b(2, 0)) +
    b(0, 2) * (b(1, 0) * b(2, 1) - b(1, 1) * b(2, 0));
  const phi = Math.acos(Math.min(1, Math.max(-1, det / 2))) / 3;
  const l1 = q + 2 * p * Math.cos(phi);
  const l3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  const l2 = 3 * q - l1 - l3;
  const row = (i: number): [number, number, number] => [
    a(i, 0) - (i === 0 ? l1 : 0),
    a(i, 1) - (i === 1 ? l1 : 0),
    a(i, 2) - (i === 2 ? l1 : 0),
  ];
  const cross = (u: number[], v: number[]): [number, number, number] => [
    (u[1] as number) * (v[2] as number) - (u[2] as number) * (v[1] as number),
    (u[2] as number) * (v[0] as number) - (u[0] as number) * (v[2] as number),
    (u[0] as number) * (v[1] as number) - (u[1] as number) * (v[0] as number),
  ];
  const candidates = [cross(row(0), row(1)), cross(row(0), row(2)), cross(row(1), row(2))];
  let best = candidates[0] as [number, number, number];
  for (const c of candidates) if (Math.hypot(...c) > Math.hypot(...best)) best = c;
  const n = Math.hypot(...best);
  return { value: l1, vector: [best[0] / n, best[1] / n, best[2] / n], gap: l1 - l2 };
}

/** S and |∇L·u| at w by finite differences of the reference gradient and the closed-form solver. */
function reference(w: number[]): { S: number; absGradDotU: number; gap: number } {
  const H = finiteDifferenceHessian((x) => refGradient(x), w);
  const sym = Float64Array.from(H, (_, k) => 0.5 * ((H[k] as number) + (H[3 * (k % 3) + Math.floor(k / 3)] as number)));
  const { value, vector, gap } = topEigen3(sym);
  const g = refGradient(w);
  return { S: value, absGradDotU: Math.abs(vector.reduce((s, u, i) => s + u * (g[i] as number), 0)), gap };
}

/** S at w from the exact Hessian of model.md §1.2 (written out here) and the closed-form solver. */
function exactSharpness(w: number[]): number {
  const p = refProduct(w);
  const q = w.map((_, i) => w.reduce((acc, x, j) => (j === i ? acc : acc * x), 1));
  const H = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const others = w.reduce((acc, x, k) => (k === i || k === j ? acc : acc * x), 1);
      H[3 * i + j] = i === j ? (q[i] as number) ** 2 : (q[i] as number) * (q[j] as number) + (p - 1) * others;
    }
  }
  return topEigen3(H).value;
}

const fig7 = stableSet({}); // the defaults: η = 0.1, w₃ = 0.5, [0, 3]², 301 × 301
const cut = stableSet({ eta: 1 / 3, fixed: 0.5, xRange: [0.1, 4], yRange: [0.1, 4], resolution: 241, refine: 0 });

function cellPoint(r: StableSetResult, cell: number): number[] {
  return [r.xAxis[cell % r.cols] as number, r.yAxis[Math.floor(cell / r.cols)] as number, r.fixed];
}

describe('per-cell S and ∇L·u', () => {
  it('match finite differences + an independent eigensolver on a few cells', () => {
    let compared = 0;
    for (const [i, j] of [
      [10, 250],
      [40, 37],
      [120, 80],
      [200, 200],
      [290, 15],
      [150, 260],
      [75, 160],
    ] as const) {
      const cell = i * fig7.cols + j;
      const w = cellPoint(fig7, cell);
      const ref = reference(w);
      expect(ref.gap).toBeGreaterThan(1e-3); // eigenvector well defined
      expect(Math.abs((fig7.arrays.sharpness[cell] as number) - ref.S)).toBeLessThan(FD_TOL * Math.max(1, ref.S));
      expect(Math.abs(Math.abs(fig7.arrays.gradDotU[cell] as number) - ref.absGradDotU)).toBeLessThan(FD_TOL);
      const gradNorm = Math.hypot(...refGradient(w));
      expect(fig7.arrays.relGradDotU[cell] as number).toBeCloseTo(ref.absGradDotU / gradNorm, 6);
      expect(fig7.arrays.loss[cell] as number).toBeCloseTo(refLoss(w), 14);
      compared++;
    }
    expect(compared).toBe(7);
  });

  it('with the solver’s sign convention ∇L·u touches 0 on w₁ = w₂ without changing sign', () => {
    // Why the zeros are found with an oriented eigenvector: the raw array has no sign change there.
    let touches = 0;
    for (let i = 5; i < 45; i++) {
      const left = fig7.arrays.gradDotU[i * fig7.cols + i - 1] as number;
      const right = fig7.arrays.gradDotU[i * fig7.cols + i + 1] as number;
      if (left < 0 === right < 0) touches++;
    }
    expect(touches).toBe(40);
    // ... yet every diagonal cell below w₃ holds a zero of the non-minimum part.
    for (let i = 1; i < 50; i++) expect(fig7.arrays.code[i * fig7.cols + i]).toBe(2);
  });
});

describe('the zeros of ∇L·u', () => {
  it('every zero in ℳ has S ≤ 2/η (independent exact-Hessian recomputation), every other one S > 2/η', () => {
    for (const r of [fig7, cut]) {
      const threshold = 2 / r.eta;
      for (const z of r.zeros) {
        const S = exactSharpness([z.w1, z.w2, r.fixed]);
        if (z.inSet) expect(S).toBeLessThanOrEqual(threshold * (1 + SHARPNESS_RTOL));
        else expect(S).toBeGreaterThan(threshold * (1 - SHARPNESS_RTOL));
      }
      // every cell marked in ℳ holds a zero of ℳ
      const holders = new Set(r.zeros.filter((z) => z.inSet).map((z) => z.row * r.cols + z.col));
      r.arrays.inSet.forEach((v, cell) => {
        if (v === 1) expect(holders.has(cell)).toBe(true);
      });
    }
    // the η = 1/3 slice has minima on both sides of the cut
    expect(cut.counts.minimum).toBeGreaterThan(50);
    expect(cut.counts.sharpMinimum).toBeGreaterThan(50);
  });

  it('the minimum curve w₁w₂ = 1/c is found on every row, in ℳ exactly when Σ 1/wᵢ² ≤ 2/η', () => {
    for (const r of [fig7, cut]) {
      let rowsChecked = 0;
      r.yAxis.forEach((y, i) => {
        const x = 1 / (r.fixed * y); // π = 1
        if (!(x > r.xRange[0] && x < r.xRange[1])) return;
        const S = 1 / x ** 2 + 1 / y ** 2 + 1 / r.fixed ** 2; // model.md §1.3
        const threshold = 2 / r.eta;
        if (Math.abs(S - threshold) < 1e-9 * threshold) return;
        const zero = r.zeros.find((z) => z.kind === 'minimum' && z.w2 === y && Math.abs(z.w1 - x) < LOCATION_TOL);
        expect(zero, `row ${i}: minimum at w₁ = ${x}`).toBeDefined();
        expect(zero?.inSet).toBe(S <= threshold);
        expect(zero?.loss as number).toBeLessThan(1e-20);
        // the cell's class: ℳ's non-minimum part over ℳ's minima over zeros outside ℳ
        const inCell = r.zeros.filter((z) => z.row === zero?.row && z.col === zero?.col);
        const expected = inCell.some((z) => z.inSet && z.kind === 'non-minimum')
          ? 2
          : inCell.some((z) => z.inSet)
            ? 1
            : inCell.some((z) => z.kind === 'non-minimum')
              ? 4
              : 3;
        expect(r.arrays.code[(zero?.row as number) * r.cols + (zero?.col as number)]).toBe(expected);
        if (S <= threshold) expect([1, 2]).toContain(expected);
        rowsChecked++;
      });
      expect(rowsChecked).toBeGreaterThan(50);
    }
  });

  it('the non-minimum zeros lie where the two smallest |wᵢ| are equal and 0 < π < 1/2 (derived)', () => {
    for (const r of [fig7, cut]) {
      const nonMinimum = r.zeros.filter((z) => z.kind === 'non-minimum');
      expect(nonMinimum.length).toBeGreaterThan(100);
      for (const z of nonMinimum) {
        const a = [Math.abs(z.w1), Math.abs(z.w2), r.fixed].sort((u, v) => u - v);
        expect((a[1] as number) - (a[0] as number)).toBeLessThan(LOCATION_TOL);
        expect(z.product).toBeGreaterThanOrEqual(0);
        expect(z.product).toBeLessThan(0.5);
        expect(z.loss).toBeGreaterThan(DERIVED_NON_MINIMUM_LOSS_INFIMUM);
        expect(z.relativeResidual).toBeLessThanOrEqual(ROOT_RTOL);
      }
    }
    expect(fig7.discontinuities).toBe(0);
  });
});

describe('the smallest loss of ℳ off the minima', () => {
  it('is > 0, at the end of the arm w₁ = w₃, and matches a refined computation', () => {
    const grid = fig7.smallestNonMinimumLoss;
    const refined = fig7.refinedSmallestNonMinimumLoss;
    expect(grid).not.toBeNull();
    expect(refined).not.toBeNull();
    const g = grid?.loss as number;
    const f = refined?.loss as number;
    // the arm w₁ = c = 0.5 has L = ½(1 − c² w₂)², which on rows spaced 0.01 is ≤ ½(1 − 0.25·1.99)²
    expect(g).toBeGreaterThan(DERIVED_NON_MINIMUM_LOSS_INFIMUM);
    expect(g).toBeLessThanOrEqual(0.5 * (1 - 0.25 * 1.99) ** 2 + 1e-12);
    expect(f).toBeLessThanOrEqual(g);
    expect(f).toBeGreaterThan(DERIVED_NON_MINIMUM_LOSS_INFIMUM);
    expect(f - DERIVED_NON_MINIMUM_LOSS_INFIMUM).toBeLessThan(1e-5);
    // an independent refinement: a fine grid of its own around the end of the arm
    const fine = stableSet({ xRange: [0.45, 0.55], yRange: [1.9, 2.0], rows: 201, cols: 101, refine: 0 });
    const h = fine.smallestNonMinimumLoss?.loss as number;
    expect(h).toBeGreaterThan(DERIVED_NON_MINIMUM_LOSS_INFIMUM);
    expect(h).toBeLessThan(g);
    expect(Math.abs(h - f)).toBeLessThan(1e-4);
    expect(Math.abs((refined?.w1 as number) - 0.5)).toBeLessThan(1e-6);
    expect(Math.abs((refined?.w2 as number) - 2)).toBeLessThan(1e-3);
  });
});

describe('eoslab stable-set', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'eoslab-stable-set-'));
  const io = (): CliIo & { text: () => string } => {
    let out = '';
    return { out: (t) => (out += t), err: () => {}, interactive: false, text: () => out };
  };

  it('writes the figures, loadable .npy arrays and a manifest', async () => {
    const out = join(scratch, 'fig7');
    const parsed = parseCommandArgs(stableSetCommand, ['--resolution', '61', '--out', out]);
    const sink = io();
    expect(await stableSetCommand.run(parsed.values, sink, parsed.given)).toBe(0);
    expect(sink.text()).toMatch(/min loss on ℳ off minima\s+0\.1[23]/);
    const files = readdirSync(out).sort();
    for (const f of [
      'stable_set.png',
      'stable_set.svg',
      'stable_set_loss.png',
      'stable_set_loss.svg',
      'manifest.json',
      'code.npy',
      'zeros.npy',
    ]) {
      expect(files).toContain(f);
    }
    const npy = readFileSync(join(out, 'sharpness.npy'));
    expect(npy.subarray(1, 6).toString('latin1')).toBe('NUMPY');
    expect(npy.toString('latin1', 10, 80)).toContain("'shape': (61, 61)");
    const png = readFileSync(join(out, 'stable_set.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      command: string;
      options: { eta: number; fixed: number; rows: number };
      summary: { smallestNonMinimumLoss: { loss: number }; parametrisation: string };
    };
    expect(manifest.command).toBe('stable-set');
    expect(manifest.options).toMatchObject({ eta: 0.1, fixed: 0.5, rows: 61 });
    expect(manifest.summary.smallestNonMinimumLoss.loss).toBeGreaterThan(0.125);
    expect(manifest.summary.parametrisation).toMatch(/slice/);
  });

  it('--json reports the smallest loss and the counts', async () => {
    const parsed = parseCommandArgs(stableSetCommand, [
      '--json',
      '--resolution',
      '41',
      '--eta',
      '0.2',
      '--fixed',
      '0.4',
      '--out',
      join(scratch, 'json'),
    ]);
    const sink = io();
    expect(await stableSetCommand.run(parsed.values, sink, parsed.given)).toBe(0);
    const json = JSON.parse(sink.text()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'counts',
        'smallestNonMinimumLoss',
        'refinedSmallestNonMinimumLoss',
        'derivedNonMinimumLossInfimum',
      ]),
    );
    expect((json.grid as { fixed: number }).fixed).toBe(0.4);
  });

  it('has help with the defaults', () => {
    expect(parseCommandArgs(stableSetCommand, ['--help']).help).toBe(true);
    expect(STABLE_SET_OPTIONS.resolution.default).toBe(301);
  });

  it('bad input names the option and the value, and writes nothing', async () => {
    const bad: [string[], RegExp][] = [
      [['--fixed', '-1'], /invalid --fixed: -1 \(expected a finite number > 0\)/],
      [['--eta', '0'], /invalid --eta: 0 /],
      [['--x-range', '3,1'], /invalid --x-range: "3,1"/],
      [['--min-loss', '0'], /invalid --min-loss: 0 /],
      [['--resolution', '1'], /invalid --resolution: 1 /],
      [['--refine', '2.5'], /invalid --refine: 2.5 /],
      [['--bogus', '1'], /unknown option --bogus/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseCommandArgs(stableSetCommand, argv)).toThrow(message);
    }
    expect(() => resolveStableSetOptions({ resolution: 10, rows: 5 })).toThrow(EoslabError);
    const conflicting = parseCommandArgs(stableSetCommand, [
      '--resolution',
      '10',
      '--rows',
      '5',
      '--out',
      join(scratch, 'never'),
    ]);
    await expect(stableSetCommand.run(conflicting.values, io(), conflicting.given)).rejects.toThrow(
      /give either resolution or rows\/cols/,
    );
    expect(() => resolveStableSetOptions({ fixed: Number.NaN })).toThrow(/invalid fixed: NaN/);
    expect(existsSync(join(scratch, 'never'))).toBe(false);
  });
});
