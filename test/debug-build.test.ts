/**
 * The debug WASM build (build/debug.wasm: asc without optimisation, assertions kept; written by
 * `npm run asbuild` next to build/release.wasm) runs a representative set of kernels through the
 * engines — scalar GFS, sharpness, a trajectory over two chunks, heatmap tiles with the SIMD and the
 * scalar sweep kernel, GPGD orbits, theorem checks; the regression GFS and a short run; the MLP
 * gradient, HVP, Lanczos and RK4 step on a tiny network — and must give bit for bit the results of
 * the release build: same source, and neither asc nor Binaryen reorders floating-point arithmetic
 * (no fast-math), so optimisation may not change a single bit.
 *
 * An assertion failing in the debug build calls the module's `env.abort`, which `instantiate` turns
 * into an E_WASM error, failing the test that ran the kernel (checked below on a planted abort).
 * The scalar kernels assert their depth argument (`assertDepth` in assembly/abi.ts: the static
 * scratch holds D ≤ 64); release builds compile the assertions away, debug builds abort — checked
 * below with D = 65, which the host never passes.
 */
import { describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { MlpEngine } from '../src/engines/mlp.js';
import { LocalBatch } from '../src/engines/mlpBatch.js';
import { MlpSolver } from '../src/engines/mlpSolver.js';
import { RegressionEngine } from '../src/engines/regression.js';
import { ScalarEngine } from '../src/engines/scalar.js';
import { runOrbitTask } from '../src/experiments/bifurcation/chunks.js';
import { resolveOrbitSettings } from '../src/experiments/bifurcation/settings.js';
import { runCheckTask } from '../src/experiments/check/task.js';
import { resolveCheckOptions } from '../src/experiments/check/settings.js';
import { runTile, smallFig3Grid } from '../src/experiments/heatmap/tile.js';
import { syntheticData } from '../src/experiments/regression/data.js';
import { WASM_FUNCTIONS } from '../src/wasm/abi.js';
import { instantiate, wasmBytes, wasmModule, wasmPath, type RawExports, type WasmBuild } from '../src/wasm/module.js';

/** Fields that measure time, not results. */
const TIMING_FIELDS = new Set(['kernelSeconds', 'initSeconds', 'summarySeconds']);

function hexBits(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

/**
 * The first difference between two results, compared bit for bit (numbers and Float64Array entries
 * by their IEEE-754 bits, so 0 ≠ −0 and NaN payloads count), or undefined when they are identical.
 */
function firstDifference(a: unknown, b: unknown, path = 'result'): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    return hexBits(a) === hexBits(b) ? undefined : `${path}: ${a} (0x${hexBits(a)}) ≠ ${b} (0x${hexBits(b)})`;
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor) return `${path}: ${a.constructor.name} ≠ ${b.constructor.name}`;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return `${path}.length: ${x.length} ≠ ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      const d = firstDifference(x[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}.length: ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !TIMING_FIELDS.has(k));
    for (const key of keys.sort()) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${path}: ${String(a)} ≠ ${String(b)}`;
}

/** Runs `compute` on a fresh instance of each build and expects bit-identical results. */
function expectSameOnBothBuilds<T>(compute: (raw: RawExports) => T): T {
  const results = (['release', 'debug'] as const satisfies readonly WasmBuild[]).map((build) =>
    compute(instantiate(wasmModule(build))),
  );
  expect(firstDifference(results[0], results[1])).toBeUndefined();
  return results[0] as T;
}

describe('the debug build', () => {
  it('is a separate, unoptimised build exporting exactly the release build’s functions', () => {
    expect(wasmPath('debug')).toMatch(/build[/\\]debug\.wasm$/);
    expect(wasmBytes('debug').length).toBeGreaterThan(2 * wasmBytes('release').length);
    const exported = (build: WasmBuild): string[] =>
      WebAssembly.Module.exports(wasmModule(build))
        .filter((e) => e.kind === 'function')
        .map((e) => e.name)
        .sort();
    expect(exported('debug')).toEqual([...WASM_FUNCTIONS].sort());
    expect(exported('release')).toEqual(exported('debug'));
    expect(() => wasmModule('fast' as WasmBuild)).toThrow(/invalid build: "?fast"? \(expected 'release' or 'debug'\)/);
  });

  it('surfaces an abort (a failed assertion) as an E_WASM error — planted in a hand-made module', () => {
    // (module (import "env" "abort" (func (param i32 i32 i32 i32)))
    //         (func (export "run") (call 0 (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 3))))
    const bytes = new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00, // header
      0x01,
      0x0b,
      0x02,
      0x60,
      0x04,
      0x7f,
      0x7f,
      0x7f,
      0x7f,
      0x00,
      0x60,
      0x00,
      0x00, // types
      0x02,
      0x0d,
      0x01,
      0x03,
      0x65,
      0x6e,
      0x76,
      0x05,
      0x61,
      0x62,
      0x6f,
      0x72,
      0x74,
      0x00,
      0x00, // import env.abort
      0x03,
      0x02,
      0x01,
      0x01, // function 1: () → ()
      0x07,
      0x07,
      0x01,
      0x03,
      0x72,
      0x75,
      0x6e,
      0x00,
      0x01, // export "run"
      0x0a,
      0x0e,
      0x01,
      0x0c,
      0x00,
      0x41,
      0x00,
      0x41,
      0x00,
      0x41,
      0x07,
      0x41,
      0x03,
      0x10,
      0x00,
      0x0b, // code
    ]);
    const raw = instantiate(new WebAssembly.Module(bytes)) as unknown as { run(): void };
    let error: unknown;
    try {
      raw.run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EoslabError);
    expect((error as EoslabError).code).toBe('E_WASM');
    expect((error as Error).message).toBe('WASM kernel aborted at 7:3');
  });

  it('checks its assertions: a scalar kernel called with D = 65 aborts (the release build does not check)', () => {
    const debug = instantiate(wasmModule('debug'));
    const w = new ScalarEngine(debug).arena.alloc(65 * 8);
    expect(() => debug.product(w, 65)).toThrow(EoslabError);
    expect(() => debug.product(w, 65)).toThrow(/aborted/);
    const release = instantiate(wasmModule('release'));
    const r = new ScalarEngine(release).arena.alloc(65 * 8);
    expect(() => release.product(r, 65)).not.toThrow();
  });

  it('the bitwise comparison can fail: one ulp, the sign of zero, a NaN, a length', () => {
    const result = { a: new Float64Array([1, 0, 2]), b: [{ x: 3 }], kernelSeconds: 1 };
    const same = { a: new Float64Array([1, 0, 2]), b: [{ x: 3 }], kernelSeconds: 2 };
    expect(firstDifference(result, same)).toBeUndefined();
    const ulp = { ...same, a: new Float64Array([1 + Number.EPSILON, 0, 2]) };
    expect(firstDifference(result, ulp)).toMatch(/^result\.a\[0\]: 1 \(0x3ff0000000000000\) ≠ 1\.0000000000000002/);
    expect(firstDifference(result, { ...same, a: new Float64Array([1, -0, 2]) })).toMatch(/^result\.a\[1\]/);
    expect(firstDifference(result, { ...same, b: [{ x: Number.NaN }] })).toMatch(/^result\.b\[0\]\.x/);
    expect(firstDifference(result, { ...same, a: new Float64Array([1, 0]) })).toBe('result.a.length: 3 ≠ 2');
    expect(firstDifference(result, { ...same, a: new Int32Array([1, 0, 2]) })).toMatch(/Float64Array ≠ Int32Array/);
  });
});

describe('debug build = release build, bit for bit', () => {
  const points = [
    [1.3, 0.9, -0.7, 1.1],
    [0.2, 3, 0.4, 1.6, 0.9, -1.2, 0.7],
    [1e-3, 50, 2, 0.5],
    [-1, 1, 1, 1], // π < 0: no GFS
  ];

  it('scalar model: L, ∇L, ∇²L, S (secular, Jacobi), GFS, GD/GPGD steps, 𝕊, RK4 flow', () => {
    expectSameOnBothBuilds((raw) => {
      const e = new ScalarEngine(raw);
      return points.map((w) => ({
        loss: e.loss(w),
        gradient: e.gradient(w),
        hessian: e.hessian(w),
        secular: e.sharpness(w, 'secular'),
        jacobi: e.sharpness(w, 'jacobi'),
        top: e.topEigenpair(w),
        gfs: e.gfs(w),
        gd: e.gdStep(w, 0.1),
        gpgd: e.gpgdStep(w, 0.1),
        invariantSet: e.invariantSet(w, 0.1),
        flow: e.gradientFlow(w, 0.05, 1e-10, 2000),
      }));
    });
  });

  it('trajectory driver over two chunks: the fig2 preset (D = 4, η = 0.1, (φ₀, p₀) = (26, 1.5), 3 000 rows)', () => {
    const result = expectSameOnBothBuilds((raw) => {
      const e = new ScalarEngine(raw);
      const w0 = e.initFromGfsSharpness([1, 1, -1, -1], 26, 1.5);
      return { w0, run: e.trajectory(w0, 0.1, 3000, 1e-12, 1e6) };
    });
    expect(result.run.rows).toBeGreaterThan(2048); // the second chunk ran
  });

  it('heatmap tiles: SIMD and scalar sweep kernels, sharpness and 𝕊 maps', () => {
    const grid = smallFig3Grid(8);
    const run = { eta: 0.1, tol: 1e-12, divergeAt: 1e6, maxSteps: 400 };
    const tiles = expectSameOnBothBuilds((raw) => {
      const e = new ScalarEngine(raw);
      return {
        simd: runTile(e, { grid, run, map: 'sharpness', kernel: 'simd', start: 0, count: 64 }),
        scalar: runTile(e, { grid, run, map: 'sharpness', kernel: 'scalar', start: 5, count: 37 }),
        invariantSet: runTile(e, { grid, run, map: 'invariant-set', kernel: 'simd', start: 0, count: 16 }),
      };
    });
    expect(new Set(tiles.simd.gdStatus).size).toBeGreaterThan(1); // more than one outcome on the tile
  });

  it('GPGD orbits: from points and over a φ axis', () => {
    const settings = resolveOrbitSettings({ eta: 0.1, orbitSteps: 400, keep: 64 });
    expectSameOnBothBuilds((raw) => {
      const e = new ScalarEngine(raw);
      return {
        points: runOrbitTask(e, {
          kind: 'points',
          settings,
          depth: 4,
          points: new Float64Array([
            ...(points[0] as number[]),
            ...(points[2] as number[]),
            ...(points[3] as number[]),
          ]),
          start: 0,
        }),
        axis: runOrbitTask(e, {
          kind: 'phi-axis',
          settings,
          direction: [1, 1, -1, -1],
          p0: 1.5,
          phi: Float64Array.from({ length: 12 }, (_, i) => 20.5 + i * 0.5),
          start: 0,
        }),
      };
    });
  });

  it('theorem checks on a few samples (GD runs and Lemma 3.13/3.14 GPGD points)', () => {
    const check = resolveCheckOptions({ samples: 6, steps: 600, workers: 0 });
    const result = expectSameOnBothBuilds((raw) => runCheckTask(new ScalarEngine(raw), { check, start: 0, count: 6 }));
    expect(result.gpgd.length).toBeGreaterThan(0);
  });

  it('regression model: GFS (Newton on ν) and a short GD run with S and φ per step', () => {
    const problem = syntheticData(6, 12, 3);
    const d = problem.d;
    const u = Float64Array.from({ length: d }, (_, i) => 0.8 + 0.05 * i);
    const v = Float64Array.from({ length: d }, (_, i) => (i % 3 === 0 ? -0.1 : 0.1));
    expectSameOnBothBuilds((raw) => {
      const e = new RegressionEngine(problem, raw);
      return {
        gfs: e.gfs(u, v),
        lanczos: e.sharpness(u, v, 'lanczos'),
        dense: e.sharpness(u, v, 'dense'),
        hvp: e.hessianVectorProduct(u, v, v, u),
        run: e.run(u, v, 0.05, { maxSteps: 40, lossTol: 1e-12 }),
      };
    });
  });

  it('MLP 5 → 4 → 3 → 2 (tanh, relu): gradient, HVP, shard sums, Lanczos, RK4 step, GD steps', async () => {
    const n = 7;
    const X = Float64Array.from({ length: n * 5 }, (_, i) => Math.sin(1.7 * i + 0.3));
    const Y = Float64Array.from({ length: n * 2 }, (_, i) => (i % 2 === (i >> 1) % 2 ? 1 : 0));
    for (const activation of ['tanh', 'relu'] as const) {
      const results: unknown[] = [];
      for (const build of ['release', 'debug'] as const satisfies readonly WasmBuild[]) {
        const e = new MlpEngine(
          { input: 5, hidden: [4, 3], output: 2, activation },
          { n, X, Y },
          instantiate(wasmModule(build)),
        );
        const solver = new MlpSolver(LocalBatch.of(e, 3), { raw: instantiate(wasmModule(build)) });
        const theta = e.initialParameters(11);
        const direction = e.initialParameters(12);
        results.push({
          gradient: e.gradient(theta),
          hvp: e.hessianVectorProduct(theta, direction),
          shardGradient: await solver.gradient(theta),
          lanczos: await solver.sharpness(theta, { tol: 1e-10 }),
          rk4: await solver.rk4Step(theta, 0.05),
          gd: await solver.gradientDescent(theta, 0.2, 20),
        });
      }
      expect(firstDifference(results[0], results[1])).toBeUndefined();
    }
  });
});
