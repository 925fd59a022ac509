import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.{ts,tsx}'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report carries the counts that .ci/run prints as its closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest.json' },
  },
});
