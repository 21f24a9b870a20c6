import { and, eq } from 'drizzle-orm'
import { defineHandler, newId, type EventHandler, type Tx } from '@learnmesh/kernel'
import { learningCoursePublished, learningEnrollmentCreated } from '@learnmesh/contracts'
import type { CommunicationDeps } from '../deps.ts'
import { conversationParticipants, courses } from '../db/schema.ts'
import { chatRepository as repo } from './chat.repository.ts'

/**
 * The course's channel, created on first need: an enrollment may arrive before the publication
 * (events of different types are not ordered), so either creates it; publication sets the title.
 */
async function courseChannel(tx: Tx, deps: CommunicationDeps, orgId: string, courseId: string) {
  const existing = await repo.findCourseChannel(tx, orgId, courseId)
  if (existing) return existing
  const [course] = await tx.select().from(courses).where(eq(courses.courseId, courseId)).limit(1)
  return (
    (await repo.insertConversation(tx, {
      id: newId('cnv'),
      orgId,
      kind: 'course',
      title: course?.title ?? 'Course channel',
      courseId,
      createdAt: deps.now(),
    })) ?? (await repo.findCourseChannel(tx, orgId, courseId))!
  )
}

/** After the consumer's transaction commits: new participants' open connections join the room. */
function announceAfterCommit(deps: CommunicationDeps, conversationId: string, userIds: string[]) {
  if (userIds.length === 0) return
  deps.realtime.whenCommitted(
    async () => {
      const [row] = await deps.database.db
        .select({ userId: conversationParticipants.userId })
        .from(conversationParticipants)
        .where(
          and(
            eq(conversationParticipants.conversationId, conversationId),
            eq(conversationParticipants.userId, userIds[0]!),
          ),
        )
        .limit(1)
      return row !== undefined
    },
    () => {
      deps.realtime.joinConversation(userIds, conversationId)
      for (const u of userIds) deps.realtime.toUser(u, 'conversation:added', { conversationId })
    },
  )
}

/**
 * Course channels: a published course's owner and instructors join its channel; an enrolled
 * learner joins it. Idempotent (participants are a primary key; the inbox dedupes deliveries).
 */
export function courseChannelHandlers(deps: CommunicationDeps): EventHandler[] {
  return [
    defineHandler({
      event: learningCoursePublished,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const channel = await courseChannel(tx, deps, env.orgId, p.courseId)
        if (channel.title !== p.title) await repo.setTitle(tx, channel.id, p.title)
        const staff = [...new Set([p.ownerId, ...p.instructorIds])]
        const added = await repo.addParticipants(
          tx,
          channel.id,
          env.orgId,
          staff.map((userId) => ({ userId, role: 'instructor' })),
        )
        announceAfterCommit(deps, channel.id, added)
      },
    }) as EventHandler,

    defineHandler({
      event: learningEnrollmentCreated,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const channel = await courseChannel(tx, deps, env.orgId, p.courseId)
        const added = await repo.addParticipants(tx, channel.id, env.orgId, [
          { userId: p.userId, role: 'member' },
        ])
        announceAfterCommit(deps, channel.id, added)
      },
    }) as EventHandler,
  ]
}
