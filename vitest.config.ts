import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // tfjs backends are process-global: one test file per worker process.
    pool: 'forks',
    reporters: ['default'],
  },
});
