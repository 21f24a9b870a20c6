import type { EventHandler } from '@learnmesh/kernel'
import type { CommunicationDeps } from './deps.ts'
import { triggerHandlers } from './triggers/triggers.handlers.ts'
import { courseChannelHandlers } from './chat/course-channels.handlers.ts'
import { tutorListingHandlers } from './chat/tutor-listed.handlers.ts'
import { membershipHandlers } from './chat/membership-changed.handlers.ts'
import { mergeHandlers } from './shared/handlers.ts'

/** Every event communication consumes, with its handler. */
export function communicationHandlers(deps: CommunicationDeps): EventHandler[] {
  return mergeHandlers([
    ...triggerHandlers(deps),
    ...courseChannelHandlers(deps),
    ...tutorListingHandlers(deps),
    ...membershipHandlers(deps),
  ])
}
