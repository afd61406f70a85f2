/**
 * The `eoslab` command line with every command loaded (the library's `runCli`, docs and tests);
 * the binary uses entry.ts, which loads only the command that runs. Dispatch and errors: run.ts.
 */
import type { CliIo, Command } from './args.js';
import { defaultIo, dispatch, inCliTerms, mainHelp as helpOf } from './run.js';
import { gfsCommand } from './commands/gfs.js';
import { gpgdCommand } from './commands/gpgd.js';
import { heatmapCommand } from './commands/heatmap.js';
import { mergeCommand } from './commands/merge.js';
import { bifurcationCommand } from './commands/bifurcation.js';
import { checkCommand } from './commands/check.js';
import { regressionCommand } from './commands/regression.js';
import { fcnetCommand, netCommand } from './commands/net.js';
import { stableSetCommand } from './commands/stableSet.js';
import { serveCommand } from './commands/serve.js';
import { trajectoryCommand } from './commands/trajectory.js';

export const COMMANDS: readonly Command[] = [
  heatmapCommand,
  mergeCommand,
  trajectoryCommand,
  gfsCommand,
  gpgdCommand,
  bifurcationCommand,
  stableSetCommand,
  checkCommand,
  regressionCommand,
  netCommand,
  fcnetCommand,
  serveCommand,
];

export { inCliTerms };

export function mainHelp(commands: readonly Command[] = COMMANDS): string {
  return helpOf(commands);
}

export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const byName = (name: string): Command => COMMANDS.find((c) => c.name === name) as Command;
  return dispatch(
    argv,
    { names: COMMANDS.map((c) => c.name), load: async (name) => byName(name), all: async () => COMMANDS },
    io,
  );
}
