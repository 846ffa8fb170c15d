import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/deep (`npm run test:sensitivity`) and test/smoke (`npm run test:smoke`) take
    // minutes; npm test leaves them out, and .ci/run runs each with its own script.
    exclude: process.env.AGENT_STORAGE_DEEP
      ? configDefaults.exclude
      : [...configDefaults.exclude, 'test/deep/**', 'test/smoke/**'],
    // Both cores: the files are independent (own temp folders, own Postgres schemas and databases).
    maxWorkers: 2,
    // Limits that only a hang reaches: a busy machine must never fail a test by its clock.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
