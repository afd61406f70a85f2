/**
 * The `eoslab` binary's dispatcher: loads only the command that runs (every command's module graph
 * together costs ≈ 180 ms of start-up, the heatmap's alone ≈ 100 ms), all of them for the main help.
 * The table must list main.ts's COMMANDS in their order (test/cli.test.ts).
 */
import type { CliIo, Command } from './args.js';
import { defaultIo, dispatch } from './run.js';

export const COMMAND_LOADERS: readonly (readonly [string, () => Promise<Command>])[] = [
  ['heatmap', async () => (await import('./commands/heatmap.js')).heatmapCommand],
  ['merge', async () => (await import('./commands/merge.js')).mergeCommand],
  ['trajectory', async () => (await import('./commands/trajectory.js')).trajectoryCommand],
  ['gfs', async () => (await import('./commands/gfs.js')).gfsCommand],
  ['gpgd', async () => (await import('./commands/gpgd.js')).gpgdCommand],
  ['bifurcation', async () => (await import('./commands/bifurcation.js')).bifurcationCommand],
  ['stable-set', async () => (await import('./commands/stableSet.js')).stableSetCommand],
  ['check', async () => (await import('./commands/check.js')).checkCommand],
  ['regression', async () => (await import('./commands/regression.js')).regressionCommand],
  ['net', async () => (await import('./commands/net.js')).netCommand],
  ['fcnet', async () => (await import('./commands/net.js')).fcnetCommand],
  ['serve', async () => (await import('./commands/serve.js')).serveCommand],
];

const loaders = new Map(COMMAND_LOADERS);

export async function runCliLazily(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  return dispatch(
    argv,
    {
      names: COMMAND_LOADERS.map(([name]) => name),
      load: (name) => (loaders.get(name) as () => Promise<Command>)(),
      all: () => Promise.all(COMMAND_LOADERS.map(([, load]) => load())),
    },
    io,
  );
}
