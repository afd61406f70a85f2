/**
 * The README's TypeScript examples compile, as a user's code would: every ```ts block is written to
 * a module in a scratch project whose node_modules/eoslab is this package, and type-checked by the
 * TypeScript compiler (strict, node16 resolution through package.json `exports` → dist/*.d.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
const project = mkdtempSync(join(tmpdir(), 'eoslab-readme-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Type errors of `files` (one message per line, with file and line). */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName.slice(project.length + 1)}:${line + 1}: ${text}`;
  });
}

describe('README', () => {
  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it('its TypeScript examples type-check against the package', () => {
    writeFileSync(join(project, 'package.json'), '{ "name": "readme-examples", "private": true, "type": "module" }\n');
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'eoslab'), 'dir');
    const files = blocks.map((code, i) => {
      const file = join(project, `example-${i + 1}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`); // each block is a module of its own
      return file;
    });
    expect(typeErrors(files)).toEqual([]);
  });

  it('a planted type error is reported (the check can fail)', () => {
    const file = join(project, 'planted.ts');
    writeFileSync(
      file,
      "import { heatmap } from 'eoslab';\nconst map = await heatmap({ map: 'invariant-set' });\nmap.arrays.finalSharpness;\nexport {};\n",
    );
    expect(typeErrors([file]).join('\n')).toMatch(/planted\.ts:3: Property 'finalSharpness' does not exist/);
  });
});
