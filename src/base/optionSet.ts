/**
 * Option sets: the options one experiment or command takes, each an entry of the options table
 * (`OPTIONS` in options.ts: flag, description, validation) together with its default, written
 * once. `resolveOptions` checks an input object against a set — errors name the option and the
 * value — and applies the defaults, giving a typed object. The experiments resolve their options
 * with their sets, and the CLI derives its flags, `--help` and the README's option reference from
 * the same sets (src/cli/args.ts), so the library and the command line cannot disagree on a default.
 *
 * An entry's default is one of
 *  - a constant (`default: 8`; a list may be written as an array);
 *  - derived from the options before it in the set (`default: derived('text', (o) => …)`): a
 *    preset's value, a bound that depends on another option, the number of cores; `text` is what
 *    help prints;
 *  - none: the option resolves to `undefined`. `defaultText` then says, for help, how the
 *    experiment chooses the value from the context (e.g. "the preset's, else required").
 * Defaults are checked like given values (a derived one can fall outside the option's range).
 */
import { availableParallelism } from 'node:os';
import { invalidOption } from './errors.js';
import { MAX_WORKERS, type OptionSpec } from './options.js';

/** A default computed from the options resolved before it in its set. */
export class DerivedDefault<T> {
  readonly #compute: (resolved: Readonly<Record<string, unknown>>) => T;
  constructor(
    /** How help describes the default. */
    readonly text: string,
    compute: (resolved: Readonly<Record<string, unknown>>) => T,
  ) {
    this.#compute = compute;
  }
  /** The default, given the options resolved so far. */
  valueFor(resolved: Readonly<Record<string, unknown>>): T {
    return this.#compute(resolved);
  }
}

/**
 * A default derived from earlier options of the set; `compute` names the options it reads in its
 * parameter type (they must come before this entry in the set).
 */
export function derived<P extends object, T>(text: string, compute: (resolved: P) => T): DerivedDefault<T> {
  // the set resolves its entries in order, so the options `compute` reads are there
  return new DerivedDefault(text, compute as unknown as (resolved: Readonly<Record<string, unknown>>) => T);
}

/** The default worker count: this machine's cores (at most MAX_WORKERS). */
export const CORES = derived('the number of cores', () => Math.min(availableParallelism(), MAX_WORKERS));

/** How a constant default may be written: the option's type, or plain numbers for a list option. */
export type DefaultInput<T> = T extends Float64Array ? ArrayLike<number> : T;

export interface OptionEntry<T> {
  readonly spec: OptionSpec<T>;
  /** The value when the option is not given (see the file comment). */
  readonly default?: DefaultInput<T> | DerivedDefault<T> | DerivedDefault<T | undefined>;
  /** Without a default: how the experiment chooses the value (shown by help as "[default: …]"). */
  readonly defaultText?: string;
  /** This set's description of the option, instead of the table's. */
  readonly help?: string;
}

export type OptionSet = { readonly [key: string]: OptionEntry<unknown> };

/** The value type of an entry (its spec's). */
export type OptionValue<E> = E extends { readonly spec: OptionSpec<infer T> } ? T : never;

type DefaultOf<E> = E extends { readonly default: infer D } ? D : undefined;

/** An entry's resolved type: its value, or undefined when it has no default (or one that may be undefined). */
export type ResolvedValue<E> =
  DefaultOf<E> extends undefined
    ? OptionValue<E> | undefined
    : DefaultOf<E> extends DerivedDefault<infer R>
      ? undefined extends R
        ? OptionValue<E> | undefined
        : OptionValue<E>
      : OptionValue<E>;

/** The typed, validated options of a set with its defaults applied. */
export type Resolved<S> = { -readonly [K in keyof S]: ResolvedValue<S[K]> };

/** What a set accepts: any of its options, each unchecked. */
export type OptionInput<S> = { readonly [K in keyof S]?: unknown };

type ConstantKeys<S> = {
  [K in keyof S]: S[K] extends { readonly default: infer D } ? (D extends DerivedDefault<unknown> ? never : K) : never;
}[keyof S];

/** The constant defaults of a set, as written. */
export type Defaults<S> = { readonly [K in ConstantKeys<S>]: DefaultOf<S[K]> };

/**
 * Declares an option set (the identity, with types): each entry's default must fit its option.
 * Key order is the order of resolution and of `--help`.
 */
export function defineOptions<const S extends OptionSet>(
  set: S & { readonly [K in keyof S]: OptionEntry<OptionValue<S[K]>> },
): S {
  return set;
}

/** The entries `keys` of a set, in that order (to build one set from another). */
export function pick<S extends OptionSet, K extends keyof S & string>(set: S, ...keys: readonly K[]): Pick<S, K> {
  const out: Partial<Pick<S, K>> = {};
  for (const key of keys) out[key] = set[key];
  return out as Pick<S, K>;
}

/** A set without the entries `keys` (e.g. a command leaving out the library-only options). */
export function omit<S extends OptionSet, K extends keyof S & string>(set: S, ...keys: readonly K[]): Omit<S, K> {
  const out: Record<string, OptionEntry<unknown>> = {};
  for (const [key, entry] of Object.entries(set)) if (!(keys as readonly string[]).includes(key)) out[key] = entry;
  return out as Omit<S, K>;
}

/** The constant defaults of a set (derived ones depend on other options and are left out). */
export function defaultsOf<S extends OptionSet>(set: S): Defaults<S> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(set)) {
    if (entry.default !== undefined && !(entry.default instanceof DerivedDefault)) out[key] = entry.default;
  }
  return out as Defaults<S>;
}

/** Help's words for an entry's default ('' when it has none). */
export function defaultDescription(entry: OptionEntry<unknown>): string {
  const d = entry.default;
  if (d instanceof DerivedDefault) return d.text;
  if (d === undefined) return entry.defaultText ?? '';
  if (Array.isArray(d) || ArrayBuffer.isView(d)) return Array.from(d as ArrayLike<unknown>).join(',');
  return String(d);
}

/**
 * Validates `input` against `set` and applies the defaults, in the set's order: a given option
 * (not undefined), or else its default, goes through its spec's `check` with its key as the
 * label. Keys of `input` outside the set are ignored (they belong to the caller).
 */
export function resolveOptions<S extends OptionSet>(set: S, input: OptionInput<S> | undefined = {}): Resolved<S> {
  if (typeof input !== 'object' || input === null) throw invalidOption('options', input, 'an object of options');
  const given = input as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(set)) {
    const d = entry.default;
    const value = given[key] ?? (d instanceof DerivedDefault ? d.valueFor(out) : d);
    out[key] = value === undefined ? undefined : entry.spec.check(value, key);
  }
  return out as Resolved<S>;
}
