/**
 * The main outputs stay byte-identical: `npm start` (the fig3 heatmap) and `eoslab trajectory
 * --preset fig2` write exactly the files fingerprinted in test/fixtures/reference-outputs.json
 * (written by scripts/reference-outputs.ts). A change that moves code around must not move a
 * byte; a change that means to alter an output rewrites the fixture and says so in its commit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprintMainOutputs, type Fingerprints } from './helpers/outputs.js';

describe('main outputs', () => {
  it('npm start and trajectory --preset fig2 are byte-identical to the reference', async () => {
    const reference = JSON.parse(
      readFileSync(new URL('./fixtures/reference-outputs.json', import.meta.url), 'utf8'),
    ) as Fingerprints;
    expect(await fingerprintMainOutputs()).toEqual(reference);
  });
});
