/**
 * `eoslab merge`: combine the shard directories of a sharded heatmap into the outputs an unsharded
 * run writes, bit for bit — after checking that every shard belongs to the same sweep (grid hash)
 * and that together they cover every tile exactly once.
 */
import { join } from 'node:path';
import { conflict } from '../../base/errors.js';
import { writeHeatmap } from '../../experiments/heatmap/writer.js';
import { OPTIONS } from '../../base/options.js';
import { mergeShards } from '../../experiments/heatmap/shards.js';
import { defineCommand } from '../args.js';
import { table, toJson } from '../format.js';

export const mergeCommand = defineCommand({
  name: 'merge',
  summary: 'merge the shards of a sharded heatmap into its outputs',
  usage: 'eoslab merge DIR... [--out OUT] [--json]',
  positional: {
    name: 'DIR...',
    description: 'shard directories (OUT/shard-i-of-n), or directories that contain them',
  },
  details:
    'Refuses shards of different sweeps (grid hash), overlapping shards and missing tiles, naming\n' +
    'them. Writes the same files as `eoslab heatmap` without --shard (identical .npy and figure).',
  options: {
    out: { spec: OPTIONS.out, default: 'out/merged' },
    json: { spec: OPTIONS.json, help: 'print the summary as JSON' },
  },
  examples: [
    'eoslab merge out/big --out out/big-merged',
    'eoslab merge run-a/shard-1-of-2 run-b/shard-2-of-2 --out merged',
  ],
  async run({ out, json }, io, _given, dirs) {
    if (dirs.length === 0)
      throw conflict('give the shard directories to merge (e.g. eoslab merge out/big --out merged)', 'dirs');
    const { result, shards } = mergeShards(dirs);
    const files = writeHeatmap(out, result, { mergedFrom: shards });
    const figure = result.map === 'sharpness' ? 'heatmap.png' : 'invariant_set.png';
    const summary = { out, figure: join(out, figure), shards, counts: result.counts, files };
    if (json) {
      io.out(toJson(summary));
      return 0;
    }
    io.out(
      table([
        ['shards', `${shards.length}: ${shards.map((s) => s.dir).join(', ')}`],
        ['grid', `${result.rows}×${result.cols} = ${result.rows * result.cols} cells`],
        [
          'cells',
          Object.entries(result.counts)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', '),
        ],
        ['figure', join(out, figure)],
        ['data', `${out}/*.npy, manifest.json`],
      ]),
    );
    return 0;
  },
});
