/**
 * The `eoslab` CLI: outputs, JSON keys, help on every command, and bad input → one error line,
 * exit code 2, nothing written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli/main.js';
import { COMMAND_LOADERS, runCliLazily } from '../src/cli/entry.js';
import { wasmHash } from '../src/wasm/module.js';
import { denseHessian, jacobiMaxEigenvalue } from './helpers/fig3-reference.js';
import { refGdStep, refGfsSharpness, refLogShift, refLoss, refProduct, relativeError } from './helpers/reference.js';

/** The (φ₀, p₀) family written out: Σ e^{−2t cᵢ} = φ₀ by bisection, then the GF shift to product p₀. */
function familyStart(c: number[], phi0: number, p0: number): Float64Array {
  const phi = (t: number): number => c.reduce((a, ci) => a + Math.exp(-2 * t * ci), 0);
  let lo = 0;
  let hi = 1;
  while (phi(hi) < phi0) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (phi(mid) < phi0) lo = mid;
    else hi = mid;
  }
  const squares = c.map((ci) => Math.exp(2 * 0.5 * (lo + hi) * ci));
  const s = refLogShift(squares, 2 * Math.log(p0));
  return Float64Array.from(squares, (x) => Math.sqrt(x + s));
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), interactive: false });
  return { code, out, err };
}

const scratch = mkdtempSync(join(tmpdir(), 'eoslab-cli-'));

describe('eoslab gfs', () => {
  it('--json has exactly the documented keys and correct values', async () => {
    const { code, out } = await cli('gfs', '--w', '1.2,0.8,1.1,0.9', '--eta', '0.1', '--json');
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      ['gfs', 'gfsSharpness', 'inInvariantSet', 'loss', 'product', 'sharpness', 'stabilityThreshold', 'status'].sort(),
    );
    expect(json.gfsSharpness as number).toBeCloseTo(refGfsSharpness([1.2, 0.8, 1.1, 0.9]), 12);
    expect(json.stabilityThreshold).toBe(20);
    expect(json.inInvariantSet).toBe(true);
    expect(json.status).toBe('ok');
    expect((json.gfs as number[]).length).toBe(4);
  });

  it('reports "no GFS" for π ≤ 0 and omits 𝕊 without --eta', async () => {
    const { code, out } = await cli('gfs', '--w', '-1.2,0.8,1.1,0.9', '--json');
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json.status).toMatch(/^no GFS: product ≤ 0/);
    expect(json.gfs).toBeNull();
    expect(json.inInvariantSet).toBeNull();
    const table = await cli('gfs', '--w', '1.2,0.8,1.1,0.9', '--eta', '0.1');
    expect(table.out).toMatch(/GFS sharpness φ\s+4\.199/);
    expect(table.out).toMatch(/in 𝕊 \(Def\. 3\.1\)\s+yes/);
  });

  it('reports a non-finite status where the GFS overflows float64 (never ok with null values)', async () => {
    for (const w of ['1e308,1e308', '1e-200,1e200']) {
      const { code, out } = await cli('gfs', '--w', w, '--json');
      expect(code).toBe(0);
      const json = JSON.parse(out) as Record<string, unknown>;
      expect(json.status, w).toMatch(/^non-finite: /);
      expect(json.gfs).toBeNull();
      expect(json.gfsSharpness).toBeNull();
    }
    const table = await cli('gfs', '--w', '1e-200,1e200');
    expect(table.out).toMatch(/status\s+non-finite: wᵢ² or φ overflows float64/);
  });
});

describe('eoslab gpgd', () => {
  it('prints GD and GPGD images with equal losses', async () => {
    const { code, out } = await cli('gpgd', '--w', '1.2,0.8,1.1,0.9', '--eta', '0.1', '--json');
    expect(code).toBe(0);
    const json = JSON.parse(out) as {
      gd: { loss: number };
      gpgd: { loss: number; status: string; gfsSharpness: number };
      gfsSharpness: number;
    };
    expect(json.gpgd.status).toBe('ok');
    expect(json.gpgd.loss).toBeCloseTo(json.gd.loss, 15);
    expect(json.gpgd.gfsSharpness).toBeCloseTo(json.gfsSharpness, 12);
  });

  it('a GD image that overflows is reported as non-finite, not as a bad --w', async () => {
    const { code, out } = await cli('gpgd', '--w', '1e308,1e308', '--eta', '0.1', '--json');
    expect(code).toBe(0);
    const json = JSON.parse(out) as { gd: { status: string; product: number | null }; gpgd: { status: string } };
    expect(json.gd.status).toBe('non-finite');
    expect(json.gd.product).toBeNull(); // NaN in JSON
    expect(json.gpgd.status).toBe('non-finite');
  });
});

describe('eoslab trajectory', () => {
  it('--preset fig2 writes CSV, manifest, SVG and PNG', async () => {
    const out = join(scratch, 'fig2');
    const { code, err } = await cli('trajectory', '--preset', 'fig2', '--out', out);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'trajectory.csv', 'trajectory.png', 'trajectory.svg']);
    const csv = readFileSync(join(out, 'trajectory.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,loss,sharpness,gfs_sharpness,product,status');
    expect(csv).toHaveLength(3002);
    expect(csv[1]?.startsWith('0,0.125')).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      command: string;
      wasm: { sha256: string };
      options: { eta: number; steps: number };
      summary: { gfsSharpnessIncreases: number };
      version: string;
    };
    expect(manifest.command).toBe('trajectory');
    expect(manifest.wasm.sha256).toBe(wasmHash());
    expect(manifest.options.eta).toBe(0.1);
    expect(manifest.options.steps).toBe(3000);
    expect(manifest.summary.gfsSharpnessIncreases).toBe(0);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    const png = readFileSync(join(out, 'trajectory.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const svg = readFileSync(join(out, 'trajectory.svg'), 'utf8');
    expect(svg).toMatch(/Fig 2a · loss/);
    expect(svg).toMatch(/Fig 8 · last 300 steps/);
    // the Fig 8 zoom (panel 2) draws 2/η, so that S ending just below it is visible
    const zoomPanel = svg.slice(svg.indexOf('data-panel="2"'));
    expect(zoomPanel).toMatch(/class="hline"/);
  });

  it('--preset fig9: loss 5.1 ± 0.5 when φ crosses 2/η, final S well below 2/η (Fig 9), as a plain-TS run says', async () => {
    const out = join(scratch, 'fig9');
    const { code, out: text } = await cli('trajectory', '--preset', 'fig9', '--out', out, '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(text) as {
      initialGfsSharpness: number;
      finalSharpnessRatio: number;
      crossingStep: number;
      lossAtCrossing: number;
      gfsSharpnessIncreases: number;
    };
    expect(summary.initialGfsSharpness).toBeGreaterThan(20);
    expect(Math.abs(summary.lossAtCrossing - 5.1)).toBeLessThanOrEqual(0.5);
    expect(summary.finalSharpnessRatio).toBeLessThan(0.8);
    // independent route: family start by bisection, GD and φ written in test/helpers
    const eta = 0.1;
    let w = familyStart([3, 1, -1, -3], 23, 4.12);
    let crossing: { step: number; loss: number } | null = null;
    for (let step = 1; step <= 30; step++) {
      w = refGdStep(w, eta);
      expect(refProduct(w)).toBeGreaterThan(0); // φ is defined all along the run
      if (crossing === null && refGfsSharpness(w) <= 2 / eta) crossing = { step, loss: refLoss(w) };
    }
    expect(crossing?.step).toBe(summary.crossingStep);
    expect(relativeError(crossing?.loss ?? NaN, summary.lossAtCrossing)).toBeLessThan(1e-9);
    const finalS = jacobiMaxEigenvalue(denseHessian(w), 4);
    expect(relativeError(finalS * (eta / 2), summary.finalSharpnessRatio)).toBeLessThan(1e-9);
    expect(readFileSync(join(out, 'trajectory.svg'), 'utf8')).toMatch(/Fig 9 · loss/);
    expect(readFileSync(join(out, 'trajectory.svg'), 'utf8')).not.toMatch(/Fig 2/);
    // fig2 crosses with a small loss and ends at the edge of stability
    const fig2 = JSON.parse(
      (await cli('trajectory', '--preset', 'fig2', '--out', join(scratch, 'fig2b'), '--json')).out,
    ) as typeof summary;
    expect(fig2.lossAtCrossing).toBeLessThan(0.01);
    expect(fig2.finalSharpnessRatio).toBeGreaterThan(0.99);
  });

  it('runs outside a preset have panels without figure numbers', async () => {
    const out = join(scratch, 'custom-titles');
    const { code } = await cli(
      'trajectory',
      '--phi0',
      '26',
      '--p0',
      '1.5',
      '--eta',
      '0.1',
      '--steps',
      '400',
      '--out',
      out,
    );
    expect(code).toBe(0);
    const svg = readFileSync(join(out, 'trajectory.svg'), 'utf8');
    expect(svg).not.toMatch(/Fig \d/);
    expect(svg).toMatch(/2\/η − S =/);
  });

  it('custom --phi0/--p0 run with divergence is data, not a crash', async () => {
    const out = join(scratch, 'diverge');
    const { code, out: text } = await cli(
      'trajectory',
      '--w',
      '3,3,3,3',
      '--eta',
      '0.5',
      '--steps',
      '100',
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(text).outcome).toBe('diverged');
    const csv = readFileSync(join(out, 'trajectory.csv'), 'utf8').trim().split('\n');
    expect(csv.at(-1)).toMatch(/,diverged$/);
  });
});

describe('bad input: one clear line, exit code 2, nothing written', () => {
  it.each([
    [['gfs', '--w', '1,abc,2'], /invalid --w: "1,abc,2"/],
    [['gfs', '--w', '1.5'], /invalid --w: "1\.5" \(expected weights: 2–64/],
    [['gfs', '--w', '1,2', '--eta', '0'], /invalid --eta: 0 \(expected a finite number > 0\)/],
    [['gfs', '--w', '1,2', '--eta', '-1'], /invalid --eta: -1 \(/],
    [['gfs', '--w', 'NaN,1'], /invalid --w: "NaN,1"/],
    [['gpgd', '--w', '1,2'], /--eta is required/],
    [['trajectory', '--preset', 'fig7', '--out', 'X'], /invalid --preset: "fig7" \(expected one of fig2, fig9\)/],
    [['trajectory', '--preset', 'fig2', '--steps', '0', '--out', 'X'], /invalid --steps: 0 \(expected an integer >= 1/],
    [
      ['trajectory', '--phi0', '3', '--p0', '1', '--eta', '0.1', '--out', 'X'],
      /invalid --phi0: 3 \(expected a GFS sharpness >= the depth 4\)/,
    ],
    [['trajectory', '--phi0', '30', '--p0', '1', '--eta', 'NaN', '--out', 'X'], /invalid --eta: "NaN"/],
    [['trajectory', '--bogus', '1'], /unknown option --bogus/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('%j', async (argv, message) => {
    const target = join(scratch, `bad-${Math.random().toString(36).slice(2)}`);
    const args = argv.map((a) => (a === 'X' ? target : a));
    const { code, out, err } = await cli(...args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
    expect(err.startsWith('eoslab: error: ')).toBe(true);
    expect(existsSync(target)).toBe(false);
  });
});

describe('help', () => {
  it.each(COMMANDS.map((c) => c.name))('eoslab %s --help lists every option', async (name) => {
    const { code, out } = await cli(name, '--help');
    expect(code).toBe(0);
    const command = COMMANDS.find((c) => c.name === name);
    for (const option of command?.options ?? []) expect(out).toContain(`--${option.spec.flag}`);
    expect(out).toContain('Examples:');
  });

  it('the binary’s lazy command table is COMMANDS, in order, and prints the same help', async () => {
    const loaded = await Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
    expect(COMMAND_LOADERS.map(([name]) => name)).toEqual(COMMANDS.map((c) => c.name));
    loaded.forEach((command, i) => expect(command).toBe(COMMANDS[i]));
    const lazy: string[] = [];
    const io = { out: (t: string) => void lazy.push(t), err: (t: string) => void lazy.push(t), interactive: false };
    expect(await runCliLazily(['--help'], io)).toBe(0);
    expect(await runCliLazily(['nope'], io)).toBe(2);
    const eager: string[] = [];
    const eagerIo = { ...io, out: (t: string) => void eager.push(t), err: (t: string) => void eager.push(t) };
    await runCli(['--help'], eagerIo);
    await runCli(['nope'], eagerIo);
    expect(lazy).toEqual(eager);
  });

  it('the installed bin runs, prints help and exits 2 on bad input', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'eoslab.js');
    expect(execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })).toMatch(/Commands:/);
    const bad = spawnSync(process.execPath, [bin, 'gfs', '--w', 'x,1'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^eoslab: error: invalid --w: "x,1"/);
  });
});
