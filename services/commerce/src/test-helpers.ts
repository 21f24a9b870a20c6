import type { App, Database, Logger } from '@learnmesh/kernel'
import {
  createTestDatabase,
  createTestLogger,
  createTestPrincipals,
  outboxEvents,
  type TestUser,
} from '@learnmesh/kernel/testing'
import { loadCommerceConfig, type CommerceConfig } from './config.ts'
import type { CommerceDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { commerceService } from './service.ts'

export type { TestUser }

/**
 * Test-only: commerce on an in-memory PGlite copied from the migrated template, tokens from a
 * throwaway signer. `logs` collects every log line when given.
 */
export async function createTestCommerce(options: { env?: Record<string, string>; logs?: string[] } = {}) {
  const database: Database = await createTestDatabase(commerceService.migrations)
  const config: CommerceConfig = loadCommerceConfig({ PUBLIC_URL: 'http://web.test', ...options.env })
  const logger: Logger = createTestLogger('commerce', options.logs)
  const principals = await createTestPrincipals()
  const { signer, verifier, orgA, orgB, user, token } = principals
  let wakes = 0
  const deps: CommerceDeps = { database, config, logger, wakeRelay: () => void wakes++ }
  const app: App = await buildApp(deps, { verifier })
  await app.ready()

  const call = principals.caller(app)

  return {
    app,
    database,
    db: database.db,
    config,
    deps,
    signer,
    orgA,
    orgB,
    user,
    token,
    call,
    /** How many times the relay was woken (events were written). */
    wakes: () => wakes,
    /** Rows of the outbox, oldest first. */
    events: (type?: string) => outboxEvents(database, 'commerce', type),
    async close() {
      await app.close()
      await database.close()
    },
  }
}

/** What createTestCommerce returns. */
export type TestCommerce = Awaited<ReturnType<typeof createTestCommerce>>
