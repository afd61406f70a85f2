/** The README's option reference is generated from the options table: they must not drift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withOptionsBlock } from '../src/cli/docs.js';

describe('README', () => {
  it('option reference matches the options table (run `npm run docs` to update)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withOptionsBlock(readme)).toBe(readme);
  });

  it('gives the two commands a new user needs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
