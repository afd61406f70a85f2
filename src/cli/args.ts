/**
 * Commands and their argument parsing, driven by option sets (src/base/optionSet.ts): a command
 * declares one set, and its flags, `--help`, the README's option reference and its defaults all
 * come from it; its `run` receives the typed, resolved options. Parsing takes `--flag value`,
 * `--flag=value`, boolean flags without a value and `-h/--help`; every value goes through its
 * option's `parse`, so errors name the flag and the value. Nothing is executed here.
 */
import { conflict, unknownOption } from '../base/errors.js';
import {
  defaultDescription,
  resolveOptions,
  type OptionEntry,
  type OptionSet,
  type Resolved,
} from '../base/optionSet.js';

/** One option of a command: an entry of its set, with its key. */
export type CommandOption = OptionEntry<unknown> & {
  /** The option's key in the resolved options (the library API's name for it). */
  readonly key: string;
};

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (progress bars). */
  readonly interactive: boolean;
}

/** The option keys the user typed (the other options hold their defaults). */
export interface GivenKeys<K extends string> {
  has(key: K): boolean;
}

interface CommandInfo {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly details?: string;
  /** Positional arguments the command takes (e.g. directories), if any. */
  readonly positional?: { readonly name: string; readonly description: string };
  readonly examples: readonly string[];
}

/** A command as written: its option set and a `run` over the typed options. */
export interface CommandDefinition<S extends OptionSet> extends CommandInfo {
  readonly options: S;
  run(
    options: Resolved<S>,
    io: CliIo,
    given: GivenKeys<keyof S & string>,
    positionals: readonly string[],
  ): Promise<number>;
}

/** A command as the dispatcher, help and docs see it. */
export interface Command extends CommandInfo {
  readonly optionSet: OptionSet;
  /** The set's entries in order (help order), each with its key. */
  readonly options: readonly CommandOption[];
  /** Runs the command on the options `parseCommandArgs` resolved (its `values` and `given`). */
  run(
    values: Readonly<Record<string, unknown>>,
    io: CliIo,
    given: ReadonlySet<string>,
    positionals?: readonly string[],
  ): Promise<number>;
}

export function defineCommand<S extends OptionSet>(definition: CommandDefinition<S>): Command {
  const { options: set, run, ...info } = definition;
  return {
    ...info,
    optionSet: set,
    options: Object.entries(set).map(([key, entry]) => ({ ...entry, key })),
    // the one place the erased values regain their type: they come from parseCommandArgs, which
    // resolved them against this very set
    run: (values, io, given, positionals = []) => run(values as Resolved<S>, io, given, positionals),
  };
}

export interface ParsedArgs {
  help: boolean;
  /** Option key → typed value, defaults applied. */
  values: Record<string, unknown>;
  /** Keys given explicitly on the command line. */
  given: Set<string>;
  /** Positional arguments, for commands that take them. */
  positionals: string[];
}

export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs {
  const byFlag = new Map(command.options.map((o) => [o.spec.flag, o]));
  const typed: Record<string, unknown> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '-h' || token === '--help') {
      help = true;
      continue;
    }
    if (!token.startsWith('--') || token === '--') {
      if (command.positional && token !== '--') {
        positionals.push(token);
        continue;
      }
      throw conflict(
        `unexpected argument ${JSON.stringify(token)} for "eoslab ${command.name}" (options start with --)`,
      );
    }
    const eq = token.indexOf('=');
    const flag = eq >= 0 ? token.slice(2, eq) : token.slice(2);
    const option = byFlag.get(flag);
    if (!option) throw unknownOption(`--${flag}`, command.name);
    const key = option.key;
    if (given.has(key)) throw conflict(`--${flag} given more than once`, key);
    let text: string;
    if (eq >= 0) {
      text = token.slice(eq + 1);
    } else if (option.spec.valueName === '') {
      text = '';
    } else {
      const next = argv[i + 1];
      // a negative number is a value, another flag is not
      if (next === undefined || (next.startsWith('--') && !/^--?\d/.test(next))) {
        throw conflict(`--${flag} needs a value ${option.spec.valueName}`, key);
      }
      text = next;
      i++;
    }
    typed[key] = option.spec.parse(text, `--${flag}`);
    given.add(key);
  }
  return { help, values: resolveOptions(command.optionSet, typed), given, positionals };
}

/** `[default: …]` for help, or '' (boolean flags and options without a default). */
function defaultSuffix(option: CommandOption): string {
  const text = option.spec.valueName !== '' ? defaultDescription(option) : '';
  return text !== '' ? ` [default: ${text}]` : '';
}

export function commandHelp(command: Command): string {
  const rows = command.options.map((o) => {
    const left = `  --${o.spec.flag}${o.spec.valueName ? ` ${o.spec.valueName}` : ''}`;
    return [left, `${o.help ?? o.spec.description}${defaultSuffix(o)}`] as const;
  });
  rows.push(['  -h, --help', 'show this help']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [
    `eoslab ${command.name} — ${command.summary}`,
    '',
    `Usage: ${command.usage}`,
    '',
    ...(command.details ? [command.details, ''] : []),
    ...(command.positional
      ? ['Arguments:', `  ${command.positional.name}  ${command.positional.description}`, '']
      : []),
    'Options:',
    ...rows.map(([l, r]) => `${l.padEnd(width)}${r}`),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
  ];
  return `${lines.join('\n')}\n`;
}
