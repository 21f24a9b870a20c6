import type { Database, Logger } from '@learnmesh/kernel'
import type { CommerceConfig } from './config.ts'

/** Everything commerce's routes, services and consumers are built from. */
export interface CommerceDeps {
  database: Database
  config: CommerceConfig
  logger: Logger
  /** Nudges the outbox relay after a commit that wrote events (a no-op without a relay). */
  wakeRelay: () => void
}
