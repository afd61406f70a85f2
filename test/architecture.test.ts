/**
 * The architecture, checked: src/ imports flow one way (kernels ← wasm ← engines ← pool ←
 * experiments ← CLI/API, with base/ under everything and io/, data/ and plot/ as leaf services), there is
 * no import cycle, only src/wasm/ touches `WebAssembly`, and no file grows past ~500 lines
 * (docs/architecture.md). Imports are read from the sources with a regular expression: relative
 * specifiers of `import … from`, `export … from` and `import()`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const files = sources().map((f) => relative(SRC, f));
const text = new Map(files.map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));

/** Relative imports of a file, as paths relative to src/ (the .ts file they name). */
function importsOf(file: string): string[] {
  const out: string[] = [];
  const re = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of (text.get(file) as string).matchAll(re)) {
    const target = normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')));
    if (text.has(target)) out.push(target);
  }
  return out;
}
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Layer of a file: a file may import only from layers at or below its own. */
function layer(file: string): number {
  // the worker entry serves every experiment (it loads them lazily): an entry point like the CLI
  if (file === 'pool/worker.ts') return 6;
  const top = file.split('/')[0] as string;
  const layers: Record<string, number> = {
    base: 0,
    wasm: 1,
    engines: 2,
    'api.ts': 3,
    io: 3,
    data: 3,
    plot: 3,
    pool: 4,
    experiments: 5,
    cli: 6,
    'index.ts': 6,
  };
  const l = layers[top];
  if (l === undefined) throw new Error(`src/${file}: not in a known layer — add its folder to docs/architecture.md`);
  return l;
}

describe('architecture of src/', () => {
  it('imports go down the layers only', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) if (layer(dep) > layer(file)) upward.push(`${file} → ${dep}`);
    }
    expect(upward).toEqual([]);
  });

  it('experiments do not import each other (shared code lives in a lower layer)', () => {
    const across: string[] = [];
    for (const [file, deps] of graph) {
      if (!file.startsWith('experiments/')) continue;
      const own = file.split('/')[1];
      for (const dep of deps) {
        if (dep.startsWith('experiments/') && dep.split('/')[1] !== own) across.push(`${file} → ${dep}`);
      }
    }
    expect(across).toEqual([]);
  });

  it('has no import cycle', () => {
    // Tarjan's strongly connected components
    let index = 0;
    const order = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      order.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!order.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v) as number, order.get(w) as number));
        }
      }
      if (low.get(v) === order.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
      }
    };
    for (const f of files) if (!order.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('only src/wasm/ touches WebAssembly', () => {
    const touching = files.filter((f) => !f.startsWith('wasm/') && /\bWebAssembly\.\w/.test(text.get(f) as string));
    expect(touching).toEqual([]);
  });

  it('no file is over 500 lines, the options table excepted', () => {
    const long = files
      .filter((f) => f !== 'base/options.ts' && f !== 'wasm/abi.ts')
      .map((f) => [f, (text.get(f) as string).split('\n').length] as const)
      .filter(([, n]) => n > 500);
    expect(long).toEqual([]);
  });

  it('the layering rule can fail: an upward import is caught', () => {
    expect(layer('engines/scalar.ts')).toBeLessThan(layer('experiments/heatmap/heatmap.ts'));
    expect(() => layer('somewhere/else.ts')).toThrow(/not in a known layer/);
  });
});
