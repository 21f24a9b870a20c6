import type { App } from './http/app.ts'
import type { InboxTable } from './events/tables.ts'
import { createRelay } from './events/relay.ts'
import { consume, type EventHandler } from './events/inbox.ts'
import { createJobRunner } from './jobs/runner.ts'
import type { JobDefinition, RecurringJob } from './jobs/jobs.ts'
import type { RunningService, ServiceContext } from './service.ts'

/** What a service with an outbox, consumers and jobs is made of (see `startServiceRuntime`). */
export interface ServiceRuntimeSpec<D> {
  /** The service's name: its schema, consumer queue and log name. */
  name: string
  /** Its inbox table (`inboxTable(schema)`). */
  inbox: InboxTable
  /** Builds the service's dependencies; `wakeRelay` nudges its outbox relay after a commit. */
  deps(wakeRelay: () => void): D
  /** The events it consumes, with their handlers. */
  handlers(deps: D): EventHandler[]
  /** The jobs it runs. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  jobs(deps: D): (JobDefinition<any> | RecurringJob)[]
  /** Builds its HTTP app. */
  app(deps: D): Promise<App>
}

/**
 * The usual start of a service: its outbox relay, its consumers (through its inbox), its job runner
 * and its app; `close` stops the runner, the app, then the relay (consumers stop with the transport).
 * A service's `start(ctx)` loads its config and calls this.
 */
export async function startServiceRuntime<D>(
  ctx: ServiceContext,
  spec: ServiceRuntimeSpec<D>,
): Promise<RunningService> {
  const { database, transport, logger } = ctx
  const relay = createRelay({ database, schema: spec.name, transport, logger })
  const deps = spec.deps(() => relay.wake())
  consume({
    consumer: spec.name,
    database,
    inbox: spec.inbox,
    transport,
    logger,
    handlers: spec.handlers(deps),
  })
  const runner = createJobRunner({ database, schema: spec.name, handlers: spec.jobs(deps), logger })
  const app = await spec.app(deps)
  return {
    name: spec.name,
    app,
    async close() {
      await runner.stop()
      await app.close()
      await relay.stop()
    },
  }
}
