// Bit fingerprints of the WASM convolutional engine (test/helpers/conv-bits.ts): SHA-256 of the
// loss, gradient and HVP of small nets at a fixed θ and v. test/conv-bits.test.ts compares the
// current build with test/fixtures/conv-bits.json, so a kernel change that must keep every bit
// (vectorising, reordering loops) is checked against the numbers of the build before it.
//
//   node --import tsx scripts/conv-bits.ts            # prints the fingerprints
//   node --import tsx scripts/conv-bits.ts --write    # rewrites the fixture (with the OLD build)
//   … --wasm <file>                                     # runs that release.wasm (e.g. a copy of the old build)
import { readFileSync, writeFileSync } from 'node:fs';
import { instantiate } from '../src/wasm/module.js';
import { fingerprints } from '../test/helpers/conv-bits.js';

const at = process.argv.indexOf('--wasm');
const file = at >= 0 ? process.argv[at + 1] : undefined;
const raw = file === undefined ? undefined : instantiate(new WebAssembly.Module(readFileSync(file)));
const text = `${JSON.stringify(fingerprints(raw), null, 2)}\n`;
if (process.argv.includes('--write')) {
  writeFileSync(new URL('../test/fixtures/conv-bits.json', import.meta.url), text);
  console.log('test/fixtures/conv-bits.json written');
} else {
  process.stdout.write(text);
}
