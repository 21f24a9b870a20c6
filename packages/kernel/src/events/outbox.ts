import { sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { Value } from 'typebox/value'
import type { Static, TSchema } from 'typebox'
import type { Envelope, EventDefinition } from '@learnmesh/contracts'
import { uuid7 } from '../ids.ts'
import type { Tx } from '../db/database.ts'
import type { OutboxTable } from './tables.ts'
import { AppError } from '../errors.ts'

/** The NOTIFY channel a service's relay listens on: `learnmesh_outbox_<schema>`. */
export function outboxChannel(schema: string): string {
  return `learnmesh_outbox_${schema}`
}

const channels = new WeakMap<OutboxTable, string>()
function channelOf(outbox: OutboxTable): string {
  let channel = channels.get(outbox)
  if (!channel) {
    channel = outboxChannel(getTableConfig(outbox).schema ?? 'public')
    channels.set(outbox, channel)
  }
  return channel
}

/** What a state change needs to say about the event it causes. */
export interface EventInput<S extends TSchema> {
  /** The entity the event is about; events of one aggregate keep their order. */
  aggregateId: string
  orgId: string | null
  payload: Static<S>
  traceparent?: string | null
}

/**
 * Writes an event to the service's outbox inside the caller's transaction: the state change and
 * the event commit together or not at all. Only a `Tx` is accepted, so writing an event outside
 * a transaction does not type-check. The payload is validated against the event's schema first.
 * A `pg_notify` on the outbox channel wakes the service's relay when the transaction commits.
 */
export async function writeEvent<S extends TSchema>(
  tx: Tx,
  outbox: OutboxTable,
  definition: EventDefinition<S>,
  input: EventInput<S>,
): Promise<Envelope<Static<S>>> {
  if (!Value.Check(definition.payload, input.payload)) {
    const first = Value.Errors(definition.payload, input.payload)[0]
    // A producer bug, not a client error: refuse to emit an event consumers would dead-letter.
    throw new AppError(
      'internal',
      `Event ${definition.type} payload invalid: ${first?.message ?? 'schema mismatch'}`,
    )
  }
  const envelope: Envelope<Static<S>> = {
    id: uuid7(),
    type: definition.type,
    version: definition.version,
    occurredAt: new Date().toISOString(),
    producer: definition.producer,
    orgId: input.orgId,
    traceparent: input.traceparent ?? null,
    payload: input.payload,
  }
  await tx.insert(outbox).values({
    id: envelope.id,
    type: envelope.type,
    version: envelope.version,
    aggregateId: input.aggregateId,
    orgId: input.orgId,
    envelope,
  })
  // Delivered at commit (and only if it commits); repeated notifies in one transaction collapse.
  await tx.execute(sql`select pg_notify(${channelOf(outbox)}, '')`)
  return envelope
}
