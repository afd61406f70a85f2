/**
 * Input hardening (issue 7, item 5): property/fuzz tests that throw random and adversarial input
 * (NaN, ±Inf, −0, huge, denormal, empty, wrong lengths, wrong types, unknown keys, garbage flags)
 * at every public function of the package root and at every CLI command.
 *
 * Properties:
 * - library: each call returns a well-formed result (numeric fields are numbers, NaN allowed;
 *   statuses are data) or throws an EoslabError with an input-error code and a one-line message —
 *   never another exception type, never a hang (small sizes + a per-call time budget);
 * - CLI: exit 0, or exit 2 with exactly one `eoslab: error:` line and nothing on stdout; after a
 *   failure --out does not exist (or is unchanged if it existed); never an internal error, never
 *   a `*.tmp` / `.staging-*` / `.old-*` leftover.
 *
 * Deterministic: a fixed seed (FUZZ_SEED overrides it). `FUZZ_RUNS=<n>` multiplies every numRuns
 * (and the time budgets) by n for a longer local run (`npm run test:fuzz`). Triage aids, never in
 * CI: FUZZ_STATS=1 prints how the CLI cases ended, FUZZ_TRACE=<file> logs every CLI argv and
 * failure, FUZZ_EXCLUDE=nullproto,symbol leaves those value classes out to look past a known bug.
 *
 * Not fuzzed: ScalarEngine, RegressionEngine, SweepPool, Arena, instantiate/wasmModule (lower layers
 * without validation by design), and the functions that consume results rather than user input
 * (write*, *Svg, summarizeCheck, decodeCheckRun, formatCheckTable, checkReport, monotonicity,
 * normalisedChanges, runSeed, drawCheckSample).
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as eoslab from '../src/index.js';
import { COMMANDS } from '../src/cli/main.js';
import {
  checkCliOutcome,
  cli,
  cliInChild,
  expectLibraryOutcome,
  needsIsolation,
  removeQuietly,
  type OutPlan,
} from './helpers/fuzz-check.js';
import { cliCase } from './helpers/fuzz-cli.js';
import {
  anyNumber,
  anyValue,
  badSize,
  directionInput,
  etaInput,
  FUZZ_SCALE,
  garbage,
  optionsRecord,
  rangeInput,
  runs,
  smallInt,
  weightsInput,
  type KeySpec,
} from './helpers/fuzz-values.js';

const {
  loss,
  product,
  gradient,
  hessian,
  sharpness,
  gfs,
  gfsSharpness,
  gdStep,
  gpgdStep,
  gpgdMap1d,
  inInvariantSet,
  initFromGfsSharpness,
  defaultDirection,
  trajectory,
  gradientFlow,
  stabilityThreshold,
  checkWeights,
  checkDirection,
  resolveTrajectoryOptions,
  trajectoryPreset,
  heatmapPreset,
  statusLabel,
  heatmap,
  resolveHeatmapOptions,
  stableSet,
  resolveStableSetOptions,
  check,
  resolveCheckOptions,
  checkTrajectory,
  certifiedMember,
  gpgdLemmaCheck,
  verifyGpgdOrbit,
  bifurcationOverPhi,
  bifurcationFromPoints,
  sliceBifurcation,
  gpgdOrbit,
  detectPeriod,
  gdIterates,
  sliceFixedCMap,
  quasistaticSliceMap,
  gpgdMap1dDerivative,
  resolveOrbitSettings,
  resolvePhiAxisOptions,
  orbitStatusLabel,
  flattestSharpness,
  syntheticData,
  checkProblem,
  regressionExperiment,
  fcnetExperiment,
  resolveFcnetOptions,
  resolveRegressionOptions,
  EoslabError,
  TRAJECTORY_PRESETS,
  HEATMAP_PRESETS,
} = eoslab;

/** vitest timeout of one property (the CI numbers are far below; FUZZ_RUNS scales it). */
const TIMEOUT = 120_000 * FUZZ_SCALE;

// Work in a scratch directory: a CLI call that ignored --out would write here, not into the repo.
const scratch = mkdtempSync(join(tmpdir(), 'eoslab-fuzz-'));
/** A sharded 3×3 heatmap (2 shards) for `eoslab merge` to merge. */
const shardRoot = join(scratch, 'shards');
const SHARD_ENV = [
  'SLURM_ARRAY_TASK_ID',
  'SLURM_ARRAY_TASK_COUNT',
  'SLURM_ARRAY_TASK_MIN',
  'SLURM_ARRAY_TASK_MAX',
  'JOB_COMPLETION_INDEX',
];
let previousCwd = '';
const previousEnv: Record<string, string | undefined> = {};
beforeAll(async () => {
  previousCwd = process.cwd();
  process.chdir(scratch);
  // the shard index must come from the flags, not from the machine running the tests
  for (const name of SHARD_ENV) {
    previousEnv[name] = process.env[name];
    delete process.env[name];
  }
  for (const shard of ['1/2', '2/2']) {
    await cli([
      'heatmap',
      '--resolution',
      '3',
      '--max-steps',
      '50',
      '--workers',
      '0',
      '--shard',
      shard,
      '--out',
      shardRoot,
    ]);
  }
});
afterAll(() => {
  process.chdir(previousCwd);
  for (const name of SHARD_ENV) {
    if (previousEnv[name] === undefined) delete process.env[name];
    else process.env[name] = previousEnv[name];
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** Turns the positional placeholders of fuzz-cli.ts into paths (created in `dir`). */
function positionalPath(token: string, dir: string): string {
  switch (token) {
    case '@missing':
      return join(dir, 'missing');
    case '@empty':
      mkdirSync(join(dir, 'empty'), { recursive: true });
      return join(dir, 'empty');
    case '@file':
      writeFileSync(join(dir, 'file'), 'not a shard');
      return join(dir, 'file');
    case '@junk':
      mkdirSync(join(dir, 'junk'), { recursive: true });
      writeFileSync(join(dir, 'junk', 'manifest.json'), '{"tool":"eoslab","shard":{"index":1,"count":"x"}}');
      writeFileSync(join(dir, 'junk', 'final_sharpness.npy'), 'garbage');
      return join(dir, 'junk');
    case '@shard1':
      return join(shardRoot, 'shard-1-of-2');
    case '@shard2':
      return join(shardRoot, 'shard-2-of-2');
    case '@shards':
      return shardRoot;
    default:
      return token;
  }
}

// Casts for calling the typed API with arbitrary values.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyFn = (...args: any[]) => unknown;
const call =
  (fn: AnyFn) =>
  (...args: unknown[]): unknown =>
    fn(...args);
/* eslint-enable @typescript-eslint/no-explicit-any */

async function holds(label: string, thunk: () => unknown): Promise<void> {
  await expectLibraryOutcome(label, thunk);
}

// ---------------------------------------------------------------------------------------------
// Option specs (valid values are small so that a call stays cheap)
// ---------------------------------------------------------------------------------------------

const orbitKeys: Record<string, KeySpec> = {
  eta: { valid: fc.constantFrom(0.1, 0.05, 0.5) },
  orbitSteps: { valid: smallInt(1, 64), bad: badSize, required: true },
  keep: { valid: smallInt(2, 32), bad: badSize },
  maxPeriod: { valid: smallInt(1, 16), bad: badSize },
  periodTol: { valid: fc.constantFrom(1e-7, 0.1, 0.5, 1e-300) },
  divergeAt: { valid: fc.constantFrom(1e6, 2, 1e300) },
  method: { valid: fc.constantFrom('map', 'gpgd') },
};
const workersKey: KeySpec = { valid: fc.constant(0), bad: badSize, required: true };

const sliceInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({
    base: weightsInput,
    axes: fc.oneof(fc.constantFrom([0, 1], [1, 0], [0, 2], [1, 1], [0, 64], [-1, 0], [0.5, 1]), anyValue),
    xRange: rangeInput(-3, 3),
    yRange: rangeInput(-3, 3),
  }),
  garbage,
);

const heatmapKeys = (sizes: 'small' | 'any'): Record<string, KeySpec> => {
  const size = (lo: number, hi: number): KeySpec =>
    sizes === 'small' ? { valid: smallInt(lo, hi), bad: badSize } : { valid: fc.oneof(smallInt(lo, hi), anyNumber) };
  return {
    preset: { valid: fc.constantFrom('fig3'), bad: fc.oneof(garbage, fc.string()) },
    resolution: size(2, 5),
    rows: size(2, 5),
    cols: size(2, 5),
    eta: { valid: etaInput },
    depth: { valid: smallInt(2, 6) },
    direction: { valid: directionInput },
    phiRange: { valid: rangeInput(1, 40) },
    productRange: { valid: rangeInput(0, 6) },
    slice: { valid: sliceInput },
    maxSteps: sizes === 'small' ? { valid: smallInt(1, 300), bad: badSize, required: true } : size(1, 300),
    tol: { valid: fc.constantFrom(1e-14, 1e-6, 0, 0.1) },
    divergeAt: { valid: fc.constantFrom(1e6, 1.5, 1e300) },
    map: { valid: fc.constantFrom('sharpness', 'invariant-set') },
    kernel: { valid: fc.constantFrom('simd', 'scalar') },
    workers: sizes === 'small' ? workersKey : { valid: fc.oneof(fc.constant(0), anyNumber) },
    tileSize: { valid: smallInt(1, 64) },
  };
};

/** Heatmap options with a grid of at most 5×5 (resolution or rows + cols is always given). */
const smallHeatmapOptions = fc
  .tuple(optionsRecord(heatmapKeys('small'), { notAnObject: false }), fc.constantFrom('resolution', 'rowsCols', 'both'))
  .map(([o, which]) => {
    const options = o as Record<string, unknown>;
    if (which === 'resolution') {
      delete options.rows;
      delete options.cols;
      options.resolution ??= 3;
    } else if (which === 'rowsCols') {
      delete options.resolution;
      options.rows ??= 2;
      options.cols ??= 3;
    } else {
      options.resolution ??= 3;
      options.rows ??= 2;
    }
    return options;
  });

const stableSetKeys = (sizes: 'small' | 'any'): Record<string, KeySpec> => {
  const size: KeySpec = sizes === 'small' ? { valid: smallInt(2, 6), bad: badSize } : { valid: anyNumber };
  return {
    eta: { valid: etaInput },
    fixed: { valid: fc.oneof(fc.constantFrom(0.5, 1, 5e-324), fc.double({ min: 0.01, max: 3, noNaN: true })) },
    xRange: { valid: rangeInput(-3, 3) },
    yRange: { valid: rangeInput(-3, 3) },
    resolution: size,
    rows: size,
    cols: size,
    minLoss: { valid: fc.constantFrom(1e-8, 0.01, 1e-300) },
    refine: { valid: smallInt(0, 3), bad: sizes === 'small' ? badSize : anyValue },
  };
};

const smallStableSetOptions = fc
  .tuple(optionsRecord(stableSetKeys('small'), { notAnObject: false }), fc.constantFrom('resolution', 'rowsCols'))
  .map(([o, which]) => {
    const options = o as Record<string, unknown>;
    if (which === 'resolution') options.resolution ??= 3;
    else {
      options.rows ??= 3;
      options.cols ??= 2;
    }
    return options;
  });

const checkKeys = (sizes: 'small' | 'any'): Record<string, KeySpec> => ({
  depth: { valid: smallInt(2, 8) },
  eta: { valid: etaInput },
  samples: sizes === 'small' ? { valid: smallInt(1, 4), bad: badSize, required: true } : { valid: anyNumber },
  seed: { valid: fc.oneof(smallInt(0, 5), fc.constant(4294967295)) },
  steps: sizes === 'small' ? { valid: smallInt(1, 200), bad: badSize, required: true } : { valid: anyNumber },
  tol: { valid: fc.constantFrom(1e-14, 0, 1e-3) },
  divergeAt: { valid: fc.constantFrom(1e6, 2, 1e300) },
  lemma312Constant: { valid: fc.constantFrom(2, 0, 1e308) },
  thm33SmallLoss: { valid: fc.constantFrom(1e-2, 1e-300, 1e300) },
  thm33GapConstant: { valid: fc.constantFrom(1, 1e-300, 1e300) },
  gpgdNeighbourhood: { valid: fc.constantFrom(0.25, 1e-300, 10) },
  workers: sizes === 'small' ? workersKey : { valid: anyNumber },
});

const fcnetKeys = (sizes: 'small' | 'any'): Record<string, KeySpec> => {
  const s = (lo: number, hi: number): KeySpec =>
    sizes === 'small' ? { valid: smallInt(lo, hi), bad: badSize, required: true } : { valid: anyNumber };
  return {
    activation: {
      valid: fc.oneof(
        fc.constantFrom<unknown>('tanh', 'relu', ['elu', 'softplus'], ['hardtanh'], 'sigmoid', [], ['tanh', 'tanh']),
        fc.array(anyNumber, { maxLength: 3 }),
      ),
    },
    n: s(1, 3),
    data: { valid: fc.constantFrom<unknown>('mnist', 'cifar10:/nonexistent-eoslab-data', 'npy:.', 'svhn:x', '', 3) },
    dataOffset: { valid: fc.oneof(smallInt(0, 20), anyNumber) },
    dataClasses: { valid: fc.constantFrom<unknown>([0, 1], [3], [9, 1], [10], [], Float64Array.from([2, 4])) },
    inputSize: { valid: fc.constantFrom<unknown>(14, [7, 14], 28, 29, 0, [4], '16') },
    hidden:
      sizes === 'small'
        ? { valid: fc.constantFrom<unknown>([2, 3], [4], Float64Array.from([3, 3])), required: true }
        : { valid: fc.array(anyNumber, { maxLength: 9 }) },
    eta: { valid: fc.oneof(fc.constantFrom<unknown>(0.1, 1, 50, [0.1, 0.2], [0.1, 0.1]), anyNumber) },
    steps: s(1, 6),
    gfsEvery: { valid: fc.oneof(smallInt(1, 4), anyNumber) },
    sEvery: { valid: fc.oneof(smallInt(1, 4), anyNumber) },
    seed: { valid: fc.oneof(smallInt(0, 5), fc.constant(4294967295)) },
    lossThreshold: { valid: fc.constantFrom(1e-2, 0.5, 1e-300, 1e300) },
    flowSteps: s(0, 4),
    rk4Alpha: { valid: fc.constantFrom(1, 2.5, 0.1, 3) },
    sharpnessEvery: { valid: fc.oneof(smallInt(1, 4), anyNumber) },
    sensitivityRecords: { valid: fc.oneof(smallInt(0, 4), anyNumber) },
    divergeAt: { valid: fc.constantFrom(1e3, 2, 1e300) },
    workers: sizes === 'small' ? workersKey : { valid: anyNumber },
  };
};

const regressionKeys = (sizes: 'small' | 'any'): Record<string, KeySpec> => {
  const s = (lo: number, hi: number): KeySpec =>
    sizes === 'small' ? { valid: smallInt(lo, hi), bad: badSize, required: true } : { valid: anyNumber };
  return {
    seeds: s(1, 2),
    seed: { valid: fc.oneof(smallInt(0, 5), fc.constant(4294967295)) },
    n: s(1, 3),
    d: s(1, 5),
    xMean: { valid: fc.oneof(fc.constantFrom(0, 1.5, -100, 100), fc.double({ min: -3, max: 3, noNaN: true })) },
    alpha: { valid: fc.oneof(fc.constantFrom(1, 1e3, 5e-324, 0.05), fc.double({ min: 0.1, max: 3, noNaN: true })) },
    v0: { valid: fc.oneof(fc.constantFrom(0.1, 1), fc.double({ min: 0.01, max: 1, noNaN: true })) },
    thresholds: {
      valid: fc.oneof(
        fc.constantFrom([0.7, 0.9], [0.5], [0.999], Float64Array.from([0.8])),
        fc.array(anyNumber, { maxLength: 9 }),
      ),
    },
    eta: { valid: fc.constantFrom(0.1, 1, 1e-3, 50) },
    lossTol: { valid: fc.constantFrom(1e-6, 1e-3, 1e-300, 1e300) },
    maxSteps: s(1, 200),
    divergeAt: { valid: fc.constantFrom(1e6, 2, 1e300) },
    workers: sizes === 'small' ? workersKey : { valid: anyNumber },
  };
};

const trajectoryKeys = (sizes: 'small' | 'any'): Record<string, KeySpec> => ({
  w0: { valid: weightsInput },
  phi0: { valid: fc.oneof(fc.constantFrom(26, 20.25, 4, 2), fc.double({ min: 1, max: 40, noNaN: true })) },
  p0: { valid: fc.oneof(fc.constantFrom(1.5, 1, 3.06), fc.double({ min: 0.01, max: 6, noNaN: true })) },
  direction: { valid: directionInput },
  depth: { valid: smallInt(2, 6) },
  preset: { valid: fc.constantFrom('fig2', 'fig9'), bad: fc.oneof(garbage, fc.string()) },
  eta: {
    valid: fc.oneof(etaInput, fc.array(fc.oneof(fc.constant(0.1), anyNumber), { minLength: 0, maxLength: 45 })),
  },
  steps: sizes === 'small' ? { valid: smallInt(1, 40), bad: badSize, required: true } : { valid: anyNumber },
  tol: { valid: fc.constantFrom(0, 1e-14, 0.1) },
  divergeAt: { valid: fc.constantFrom(1e6, 2, 1e300) },
});

const phiAxisKeys: Record<string, KeySpec> = {
  ...orbitKeys,
  phi: {
    valid: fc.oneof(
      fc.array(fc.double({ min: 4, max: 40, noNaN: true }), { minLength: 1, maxLength: 5 }),
      fc.array(anyNumber, { maxLength: 5 }),
    ),
  },
  phiRange: { valid: rangeInput(2, 40) },
  points: { valid: smallInt(1, 6), bad: badSize },
  direction: { valid: directionInput },
  depth: { valid: smallInt(2, 6) },
  p0: { valid: fc.constantFrom(1.5, 0.5, 1, 5e-324, 1e300) },
  workers: workersKey,
};

/** A phi-axis / slice request never asks for the default 600 points without a small points value. */
function boundPoints(o: unknown): unknown {
  if (o && typeof o === 'object' && !('phi' in o) && !('points' in o)) (o as Record<string, unknown>).points = 3;
  return o;
}

const problemInput: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(smallInt(1, 3), smallInt(1, 5), fc.nat(), fc.oneof(fc.constant(null), anyNumber))
      .map(([n, d, seed, poison]) => {
        const p = syntheticData(n, d, seed);
        if (poison !== null) p.X[seed % p.X.length] = poison;
        return p;
      }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      n: fc.oneof(smallInt(0, 4), anyValue),
      d: fc.oneof(smallInt(0, 5), anyValue),
      X: fc.oneof(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 12 }).map((x) => Float64Array.from(x)),
        anyValue,
      ),
      y: fc.oneof(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 4 }).map((x) => Float64Array.from(x)),
        anyValue,
      ),
    }),
  },
  { weight: 1, arbitrary: garbage },
);

// ---------------------------------------------------------------------------------------------
// Library: scalar functions
// ---------------------------------------------------------------------------------------------

describe('fuzz: scalar-network functions', () => {
  const weightFns: [string, AnyFn][] = [
    ['loss', loss],
    ['product', product],
    ['gradient', gradient],
    ['hessian', hessian],
    ['gfs', gfs],
    ['gfsSharpness', gfsSharpness],
    ['checkWeights', checkWeights],
  ];
  for (const [name, fn] of weightFns) {
    it(`${name}(w) returns numbers or throws EoslabError, and leaves w unchanged`, async () => {
      await fc.assert(
        fc.asyncProperty(weightsInput, async (w) => {
          const before = Array.isArray(w) || ArrayBuffer.isView(w) ? Array.from(w as ArrayLike<unknown>) : undefined;
          await holds(name, () => call(fn)(w));
          if (before) expect(Array.from(w as ArrayLike<unknown>)).toEqual(before);
        }),
        runs(300),
      );
    });
  }

  it('sharpness(w, options)', async () => {
    const options = fc.oneof(
      fc.constant(undefined),
      optionsRecord({ method: { valid: fc.constantFrom('secular', 'jacobi') } }),
    );
    await fc.assert(
      fc.asyncProperty(weightsInput, options, async (w, o) => holds('sharpness', () => call(sharpness)(w, o))),
      runs(300),
    );
  });

  const weightEtaFns: [string, AnyFn][] = [
    ['gdStep', gdStep],
    ['gpgdStep', gpgdStep],
    ['inInvariantSet', inInvariantSet],
    ['certifiedMember', certifiedMember],
  ];
  for (const [name, fn] of weightEtaFns) {
    it(`${name}(w, eta)`, async () => {
      await fc.assert(
        fc.asyncProperty(weightsInput, etaInput, async (w, eta) => holds(name, () => call(fn)(w, eta))),
        runs(300),
      );
    });
  }

  const squaresInput = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom([1, 1], [4, 0.25], [2, 0.5, 1], [1e308, 1e-308], [5e-324, 1]) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 6 })
        .map((logs) => [...logs, -logs.reduce((a, b) => a + b, 0)].map(Math.exp)),
    },
    { weight: 2, arbitrary: weightsInput },
  );
  const xInput = fc.oneof(fc.constantFrom(1, 1.5, 0.5), anyValue);

  it('gpgdMap1d(u, eta, x) and gpgdMap1dDerivative(u, eta, x)', async () => {
    await fc.assert(
      fc.asyncProperty(squaresInput, etaInput, xInput, async (u, eta, x) => {
        await holds('gpgdMap1d', () => call(gpgdMap1d)(u, eta, x));
        await holds('gpgdMap1dDerivative', () => call(gpgdMap1dDerivative)(u, eta, x));
      }),
      runs(300),
    );
  });

  it('stabilityThreshold(eta), defaultDirection(depth), statusLabel, orbitStatusLabel', async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, async (v) => {
        await holds('stabilityThreshold', () => call(stabilityThreshold)(v));
        await holds('defaultDirection', () => call(defaultDirection)(v));
        await holds('statusLabel', () => call(statusLabel)(v));
        await holds('orbitStatusLabel', () => call(orbitStatusLabel)(v));
      }),
      runs(300),
    );
  });

  it('checkDirection(direction, depth?)', async () => {
    await fc.assert(
      fc.asyncProperty(directionInput, fc.oneof(fc.constant(undefined), smallInt(2, 6), anyValue), async (c, depth) =>
        holds('checkDirection', () => call(checkDirection)(c, depth)),
      ),
      runs(300),
    );
  });

  it('initFromGfsSharpness({ phi0, p0, direction, depth })', async () => {
    const keys = trajectoryKeys('any');
    const options = optionsRecord({
      phi0: keys.phi0 as KeySpec,
      p0: keys.p0 as KeySpec,
      direction: keys.direction as KeySpec,
      depth: keys.depth as KeySpec,
    });
    await fc.assert(
      fc.asyncProperty(options, async (o) => holds('initFromGfsSharpness', () => call(initFromGfsSharpness)(o))),
      runs(300),
    );
  });

  it('gradientFlow(w, { hScale, tol, maxSteps }) with small budgets', async () => {
    const options = optionsRecord(
      {
        hScale: { valid: fc.constantFrom(0.01, 0.1, 1, 1e-300, 1e300) },
        tol: { valid: fc.constantFrom(1e-28, 0, 1e-6) },
        maxSteps: { valid: smallInt(1, 2000), bad: badSize, required: true },
      },
      { notAnObject: false },
    );
    await fc.assert(
      fc.asyncProperty(weightsInput, options, async (w, o) => holds('gradientFlow', () => call(gradientFlow)(w, o))),
      runs(200),
    );
  });

  it('sliceFixedCMap, quasistaticSliceMap (scalars)', async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, etaInput, anyValue, async (a, eta, b) => {
        await holds('sliceFixedCMap', () => call(sliceFixedCMap)(a, eta, b));
        await holds('quasistaticSliceMap', () => call(quasistaticSliceMap)(a, eta, b));
      }),
      runs(300),
    );
  });

  it('trajectoryPreset / heatmapPreset: a known name, or E_UNKNOWN_PRESET for anything else', async () => {
    const names = fc.oneof(
      fc.constantFrom('fig2', 'fig9', 'fig3', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'),
      fc.string({ maxLength: 12 }),
      garbage,
    );
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        for (const [label, fn, known] of [
          ['trajectoryPreset', trajectoryPreset, TRAJECTORY_PRESETS],
          ['heatmapPreset', heatmapPreset, HEATMAP_PRESETS],
        ] as const) {
          const isKnown = typeof name === 'string' && Object.hasOwn(known, name);
          let accepted: unknown;
          try {
            accepted = call(fn)(name);
          } catch (error) {
            if (!(error instanceof EoslabError) || error.code !== 'E_UNKNOWN_PRESET') {
              throw new Error(`${label} threw ${String(error)} (expected EoslabError E_UNKNOWN_PRESET)`, {
                cause: error,
              });
            }
            if (isKnown) throw new Error(`${label} rejected the known preset ${String(name)}`, { cause: error });
            continue;
          }
          if (!isKnown) {
            throw new Error(
              `${label}(${JSON.stringify(name)}) accepted an unknown name, returning ${String(accepted)}`,
            );
          }
        }
      }),
      runs(200),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Library: runs, sweeps and experiments (tiny sizes, workers: 0)
// ---------------------------------------------------------------------------------------------

describe('fuzz: runs, sweeps and experiments', () => {
  it('trajectory(options) with small step counts', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(trajectoryKeys('small')), async (o) =>
        holds('trajectory', () => call(trajectory)(o)),
      ),
      runs(300),
    );
  });

  it('resolveTrajectoryOptions(options) (no run: any sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(trajectoryKeys('any')), async (o) =>
        holds('resolveTrajectoryOptions', () => call(resolveTrajectoryOptions)(o)),
      ),
      runs(300),
    );
  });

  it('heatmap(options) on grids of at most 5×5, workers 0', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(smallHeatmapOptions, async (o) => holds('heatmap', () => call(heatmap)(o))),
      runs(150),
    );
  });

  it('resolveHeatmapOptions(options) (no run: any sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(heatmapKeys('any')), async (o) =>
        holds('resolveHeatmapOptions', () => call(resolveHeatmapOptions)(o)),
      ),
      runs(300),
    );
  });

  it('stableSet(options) on grids of at most 6×6', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(smallStableSetOptions, async (o) => holds('stableSet', () => call(stableSet)(o))),
      runs(80),
    );
  });

  it('resolveStableSetOptions(options) (no run: any sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(stableSetKeys('any')), async (o) =>
        holds('resolveStableSetOptions', () => call(resolveStableSetOptions)(o)),
      ),
      runs(300),
    );
  });

  it('check(options) with ≤ 4 samples, workers 0', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(checkKeys('small'), { notAnObject: false }), async (o) =>
        holds('check', () => call(check)(o)),
      ),
      runs(150),
    );
  });

  it('resolveCheckOptions(options) (no run: any sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(checkKeys('any')), async (o) =>
        holds('resolveCheckOptions', () => call(resolveCheckOptions)(o)),
      ),
      runs(300),
    );
  });

  it('checkTrajectory(w0, options) with small step budgets', async () => {
    const keys = checkKeys('small');
    const options = optionsRecord(
      {
        eta: { valid: etaInput, required: true },
        steps: keys.steps as KeySpec,
        tol: keys.tol as KeySpec,
        divergeAt: keys.divergeAt as KeySpec,
        lemma312Constant: keys.lemma312Constant as KeySpec,
        membershipEta: { valid: etaInput },
      },
      { notAnObject: false },
    );
    await fc.assert(
      fc.asyncProperty(weightsInput, options, async (w, o) =>
        holds('checkTrajectory', () => call(checkTrajectory)(w, o)),
      ),
      runs(200),
    );
  });

  it('gpgdLemmaCheck(w, options) and verifyGpgdOrbit(errors, phi, eta)', async () => {
    const options = optionsRecord(
      {
        eta: { valid: etaInput, required: true },
        steps: { valid: smallInt(1, 300), bad: fc.oneof(badSize, fc.constant(8192)) },
      },
      { notAnObject: false },
    );
    await fc.assert(
      fc.asyncProperty(weightsInput, options, async (w, o) =>
        holds('gpgdLemmaCheck', () => call(gpgdLemmaCheck)(w, o)),
      ),
      runs(200),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(weightsInput, fc.array(anyNumber, { maxLength: 40 }), anyValue),
        fc.oneof(etaInput, anyValue),
        etaInput,
        async (errors, phi, eta) => holds('verifyGpgdOrbit', () => call(verifyGpgdOrbit)(errors, phi, eta)),
      ),
      runs(200),
    );
  });

  it('gdIterates(w0, eta, steps, divergeAt) with small step counts', async () => {
    await fc.assert(
      fc.asyncProperty(
        weightsInput,
        etaInput,
        fc.oneof(smallInt(1, 50), badSize),
        fc.oneof(fc.constant(undefined), fc.constantFrom(1e6, 2), anyValue),
        async (w, eta, steps, bound) => holds('gdIterates', () => call(gdIterates)(w, eta, steps, bound)),
      ),
      runs(200),
    );
  });

  it('gpgdOrbit(w, options) with short orbits', async () => {
    await fc.assert(
      fc.asyncProperty(weightsInput, optionsRecord(orbitKeys, { notAnObject: false }), async (w, o) =>
        holds('gpgdOrbit', () => call(gpgdOrbit)(w, o)),
      ),
      runs(200),
    );
  });

  it('detectPeriod(values, options)', async () => {
    const values = fc.oneof(
      fc.array(fc.oneof(fc.constantFrom(1, 2), anyNumber), { maxLength: 40 }),
      fc.array(anyNumber, { maxLength: 40 }).map((x) => Float64Array.from(x)),
      garbage,
    );
    const options = optionsRecord({
      maxPeriod: { valid: smallInt(1, 20), bad: anyValue },
      periodTol: { valid: fc.constantFrom(1e-7, 0.5) },
    });
    await fc.assert(
      fc.asyncProperty(values, fc.oneof(fc.constant(undefined), options), async (v, o) =>
        holds('detectPeriod', () => call(detectPeriod)(v, o)),
      ),
      runs(300),
    );
  });

  it('resolveOrbitSettings / resolvePhiAxisOptions (no run: any sizes)', async () => {
    const anySizes = optionsRecord({
      ...phiAxisKeys,
      orbitSteps: { valid: anyNumber },
      points: { valid: anyNumber },
      workers: { valid: anyNumber },
    });
    await fc.assert(
      fc.asyncProperty(anySizes, async (o) => {
        await holds('resolveOrbitSettings', () => call(resolveOrbitSettings)(o));
        await holds('resolvePhiAxisOptions', () => call(resolvePhiAxisOptions)(o));
      }),
      runs(300),
    );
  });

  it('bifurcationOverPhi(options): ≤ 6 φ values, short orbits, workers 0', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(phiAxisKeys, { notAnObject: false }).map(boundPoints), async (o) =>
        holds('bifurcationOverPhi', () => call(bifurcationOverPhi)(o)),
      ),
      runs(150),
    );
  });

  it('bifurcationFromPoints(options): ≤ 4 points, short orbits, workers 0', { timeout: TIMEOUT }, async () => {
    const points = fc.oneof(
      fc.array(weightsInput, { minLength: 0, maxLength: 4 }),
      fc
        .array(fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), anyNumber), { maxLength: 16 })
        .map((x) => Float64Array.from(x)),
      garbage,
    );
    const options = optionsRecord(
      {
        ...orbitKeys,
        points: { valid: points, required: true },
        depth: { valid: smallInt(2, 5) },
        workers: workersKey,
      },
      { notAnObject: false },
    );
    await fc.assert(
      fc.asyncProperty(options, async (o) => holds('bifurcationFromPoints', () => call(bifurcationFromPoints)(o))),
      runs(150),
    );
  });

  it('sliceBifurcation(options): ≤ 6 φ values, short orbits, workers 0', { timeout: TIMEOUT }, async () => {
    const { method: _method, direction: _direction, depth: _depth, ...rest } = phiAxisKeys;
    const options = optionsRecord(
      { ...rest, model: { valid: fc.constantFrom('exact', 'quasistatic'), required: true } },
      { notAnObject: false },
    ).map(boundPoints);
    await fc.assert(
      fc.asyncProperty(options, async (o) => holds('sliceBifurcation', () => call(sliceBifurcation)(o))),
      runs(150),
    );
  });

  it('syntheticData(n, d, seed) and checkProblem(problem)', async () => {
    const size = fc.oneof(smallInt(0, 5), badSize, fc.constantFrom(-0, 5e-324));
    await fc.assert(
      fc.asyncProperty(size, size, fc.oneof(smallInt(0, 9), anyValue), problemInput, async (n, d, seed, p) => {
        await holds('syntheticData', () => call(syntheticData)(n, d, seed));
        await holds('checkProblem', () => call(checkProblem)(p));
      }),
      runs(200),
    );
  });

  it('flattestSharpness(problem, options) on tiny problems', { timeout: TIMEOUT }, async () => {
    const options = fc.oneof(
      fc.constant(undefined),
      optionsRecord({
        gapTol: { valid: fc.constantFrom(1e-8, 1e-3, 1) },
        maxIterations: { valid: smallInt(1, 50), bad: badSize },
      }),
    );
    await fc.assert(
      fc.asyncProperty(problemInput, options, async (p, o) =>
        holds('flattestSharpness', () => call(flattestSharpness)(p, o)),
      ),
      runs(150),
    );
  });

  it('regressionExperiment(options): ≤ 2 seeds, n ≤ 3, d ≤ 5, workers 0', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(regressionKeys('small'), { notAnObject: false }), async (o) =>
        holds('regressionExperiment', () => call(regressionExperiment)(o)),
      ),
      runs(60),
    );
  });

  it('fcnetExperiment(options): n ≤ 3, tiny hidden layers, ≤ 6 steps, workers 0', { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(fcnetKeys('small'), { notAnObject: false }), async (o) =>
        holds('fcnetExperiment', () => call(fcnetExperiment)(o)),
      ),
      runs(40),
    );
  });

  it('resolveFcnetOptions(options) (no run: any sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(fcnetKeys('any')), async (o) =>
        holds('resolveFcnetOptions', () => call(resolveFcnetOptions)(o)),
      ),
      runs(300),
    );
  });

  it('resolveRegressionOptions(options) (no run: any sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(optionsRecord(regressionKeys('any')), async (o) =>
        holds('resolveRegressionOptions', () => call(resolveRegressionOptions)(o)),
      ),
      runs(300),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Library: hooks (signal, onProgress, engine, pool) of wrong types
// ---------------------------------------------------------------------------------------------

describe('fuzz: hooks of the wrong type', () => {
  const aborted = (): AbortSignal => AbortSignal.abort();
  const hook = fc.oneof(
    fc.constantFrom<unknown>(undefined, null, 1, 'x', {}, [], true),
    fc.constant(null).map(aborted),
    fc.constant(null).map(() => () => undefined),
  );
  it('the sharded heatmap for merge was built', () => {
    expect(readdirSync(shardRoot).sort()).toEqual(['shard-1-of-2', 'shard-2-of-2']);
  });
  const hooks = fc.record({ signal: hook, onProgress: hook }, { requiredKeys: [] });
  const cases: [string, (h: Record<string, unknown>) => unknown][] = [
    ['heatmap', (h) => heatmap({ resolution: 2, maxSteps: 5, workers: 0, ...h })],
    ['stableSet', (h) => stableSet({ resolution: 2, refine: 0, ...h })],
    ['check', (h) => check({ samples: 1, steps: 5, workers: 0, ...h })],
    ['trajectory', (h) => trajectory({ preset: 'fig2', steps: 3, ...h })],
    ['bifurcationOverPhi', (h) => bifurcationOverPhi({ phi: [20], orbitSteps: 4, workers: 0, ...h })],
    ['regressionExperiment', (h) => regressionExperiment({ seeds: 1, n: 1, d: 2, maxSteps: 5, workers: 0, ...h })],
    [
      'fcnetExperiment',
      (h) => fcnetExperiment({ n: 2, hidden: [2], steps: 2, flowSteps: 1, gfsEvery: 1, workers: 0, ...h }),
    ],
    ['stableSet engine', (h) => stableSet({ resolution: 2, refine: 0, engine: h.onProgress } as never)],
    ['checkTrajectory engine', (h) => checkTrajectory([1, 2], { eta: 0.1, steps: 3, engine: h.onProgress } as never)],
  ];
  for (const [name, run] of cases) {
    it(`${name}: signal / onProgress / engine of any type`, async () => {
      await fc.assert(
        fc.asyncProperty(hooks, async (h) => holds(name, () => run(h))),
        runs(40),
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// CLI: every command with random flags and garbage
// ---------------------------------------------------------------------------------------------

/** Commands that write an output directory with a manifest when --out is given. */
const WRITES_OUTPUT = new Set([
  'heatmap',
  'merge',
  'trajectory',
  'bifurcation',
  'stable-set',
  'check',
  'regression',
  'net',
  'fcnet',
]);
const CLI_RUNS: Readonly<Record<string, number>> = { gfs: 150, gpgd: 150 };

/** `FUZZ_STATS=1` prints how the CLI cases ended (to see that valid runs are exercised too). */
const stats = new Map<string, Map<string, number>>();
function tally(command: string, outcome: string): void {
  if (!process.env.FUZZ_STATS) return;
  const m = stats.get(command) ?? new Map<string, number>();
  m.set(outcome, (m.get(outcome) ?? 0) + 1);
  stats.set(command, m);
}
afterAll(() => {
  for (const [command, m] of stats) {
    const sorted = [...m].sort((a, b) => b[1] - a[1]);
    console.log(`${command}: ${sorted.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
});

describe('fuzz: CLI commands', () => {
  let counter = 0;
  // `serve` runs until stopped, so a valid invocation never exits: its flags are tested in
  // test/web.test.ts (bad --port / --host exit 2 with one line; a served page answers).
  for (const command of COMMANDS.filter((cmd) => cmd.name !== 'serve')) {
    it(
      `eoslab ${command.name} exits 0, or 2 with one error line and no output files`,
      { timeout: TIMEOUT },
      async () => {
        await fc.assert(
          fc.asyncProperty(cliCase(command), async (c) => {
            const dir = join(scratch, `cli-${counter++}`);
            mkdirSync(dir);
            try {
              let plan: OutPlan | undefined;
              let outTokens: string[] = [];
              let danglingOut = false;
              const target = join(dir, 'out');
              switch (c.outKind) {
                case 'fresh':
                  plan = { value: target, existed: false, isPath: true };
                  break;
                case 'existing':
                  mkdirSync(target);
                  plan = { value: target, existed: true, isPath: true };
                  break;
                case 'empty':
                  plan = { value: '', existed: false, isPath: false };
                  break;
                case 'blank':
                  plan = { value: '  ', existed: false, isPath: false };
                  break;
                case 'dangling':
                  danglingOut = true;
                  break;
                case 'none':
                  break;
              }
              if (plan) outTokens = ['--out', plan.value];
              const groups = [...c.groups];
              groups.splice(c.outAt, 0, outTokens);
              if (danglingOut) groups.push(['--out']);
              const argv = [command.name, ...groups.flat().map((t) => positionalPath(t, dir))];
              if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `${JSON.stringify(argv)}\n`);
              const r = needsIsolation(argv) ? cliInChild(argv, scratch) : await cli(argv);
              tally(
                command.name,
                r.code === 0 ? 'exit 0' : r.err.replace(/^eoslab: error: (invalid \S+|\S+ \S+).*$/s, '$1'),
              );
              try {
                checkCliOutcome(argv, r, dir, plan, WRITES_OUTPUT.has(command.name));
              } catch (error) {
                if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `FAILED: ${String(error)}\n`);
                throw error;
              }
            } finally {
              removeQuietly(dir);
            }
          }),
          runs(CLI_RUNS[command.name] ?? 60),
        );
      },
    );
  }

  it('unknown commands and top-level garbage exit 2 with one error line', async () => {
    const word = fc.oneof(
      fc.constantFrom(
        'heatmaps',
        'HEATMAP',
        'gfs ',
        '',
        '-',
        '--',
        '-x',
        '--json',
        'merge',
        'constructor',
        '__proto__',
      ),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(word, fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), async (name, rest) => {
        const known = ['-h', '--help', 'help', '--version', '-v', ...COMMANDS.map((cmd) => cmd.name)];
        if (known.includes(name)) return;
        const argv = [name, ...rest];
        const r = await cli(argv);
        checkCliOutcome(argv, r, scratch, undefined, false);
        expect(r.code).toBe(2);
      }),
      runs(200),
    );
  });
});

// Sanity: the error class the properties rely on is the package's.
it('EoslabError is exported from the package root', () => {
  expect(new EoslabError('E_OPTION', 'x')).toBeInstanceOf(Error);
});
