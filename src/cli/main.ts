/**
 * The `eoslab` command line: dispatches to a command, prints errors as one line and maps them to
 * exit codes (2 for bad input, 1 for I/O or internal failures).
 */
import { EoslabError, unknownCommand } from '../errors.js';
import { version } from '../version.js';
import { commandHelp, parseCommandArgs, type CliIo, type Command } from './args.js';
import { gfsCommand } from './commands/gfs.js';
import { gpgdCommand } from './commands/gpgd.js';
import { heatmapCommand } from './commands/heatmap.js';
import { trajectoryCommand } from './commands/trajectory.js';

export const COMMANDS: readonly Command[] = [heatmapCommand, trajectoryCommand, gfsCommand, gpgdCommand];

export function mainHelp(commands: readonly Command[] = COMMANDS): string {
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

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
};

export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(mainHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version()}\n`);
    return 0;
  }
  try {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command)
      throw unknownCommand(
        name,
        COMMANDS.map((c) => c.name),
      );
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      io.out(commandHelp(command));
      return 0;
    }
    return await command.run(parsed.values, io);
  } catch (error) {
    if (error instanceof EoslabError) {
      io.err(`eoslab: error: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`eoslab: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
