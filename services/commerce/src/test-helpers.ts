import type { Database } from '@learnmesh/kernel'
import { createTestService, type TestUser } from '@learnmesh/kernel/testing'
import { loadCommerceConfig } from './config.ts'
import { buildApp } from './app.ts'
import { commerceService } from './service.ts'

export type { TestUser }

/**
 * Test-only: commerce on an in-memory PGlite copied from the migrated template (or on `database`,
 * left open by close()), tokens from a throwaway signer. `logs` collects every log line when given.
 */
export async function createTestCommerce(
  options: { env?: Record<string, string>; logs?: string[]; database?: Database } = {},
) {
  return createTestService({
    database: options.database,
    service: commerceService,
    loadConfig: loadCommerceConfig,
    deps: (base) => base,
    buildApp,
    env: options.env,
    logs: options.logs,
  })
}

/** What createTestCommerce returns. */
export type TestCommerce = Awaited<ReturnType<typeof createTestCommerce>>
