/**
 * Argument vectors for fuzzing the CLI: every command's own flags with valid (small) or garbage
 * values, in `--flag value` or `--flag=value` form, plus unknown flags, stray words, repeated and
 * dangling flags, in random order. `--out` is chosen by the test (a fresh path in a scratch
 * directory, an existing empty directory, or a bad value) so that nothing is written elsewhere.
 */
import fc from 'fast-check';
import type { Command } from '../../src/cli/args.js';

const num = (min: number, max: number): fc.Arbitrary<string> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((x) => String(x));
const int = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map(String);
const list = (min: number, max: number, lo: number, hi: number): fc.Arbitrary<string> =>
  fc.array(num(lo, hi), { minLength: min, maxLength: max }).map((xs) => xs.join(','));
const range = (lo: number, hi: number): fc.Arbitrary<string> =>
  fc.tuple(num(lo, hi), num(lo, hi)).map(([a, b]) => `${Math.min(+a, +b)},${Math.max(+a, +b)}`);

/** Flags whose value scales the work: always given (a valid small value or a garbage one). */
export const SIZE_FLAGS: ReadonlySet<string> = new Set([
  'max-steps',
  'steps',
  'samples',
  'orbit-steps',
  'seeds',
  'n',
  'd',
  'workers',
  'hidden',
  'flow-steps',
]);

/** Flags a command needs to do anything (given in the clean mode, so that it runs). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = { gfs: ['w'], gpgd: ['w', 'eta'] };

/** Valid, cheap values per flag (strings as typed on the command line). */
const VALID: Readonly<Record<string, fc.Arbitrary<string>>> = {
  w: fc.oneof(list(2, 6, -3, 3), fc.constantFrom('1.2,0.8,1.1,0.9', '1,1', '-1,2,0.5', '0,0,0')),
  eta: fc.oneof(fc.constantFrom('0.1', '0.05', '0.5', '1', '2', '1e-3'), num(1e-3, 3)),
  steps: int(1, 40),
  phi0: fc.oneof(num(2, 40), fc.constantFrom('26', '20.25', '4')),
  p0: fc.oneof(num(0.05, 5), fc.constantFrom('1.5', '1', '3.06')),
  direction: fc.constantFrom('1,-1', '1,1,-1,-1', '2,-1,-1', '1,0,-1', '1,1,1,-3'),
  depth: int(2, 6),
  tol: fc.constantFrom('0', '1e-14', '1e-6', '0.1'),
  'diverge-at': fc.constantFrom('1e6', '10', '2', '1e300'),
  zoom: int(2, 30),
  resolution: int(2, 5),
  rows: int(2, 5),
  cols: int(2, 5),
  'phi-range': fc.oneof(range(2, 40), fc.constantFrom('4.05,34', '18,31', '20,20.000000000000004')),
  'product-range': fc.oneof(range(0.01, 6), fc.constantFrom('0.05,5', '1,1.0000000000000002', '1e-300,2e-300')),
  slice: fc.oneof(list(2, 5, -2, 2), fc.constantFrom('1,1,-1,-1', '0.5,0.5,0.5')),
  axes: fc.constantFrom('1,2', '2,1', '1,3', '3,4', '1,1', '2,5'),
  'x-range': fc.oneof(range(-3, 3), fc.constantFrom('0,3', '1,1.0000000000000002', '-1e-300,1e-300')),
  'y-range': fc.oneof(range(-3, 3), fc.constantFrom('0,3', '2,2.0000000000000004')),
  'max-steps': int(1, 300),
  'tile-size': int(1, 64),
  workers: fc.constant('0'),
  points: int(1, 6),
  'orbit-steps': int(1, 64),
  keep: int(2, 32),
  'max-period': int(1, 16),
  'period-tol': fc.constantFrom('1e-7', '0.1', '0.5', '1e-300'),
  fixed: fc.oneof(num(0.05, 2), fc.constantFrom('0.5')),
  'min-loss': fc.constantFrom('1e-8', '0.01', '1e-300'),
  refine: int(0, 3),
  samples: int(1, 4),
  seed: fc.oneof(int(0, 5), fc.constant('4294967295')),
  seeds: int(1, 2),
  n: int(1, 3),
  d: int(1, 5),
  alpha: fc.oneof(num(0.1, 3), fc.constantFrom('1', '0.05')),
  'x-mean': fc.oneof(num(-3, 3), fc.constantFrom('0', '1.5')),
  v0: fc.oneof(num(0.01, 1), fc.constantFrom('0.1', '1')),
  thresholds: fc.oneof(fc.constantFrom('0.7,0.9', '0.5', '0.1,0.99'), list(1, 3, 0.01, 0.99)),
  'loss-tol': fc.constantFrom('1e-6', '1e-3', '1e-300'),
  shard: fc.constantFrom('1/1', '1/2', '2/2', '1/3', ' 2 / 3 '),
  'shard-count': int(1, 3),
  activation: fc.constantFrom('tanh', 'relu', 'hardtanh', 'elu', 'softplus', 'tanh,elu'),
  hidden: fc.constantFrom('4,4', '3', '2,3,2'),
  // conv nets: narrow (with --arch fc an error: exit 2)
  width: fc.constantFrom('0.0625', '0.125', '0.25'),
  'gfs-every': int(1, 20),
  's-every': int(1, 20),
  'loss-threshold': fc.constantFrom('0.01', '0.5', '1e-300', '1e300'),
  'flow-steps': int(0, 5),
  'rk4-alpha': fc.constantFrom('1', '0.5', '2.5'),
  'sharpness-every': int(1, 5),
  'sensitivity-records': int(0, 3),
  // the image source: a directory that is not there or not in the format is an error (exit 2)
  data: fc.constantFrom('mnist', 'cifar10:/nonexistent-eoslab-data', 'npy:.', 'cifar10:.'),
  'data-offset': int(0, 20),
  'data-classes': fc.constantFrom('0,1', '3', '1,5,9', '9,1', '10'),
  'input-size': fc.constantFrom('14', '7x14', '28', '4', '29'),
};

/** Garbage values for any flag. None is a large valid size: they fail validation or are ≤ 1. */
export const GARBAGE_VALUES: readonly string[] = [
  '',
  ' ',
  '-1',
  '-0',
  '0',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '1e308',
  '1e309',
  '-1e308',
  '5e-324',
  '4.9e-324',
  '1e-400',
  'abc',
  '1,2',
  ',',
  '1,,2',
  '0x10',
  '1_0',
  '+1',
  '.5',
  '5.',
  '1e',
  'e5',
  '١',
  '１',
  '--1',
  '\t1',
  '1 2',
  'true',
  'null',
  'undefined',
  '[1,2]',
  'fig3',
  'constructor',
  '__proto__',
  Array.from({ length: 65 }, () => '1').join(','),
  '1,2,3,4,5,6,7,8,9',
  'NaN,1',
  '1,Infinity',
  '2,1',
  '1e308,-1e308',
  '0/1',
  '2/1',
  '1/0',
  '1/1e3',
  '-1/2',
];

const garbageValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...GARBAGE_VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).filter((s) => !/^\s*\+?\d/.test(s)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: -1000, max: -1 }).map(String),
  },
);

function choicesOf(valueName: string): string[] | undefined {
  const m = /^<([a-z0-9-]+(?:\|[a-z0-9-]+)+)>$/.exec(valueName) ?? /^<(fig3)>$/.exec(valueName);
  return m ? (m[1] as string).split('|') : undefined;
}

function validValue(flag: string, valueName: string): fc.Arbitrary<string> {
  const choices = choicesOf(valueName);
  if (choices) return fc.constantFrom(...choices);
  const v = VALID[flag];
  if (v) return v;
  throw new Error(`fuzz-cli: no valid-value generator for --${flag}; add one to VALID`);
}

/** Tokens of one flag: `--flag value`, `--flag=value`, a boolean flag, or a dangling flag. */
function flagTokens(flag: string, valueName: string, value: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  if (valueName === '') {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant<string[]>([`--${flag}`]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<string[]>(
          [`--${flag}=true`],
          [`--${flag}=false`],
          [`--${flag}=yes`],
          [`--${flag}=`],
        ),
      },
    );
  }
  return fc.tuple(value, fc.boolean()).map(([v, eq]) => (eq ? [`--${flag}=${v}`] : [`--${flag}`, v]));
}

/**
 * Placeholders for positional paths: a missing path, an empty directory, a file, a directory with
 * a fake eoslab manifest, and the two shards of a real sharded heatmap (and their parent).
 */
export const POSITIONALS = ['@missing', '@empty', '@file', '@junk', '@shard1', '@shard2', '@shards'] as const;

export type OutKind = 'fresh' | 'existing' | 'empty' | 'blank' | 'dangling' | 'none';

export interface CliCase {
  /** The argv after the command name, without --out. */
  readonly groups: readonly (readonly string[])[];
  readonly outKind: OutKind;
  /** Where to put the --out tokens among the groups. */
  readonly outAt: number;
}

/** Random argument groups for `command` (each group one flag with its value, or a garbage token). */
export function cliCase(command: Command): fc.Arbitrary<CliCase> {
  const hasOut = command.options.some((o) => o.spec.flag === 'out');
  const options = command.options.filter((o) => o.spec.flag !== 'out');
  // Per option: a valid-or-absent group (used by every mode) and a broken one (garbage value,
  // missing value, or repeated flag). Size flags are never absent: their defaults are expensive.
  const perOption = options.map((o) => {
    const { flag, valueName } = o.spec;
    const valid = flagTokens(flag, valueName, valueName === '' ? fc.constant('') : validValue(flag, valueName));
    const required = SIZE_FLAGS.has(flag) || (REQUIRED[command.name] ?? []).includes(flag);
    const validOrAbsent = required
      ? valid
      : fc.oneof({ weight: 1, arbitrary: valid }, { weight: 4, arbitrary: fc.constant<string[]>([]) });
    const broken = fc.oneof(
      { weight: 4, arbitrary: flagTokens(flag, valueName, garbageValue) },
      { weight: 1, arbitrary: fc.constant([`--${flag}`]) },
      { weight: 1, arbitrary: valid.map((t) => [...t, ...t]) },
    );
    return fc.tuple(validOrAbsent, broken);
  });
  const flags = options.map((o) => o.spec.flag);
  const extra = fc.oneof(
    fc.constantFrom(
      ['--nope'],
      ['--nope=1'],
      ['-x'],
      ['stray'],
      ['--'],
      ['-'],
      ['-1'],
      ['--ETA', '0.1'],
      ['--help'],
      ['-h'],
      ['--=1'],
      ['---eta', '0.1'],
    ),
    fc.constantFrom(...flags).map((f) => [`--${f.toUpperCase()}`, '1']),
  );
  const outKind: fc.Arbitrary<OutKind> = hasOut
    ? fc.oneof(
        { weight: 8, arbitrary: fc.constant<OutKind>('fresh') },
        { weight: 2, arbitrary: fc.constant<OutKind>('existing') },
        { weight: 1, arbitrary: fc.constantFrom<OutKind>('empty', 'blank', 'dangling') },
      )
    : fc.constant<OutKind>('none');
  // positional arguments (merge DIR…): placeholders the test turns into paths (see POSITIONALS)
  const positionals = command.positional
    ? fc.array(
        fc.constantFrom(...POSITIONALS).map((p) => [p]),
        { maxLength: 3 },
      )
    : fc.constant<string[][]>([]);
  // clean: valid flags only; one: exactly one broken flag or one garbage token; chaos: each flag
  // broken with probability 1/4, plus garbage tokens
  const mode = fc.constantFrom('clean', 'clean', 'one', 'one', 'one', 'chaos', 'chaos');
  const brokenMask = fc.array(fc.boolean(), { minLength: options.length, maxLength: options.length });
  return fc
    .tuple(
      fc.tuple(...perOption),
      mode,
      fc.nat(),
      brokenMask,
      fc.array(extra, { maxLength: 2 }),
      outKind,
      fc.nat(),
      positionals,
    )
    .chain(([opts, m, which, mask, more, kind, outAt, pos]) => {
      const pick = (i: number): boolean => {
        if (m === 'clean') return false;
        if (m === 'one') return which % (opts.length + 1) === i;
        return Boolean(mask[i]) && Boolean(mask[(i + 1) % mask.length]);
      };
      const chosen = opts.map(([ok, broken], i) => (pick(i) ? broken : ok));
      const garbage =
        m === 'chaos' ? more : m === 'one' && which % (opts.length + 1) === opts.length ? more.slice(0, 1) : [];
      const groups = [...chosen.filter((g) => g.length > 0), ...garbage, ...pos];
      // a grid command without --resolution/--rows/--cols would sweep its default 256² or 301² grid
      const gridFlags = /^--(resolution|rows|cols)(=|$)/;
      if (flags.includes('resolution') && !groups.some((g) => g.some((t) => gridFlags.test(t)))) {
        groups.push(['--resolution', String(2 + (which % 4))]);
      }
      return fc
        .shuffledSubarray(groups, { minLength: groups.length, maxLength: groups.length })
        .map((shuffled) => ({ groups: shuffled, outKind: kind, outAt: outAt % (shuffled.length + 1) }));
    });
}
