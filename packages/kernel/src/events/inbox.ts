import { sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import type { TSchema, Static } from 'typebox'
import type { Envelope, EventDefinition } from '@learnmesh/contracts'
import type { Database, Tx } from '../db/database.ts'
import type { InboxTable } from './tables.ts'
import { PermanentEventError, type Transport } from './bus.ts'
import { compiledCheck } from './checks.ts'
import type { Logger } from '../logger.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const SAFE_NAME = /^[A-Za-z0-9_.-]{1,200}$/

/** A consumer of one event type: `export default { event, handle }` in a file named after the event. */
export interface EventHandler<S extends TSchema = TSchema> {
  event: EventDefinition<S>
  /**
   * Runs in the same transaction as the inbox insert; use only `tx`. `context.log` carries the
   * event id and the producer's trace id, so the consumer's logs join the producer's trace.
   */
  handle(tx: Tx, payload: Static<S>, envelope: Envelope<Static<S>>, context: HandlerContext): Promise<void>
}

/** What a handler gets besides the event. */
export interface HandlerContext {
  /** Logger bound to `consumer`, `eventId`, `type` and `traceId` (from the envelope's traceparent). */
  log: Logger
}

/** The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), if well-formed. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  if (!traceparent) return undefined
  const m = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent)
  return m && m[1] !== '0'.repeat(32) ? m[1] : undefined
}

/** Declares a handler with its payload type inferred from the event. */
export function defineHandler<S extends TSchema>(h: EventHandler<S>): EventHandler<S> {
  return h
}

/**
 * Subscribes a service's handlers. Each delivery runs the handler in one transaction with the
 * insert of (event id, consumer) into the inbox; a duplicate delivery hits the primary key, is
 * acknowledged and ignored. Payloads that do not validate are rejected with a
 * `PermanentEventError`, which transports dead-letter at once (retrying cannot fix a bad payload).
 */
export function consume(options: {
  consumer: string
  database: Database
  inbox: InboxTable
  transport: Transport
  logger: Logger
  handlers: EventHandler[]
}): void {
  const byType = new Map<string, EventHandler>()
  for (const h of options.handlers) {
    // One handler per type and consumer (its effects and the inbox row commit together); a second
    // one would silently replace the first, so it is a startup error: merge them into one handler.
    if (byType.has(h.event.type)) {
      throw new Error(`${options.consumer}: two handlers for ${h.event.type}; merge them into one`)
    }
    byType.set(h.event.type, h)
  }
  options.transport.subscribe(options.consumer, [...byType.keys()], async (envelope) => {
    const handler = byType.get(envelope.type)
    if (!handler) return
    if (!compiledCheck(handler.event.payload)(envelope.payload)) {
      options.logger.error(
        { eventId: envelope.id, type: envelope.type },
        'event payload does not match its schema',
      )
      throw new PermanentEventError(`invalid payload for ${envelope.type}`)
    }
    const traceId = traceIdOf(envelope.traceparent)
    const log = options.logger.child({
      consumer: options.consumer,
      eventId: envelope.id,
      type: envelope.type,
      ...(traceId ? { traceId } : {}),
    })
    try {
      await handleOnce(envelope, handler, log)
    } catch (err) {
      log.warn({ err }, 'event handler failed')
      throw err
    }
  })

  const inboxSchema = getTableConfig(options.inbox).schema ?? 'public'
  const inboxName = `"${inboxSchema}"."inbox"`
  const safeConsumer = SAFE_NAME.test(options.consumer) && /^[a-z_][a-z0-9_]*$/.test(inboxSchema)

  /** Inserts (event id, consumer); false when that delivery was handled before. */
  async function claimDelivery(tx: Tx, envelope: Envelope): Promise<boolean> {
    if (safeConsumer && UUID.test(envelope.id) && SAFE_NAME.test(envelope.type)) {
      // Plain text on the simple protocol, so on PostgreSQL the transaction's `begin` travels with it
      // (db/deferred-begin.ts): one round trip per delivery less. Every value was checked above
      // against a pattern of letters, digits, `.`, `_` and `-` (a UUID, names): nothing to escape.
      const res = (await tx.execute(
        sql.raw(
          `insert into ${inboxName} (event_id, consumer, type) values ('${envelope.id}', '${options.consumer}', '${envelope.type}') on conflict do nothing returning 1 as claimed`,
        ),
      )) as unknown as { rows: unknown[] }
      return res.rows.length > 0
    }
    const inserted = await tx
      .insert(options.inbox)
      .values({ eventId: envelope.id, consumer: options.consumer, type: envelope.type })
      .onConflictDoNothing()
      .returning({ id: options.inbox.eventId })
    return inserted.length > 0
  }

  async function handleOnce(envelope: Envelope, handler: EventHandler, log: Logger): Promise<void> {
    await options.database.db.transaction(async (tx) => {
      if (!(await claimDelivery(tx, envelope))) return // already handled
      await handler.handle(tx, envelope.payload as never, envelope as never, { log })
    })
    log.debug('event handled')
  }
}
