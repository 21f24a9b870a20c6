// What the event benchmarks share: the kernel's fixture tables (created by its test migrations),
// one event type, envelopes of one realistic size, and the AMQP properties the kernel's RabbitMQ
// transport puts on every message, so the raw amqplib baselines send exactly what the relay sends.
import { resolve } from 'node:path'
import type { Options } from 'amqplib'
import { integer, pgSchema, text } from 'drizzle-orm/pg-core'
import { defineEvent, type Envelope } from '@learnmesh/contracts'
import { inboxTable, outboxTable, Type, uuid7 } from '@learnmesh/kernel'
import { root } from '../lib/children.ts'

/** The kernel's own test migrations (schema `kernel_fixture`: notes, outbox, inbox). */
export const fixtureMigrations = {
  service: 'kernel_fixture',
  folder: resolve(root, 'packages/kernel/src/testing/fixtures/migrations'),
}

/** The fixture schema's name, which is also the relay's `schema` option. */
export const fixtureSchema = 'kernel_fixture'
const fixture = pgSchema(fixtureSchema)
/** The fixture's notes table: the producer's state change and the consumer's write. */
export const notes = fixture.table('notes', {
  id: text('id').primaryKey(),
  body: text('body').notNull(),
  n: integer('n').notNull().default(0),
})
/** The fixture's outbox. */
export const outbox = outboxTable(fixture)
/** The fixture's inbox. */
export const inbox = inboxTable(fixture)

/** The event every benchmark publishes. */
export const benchEvent = defineEvent({
  type: 'bench.note.added',
  version: 1,
  producer: 'kernel_fixture',
  description: 'benchmark event: a note was added',
  payload: Type.Object(
    { id: Type.String(), title: Type.String(), body: Type.String() },
    { additionalProperties: false },
  ),
})

/** The consumer's name (its queue is `<prefix>bench-consumer`). */
export const benchConsumer = 'bench-consumer'

/** A payload of a typical small domain event (the envelope is ~420 bytes of JSON). */
export function benchPayload(id: string) {
  return {
    id,
    title: 'Introduction to distributed systems',
    body: 'A note about the outbox pattern, written by a benchmark to give events a realistic size.',
  }
}

/** An envelope as writeEvent builds it, for the raw baselines. */
export function benchEnvelope(id: string): Envelope {
  return {
    id: uuid7(),
    type: benchEvent.type,
    version: benchEvent.version,
    occurredAt: new Date().toISOString(),
    producer: benchEvent.producer,
    orgId: null,
    traceparent: null,
    payload: benchPayload(id),
  }
}

/** The properties the kernel's RabbitMQ transport publishes an envelope with. */
export function publishOptions(envelope: Envelope): Options.Publish {
  return {
    persistent: true,
    messageId: envelope.id,
    type: envelope.type,
    appId: envelope.producer,
    contentType: 'application/json',
    timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000) || undefined,
    headers: {},
  }
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now()
}

/** The arguments of a quorum queue like the transport's consumer queues. */
export const quorumQueue: Options.AssertQueue = { durable: true, arguments: { 'x-queue-type': 'quorum' } }
