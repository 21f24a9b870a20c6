import { defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { createBookingsService } from './bookings.service.ts'

/** Job names (also the rows of tutoring.jobs). */
export const EXPIRE_HOLDS_JOB = 'tutoring.bookings.expire_holds'
export const AUTO_COMPLETE_JOB = 'tutoring.bookings.auto_complete'
export const RESPONSE_SWEEP_JOB = 'tutoring.bookings.response_sweep'

/**
 * Jobs of the bookings area, recurring through the kernel's job runner (one run at a time across
 * replicas): the hold-expiry sweep every minute; every five minutes the auto-confirmation sweep and, in its own
 * transaction, the response-rate sweep (bookings the tutor never acknowledged within 24 h count as
 * unanswered).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function bookingsJobs(deps: TutoringDeps): (JobDefinition<any> | RecurringJob)[] {
  const service = createBookingsService(deps)
  return [
    defineRecurring({
      name: EXPIRE_HOLDS_JOB,
      cron: '* * * * *',
      async handle(tx) {
        await service.expireHolds(tx)
      },
    }),
    defineRecurring({
      name: AUTO_COMPLETE_JOB,
      cron: '*/5 * * * *',
      async handle(tx) {
        const n = await service.autoComplete(tx)
        if (n > 0) deps.wakeRelay()
      },
    }),
    defineRecurring({
      name: RESPONSE_SWEEP_JOB,
      cron: '*/5 * * * *',
      async handle(tx) {
        await service.countUnanswered(tx)
      },
    }),
  ]
}
