import type { Database, Logger } from '@learnmesh/kernel'
import type { TutoringConfig } from './config.ts'

/** Everything tutoring's routes, services and consumers are built from. */
export interface TutoringDeps {
  database: Database
  config: TutoringConfig
  logger: Logger
  /** Nudges the outbox relay after a commit that wrote events (a no-op without a relay). */
  wakeRelay: () => void
  /** The current time (tests move it; DST and policy windows depend on it). */
  now: () => Date
}
