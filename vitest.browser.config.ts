import { defineConfig } from 'vitest/config';

// The browser suite (`npm run test:browser`): the explorer page in Debian's Chromium through
// playwright-core, served by `eoslab serve`. Needs `npm run build` first; `npm test` leaves it out.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
