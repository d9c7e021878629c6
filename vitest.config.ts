import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault-injection scenarios run after this suite, one at a time (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each use their own database and Redis prefix, so they may run side by side.
    fileParallelism: true,
  },
});
