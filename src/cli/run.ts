/**
 * The command line's dispatch, shared by `runCli` (main.ts: every command loaded) and the `eoslab`
 * binary's entry (entry.ts: only the command that runs is loaded): help and version, argument
 * parsing, errors printed as one line and mapped to exit codes (2 for bad input, 1 for I/O or
 * internal failures).
 */
import { EoslabError, unknownCommand } from '../base/errors.js';
import { version } from '../base/version.js';
import { withOutputClaims } from '../io/lock.js';
import { commandHelp, parseCommandArgs, type CliIo, type Command } from './args.js';

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    `eoslab ${version()} — gradient descent at the edge of stability, in WebAssembly`,
    '',
    'Usage: eoslab <command> [options]     (eoslab <command> --help for its options)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Kreisler, Shpigel Nacson, Soudry & Carmon (ICML 2023): GD monotonically decreases the sharpness',
    'of gradient-flow solutions in scalar networks. eoslab computes it exactly.',
    '',
  ].join('\n');
}

export const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
};

/**
 * Errors raised by the library name options by their API keys (`phiRange`); on the command line
 * the user typed flags (`--phi-range`), so the message is rewritten in the command's terms.
 */
export function inCliTerms(message: string, command: Command | undefined): string {
  if (!command) return message;
  let out = message;
  for (const option of command.options) {
    const key = option.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // only where an option is named, not in prose ("the depth 4")
    out = out.replace(
      new RegExp(`(^|invalid |with |either |give |or )${key}(?=[\\s:,)]|$)`, 'g'),
      `$1--${option.spec.flag}`,
    );
  }
  return out;
}

/** How a dispatcher reaches its commands: their names, one command by name, all of them (help). */
export interface CommandSource {
  readonly names: readonly string[];
  load(name: string): Promise<Command>;
  all(): Promise<readonly Command[]>;
}

export async function dispatch(argv: readonly string[], source: CommandSource, io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(mainHelp(await source.all()));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version()}\n`);
    return 0;
  }
  let command: Command | undefined;
  try {
    if (!source.names.includes(name)) throw unknownCommand(name, source.names);
    command = await source.load(name);
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const chosen = command;
    // output directories held by the command (against a concurrent run) are released when it ends
    return await withOutputClaims(() => chosen.run(parsed.values, io, parsed.given, parsed.positionals));
  } catch (error) {
    if (error instanceof EoslabError && error.code === 'E_ABORTED') {
      // Ctrl-C (src/cli/cancel.ts): what was kept and how to resume, not an error of the user's
      io.err(`eoslab: interrupted: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof EoslabError) {
      io.err(`eoslab: error: ${inCliTerms(error.message, command)}\n`);
      return error.exitCode;
    }
    io.err(`eoslab: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
