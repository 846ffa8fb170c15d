import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/deep holds what `npm run test:sensitivity` runs (minutes, not seconds); npm test leaves it out.
    exclude: process.env.AGENT_STORAGE_DEEP
      ? configDefaults.exclude
      : [...configDefaults.exclude, 'test/deep/**'],
    // Limits that only a hang reaches: a busy machine must never fail a test by its clock.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
