import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources and build/release.wasm (`npm test` builds both first).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
