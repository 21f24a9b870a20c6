import { eq } from 'drizzle-orm'
import { defineHandler, newId, type EventHandler, type Tx } from '@learnmesh/kernel'
import {
  learningCoursePublished,
  learningEnrollmentCreated,
  learningEnrollmentRevoked,
} from '@learnmesh/contracts'
import type { CommunicationDeps } from '../deps.ts'
import { courses } from '../db/schema.ts'
import { chatRepository as repo } from './chat.repository.ts'

/**
 * The course's channel, created on first need: an enrollment may arrive before the publication
 * (events of different types are not ordered), so either creates it; publication sets the title.
 */
export async function courseChannel(tx: Tx, deps: CommunicationDeps, orgId: string, courseId: string) {
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
export function announceAfterCommit(deps: CommunicationDeps, conversationId: string, userIds: string[]) {
  if (userIds.length === 0) return
  deps.realtime.whenCommitted(
    () => repo.isParticipant(deps.database.db, conversationId, userIds[0]!),
    () => {
      deps.realtime.joinConversation(userIds, conversationId)
      for (const u of userIds) deps.realtime.toUser(u, 'conversation:added', { conversationId })
    },
  )
}

/**
 * After the consumer's transaction commits: removed participants' open connections leave the room
 * (no more messages or typing from it) and hear `conversation:removed`.
 */
export function leaveAfterCommit(deps: CommunicationDeps, conversationId: string, userIds: string[]) {
  if (userIds.length === 0) return
  deps.realtime.whenCommitted(
    async () => !(await repo.isParticipant(deps.database.db, conversationId, userIds[0]!)),
    () => {
      deps.realtime.leaveConversation(userIds, conversationId)
      for (const u of userIds) deps.realtime.toUser(u, 'conversation:removed', { conversationId })
    },
  )
}

/** Whether communication heard that this person was removed from the org (they join no channel of it). */
async function removedFromOrg(tx: Tx, orgId: string, userId: string) {
  return (await repo.orgMember(tx, orgId, userId))?.removed === true
}

/**
 * Records an enrollment event (`active`: created, else revoked) unless a newer event of the same
 * enrollment is recorded; returns whether it was applied.
 */
const recordEnrollment = (
  tx: Tx,
  orgId: string,
  p: { enrollmentId: string; courseId: string; userId: string },
  occurredAt: string,
  active: boolean,
) =>
  repo.applyEnrollment(tx, {
    enrollmentId: p.enrollmentId,
    orgId,
    courseId: p.courseId,
    userId: p.userId,
    active,
    changedAt: new Date(occurredAt),
  })

/**
 * Course channels: a published course's owner and instructors join its channel; a learner is in it
 * while one of their enrollments is active (learning.enrollment.created / .revoked); nobody removed
 * from the org joins. Idempotent (participants are a primary key; the inbox dedupes deliveries), and
 * an older enrollment event never undoes a newer one (`course_enrollments.changed_at`). Leaving a
 * channel keeps its history; only the membership goes.
 */
export function courseChannelHandlers(deps: CommunicationDeps): EventHandler[] {
  return [
    defineHandler({
      event: learningCoursePublished,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const channel = await courseChannel(tx, deps, env.orgId, p.courseId)
        if (channel.title !== p.title) await repo.setTitle(tx, channel.id, p.title)
        const staff: string[] = []
        for (const userId of new Set([p.ownerId, ...p.instructorIds]))
          if (!(await removedFromOrg(tx, env.orgId, userId))) staff.push(userId)
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
        const applied = await recordEnrollment(tx, env.orgId, p, env.occurredAt, true)
        const channel = await courseChannel(tx, deps, env.orgId, p.courseId)
        // Not applied: this enrollment's newer revocation came first.
        if (!applied || (await removedFromOrg(tx, env.orgId, p.userId))) return
        const added = await repo.addParticipants(tx, channel.id, env.orgId, [
          { userId: p.userId, role: 'member' },
        ])
        announceAfterCommit(deps, channel.id, added)
      },
    }) as EventHandler,

    defineHandler({
      event: learningEnrollmentRevoked,
      async handle(tx, p, env) {
        if (!env.orgId) return
        // Not applied: a newer event of this enrollment is already applied.
        if (!(await recordEnrollment(tx, env.orgId, p, env.occurredAt, false))) return
        // Another active enrollment in the same course keeps the learner in.
        if ((await repo.activeCourses(tx, env.orgId, p.userId, p.courseId)).length > 0) return
        const channel = await repo.findCourseChannel(tx, env.orgId, p.courseId)
        if (!channel) return
        // Learners only: someone who also teaches the course stays its instructor.
        const removed = await repo.removeParticipants(tx, channel.id, [p.userId], ['member'])
        leaveAfterCommit(deps, channel.id, removed)
      },
    }) as EventHandler,
  ]
}
