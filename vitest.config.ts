import { defineConfig } from 'vitest/config'

// One run covers every workspace: unit and route tests next to the code, system tests in tests/system.
export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'tests/system/**/*.test.ts',
      'tests/lint/**/*.test.ts',
      'apps/web/src/**/*.test.{ts,tsx}',
    ],
    exclude: ['**/node_modules/**', 'tests/e2e/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['./vitest.global-setup.ts'],
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
})
