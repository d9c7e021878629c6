import { defineConfig } from 'vitest/config';

/** The fault-injection suite (`npm run test:faults`): real processes, one scenario file at a time. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.test.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Scenarios kill and restart processes and measure memory: they run one after another.
    fileParallelism: false,
  },
});
