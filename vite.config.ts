/**
 * The explorer page (web/): a static site built into dist-web/ by `npm run build:web`, served by
 * `eoslab serve` or any static host. Relative URLs (`base: './'`), so it works from any path.
 * It bundles src/ as it is: the engines, the heatmap tile kernel and build/release.wasm (an asset,
 * from src/wasm/module.ts's `new URL('../../build/release.wasm', import.meta.url)`).
 *
 * Node's built-ins that src/ imports for its Node-only paths (files, manifests, the worker pool)
 * are never called by the page (it passes `workers: 0` and never asks for the machine's memory);
 * Vite replaces them by empty modules, and the warnings it prints for those are silenced here (any
 * other is shown). piscina, reached through the heatmap module the page takes its counts from and the
 * bifurcation module the inspector's worker takes its orbits from, is marked free of side effects
 * so that it is left out of the page and of its workers.
 */
import { defineConfig, type UserConfig } from 'vite';

/** Node built-ins src/ imports on paths the page never runs (see above). */
const NODE_ONLY =
  /^node:(fs|os|path|crypto|module|url|zlib|timers\/promises|worker_threads|assert|events|perf_hooks|util|async_hooks)$/;

/** The page's and its workers' bundles: piscina left out, the Node-only warnings silenced. */
const rolldownOptions: NonNullable<NonNullable<UserConfig['build']>['rolldownOptions']> = {
  treeshake: { moduleSideEffects: (id: string) => !/[\\/]node_modules[\\/]piscina[\\/]/.test(id) },
  onLog(level, log, handler) {
    const node = /Module "([^"]+)" has been externalized for browser compatibility/.exec(log.message);
    if (node && NODE_ONLY.test(node[1] as string)) return;
    handler(level, log);
  },
};

export default defineConfig({
  root: 'web',
  base: './',
  publicDir: false,
  build: {
    outDir: '../dist-web',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    rolldownOptions,
  },
  worker: { format: 'es', rolldownOptions },
});
