// Fingerprints of the main outputs: `npm start` (eoslab heatmap --preset fig3) and
// `eoslab trajectory --preset fig2`. test/reference-outputs.test.ts reruns both commands and
// compares every file byte for byte through its SHA-256, so a refactor that changes a single
// output byte fails. manifest.json is compared without its run-dependent fields (timings, the
// output path), which differ between any two runs.
//
//   node --import tsx scripts/reference-outputs.ts            # prints the fingerprints
//   node --import tsx scripts/reference-outputs.ts --write    # rewrites the fixture
import { writeFileSync } from 'node:fs';
import { fingerprintMainOutputs } from '../test/helpers/outputs.js';

const fingerprints = await fingerprintMainOutputs();
const text = `${JSON.stringify(fingerprints, null, 2)}\n`;
if (process.argv.includes('--write')) {
  writeFileSync(new URL('../test/fixtures/reference-outputs.json', import.meta.url), text);
  console.log('test/fixtures/reference-outputs.json written');
} else {
  process.stdout.write(text);
}
