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
    // Files in one worker share loaded modules (the kit, its drivers, fast-check) instead of
    // loading them again per file: 35 s of the run was imports. Every file still makes its own
    // stores, folders and schemas, and none mocks a module or leaves a global changed.
    isolate: false,
    // Limits that only a hang reaches: a busy machine must never fail a test by its clock.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
