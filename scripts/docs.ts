// Regenerates the option reference in README.md from the options table (src/base/options.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { withOptionsBlock } from '../src/cli/docs.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withOptionsBlock(readFileSync(path, 'utf8')));
console.log('README.md options reference updated');
