/** `eoslab gpgd`: the GD and GPGD images of a point (model.md §1.4, §1.6). */
import { gdStep, gfsSharpness, gpgdStep, loss, product } from '../../api.js';
import { conflict } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { defineCommand } from '../args.js';
import { table, toJson } from '../format.js';

export const gpgdCommand = defineCommand({
  name: 'gpgd',
  summary: 'one GD step and one GFS-preserving GD (GPGD) step from a point',
  usage: 'eoslab gpgd --w w1,...,wD --eta η [--json]',
  details:
    'GPGD moves w along its own gradient-flow line to the product that GD reaches, so it keeps φ\n' +
    'and the balances while L(GPGD(w)) = L(GD(w)). It is undefined (status no-gfs) when π(w) ≤ 0\n' +
    'or π(GD(w)) ≤ 0.',
  options: { w: { spec: OPTIONS.w }, eta: { spec: OPTIONS.eta }, json: { spec: OPTIONS.json } },
  examples: ['eoslab gpgd --w 1.2,0.8,1.1,0.9 --eta 0.1', 'eoslab gpgd --w 3.6,3.6,0.34,0.34 --eta 0.1 --json'],
  async run({ w, eta, json }, io) {
    if (!w) throw conflict('--w is required (e.g. --w 1.2,0.8,1.1,0.9)', 'w');
    if (eta === undefined) throw conflict('--eta is required (e.g. --eta 0.1)', 'eta');
    const gd = gdStep(w, eta);
    const gpgd = gpgdStep(w, eta);
    const ok = gpgd.status === 'ok';
    const result = {
      w,
      eta,
      gd: { point: gd, product: product(gd), loss: loss(gd), gfsSharpness: gfsSharpness(gd) },
      gpgd: {
        status: gpgd.status,
        point: ok ? gpgd.point : null,
        product: ok ? product(gpgd.point) : null,
        loss: ok ? loss(gpgd.point) : null,
        gfsSharpness: ok ? gfsSharpness(gpgd.point) : null,
      },
      gfsSharpness: gfsSharpness(w),
    };
    if (json) {
      io.out(toJson(result));
      return 0;
    }
    io.out(
      table([
        ['w', w],
        ['φ(w)', result.gfsSharpness],
        ['GD(w)', gd],
        ['  π, L, φ', `${result.gd.product}, ${result.gd.loss}, ${result.gd.gfsSharpness}`],
        ['GPGD(w)', result.gpgd.point],
        ['  π, L, φ', ok ? `${result.gpgd.product}, ${result.gpgd.loss}, ${result.gpgd.gfsSharpness}` : null],
        ['status', ok ? 'ok' : `${gpgd.status}: GPGD undefined (π(w) ≤ 0 or π(GD(w)) ≤ 0)`],
      ]),
    );
    return 0;
  },
});
