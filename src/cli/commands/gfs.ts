/** `eoslab gfs`: a point, its gradient-flow solution, φ, and membership in 𝕊 (model.md §1.5, §1.7). */
import { gfs, inInvariantSet, type GfsInfo } from '../../api.js';
import { conflict } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { defineCommand } from '../args.js';
import { table, toJson } from '../format.js';

/** How each status of gfs(w) is printed. */
const STATUS_TEXT: Record<GfsInfo['status'], string> = {
  ok: 'ok',
  'no-gfs': 'no GFS: product ≤ 0 (gradient flow ends at a saddle)',
  'non-finite': 'non-finite: wᵢ² or φ overflows float64, so the GFS cannot be computed',
};

export const gfsCommand = defineCommand({
  name: 'gfs',
  summary: 'gradient-flow solution of a point and its sharpness',
  usage: 'eoslab gfs --w w1,w2,...,wD [--eta η] [--json]',
  details:
    'Prints the loss, product π, sharpness S = λmax(∇²L), the gradient-flow solution 𝒮(w) (the minimum\n' +
    'that gradient flow from w reaches), its sharpness φ, and, with --eta, the stability threshold 2/η\n' +
    'and whether w lies in the positive invariant set 𝕊 of Kreisler et al. (2023), Definition 3.1.',
  options: {
    w: { spec: OPTIONS.w },
    eta: { spec: OPTIONS.eta, help: 'GD step size η: adds 2/η and membership in 𝕊' },
    json: { spec: OPTIONS.json },
  },
  examples: ['eoslab gfs --w 1.2,0.8,1.1,0.9 --eta 0.1', 'eoslab gfs --w 2,-1,0.5 --json'],
  async run({ w, eta, json }, io) {
    if (!w) throw conflict('--w is required (e.g. --w 1.2,0.8,1.1,0.9)', 'w');
    const info = gfs(w);
    const invariant = eta !== undefined ? inInvariantSet(w, eta) : undefined;
    const status = STATUS_TEXT[info.status];
    const result = {
      loss: info.loss,
      product: info.product,
      sharpness: info.sharpness,
      gfs: info.status === 'ok' ? info.gfs : null,
      gfsSharpness: info.status === 'ok' ? info.gfsSharpness : null,
      stabilityThreshold: eta !== undefined ? 2 / eta : null,
      inInvariantSet: invariant ? invariant.member : null,
      status,
    };
    if (json) {
      io.out(toJson(result));
      return 0;
    }
    const rows: [string, unknown][] = [
      ['depth D', w.length],
      ['weights w', w],
      ['loss L(w)', result.loss],
      ['product π(w)', result.product],
      ['sharpness S(w)', result.sharpness],
      ['GFS 𝒮(w)', result.gfs],
      ['GFS sharpness φ', result.gfsSharpness],
    ];
    if (invariant && eta !== undefined) {
      rows.push(['stability 2/η', 2 / eta]);
      rows.push(['φ / (2/η)', info.status === 'ok' ? (info.gfsSharpness * eta) / 2 : null]);
      rows.push(['in 𝕊 (Def. 3.1)', invariant.member ? 'yes' : 'no']);
      rows.push(['  P_max, P_min', `${invariant.pMax.toPrecision(8)}, ${invariant.pMin.toPrecision(8)}`]);
    }
    rows.push(['status', status]);
    io.out(table(rows));
    return 0;
  },
});
