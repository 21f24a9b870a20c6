export * from './envelope.ts'
export * from './identity.ts'
import type { EventDefinition } from './envelope.ts'
import * as identity from './identity.ts'

/** Every event type, by name: the catalogue docs/events.md is generated from. */
export const eventCatalogue: Record<string, EventDefinition> = Object.fromEntries(
  [...Object.values(identity)].map((e) => [e.type, e as EventDefinition]),
)
