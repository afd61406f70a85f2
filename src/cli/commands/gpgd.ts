/** `eoslab gpgd`: the GD and GPGD images of a point (model.md §1.4, §1.6). */
import { engine, gdStep, gfsSharpness, gpgdStep } from '../../api.js';
import { conflict } from '../../base/errors.js';
import { OPTIONS } from '../../base/options.js';
import { defineCommand } from '../args.js';
import { table, toJson } from '../format.js';

/** Why GPGD is undefined, per status. */
const GPGD_STATUS_TEXT: Readonly<Record<string, string>> = {
  'no-gfs': 'GPGD undefined (π(w) ≤ 0 or π(GD(w)) ≤ 0)',
  'non-finite': 'GPGD undefined (w or its GD image overflows float64)',
};

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
    // The images are computed, not given: describe them with the engine (no input validation), so
    // that an image that overflows reads as non-finite instead of as a bad --w.
    const e = engine();
    const gdFinite = gd.every(Number.isFinite);
    const image = (p: Float64Array): { product: number; loss: number; gfsSharpness: number } => ({
      product: e.product(p),
      loss: e.loss(p),
      gfsSharpness: e.gfs(p).gfsSharpness,
    });
    const result = {
      w,
      eta,
      gd: {
        status: gdFinite ? 'ok' : 'non-finite',
        point: gd,
        ...(gdFinite ? image(gd) : { product: Number.NaN, loss: Number.NaN, gfsSharpness: Number.NaN }),
      },
      gpgd: {
        status: gpgd.status,
        point: ok ? gpgd.point : null,
        ...(ok ? image(gpgd.point) : { product: null, loss: null, gfsSharpness: null }),
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
        ['GD(w)', gdFinite ? gd : `${Array.from(gd).join(', ')} (non-finite: the step overflows float64)`],
        ['  π, L, φ', `${result.gd.product}, ${result.gd.loss}, ${result.gd.gfsSharpness}`],
        ['GPGD(w)', result.gpgd.point],
        ['  π, L, φ', ok ? `${result.gpgd.product}, ${result.gpgd.loss}, ${result.gpgd.gfsSharpness}` : null],
        ['status', ok ? 'ok' : `${gpgd.status}: ${GPGD_STATUS_TEXT[gpgd.status] ?? 'GPGD undefined'}`],
      ]),
    );
    return 0;
  },
});
