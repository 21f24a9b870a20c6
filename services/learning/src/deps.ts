import type { Database, Logger } from '@learnmesh/kernel'
import type { LearningConfig } from './config.ts'

/** Everything learning's routes, services and consumers are built from. */
export interface LearningDeps {
  database: Database
  config: LearningConfig
  logger: Logger
  /** Nudges the outbox relay after a commit that wrote events (a no-op without a relay). */
  wakeRelay: () => void
}
