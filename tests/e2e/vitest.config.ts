import { defineConfig } from 'vitest/config'

// Browser journeys (`npm run test:e2e`): kept out of `npm test`, run by .ci/run after the checks.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['./tests/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
})
