import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import { heavyTests } from './vitest.heavy.config.ts'

/**
 * `npm test`: every workspace's unit and route tests next to the code, and the system tests in
 * tests/system, except the heavy chaos suites (`npm run test:heavy`, see vitest.heavy.config.ts).
 *
 * - Two test files run at once even on a 2-core machine (Vitest's default there is one): most suites
 *   wait on PGlite, PostgreSQL, RabbitMQ or child processes. TEST_WORKERS overrides it.
 * - The server-side suites share a worker's module cache (`isolate: false`): importing a service's
 *   code once per worker instead of once per file saves most of the run. They keep no state between
 *   files (each builds its own app and database) and mock no modules. The web app's suites (jsdom,
 *   module mocks) stay isolated.
 */
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', 'tests/e2e/**', ...heavyTests],
    pool: 'forks',
    maxWorkers: Number(process.env.TEST_WORKERS) || Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['./vitest.global-setup.ts'],
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'tests/system/**/*.test.ts',
            'tests/lint/**/*.test.ts',
          ],
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'web', include: ['apps/web/src/**/*.test.{ts,tsx}'] },
      },
    ],
  },
})
