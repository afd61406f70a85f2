import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources and build/release.wasm (`npm test` builds both first).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the browser suite has its own config and script (vitest.browser.config.ts, npm run test:browser)
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
