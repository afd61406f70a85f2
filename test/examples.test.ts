/** The scripts in examples/ run against the built package and print what they promise. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const run = (file: string, ...args: string[]): string =>
  execFileSync(process.execPath, [join(root, 'examples', file), ...args], { cwd: root, encoding: 'utf8' });

describe('examples/', () => {
  it('library.mjs', () => {
    const out = run('library.mjs');
    expect(out).toMatch(/φ\(w0\) = 26\.000000, 2\/η = 20, in 𝕊: true/);
    expect(out).toMatch(/64×64 fig3 heatmap: \{"converged":\d+/);
  });

  it('fig3-eos-fraction.mjs', () => {
    expect(run('fig3-eos-fraction.mjs', '32')).toMatch(
      /converged cells with φ₀ > 2\/η: \d+; final S ≥ 0\.95·2\/η: \d+/,
    );
  });

  it('mlp-gfs-sharpness.mjs', () => {
    const out = run('mlp-gfs-sharpness.mjs', '100');
    expect(out).toMatch(/26506 parameters, 100 digits, η = 0\.04 \(2\/η = 50\)/);
    expect(
      out.match(/^step \d+: loss [\d.]+, S = [\d.]+ \(\d+ HVPs\), φ = [\d.]+ \(converged after \d+ RK4 steps/gm),
    ).toHaveLength(4);
  });

  it('conv-net.mjs', { timeout: 120_000 }, () => {
    const out = run('conv-net.mjs', '2');
    expect(out).toMatch(/^resnet20: \d+ parameters, 8 MNIST digits of 1×8×8, η = 0\.2 \(2\/η = 10\)$/m);
    expect(
      out.match(/^step \d+: loss [\d.]+, S = [\d.]+, φ = [\d.]+ \((converged|max-steps) after \d+ RK4 steps\)$/gm),
    ).toHaveLength(3);
  });
});
