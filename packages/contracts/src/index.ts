export * from './envelope.ts'
export * from './identity.ts'
export * from './learning.ts'
export * from './commerce.ts'
export * from './tutoring.ts'
export * from './realtime.ts'
import type { EventDefinition } from './envelope.ts'
import * as identity from './identity.ts'
import * as learning from './learning.ts'
import * as commerce from './commerce.ts'
import * as tutoring from './tutoring.ts'

/** Every event type, by name: the catalogue docs/events.md is generated from. */
export const eventCatalogue: Record<string, EventDefinition> = Object.fromEntries(
  [
    ...Object.values(identity),
    ...Object.values(learning),
    ...Object.values(commerce),
    ...Object.values(tutoring),
  ].map((e) => [e.type, e as EventDefinition]),
)
