import { eq } from 'drizzle-orm'
import { defineHandler, scheduleJob, type EventHandler, type Tx } from '@learnmesh/kernel'
import {
  commerceOrderPaid,
  commercePaymentRefunded,
  commercePayoutSent,
  commerceRefundFailed,
  identityEmailRequested,
  identityUserRegistered,
  learningCertificateIssued,
  learningCourseCompleted,
  learningCoursePublished,
  learningEnrollmentCreated,
  learningQuizGraded,
  learningSubmissionGraded,
  tutoringLessonBooked,
  tutoringLessonCancelled,
  tutoringLessonCompleted,
  tutoringLessonRescheduled,
} from '@learnmesh/contracts'
import type { CommunicationDeps } from '../deps.ts'
import { courses, jobs, lessons, people } from '../db/schema.ts'
import { notify, queueEmail } from '../notifications/deliver.ts'
import { formatMoney } from '../email/templates.ts'
import { LESSON_REMINDER_JOB, REMINDERS } from './reminders.jobs.ts'
import { enrollInSequences, markSequenceGoal } from '../sequences/sequences.jobs.ts'
import { convertLeads } from '../leads/leads.service.ts'

/** Subjects and wording of identity's account emails. */
const accountEmails: Record<string, { subject: string; intro: string; action: string | null }> = {
  verify_email: {
    subject: 'Confirm your email address',
    intro: 'Please confirm that this is your email address to finish setting up your account.',
    action: 'Confirm my email',
  },
  password_reset: {
    subject: 'Reset your password',
    intro:
      'Someone (hopefully you) asked to reset the password of your account. If it was not you, ignore this email: your password stays as it is.',
    action: 'Choose a new password',
  },
  invitation: {
    subject: 'You are invited to join an organization on learnmesh',
    intro: 'You have been invited to join an organization on learnmesh.',
    action: 'Accept the invitation',
  },
  password_changed: {
    subject: 'Your password was changed',
    intro:
      'The password of your account was just changed. If this was not you, reset your password now and contact support.',
    action: null,
  },
}

/** A course's title, or a neutral wording when communication has not heard of it yet. */
async function courseTitle(tx: Tx, courseId: string): Promise<string> {
  const [c] = await tx
    .select({ title: courses.title })
    .from(courses)
    .where(eq(courses.courseId, courseId))
    .limit(1)
  return c?.title ?? 'your course'
}

/** A person's display name, or a neutral wording. */
async function nameOf(tx: Tx, userId: string, fallback: string): Promise<string> {
  const [p] = await tx
    .select({ name: people.displayName })
    .from(people)
    .where(eq(people.userId, userId))
    .limit(1)
  return p?.name ?? fallback
}

/** What an automatic refund was for, as the customer knows it (commerce.refund.failed `reason`). */
const refundFor: Record<string, string> = {
  enrollment_rejected: ' (the course we could not enroll you in)',
  booking_rejected: ' (the lesson we could not book)',
  lesson_cancelled: ' (your cancelled lesson)',
}

/** Why a refund could not be completed, in the customer's words (commerce.refund.failed `failureReason`). */
const refundFailedCause: Record<string, string> = {
  payment_method_unavailable:
    'The card or account you paid with can no longer receive money, so the payment could not be returned to it.',
  declined: 'Our payment provider did not accept the refund, so the money has not been returned yet.',
}

const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC'

/**
 * Event triggers: each domain event that matters to a person becomes a notification (in-app,
 * email per preferences) through `notify`, deduplicated by the event id. Projections (people,
 * course titles, lessons) are kept here too. Every handler runs in the inbox transaction.
 */
export function triggerHandlers(deps: CommunicationDeps): EventHandler[] {
  const url = (path: string) => `${deps.config.PUBLIC_URL}${path}`
  return [
    defineHandler({
      event: identityUserRegistered,
      async handle(tx, p, env) {
        await tx
          .insert(people)
          .values({ userId: p.userId, orgId: p.orgId, displayName: p.displayName, email: p.email })
          .onConflictDoUpdate({
            target: people.userId,
            set: { displayName: p.displayName, email: p.email, updatedAt: deps.now() },
          })
        await convertLeads(tx, deps, { orgId: p.orgId, email: p.email, userId: p.userId })
        if (p.via === 'seed') return
        await enrollInSequences(tx, deps, {
          event: 'identity.user.registered',
          orgId: p.orgId,
          userId: p.userId,
        })
        await notify(tx, deps, {
          orgId: p.orgId,
          userId: p.userId,
          type: 'account.welcome',
          title: 'Welcome to learnmesh',
          body: 'Find a course or a tutor to get started.',
          link: '/catalog',
          sourceKey: env.id,
          email: {
            subject: 'Welcome to learnmesh',
            paragraphs: ['Your account is ready. Browse courses, book a tutor, and learn at your pace.'],
            action: { label: 'Explore the catalog', url: url('/catalog') },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: identityEmailRequested,
      async handle(tx, p, env) {
        const wording = accountEmails[p.template]!
        await queueEmail(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          to: p.to,
          template: p.template,
          sourceKey: env.id,
          content: {
            subject: wording.subject,
            name: p.data.displayName ?? null,
            paragraphs: [wording.intro],
            action: wording.action && p.link ? { label: wording.action, url: p.link } : null,
            notes: p.expiresAt ? [`This link works once and expires ${when(p.expiresAt)}.`] : [],
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: learningCoursePublished,
      async handle(tx, p, env) {
        if (!env.orgId) return
        await tx
          .insert(courses)
          .values({ courseId: p.courseId, orgId: env.orgId, title: p.title, slug: p.slug })
          .onConflictDoUpdate({
            target: courses.courseId,
            set: { title: p.title, slug: p.slug, updatedAt: deps.now() },
          })
      },
    }) as EventHandler,

    defineHandler({
      event: learningEnrollmentCreated,
      async handle(tx, p, env) {
        await markSequenceGoal(tx, deps, { event: 'learning.enrollment.created', userId: p.userId })
        if (!env.orgId) return
        const title = await courseTitle(tx, p.courseId)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'learning.enrolled',
          title: `You are enrolled in ${title}`,
          body: 'Start learning whenever you are ready.',
          link: `/learn/${p.courseId}`,
          sourceKey: env.id,
          email: {
            subject: `You are enrolled in ${title}`,
            paragraphs: [`You now have access to ${title}.`],
            action: { label: 'Start learning', url: url(`/learn/${p.courseId}`) },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: learningCourseCompleted,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const title = await courseTitle(tx, p.courseId)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'learning.completed',
          title: `You completed ${title}`,
          body: 'Congratulations! Your certificate is on its way.',
          link: `/learn/${p.courseId}`,
          sourceKey: env.id,
          email: {
            subject: `Congratulations: you completed ${title}`,
            paragraphs: [`You completed every lesson of ${title}. Well done!`],
            action: { label: 'See your course', url: url(`/learn/${p.courseId}`) },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: learningCertificateIssued,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const title = await courseTitle(tx, p.courseId)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'learning.certificate',
          title: `Your certificate for ${title} is ready`,
          body: `Verification code ${p.code}.`,
          link: '/certificates',
          sourceKey: env.id,
          email: {
            subject: `Your certificate for ${title}`,
            paragraphs: [`Your certificate for ${title} is ready (verification code ${p.code}).`],
            action: { label: 'View and share it', url: p.verifyUrl },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: learningQuizGraded,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const title = await courseTitle(tx, p.courseId)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'learning.graded',
          title: `Quiz graded in ${title}: ${p.score}/${p.maxScore}`,
          body: p.passed ? 'You passed.' : 'Not passed yet: review and try again.',
          link: `/learn/${p.courseId}`,
          sourceKey: env.id,
          email: {
            subject: `Quiz graded: ${p.score}/${p.maxScore}`,
            paragraphs: [`Your quiz in ${title} scored ${p.score}/${p.maxScore}.`],
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: learningSubmissionGraded,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const title = await courseTitle(tx, p.courseId)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'learning.graded',
          title: `Assignment graded in ${title}: ${p.score}/${p.maxScore}`,
          body: 'Read your instructor’s feedback.',
          link: `/learn/${p.courseId}`,
          sourceKey: env.id,
          email: {
            subject: `Assignment graded: ${p.score}/${p.maxScore}`,
            paragraphs: [`Your assignment in ${title} was graded ${p.score}/${p.maxScore}.`],
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: commerceOrderPaid,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const total = formatMoney(p.totalMinor, p.currency)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'purchases.receipt',
          title: `Payment received: ${total}`,
          body: `Order ${p.orderId}, ${p.items.length} item${p.items.length === 1 ? '' : 's'}.`,
          link: `/orders/${p.orderId}`,
          sourceKey: env.id,
          email: {
            subject: `Your receipt: ${total}`,
            paragraphs: [
              `Thank you for your purchase. We received ${total} for order ${p.orderId}.`,
              'Your invoice is available in your account.',
            ],
            action: { label: 'See your order', url: url(`/orders/${p.orderId}`) },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: commercePaymentRefunded,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const amount = formatMoney(p.amountMinor, p.currency)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'purchases.refund',
          title: `Refund of ${amount}`,
          body: `${p.full ? 'Your order was refunded in full' : 'Part of your order was refunded'} (order ${p.orderId}).`,
          link: `/orders/${p.orderId}`,
          sourceKey: env.id,
          email: {
            subject: `Refund of ${amount}`,
            paragraphs: [
              `We refunded ${amount} for order ${p.orderId}. It reaches your account within a few business days, depending on your bank.`,
            ],
            action: { label: 'See your order', url: url(`/orders/${p.orderId}`) },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: commerceRefundFailed,
      async handle(tx, p, env) {
        // Every refusal: an automatic refund was promised without the customer asking, and one
        // someone asked for may have been refused later (the provider answered `pending`, then a
        // webhook said failed), after whoever asked saw "pending". All are listed for commerce's
        // admins (GET /admin/attention), who contact the customer.
        if (!env.orgId) return
        const amount = formatMoney(p.amountMinor, p.currency)
        const subject = `We could not complete your refund of ${amount}`
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.userId,
          type: 'purchases.refund_failed',
          title: subject,
          body: `Order ${p.orderId}: nothing was refunded yet. Our team has been told and will contact you.`,
          link: `/orders/${p.orderId}`,
          // One per refund, whatever the event's id (a refund fails once).
          sourceKey: p.refundId,
          email: {
            subject,
            paragraphs: [
              `We could not complete your refund of ${amount} for order ${p.orderId}${refundFor[p.reason] ?? ''}.`,
              refundFailedCause[p.failureReason] ?? refundFailedCause.declined!,
              'Our team has been told and will contact you to settle it. You do not need to do anything now.',
            ],
            action: { label: 'See your order', url: url(`/orders/${p.orderId}`) },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: commercePayoutSent,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const amount = formatMoney(p.amountMinor, p.currency)
        await notify(tx, deps, {
          orgId: env.orgId,
          userId: p.payeeUserId,
          type: 'earnings.payout',
          title: `Payout sent: ${amount}`,
          body: 'Your earnings statement lists what it covers.',
          link: '/earnings',
          sourceKey: env.id,
          email: {
            subject: `We sent you ${amount}`,
            paragraphs: [`A payout of ${amount} is on its way to your account.`],
            action: { label: 'See your earnings', url: url('/earnings') },
          },
        })
      },
    }) as EventHandler,

    defineHandler({
      event: tutoringLessonBooked,
      async handle(tx, p, env) {
        if (!env.orgId) return
        await tx
          .insert(lessons)
          .values({
            bookingId: p.bookingId,
            orgId: env.orgId,
            tutorUserId: p.tutorId,
            learnerId: p.learnerId,
            startsAt: new Date(p.startsAt),
            endsAt: new Date(p.endsAt),
            meetingUrl: p.meetingUrl ?? null,
            status: 'booked',
          })
          .onConflictDoNothing()
        await scheduleReminders(tx, p.bookingId, new Date(p.startsAt), false)
        const tutorName = await nameOf(tx, p.tutorId, 'your tutor')
        const learnerName = await nameOf(tx, p.learnerId, 'a learner')
        for (const [userId, other] of [
          [p.learnerId, tutorName],
          [p.tutorId, learnerName],
        ] as const) {
          await notify(tx, deps, {
            orgId: env.orgId,
            userId,
            type: 'tutoring.booked',
            title: `${p.trial ? 'Trial lesson' : 'Lesson'} booked with ${other}`,
            body: `${when(p.startsAt)}, ${p.minutes} minutes.`,
            link: `/lessons/${p.bookingId}`,
            sourceKey: env.id,
            email: {
              subject: `${p.trial ? 'Trial lesson' : 'Lesson'} booked with ${other}`,
              paragraphs: [
                `Your lesson with ${other} is booked for ${when(p.startsAt)} (${p.minutes} minutes).`,
              ],
              action: { label: 'See the lesson', url: url(`/lessons/${p.bookingId}`) },
              notes: p.meetingUrl ? [`Join online: ${p.meetingUrl}`] : [],
            },
          })
        }
      },
    }) as EventHandler,

    defineHandler({
      event: tutoringLessonRescheduled,
      async handle(tx, p, env) {
        if (!env.orgId) return
        await tx
          .update(lessons)
          .set({ startsAt: new Date(p.startsAt), endsAt: new Date(p.endsAt), updatedAt: deps.now() })
          .where(eq(lessons.bookingId, p.bookingId))
        await scheduleReminders(tx, p.bookingId, new Date(p.startsAt), true)
        for (const userId of [p.learnerId, p.tutorId]) {
          await notify(tx, deps, {
            orgId: env.orgId,
            userId,
            type: 'tutoring.changed',
            title: 'A lesson was moved',
            body: `From ${when(p.previousStartsAt)} to ${when(p.startsAt)}.`,
            link: `/lessons/${p.bookingId}`,
            sourceKey: env.id,
            email: {
              subject: 'Your lesson was moved',
              paragraphs: [
                `Your lesson on ${when(p.previousStartsAt)} now takes place on ${when(p.startsAt)}.`,
              ],
              action: { label: 'See the lesson', url: url(`/lessons/${p.bookingId}`) },
            },
          })
        }
      },
    }) as EventHandler,

    defineHandler({
      event: tutoringLessonCancelled,
      async handle(tx, p, env) {
        if (!env.orgId) return
        await tx
          .update(lessons)
          .set({ status: 'cancelled', updatedAt: deps.now() })
          .where(eq(lessons.bookingId, p.bookingId))
        const [lesson] = await tx.select().from(lessons).where(eq(lessons.bookingId, p.bookingId)).limit(1)
        const at = lesson ? ` on ${when(lesson.startsAt.toISOString())}` : ''
        for (const userId of [p.learnerId, p.tutorId]) {
          const refundLine =
            userId === p.learnerId
              ? p.refundable
                ? 'The payment for it is refunded to you.'
                : 'Under the cancellation policy, this lesson is not refunded.'
              : null
          await notify(tx, deps, {
            orgId: env.orgId,
            userId,
            type: 'tutoring.changed',
            title: `A lesson${at} was cancelled`,
            body: `Cancelled by the ${p.cancelledBy}.${refundLine ? ` ${refundLine}` : ''}`,
            link: `/lessons/${p.bookingId}`,
            sourceKey: env.id,
            email: {
              subject: 'A lesson was cancelled',
              paragraphs: [
                `The lesson${at} was cancelled by the ${p.cancelledBy}.`,
                ...(refundLine ? [refundLine] : []),
              ],
            },
          })
        }
      },
    }) as EventHandler,

    defineHandler({
      event: tutoringLessonCompleted,
      async handle(tx, p) {
        await tx
          .update(lessons)
          .set({ status: 'completed', updatedAt: deps.now() })
          .where(eq(lessons.bookingId, p.bookingId))
      },
    }) as EventHandler,
  ]

  /** Schedules (or moves) the 24 h and 1 h reminders of a lesson; past ones are skipped. */
  async function scheduleReminders(tx: Tx, bookingId: string, startsAt: Date, replace: boolean) {
    for (const r of REMINDERS) {
      const runAt = new Date(startsAt.getTime() - r.beforeMs)
      if (runAt <= deps.now()) continue
      await scheduleJob(tx, jobs, {
        name: LESSON_REMINDER_JOB,
        key: `${bookingId}:${r.id}`,
        runAt,
        payload: { bookingId, reminder: r.id, startsAt: startsAt.toISOString() },
        replace,
      })
    }
  }
}
