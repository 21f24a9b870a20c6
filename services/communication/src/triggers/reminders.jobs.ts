import { eq } from 'drizzle-orm'
import { defineJob, Type, type JobDefinition } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { lessons, people } from '../db/schema.ts'
import { notify } from '../notifications/deliver.ts'

/** The job that reminds a lesson's learner and tutor. */
export const LESSON_REMINDER_JOB = 'communication.lesson.reminder'

/** Reminders sent before each booked lesson. */
export const REMINDERS = [
  { id: '24h', beforeMs: 24 * 3_600_000, label: 'tomorrow' },
  { id: '1h', beforeMs: 3_600_000, label: 'in 1 hour' },
] as const

/**
 * Lesson reminders (24 h and 1 h before), scheduled when a lesson is booked and moved when it is
 * rescheduled. When one fires it checks the lesson is still booked at that time (a cancelled or
 * moved lesson's stale reminder does nothing).
 */
export function reminderJobs(deps: CommunicationDeps): JobDefinition[] {
  return [
    defineJob({
      name: LESSON_REMINDER_JOB,
      payload: Type.Object({ bookingId: Type.String(), reminder: Type.String(), startsAt: Type.String() }),
      async handle(tx, { bookingId, reminder, startsAt }) {
        const [lesson] = await tx.select().from(lessons).where(eq(lessons.bookingId, bookingId)).limit(1)
        if (
          !lesson ||
          lesson.status !== 'booked' ||
          lesson.startsAt.toISOString() !== new Date(startsAt).toISOString()
        ) {
          return
        }
        const r = REMINDERS.find((x) => x.id === reminder)
        if (!r) return
        const names = new Map(
          (await tx.select().from(people))
            .filter((p) => p.userId === lesson.tutorUserId || p.userId === lesson.learnerId)
            .map((p) => [p.userId, p.displayName]),
        )
        for (const [userId, other] of [
          [lesson.learnerId, names.get(lesson.tutorUserId) ?? 'your tutor'],
          [lesson.tutorUserId, names.get(lesson.learnerId) ?? 'your learner'],
        ] as const) {
          await notify(tx, deps, {
            orgId: lesson.orgId,
            userId,
            type: 'tutoring.reminder',
            title: `Lesson with ${other} ${r.label}`,
            body: lesson.meetingUrl
              ? `Join: ${lesson.meetingUrl}`
              : `Starts ${lesson.startsAt.toISOString()}.`,
            link: `/lessons/${bookingId}`,
            sourceKey: `${bookingId}:${reminder}:${startsAt}`,
            email: {
              subject: `Reminder: lesson with ${other} ${r.label}`,
              paragraphs: [`Your lesson with ${other} starts ${r.label} (${lesson.startsAt.toUTCString()}).`],
              action: lesson.meetingUrl
                ? { label: 'Join the lesson', url: lesson.meetingUrl }
                : { label: 'See the lesson', url: `${deps.config.PUBLIC_URL}/lessons/${bookingId}` },
            },
          })
        }
      },
    }) as JobDefinition,
  ]
}
