#!/usr/bin/env node
/**
 * `npm pack` / `npm publish` hooks: the tarball ships a built package whose package.json has no
 * `prepare` script.
 *
 * Why. The repository builds in `prepare` (asc + tsc), which npm runs on a bare `npm install` /
 * `npm ci` in the repository itself — the only lifecycle script that runs there and nowhere a
 * consumer installs from the registry. But npm 11 (since 11.16, allowScripts) lists the `prepare`
 * script of every dependency that does not come from a registry — a tarball (`npm install
 * ./eoslab-0.1.0.tgz`), a URL, git — as an install script "not yet covered by allowScripts" and
 * warns, even for a tarball, where it never runs it (arborist runs `prepare` only for linked
 * directories, pacote only for git and directory sources). The tarball already holds dist/ and
 * build/release.wasm, so its manifest simply leaves `prepare` out: installing it runs nothing.
 *
 *   prepack:  build (unless EOSLAB_PACK_PREBUILT=1 says the build is current: the pack test, after
 *             `npm test`'s pretest build), check that the files the package needs exist, keep the
 *             manifest in .package.json.prepack and write it back without the scripts prepare,
 *             prepack and postpack;
 *   postpack: put the kept manifest back, byte for byte.
 *
 * A pack interrupted between the two leaves .package.json.prepack behind; the next prepack or
 * postpack restores it first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const manifest = `${root}package.json`;
const kept = `${root}.package.json.prepack`;

/** Scripts that only make sense in the repository (they build it or pack it). */
const REPOSITORY_ONLY = ['prepare', 'prepack', 'postpack'];

/** Files without which the packed package cannot run (checked before packing). */
const REQUIRED = [
  'dist/index.js',
  'dist/index.d.ts',
  'dist/cli/main.js',
  'dist-web/index.html',
  'build/release.wasm',
  'fonts/DejaVuSans.ttf',
  'fonts/DejaVuSans-Bold.ttf',
  'fonts/LICENSE',
  'LICENSE',
];

function restore() {
  if (existsSync(kept)) renameSync(kept, manifest);
}

function prepack() {
  restore();
  if (process.env.EOSLAB_PACK_PREBUILT !== '1') {
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const missing = REQUIRED.filter((file) => !existsSync(`${root}${file}`));
  if (missing.length > 0) {
    throw new Error(`cannot pack: missing ${missing.join(', ')} (run \`npm run build\`)`);
  }
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  if (pkg.scripts?.prepare === undefined) return;
  writeFileSync(kept, text);
  // prepack/postpack go too: they run this script, which the tarball does not ship
  for (const script of REPOSITORY_ONLY) delete pkg.scripts[script];
  writeFileSync(`${manifest}.tmp`, `${JSON.stringify(pkg, null, 2)}\n`);
  renameSync(`${manifest}.tmp`, manifest);
}

const step = process.argv[2];
if (step === 'prepack') prepack();
else if (step === 'postpack') restore();
else {
  console.error('usage: node scripts/pack-manifest.mjs prepack|postpack');
  process.exit(2);
}
