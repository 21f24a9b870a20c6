import { sql } from 'drizzle-orm'
import {
  bigserial,
  index,
  integer,
  jsonb,
  primaryKey,
  text,
  timestamp,
  uuid,
  type PgSchema,
} from 'drizzle-orm/pg-core'

const sqlUnpublished = sql`published_at is null`

/**
 * The outbox of a service, in its own schema. Put `outbox = outboxTable(schema)` in the
 * service's db/schema.ts so drizzle-kit generates it with the service's migrations.
 */
export function outboxTable(schema: PgSchema) {
  return schema.table(
    'outbox',
    {
      /** Global order of writes; the relay publishes in this order. */
      seq: bigserial('seq', { mode: 'number' }).primaryKey(),
      /** Envelope id (UUIDv7). */
      id: uuid('id').notNull().unique(),
      type: text('type').notNull(),
      version: integer('version').notNull(),
      /** Events of one aggregate are published in order. */
      aggregateId: text('aggregate_id').notNull(),
      orgId: text('org_id'),
      envelope: jsonb('envelope').notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      publishedAt: timestamp('published_at', { withTimezone: true }),
      attempts: integer('attempts').notNull().default(0),
    },
    (t) => [index('outbox_unpublished_idx').on(t.seq).where(sqlUnpublished)],
  )
}

/** The inbox of a consuming service: one row per (event, consumer) handled. */
export function inboxTable(schema: PgSchema) {
  return schema.table(
    'inbox',
    {
      eventId: uuid('event_id').notNull(),
      consumer: text('consumer').notNull(),
      type: text('type').notNull(),
      handledAt: timestamp('handled_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.eventId, t.consumer] })],
  )
}

export type OutboxTable = ReturnType<typeof outboxTable>
export type InboxTable = ReturnType<typeof inboxTable>
