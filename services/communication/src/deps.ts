import type { Database, Logger } from '@learnmesh/kernel'
import type { CommunicationConfig } from './config.ts'
import type { Mailer } from './email/mailer.ts'
import type { RealtimeHub } from './realtime/hub.ts'

/** Everything communication's routes, services, consumers and jobs are built from. */
export interface CommunicationDeps {
  database: Database
  config: CommunicationConfig
  logger: Logger
  /** Nudges the outbox relay after a commit that wrote events (a no-op without a relay). */
  wakeRelay: () => void
  /** Sends an email (SMTP), or keeps it in the dev mailbox. */
  mailer: Mailer
  /** The current time (tests move it: quiet hours, digests, reminders). */
  now: () => Date
  /** Live events to connected Socket.IO clients (chat, new notifications); a no-op until a server is attached. */
  realtime: RealtimeHub
}
