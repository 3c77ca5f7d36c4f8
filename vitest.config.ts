import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'mocks/**/*.test.ts', 'conformance/**/*.test.ts'],
    // Test files start servers on port 0 and own their fakes: they can run side by side.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 20_000,
    reporters: ['default', './test/summary-reporter.ts'],
    hookTimeout: 30_000,
  },
})
