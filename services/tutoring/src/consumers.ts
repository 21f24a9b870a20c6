import type { EventHandler } from '@learnmesh/kernel'
import type { TutoringDeps } from './deps.ts'
import { peopleHandlers } from './people/people.handlers.ts'
import { bookingsHandlers } from './bookings/bookings.handlers.ts'

/** Every event tutoring consumes, with its handler. */
export function tutoringHandlers(deps: TutoringDeps): EventHandler[] {
  return [...peopleHandlers(), ...bookingsHandlers(deps)]
}
