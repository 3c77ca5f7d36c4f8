import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'mocks/**/*.test.ts', 'conformance/**/*.test.ts'],
    // The packed package has its own command (npm run test:package, run by .ci/run).
    exclude: ['test/package/**', '**/node_modules/**'],
    // Test files start servers on port 0 and own their fakes: they can run side by side.
    fileParallelism: true,
    maxWorkers: 2,
    // Timeouts only catch a hang: a loaded 2-core machine must never trip them.
    testTimeout: 120_000,
    reporters: ['default', './test/summary-reporter.ts'],
    hookTimeout: 120_000,
  },
})
