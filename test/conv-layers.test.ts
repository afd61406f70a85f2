/**
 * The derivatives of every convolutional layer (docs/model.md §7), on the plain-TypeScript
 * reference (src/engines/conv/reference.ts), against central finite differences of its own
 * forward pass on tiny shapes:
 *   backward    J_xᵀ ∂y, J_pᵀ ∂y   vs  ∂(∂yᵀ f)/∂(x, p) coordinate by coordinate;
 *   R-forward   J (R{x}, R{p})    vs  (f(x + h R{x}, p + h R{p}) − f(− h))/2h;
 *   R-backward                     vs  the same difference of the backward, ∂y moving by h R{∂y}.
 * Batch norm's coupling across samples (N = 3) is checked by perturbing one sample and looking at
 * the others, and a backward that ignores it is shown to fail the same check. ReLU/hardtanh inputs
 * and max-pool windows keep KINK_MARGIN from their kinks.
 */
import { describe, expect, it } from 'vitest';
import { Sfc32 } from '../src/base/random.js';
import { referenceLayer, type Direction } from '../src/engines/conv/reference.js';
import {
  along,
  centralDifference,
  dot,
  FD_STEP,
  gaussians,
  img,
  LAYER_CASES as CASES,
  type LayerCase,
  maxAbs,
  pointOf,
  relativeError,
  single,
  TOL_FD,
} from './helpers/conv-fixtures.js';

/** ∂(gyᵀ f)/∂z_j by central differences, for every coordinate j of one argument. */
function coordinateDifferences(value: Float64Array, evaluate: (moved: Float64Array) => number): Float64Array {
  return value.map((_, j) => {
    const at = (t: number): number => {
      const moved = Float64Array.from(value);
      moved[j] = (moved[j] as number) + t;
      return evaluate(moved);
    };
    return (at(FD_STEP) - at(-FD_STEP)) / (2 * FD_STEP);
  });
}

describe.each(CASES)('reference layer: $name', (c) => {
  const q = pointOf(c, 17);

  it('backward = central differences of ∂yᵀ f (input, other input, parameters)', () => {
    const a = q.layer.backward(q.x, q.other, q.p, q.gy);
    const phi = (x: Float64Array, other: Direction, p: Float64Array): number => dot(q.gy, q.layer.forward(x, other, p));
    const fdX = coordinateDifferences(q.x, (x) => phi(x, q.other, q.p));
    expect(relativeError(a.x, fdX)).toBeLessThan(TOL_FD);
    // γ = 0 cuts the input off (∂x = γ s h = 0); every other case has a non-trivial ∂x
    if (c.zeroGamma) expect(maxAbs(a.x)).toBe(0);
    else expect(maxAbs(a.x)).toBeGreaterThan(0);
    const fdP = coordinateDifferences(q.p, (p) => phi(q.x, q.other, p));
    expect(a.p.length).toBe(q.p.length);
    expect(relativeError(a.p, fdP)).toBeLessThan(TOL_FD);
    if (q.p.length > 0) expect(maxAbs(a.p)).toBeGreaterThan(0);
    if (q.other) {
      const fdOther = coordinateDifferences(q.other, (o) => phi(q.x, o, q.p));
      expect(relativeError(a.other as Float64Array, fdOther)).toBeLessThan(TOL_FD);
    } else {
      expect(a.other).toBeUndefined();
    }
  });

  it('R-forward = central differences of the forward along (R{x}, R{p})', () => {
    const r = q.layer.rForward(q.x, q.other, q.p, q.rx, q.rOther, q.rp);
    const fd = centralDifference((t) =>
      q.layer.forward(along(q.x, q.rx, t), along(q.other as Float64Array, q.rOther, t), along(q.p, q.rp, t)),
    );
    expect(relativeError(r, fd)).toBeLessThan(TOL_FD);
    expect(maxAbs(r)).toBeGreaterThan(0);
  });

  it('R-backward = central differences of the backward along (R{x}, R{p}, R{∂y})', () => {
    const r = q.layer.rBackward(q.x, q.other, q.p, q.rx, q.rOther, q.rp, q.gy, q.rgy);
    const moved = (t: number) =>
      q.layer.backward(
        along(q.x, q.rx, t),
        along(q.other as Float64Array, q.rOther, t),
        along(q.p, q.rp, t),
        along(q.gy, q.rgy, t),
      );
    expect(
      relativeError(
        r.x,
        centralDifference((t) => moved(t).x),
      ),
    ).toBeLessThan(TOL_FD);
    expect(
      relativeError(
        r.p,
        centralDifference((t) => moved(t).p),
      ),
    ).toBeLessThan(TOL_FD);
    if (q.other)
      expect(
        relativeError(
          r.other as Float64Array,
          centralDifference((t) => moved(t).other as Float64Array),
        ),
      ).toBeLessThan(TOL_FD);
    expect(maxAbs(r.x)).toBeGreaterThan(0);
  });
});

describe('batch norm couples the samples of the batch', () => {
  const n = 3;
  const shape = img(2, 2, 2);
  const resolved = single(shape, { kind: 'batchNorm', input: -1, epsilon: 1e-5 });
  const layer = referenceLayer(resolved, n);
  const rng = new Sfc32(5, 9);
  const perSample = 2 * 2 * 2;
  const x = gaussians(rng, n * perSample);
  const p = Float64Array.from([1.3, 0.7, 0.2, -0.4]);
  const sample = (a: Float64Array, i: number): Float64Array => a.subarray(i * perSample, (i + 1) * perSample);

  it('a perturbation of sample 0 moves the outputs of samples 1 and 2 (R-forward and finite differences agree)', () => {
    const rx = new Float64Array(n * perSample);
    rx.set(gaussians(rng, perSample), 0);
    const r = layer.rForward(x, undefined, p, rx, undefined, new Float64Array(4));
    const fd = centralDifference((t) => layer.forward(along(x, rx, t), undefined, p));
    expect(relativeError(r, fd)).toBeLessThan(TOL_FD);
    for (const i of [1, 2]) expect(maxAbs(sample(r, i))).toBeGreaterThan(1e-3);
  });

  it('the gradient of sample 2 outputs reaches sample 0 inputs (backward), and a per-sample backward fails', () => {
    const gy = new Float64Array(n * perSample);
    gy.set(gaussians(rng, perSample), 2 * perSample);
    const a = layer.backward(x, undefined, p, gy);
    const fd = coordinateDifferences(x, (moved) => dot(gy, layer.forward(moved, undefined, p)));
    expect(relativeError(a.x, fd)).toBeLessThan(TOL_FD);
    expect(maxAbs(sample(a.x, 0))).toBeGreaterThan(1e-3);
    // The same check fails for a backward that treats μ and σ² as constants: ∂x = γ s ∂y.
    const s = [0, 1].map((c) => {
      const values = Array.from({ length: n * 4 }, (_, k) => x[k * 2 + c] as number);
      const mu = values.reduce((u, v) => u + v, 0) / values.length;
      return 1 / Math.sqrt(values.reduce((u, v) => u + (v - mu) ** 2, 0) / values.length + 1e-5);
    });
    const naive = gy.map((g, k) => (p[k % 2] as number) * (s[k % 2] as number) * g);
    expect(relativeError(naive, fd)).toBeGreaterThan(100 * TOL_FD);
  });

  it('the R-backward carries the coupling too (sample 0 moves, sample 2 is observed)', () => {
    const rx = new Float64Array(n * perSample);
    rx.set(gaussians(rng, perSample), 0);
    const gy = new Float64Array(n * perSample);
    gy.set(gaussians(rng, perSample), 2 * perSample);
    const rgy = new Float64Array(n * perSample);
    const rp = Float64Array.from([0.3, -0.2, 0.5, 0.1]);
    const r = layer.rBackward(x, undefined, p, rx, undefined, rp, gy, rgy);
    const moved = (t: number) => layer.backward(along(x, rx, t), undefined, along(p, rp, t), gy);
    expect(
      relativeError(
        r.x,
        centralDifference((t) => moved(t).x),
      ),
    ).toBeLessThan(TOL_FD);
    expect(
      relativeError(
        r.p,
        centralDifference((t) => moved(t).p),
      ),
    ).toBeLessThan(TOL_FD);
    expect(maxAbs(sample(r.x, 1))).toBeGreaterThan(1e-3);
  });
});

describe('finite-difference checks can fail', () => {
  it('a conv backward with one weight tap transposed is caught', () => {
    const c = CASES[0] as LayerCase;
    const q = pointOf(c, 17);
    const a = q.layer.backward(q.x, q.other, q.p, q.gy);
    const wrong = Float64Array.from(a.p);
    [wrong[0], wrong[1]] = [wrong[1] as number, wrong[0] as number];
    const fdP = coordinateDifferences(q.p, (p) => dot(q.gy, q.layer.forward(q.x, q.other, p)));
    expect(relativeError(a.p, fdP)).toBeLessThan(TOL_FD);
    expect(relativeError(wrong, fdP)).toBeGreaterThan(100 * TOL_FD);
  });

  it('a ReLU point on the kink fails the check (why the inputs keep KINK_MARGIN)', () => {
    const resolved = single(img(1, 1, 1), { kind: 'activation', input: -1, activation: 'relu' });
    const layer = referenceLayer(resolved, 1);
    const x = Float64Array.of(0);
    const g = layer.backward(x, undefined, new Float64Array(0), Float64Array.of(1)).x;
    const fd = coordinateDifferences(x, (m) => layer.forward(m, undefined, new Float64Array(0))[0] as number);
    expect(Math.abs((g[0] as number) - (fd[0] as number))).toBeCloseTo(0.5, 12);
  });
});
