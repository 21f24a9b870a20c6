import { sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { Value } from 'typebox/value'
import type { Static, TSchema } from 'typebox'
import type { Envelope, EventDefinition } from '@learnmesh/contracts'
import { uuid7 } from '../ids.ts'
import type { Tx } from '../db/database.ts'
import { markOutboxWrite } from '../db/commit-wake.ts'
import type { OutboxTable } from './tables.ts'
import { compiledCheck } from './checks.ts'
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
 * The outbox's relays are woken when the transaction commits (`outboxWritten`).
 */
export async function writeEvent<S extends TSchema>(
  tx: Tx,
  outbox: OutboxTable,
  definition: EventDefinition<S>,
  input: EventInput<S>,
): Promise<Envelope<Static<S>>> {
  const { row, channel } = prepareEvent(outbox, definition, input)
  await tx.insert(outbox).values(row)
  await outboxWritten(tx, channel)
  return row.envelope
}

/**
 * Call inside the transaction after inserting outbox rows yourself (a `prepareEvent` hot path): the
 * outbox's relays are woken once the transaction commits (`Database.onOutboxCommit`). No NOTIFY
 * inside the transaction: its cluster-wide lock would serialize every writing commit's WAL flush.
 * Only a transaction not opened through a kernel `Database` falls back to an in-transaction NOTIFY.
 */
export async function outboxWritten(tx: Tx, channel: string): Promise<void> {
  if (markOutboxWrite(tx, channel)) return
  // Delivered at commit (and only if it commits); repeated notifies in one transaction collapse.
  await tx.execute(sql`select pg_notify(${channel}, '')`)
}

/** An outbox row ready to insert, and its outbox's channel (for `outboxWritten` in the same transaction). */
export interface PreparedEvent<T> {
  row: {
    id: string
    type: string
    version: number
    aggregateId: string
    orgId: string | null
    envelope: Envelope<T>
  }
  channel: string
}

/**
 * What `writeEvent` writes, without writing it: the payload validated (the same `internal` error on
 * a mismatch) and the envelope built. For a hot path that inserts the row in a statement of its own;
 * it must insert it inside the state change's transaction and call `outboxWritten`, as writeEvent.
 */
export function prepareEvent<S extends TSchema>(
  outbox: OutboxTable,
  definition: EventDefinition<S>,
  input: EventInput<S>,
): PreparedEvent<Static<S>> {
  if (!compiledCheck(definition.payload)(input.payload)) {
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
  return {
    row: {
      id: envelope.id,
      type: envelope.type,
      version: envelope.version,
      aggregateId: input.aggregateId,
      orgId: input.orgId,
      envelope,
    },
    channel: channelOf(outbox),
  }
}
