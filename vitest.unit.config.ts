import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the tests of pure code and in-process storage, for the edit-test loop, in
 * seconds: no build, no browser, no tmux, no PostgreSQL server, no worker pool or real training.
 * `npm test` runs these and everything else.
 */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.{ts,tsx}'],
    exclude: [
      'test/cli/**',
      'test/api/**',
      'test/**/*.browser.test.ts',
      'test/**/*.e2e.test.ts',
      'test/report/pbt.test.ts',
      'test/pool/executors.test.ts',
      'test/study/faults.test.ts',
      'test/trial/{trainer,trainer-cpu,equivalence,mlp,backend,optimizers}.test.ts',
    ],
    pool: 'forks',
    // The storage suites leave their PostgreSQL kinds to npm test.
    env: { HPSEARCH_TESTS_WITHOUT_POSTGRES: '1' },
  },
});
