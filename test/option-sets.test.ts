/**
 * Option sets (src/base/optionSet.ts): defaults written once, resolved and checked the same way by
 * the library and the CLI; and the one Ctrl-C helper of the CLI (src/cli/cancel.ts).
 */
import { describe, expect, it } from 'vitest';
import { resolveTrajectoryOptions, TRAJECTORY_OPTIONS } from '../src/api.js';
import { aborted, EoslabError } from '../src/base/errors.js';
import { OPTIONS } from '../src/base/options.js';
import {
  defaultsOf,
  defineOptions,
  derived,
  omit,
  pick,
  resolveOptions,
  type OptionSet,
} from '../src/base/optionSet.js';
import { commandHelp, parseCommandArgs, type Command } from '../src/cli/args.js';
import { withCancellation } from '../src/cli/cancel.js';
import { COMMANDS } from '../src/cli/main.js';
import { AXIS_OPTIONS, ORBIT_OPTIONS, resolveOrbitSettings } from '../src/experiments/bifurcation/settings.js';
import { CHECK_OPTIONS, resolveCheckOptions } from '../src/experiments/check/settings.js';
import { NET_OPTIONS, resolveFcnetOptions } from '../src/experiments/net/experiment.js';
import { HEATMAP_OPTIONS, resolveHeatmapOptions } from '../src/experiments/heatmap/resolve.js';
import { REGRESSION_OPTIONS, resolveRegressionOptions } from '../src/experiments/regression/experiment.js';
import { resolveStableSetOptions, STABLE_SET_OPTIONS } from '../src/experiments/stableSet/stableSet.js';

const command = (name: string): Command => {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name}`);
  return c;
};

describe('resolveOptions', () => {
  const set = defineOptions({
    seeds: { spec: OPTIONS.seeds, default: 8 },
    orbitSteps: { spec: OPTIONS.orbitSteps, default: 2000 },
    keep: {
      spec: OPTIONS.keep,
      default: derived('128, at most N', (o: { orbitSteps: number }) => Math.min(128, o.orbitSteps)),
    },
    thresholds: { spec: OPTIONS.thresholds, default: [0.3, 0.5] },
    rows: { spec: OPTIONS.rows },
  });

  it('applies constant and derived defaults in order, and keeps given values', () => {
    expect(resolveOptions(set, {})).toEqual({
      seeds: 8,
      orbitSteps: 2000,
      keep: 128,
      thresholds: Float64Array.from([0.3, 0.5]),
      rows: undefined,
    });
    const r = resolveOptions(set, { orbitSteps: 50, rows: 3, extra: 'ignored' } as never);
    expect(r.keep).toBe(50); // derived from the given orbitSteps
    expect(r.rows).toBe(3);
    expect(r).not.toHaveProperty('extra');
    expect(resolveOptions(set, { keep: 7 }).keep).toBe(7);
  });

  it('checks given values and defaults, naming the option and the value', () => {
    expect(() => resolveOptions(set, { seeds: 0 })).toThrow('invalid seeds: 0 (expected an integer >= 1 and <= 1024)');
    expect(() => resolveOptions(set, { thresholds: [2] })).toThrow(/invalid thresholds: \[2\]/);
    // a derived default outside its option's range is refused like a given value (K ≥ 2)
    expect(() => resolveOptions(set, { orbitSteps: 1 })).toThrow('invalid keep: 1 (expected an integer >= 2');
    expect(() => resolveOptions(set, null as never)).toThrow(EoslabError);
    expect(() => resolveOptions(set, 'x' as never)).toThrow(/invalid options: "x"/);
  });

  it('pick, omit and defaultsOf keep the entries themselves', () => {
    expect(pick(set, 'rows', 'seeds')).toEqual({ rows: set.rows, seeds: set.seeds });
    expect(Object.keys(pick(set, 'rows', 'seeds'))).toEqual(['rows', 'seeds']);
    expect(Object.keys(omit(set, 'keep', 'rows'))).toEqual(['seeds', 'orbitSteps', 'thresholds']);
    expect(defaultsOf(set)).toEqual({ seeds: 8, orbitSteps: 2000, thresholds: [0.3, 0.5] });
  });
});

describe('each default is written once: commands take their options from the experiments’ sets', () => {
  const cases: [string, OptionSet, string[]][] = [
    ['heatmap', HEATMAP_OPTIONS, []],
    ['trajectory', TRAJECTORY_OPTIONS, []],
    ['check', CHECK_OPTIONS, ['lemma312Constant', 'thm33SmallLoss', 'thm33GapConstant', 'gpgdNeighbourhood']],
    ['stable-set', STABLE_SET_OPTIONS, []],
    ['regression', REGRESSION_OPTIONS, ['divergeAt']],
    ['net', NET_OPTIONS, []],
    ['fcnet', NET_OPTIONS, ['arch', 'width']],
    ['bifurcation', pick(ORBIT_OPTIONS, 'orbitSteps', 'keep', 'maxPeriod', 'periodTol', 'divergeAt'), []],
  ];
  it.each(cases)('eoslab %s', (name, set, libraryOnly) => {
    const c = command(name);
    for (const [key, entry] of Object.entries(set)) {
      if (libraryOnly.includes(key)) {
        expect(c.optionSet[key], key).toBeUndefined();
        continue;
      }
      // the very entry of the experiment's set: its spec, default and help
      expect(c.optionSet[key], key).toBe(entry);
    }
  });

  it('eoslab bifurcation: the orbit method and the axis points keep the experiment’s defaults', () => {
    const set = command('bifurcation').optionSet;
    expect(set.method?.default).toBe(ORBIT_OPTIONS.method.default);
    expect(set.points?.default).toBe(AXIS_OPTIONS.points.default);
  });
});

describe('the CLI and the library resolve the same defaults', () => {
  const cli = (name: string, argv: string[] = []): Record<string, unknown> =>
    parseCommandArgs(command(name), argv).values;

  it('check, stable-set, regression, fcnet, orbits', () => {
    expect(resolveCheckOptions(cli('check'))).toEqual(resolveCheckOptions({}));
    expect(resolveStableSetOptions(cli('stable-set'))).toEqual(resolveStableSetOptions({}));
    expect(resolveRegressionOptions(cli('regression'))).toEqual(resolveRegressionOptions({}));
    expect(resolveFcnetOptions(cli('fcnet'))).toEqual(resolveFcnetOptions({}));
    expect(resolveOrbitSettings(cli('bifurcation'))).toEqual(resolveOrbitSettings({}));
    // a derived default follows the option it depends on in both
    expect(resolveOrbitSettings(cli('bifurcation', ['--orbit-steps', '40']))).toEqual(
      resolveOrbitSettings({ orbitSteps: 40 }),
    );
  });

  it('heatmap and trajectory (the preset’s values)', () => {
    const { preset: _preset, ...viaCli } = resolveHeatmapOptions(cli('heatmap'));
    expect(viaCli).toEqual(resolveHeatmapOptions({}));
    const fig9 = cli('trajectory', ['--preset', 'fig9']);
    expect(fig9.steps).toBe(30);
    expect(fig9.zoom).toBe(100);
    expect(resolveTrajectoryOptions(fig9)).toEqual(resolveTrajectoryOptions({ preset: 'fig9' }));
  });

  it('help shows constant defaults as values and the others in words', () => {
    const help = commandHelp(command('bifurcation'));
    expect(help).toMatch(/--orbit-steps <int>\s+GPGD steps N per orbit \[default: 2000\]/);
    expect(help).toMatch(/--keep <int>.*\[default: 128, at most N\]/);
    expect(help).toMatch(/--out <path>\s+output directory \[default: out\/bifurcation, out\/fig10 or out\/fig11\]/);
    expect(commandHelp(command('heatmap'))).toMatch(/--eta <number>.*\[default: 0\.1 \(the preset’s\)\]/);
  });
});

describe('withCancellation (Ctrl-C)', () => {
  it('aborts the run on SIGINT, says how to resume, finishes the progress and removes its handler', async () => {
    const before = process.listenerCount('SIGINT');
    let finished = 0;
    const run = withCancellation(
      async (signal) => {
        expect(process.listenerCount('SIGINT')).toBe(before + 1);
        process.emit('SIGINT');
        expect(signal.aborted).toBe(true);
        throw aborted('the run');
      },
      { progress: { finish: () => finished++ }, resume: () => '3 tiles are saved in X; run the same command again' },
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EoslabError);
    expect((error as EoslabError).code).toBe('E_ABORTED');
    expect((error as EoslabError).exitCode).toBe(130);
    expect((error as EoslabError).message).toBe('3 tiles are saved in X; run the same command again');
    expect(finished).toBe(1);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('passes results and other errors through unchanged', async () => {
    const before = process.listenerCount('SIGINT');
    await expect(withCancellation(async (signal) => signal.aborted)).resolves.toBe(false);
    const other = new EoslabError('E_IO', 'disk full');
    await expect(withCancellation(async () => Promise.reject(other), { resume: () => 'x' })).rejects.toBe(other);
    // without a resume note the abort error itself is kept
    const plain = aborted('the check');
    await expect(withCancellation(async () => Promise.reject(plain))).rejects.toBe(plain);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
