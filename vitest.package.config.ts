import { defineConfig } from 'vitest/config'

// `npm run test:package`: the packed tarball in a fresh project (slow: npm pack, npm install, tsc).
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    // Timeouts only catch a hang; a busy machine must never trip them.
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
})
