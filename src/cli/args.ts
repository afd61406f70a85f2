/**
 * CLI argument parsing driven by the options table: `--flag value`, `--flag=value`, boolean
 * flags without a value, `-h/--help`. Every value goes through its option's `parse`, so errors
 * name the flag and the value. Nothing is executed here.
 */
import { conflict, unknownOption } from '../base/errors.js';
import type { OptionSpec } from '../base/options.js';

export interface CommandOption {
  readonly spec: OptionSpec<unknown>;
  /** Default when the flag is absent (shown in help); undefined = no default. */
  readonly default?: unknown;
  /** Overrides the table's description for this command. */
  readonly help?: string;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (progress bars). */
  readonly interactive: boolean;
}

export type Values = ReadonlyMap<string, unknown>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly details?: string;
  readonly options: readonly CommandOption[];
  /** Positional arguments the command takes (e.g. directories), if any. */
  readonly positional?: { readonly name: string; readonly description: string };
  readonly examples: readonly string[];
  /** `given`: the option keys the user typed (the others in `values` are defaults). */
  run(values: Values, io: CliIo, given: ReadonlySet<string>): Promise<number>;
}

export interface ParsedArgs {
  help: boolean;
  /** Option key → typed value (defaults applied). */
  values: Map<string, unknown>;
  /** Keys given explicitly on the command line (positional arguments under 'positionals'). */
  given: Set<string>;
}

export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs {
  const byFlag = new Map(command.options.map((o) => [o.spec.flag, o]));
  const values = new Map<string, unknown>();
  const given = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '-h' || token === '--help') {
      help = true;
      continue;
    }
    if (!token.startsWith('--') || token === '--') {
      if (command.positional && token !== '--') {
        const list = (values.get('positionals') as string[] | undefined) ?? [];
        list.push(token);
        values.set('positionals', list);
        given.add('positionals');
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
    const key = option.spec.key;
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
    values.set(key, option.spec.parse(text, `--${flag}`));
    given.add(key);
  }
  for (const option of command.options) {
    if (!values.has(option.spec.key) && option.default !== undefined) values.set(option.spec.key, option.default);
  }
  return { help, values, given };
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<number>).join(',');
  return String(value);
}

export function commandHelp(command: Command): string {
  const rows = command.options.map((o) => {
    const left = `  --${o.spec.flag}${o.spec.valueName ? ` ${o.spec.valueName}` : ''}`;
    const def = o.default !== undefined && o.spec.valueName !== '' ? ` [default: ${formatDefault(o.default)}]` : '';
    return [left, `${o.help ?? o.spec.description}${def}`] as const;
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
