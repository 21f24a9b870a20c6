import { defineConfig } from 'vitest/config'

/**
 * `npm run test:heavy`: the long chaos and property suites, kept out of `npm test` and run by .ci/run as
 * a step of their own (they need PostgreSQL, RabbitMQ and Redis on 127.0.0.1):
 * - tests/system/backbone/outage.test.ts: 10,000 events, relay SIGKILLed, RabbitMQ stopped (2–3 min);
 * - tests/system/checkout-chaos.test.ts: 2,000 checkouts through the cluster under crashes (3–8 min);
 * - the ledger property test at its full 1,000 runs × 50 commands (`npm test` runs 60), split into
 *   LEDGER_PROPERTY_SHARDS shares (default 2) that run in parallel, each with its own seed.
 */
export const heavyTests = ['tests/system/backbone/outage.test.ts', 'tests/system/checkout-chaos.test.ts']

const ledgerProperty = 'services/commerce/src/ledger/ledger.property.test.ts'
const shards = Number(process.env.LEDGER_PROPERTY_SHARDS) || 2

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: Number(process.env.TEST_WORKERS) || 2,
    testTimeout: 30_000,
    hookTimeout: 180_000,
    globalSetup: ['./vitest.global-setup.ts'],
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', LEARNMESH_SYSTEM_TESTS: '1' },
    projects: [
      { extends: true, test: { name: 'chaos', include: heavyTests } },
      ...Array.from({ length: shards }, (_, i) => ({
        extends: true as const,
        test: {
          name: `ledger-property-${i + 1}`,
          include: [ledgerProperty],
          env: {
            LEDGER_PROPERTY_RUNS: process.env.LEDGER_PROPERTY_RUNS ?? '1000',
            LEDGER_PROPERTY_SHARD: `${i + 1}/${shards}`,
          },
        },
      })),
    ],
  },
})
