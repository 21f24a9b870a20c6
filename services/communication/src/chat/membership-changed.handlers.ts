import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { identityMembershipChanged } from '@learnmesh/contracts'
import type { CommunicationDeps } from '../deps.ts'
import { chatRepository as repo } from './chat.repository.ts'
import { announceAfterCommit, courseChannel, leaveAfterCommit } from './course-channels.handlers.ts'
import { leaveOrgGroups, rejoinOrgGroups } from './chat.service.ts'

/**
 * identity.membership.changed: chat keeps each member's newest membership (`org_members`, by
 * `occurredAt`; a late older event changes nothing). A removed member leaves every course channel of
 * the org, leaves its groups as if they had left them (ownership passes on; the group reads "Bob was
 * removed from the organization") and is nobody's contact there any more (their direct conversations
 * stay readable to the others); a demoted org admin loses the org-wide contacts search. Someone who
 * joins again is put back in the channels of their active enrollments (instructors at the course's
 * next publication) and in the groups the removal took them out of ("Bob rejoined"; not those they
 * left themselves or were removed from by the group).
 */
export function membershipHandlers(deps: CommunicationDeps): EventHandler[] {
  return [
    defineHandler({
      event: identityMembershipChanged,
      async handle(tx, p, env) {
        const { orgId, userId } = p
        const removed = p.change === 'removed'
        const before = await repo.orgMember(tx, orgId, userId)
        const applied = await repo.applyMembership(tx, {
          orgId,
          userId,
          roles: removed ? [] : p.roles,
          removed,
          changedAt: new Date(env.occurredAt),
        })
        if (!applied) return
        if (removed) {
          for (const conversationId of await repo.leaveCourseChannels(tx, orgId, userId))
            leaveAfterCommit(deps, conversationId, [userId])
          const why = p.changedBy === userId ? 'left_org' : 'removed_from_org'
          await leaveOrgGroups(tx, deps, orgId, userId, why)
          return
        }
        if (!before?.removed) return
        for (const courseId of await repo.activeCourses(tx, orgId, userId)) {
          const channel = await courseChannel(tx, deps, orgId, courseId)
          const added = await repo.addParticipants(tx, channel.id, orgId, [{ userId, role: 'member' }])
          announceAfterCommit(deps, channel.id, added)
        }
        await rejoinOrgGroups(tx, deps, orgId, userId)
      },
    }) as EventHandler,
  ]
}
