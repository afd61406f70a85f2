/**
 * examples/python/fig3.py, for Python users: it loads a heatmap run's .npy files and manifest
 * into NumPy, checks them, prints a summary, and redraws Fig 3 with matplotlib. Runs where python3
 * and NumPy are installed (EOSLAB_PYTHON names another interpreter); the figure part runs where
 * matplotlib is installed too. Otherwise the tests are skipped, saying why.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heatmap, writeHeatmap, type HeatmapResult, type SharpnessArrays } from '../src/index.js';

const python = process.env.EOSLAB_PYTHON ?? 'python3';
const script = join(import.meta.dirname, '..', 'examples', 'python', 'fig3.py');

function has(module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8' }).status === 0;
}
const hasNumpy = has('numpy');
const hasMatplotlib = hasNumpy && has('matplotlib');
if (!hasNumpy) console.log(`examples/python: skipped (${python} with NumPy not found)`);
else if (!hasMatplotlib) console.log(`examples/python: figure test skipped (${python} has no matplotlib)`);

describe.skipIf(!hasNumpy)('examples/python/fig3.py', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'eoslab-python-'));
  const run = join(scratch, 'heatmap');
  let map: HeatmapResult<SharpnessArrays>;
  beforeAll(async () => {
    map = await heatmap({ preset: 'fig3', resolution: 32, workers: 0 });
    writeHeatmap(run, map);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** The summary the script must print, computed here from the run's arrays. */
  function expectedSummary(): string[] {
    const threshold = 2 / 0.1;
    const ratios: number[] = [];
    for (let i = 0; i < map.rows; i++) {
      for (let j = 0; j < map.cols; j++) {
        const k = i * map.cols + j;
        if (map.arrays.status[k] === 0 && (map.xAxis[j] as number) > threshold) {
          ratios.push((map.arrays.finalSharpness[k] as number) / threshold);
        }
      }
    }
    ratios.sort((a, b) => a - b);
    const n = ratios.length;
    const median =
      n % 2 ? (ratios[(n - 1) / 2] as number) : ((ratios[n / 2 - 1] as number) + (ratios[n / 2] as number)) / 2;
    const counts = Object.fromEntries(Object.entries(map.counts).sort(([a], [b]) => (a < b ? -1 : 1)));
    return [
      'grid 32x32, eta 0.1, 2/eta 20',
      `counts ${JSON.stringify(counts).replaceAll(':', ': ').replaceAll(',', ', ')}`,
      `converged with phi0 > 2/eta: ${n}`,
      `S/(2/eta) there: median ${median.toFixed(5)}, min ${(ratios[0] as number).toFixed(5)}, max ${(ratios[n - 1] as number).toFixed(5)}`,
    ];
  }

  it('loads the arrays and the manifest into NumPy and prints the same numbers (no matplotlib needed)', () => {
    // hide matplotlib (if installed) behind a package that fails to import, as where it is absent
    const fake = join(scratch, 'no-matplotlib');
    mkdirSync(join(fake, 'matplotlib'), { recursive: true });
    writeFileSync(join(fake, 'matplotlib', '__init__.py'), 'raise ImportError("hidden by the test")\n');
    const r = spawnSync(python, [script, run], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: fake } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      ...expectedSummary(),
      'matplotlib is not installed: figure skipped (pip install matplotlib)',
    ]);
  });

  it('refuses a run whose arrays disagree with its manifest', () => {
    const bad = join(scratch, 'bad');
    writeHeatmap(bad, map);
    const manifest = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
    manifest.summary.counts.converged += 1;
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify(manifest));
    const r = spawnSync(python, [script, bad], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ValueError: status counts .* differ from the manifest's/);
  });

  it.skipIf(!hasMatplotlib)('redraws Fig 3 with matplotlib', () => {
    const png = join(scratch, 'fig3.png');
    const r = spawnSync(python, [script, run, '--png', png], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([...expectedSummary(), `wrote ${png}`]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    // IHDR: 15 × 6.5 inches at 100 dpi
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1500, 650]);
  });
});
