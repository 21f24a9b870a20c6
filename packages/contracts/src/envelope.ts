import Type, { type Static, type TSchema } from 'typebox'

/** The envelope every event travels in (DESIGN.md §4). */
export const EnvelopeSchema = Type.Object({
  /** UUIDv7: unique and time-ordered. */
  id: Type.String({ format: 'uuid' }),
  /** `<context>.<entity>.<past-verb>`, e.g. `identity.user.registered`. */
  type: Type.String({ pattern: '^[a-z]+\\.[a-z_]+\\.[a-z_]+$' }),
  /** Schema version of the payload. */
  version: Type.Integer({ minimum: 1 }),
  /** When the state change happened (ISO 8601). */
  occurredAt: Type.String({ format: 'date-time' }),
  /** The service that produced it. */
  producer: Type.String(),
  /** The tenant the event belongs to (`org_...`), or null for platform-wide events. */
  orgId: Type.Union([Type.String(), Type.Null()]),
  /** W3C traceparent of the request that caused it. */
  traceparent: Type.Union([Type.String(), Type.Null()]),
  /** Type-specific data, validated by the event's schema. */
  payload: Type.Unknown(),
})

/** An event as it travels between services. */
export interface Envelope<P = unknown> extends Omit<Static<typeof EnvelopeSchema>, 'payload'> {
  payload: P
}

/** A versioned event type owned by its producer. */
export interface EventDefinition<S extends TSchema = TSchema> {
  type: string
  version: number
  producer: string
  description: string
  payload: S
}

/** Declares an event type; the producer owns it and its schema. */
export function defineEvent<S extends TSchema>(def: EventDefinition<S>): EventDefinition<S> {
  return def
}

/** The payload type of an event definition. */
export type PayloadOf<E> = E extends EventDefinition<infer S> ? Static<S> : never
