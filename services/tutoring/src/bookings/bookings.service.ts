import {
  AppError,
  newId,
  notFound,
  writeEvent,
  type Logger,
  type Principal,
  type Static,
  type Tx,
} from '@learnmesh/kernel'
import {
  tutoringBookingRejected,
  tutoringLessonBooked,
  tutoringLessonCancelled,
  tutoringLessonCompleted,
  tutoringLessonRescheduled,
  type commerceOrderPaid,
  type commercePaymentRefunded,
} from '@learnmesh/contracts'
import type { TutoringDeps } from '../deps.ts'
import { outbox } from '../db/schema.ts'
import { checkBookable, notBookableDetail } from '../availability/bookable.ts'
import { countResponse, countUnanswered, responseInTime } from './response-rate.ts'
import {
  MAX_OPEN_HOLDS,
  MAX_RESCHEDULES,
  NO_SHOW_GRACE_MINUTES,
  NO_SHOW_REPORT_HOURS,
  PAID_OPEN_STATUSES,
  cancelRefundPercent,
  cancellationSettlement,
  lessonPriceMinor,
  lessonProductRef,
  meetingToken,
  meetingUrl,
  parsePackageRef,
  sqlState,
  type Actor,
  type BookingStatus,
} from './bookings.policy.ts'
import { createBookingsRepository, type BookingRow, type DisputeRow } from './bookings.repository.ts'

const repo = createBookingsRepository()

type OrderPaid = Static<typeof commerceOrderPaid.payload>
type PaymentRefunded = Static<typeof commercePaymentRefunded.payload>

/** What a learner asks for when holding a slot. */
export interface HoldInput {
  tutorId: string
  startsAt: string
  minutes: number
  mode?: 'online' | 'in_person'
  trial?: boolean
  note?: string
  payWith: 'checkout' | 'credit'
}

/** Page options of a booking list. */
export interface ListInput {
  role?: 'learner' | 'tutor'
  when?: 'upcoming' | 'past'
  status?: string
  /** Org admins: every booking of the organization. */
  scope?: 'mine' | 'org'
  limit?: number
  cursor?: string
}

/** How an admin settles a dispute. */
export interface ResolveInput {
  resolution: 'refund' | 'release' | 'split'
  refundPercent?: number
  note?: string
}

const unprocessable = (reason: string, detail: string) => new AppError('unprocessable', detail, { reason })

/** Whether the principal administers their organization. */
function isAdmin(p: Principal): boolean {
  return p.platformAdmin || p.roles.includes('org_admin')
}

/** The caller's part in a booking (learner first, then tutor, then admin), or null: not theirs to see. */
export function actorOf(p: Principal, b: BookingRow): Actor | null {
  if (b.orgId !== p.orgId) return null
  if (b.learnerId === p.userId) return 'learner'
  if (b.tutorUserId === p.userId) return 'tutor'
  return isAdmin(p) ? 'admin' : null
}

/** Cursor of a booking page: base64url of `<startsAt ISO>|<id>`. */
export function encodeCursor(b: { startsAt: Date; id: string }): string {
  return Buffer.from(`${b.startsAt.toISOString()}|${b.id}`).toString('base64url')
}

function decodeCursor(cursor: string): { startsAt: Date; id: string } {
  const c = decodeCursorGeneric(cursor, 'bkg')
  return { startsAt: c.at, id: c.id }
}

/** Turns the database's refusal of an overlapping booking into a clear 409 (nothing was written). */
function overlapError(error: unknown): AppError | null {
  const s = sqlState(error)
  if (s?.code !== '23P01') return null
  if (s.constraint === 'bookings_learner_no_overlap') {
    return new AppError('conflict', 'You already have a lesson at that time', { reason: 'learner_busy' })
  }
  return new AppError('conflict', 'This slot is no longer available', { reason: 'slot_unavailable' })
}

/** A deadlock or serialization failure between racing transactions: safe to run again. */
function retryable(error: unknown): boolean {
  const code = sqlState(error)?.code
  return code === '40P01' || code === '40001'
}

/**
 * Bookings: holds, payment (by checkout through commerce, or by a package credit), the lesson
 * lifecycle, cancellation and reschedule policies, no-shows and disputes. Every state change and its
 * events commit in one transaction; every transition is a guarded UPDATE (`status IN (...)`), so
 * concurrent callers (a learner confirming while the auto-confirm job runs) move a booking once.
 */
export function createBookingsService(deps: TutoringDeps) {
  const db = deps.database.db
  const cfg = deps.config
  const window = () => ({
    now: deps.now(),
    minNoticeHours: cfg.BOOKING_MIN_NOTICE_HOURS,
    horizonDays: cfg.BOOKING_HORIZON_DAYS,
  })

  /**
   * Runs a transaction and wakes the relay. An exclusion violation becomes a 409; a deadlock
   * between racing transactions (they expire the same stale holds) is retried, then a 409.
   */
  async function write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await db.transaction(fn)
        deps.wakeRelay()
        return result
      } catch (error) {
        if (retryable(error)) {
          if (attempt < 3) continue
          throw new AppError('conflict', 'Too many people are booking right now: try again', {
            reason: 'busy',
          })
        }
        throw overlapError(error) ?? error
      }
    }
  }

  /** A booking the caller may see (404 otherwise, also for another organization's). */
  async function visible(tx: Tx | typeof db, p: Principal, id: string, lock = false) {
    const b = await repo.find(tx, p.orgId, id, lock)
    const actor = b ? actorOf(p, b) : null
    if (!b || !actor) throw notFound('Booking')
    return { b, actor }
  }

  function meetingFor(b: { id: string; tutorId: string; mode: string }): string | null {
    if (b.mode !== 'online') return null
    return meetingUrl(cfg.MEETING_URL_TEMPLATE, {
      bookingId: b.id,
      tutorId: b.tutorId,
      token: meetingToken(),
    })
  }

  async function publishBooked(tx: Tx, b: BookingRow, traceparent: string | null) {
    await writeEvent(tx, outbox, tutoringLessonBooked, {
      aggregateId: b.id,
      orgId: b.orgId,
      traceparent,
      payload: {
        bookingId: b.id,
        tutorId: b.tutorUserId,
        learnerId: b.learnerId,
        startsAt: b.startsAt.toISOString(),
        endsAt: b.endsAt.toISOString(),
        minutes: b.minutes,
        orderId: b.orderId!,
        orderItemId: b.orderItemId!,
        trial: b.trial,
        ...(b.meetingUrl ? { meetingUrl: b.meetingUrl } : {}),
      },
    })
  }

  /**
   * Completes a paid lesson once: the guarded UPDATE lets exactly one of the concurrent callers
   * (learner, auto-confirm job, admin releasing a dispute) through, and only that one publishes
   * tutoring.lesson.completed. Returns null when someone else completed (or settled) it first.
   */
  async function completeOnce(
    tx: Tx,
    b: BookingRow,
    from: readonly BookingStatus[],
    extra: { learnerConfirmedAt?: Date; learnerNoShowAt?: Date },
    traceparent: string | null,
  ): Promise<BookingRow | null> {
    const now = deps.now()
    const done = await repo.transition(
      tx,
      b.id,
      from,
      { status: 'completed', completedAt: now, ...extra },
      now,
    )
    if (!done) return null
    await repo.countLessonTaught(tx, done.tutorId)
    await writeEvent(tx, outbox, tutoringLessonCompleted, {
      aggregateId: done.id,
      orgId: done.orgId,
      traceparent,
      payload: {
        bookingId: done.id,
        tutorId: done.tutorUserId,
        learnerId: done.learnerId,
        orderId: done.orderId!,
        orderItemId: done.orderItemId!,
        minutes: done.minutes,
        completedAt: now.toISOString(),
      },
    })
    return done
  }

  /**
   * Cancels a paid (or held) booking once with a refund percent, settling money the policy's way:
   * a credit comes back, or commerce gets tutoring.lesson.cancelled with the percent.
   */
  async function cancelOnce(
    tx: Tx,
    b: BookingRow,
    from: readonly BookingStatus[],
    by: Actor,
    reason: string,
    refundPercent: number,
    traceparent: string | null,
  ): Promise<BookingRow | null> {
    const now = deps.now()
    const paid = b.orderId !== null && b.status !== 'held'
    const done = await repo.transition(
      tx,
      b.id,
      from,
      {
        status: 'cancelled',
        cancelledAt: now,
        cancelledBy: by,
        cancelReason: reason,
        refundPercent: paid ? refundPercent : null,
      },
      now,
    )
    if (!done || !paid) return done
    const settle = cancellationSettlement(done.paidWith, refundPercent)
    if (settle.returnCredit && done.creditId) await repo.adjustCredit(tx, done.creditId, -1)
    if (settle.publish) {
      await writeEvent(tx, outbox, tutoringLessonCancelled, {
        aggregateId: done.id,
        orgId: done.orgId,
        traceparent,
        payload: {
          bookingId: done.id,
          tutorId: done.tutorUserId,
          learnerId: done.learnerId,
          orderId: done.orderId!,
          orderItemId: done.orderItemId!,
          cancelledBy: by,
          refundable: refundPercent > 0,
          refundPercent,
        },
      })
    }
    return done
  }

  return {
    /** The learners' and tutors' names of these bookings, for presentBooking. */
    names(rows: readonly BookingRow[]) {
      return repo.namesOf(db, rows)
    },

    /**
     * Holds a slot (payWith checkout: `held` until paid, the response says what to put in the cart)
     * or books it at once with a package credit. The exclusion constraints decide races: a loser
     * gets a 409 and nothing is charged (a credit used in the failed transaction is rolled back).
     */
    async hold(p: Principal, input: HoldInput, traceparent: string | null) {
      const startsAt = new Date(input.startsAt)
      return write(async (tx) => {
        const now = deps.now()
        const tutor = await repo.findTutor(tx, p.orgId, input.tutorId)
        if (!tutor || (tutor.status !== 'listed' && tutor.userId !== p.userId)) throw notFound('Tutor')
        if (tutor.userId === p.userId)
          throw unprocessable('own_profile', 'You cannot book a lesson with yourself')
        if (!tutor.lessonMinutes.includes(input.minutes)) {
          throw unprocessable(
            'minutes_not_offered',
            `This tutor does not offer ${input.minutes}-minute lessons`,
          )
        }
        const mode = input.mode ?? 'online'
        if ((mode === 'online' && !tutor.offersOnline) || (mode === 'in_person' && !tutor.offersInPerson)) {
          throw unprocessable('mode_not_offered', `This tutor does not teach ${mode.replace('_', ' ')}`)
        }
        if (startsAt.getTime() <= now.getTime()) {
          throw unprocessable('in_the_past', 'That time has already passed')
        }
        const trial = input.trial ?? false
        if (trial) {
          if (tutor.trialMinutes === null)
            throw unprocessable('trial_not_offered', 'This tutor offers no trial lesson')
          if (input.minutes !== tutor.trialMinutes) {
            throw unprocessable(
              'trial_minutes',
              `A trial lesson with this tutor lasts ${tutor.trialMinutes} minutes`,
            )
          }
          await repo.lockKey(tx, `trial:${p.userId}:${tutor.id}`)
          if (await repo.hasLessonWith(tx, p.orgId, p.userId, tutor.id, now)) {
            throw unprocessable('trial_not_first', 'A trial is only for your first lesson with this tutor')
          }
        }
        const ok = await checkBookable(tx, tutor, startsAt, input.minutes, window())
        if (!ok.ok) throw unprocessable(ok.reason, notBookableDetail[ok.reason])
        await repo.expireStaleHolds(tx, tutor.id, p.userId, now)

        const id = newId('bkg')
        const endsAt = new Date(startsAt.getTime() + input.minutes * 60_000)
        const base = {
          id,
          orgId: p.orgId,
          tutorId: tutor.id,
          tutorUserId: tutor.userId,
          learnerId: p.userId,
          startsAt,
          endsAt,
          blocksFrom: startsAt,
          blocksUntil: new Date(endsAt.getTime() + tutor.bufferMinutes * 60_000),
          minutes: input.minutes,
          trial,
          mode,
          priceMinor: lessonPriceMinor(tutor.hourlyRateMinor, input.minutes),
          currency: tutor.currency,
          productRef: lessonProductRef(tutor.userId, input.minutes),
          note: input.note ?? '',
          createdAt: now,
          updatedAt: now,
        }
        if (input.payWith === 'credit') {
          const credit = await repo.lockUsableCredit(tx, p.orgId, p.userId, tutor.userId, input.minutes)
          if (!credit) {
            throw unprocessable(
              'no_credit',
              `You have no ${input.minutes}-minute lesson left with this tutor`,
            )
          }
          await repo.adjustCredit(tx, credit.id, 1)
          const booked = await repo.insert(tx, {
            ...base,
            status: 'booked',
            bookedAt: now,
            paidWith: 'credit',
            creditId: credit.id,
            orderId: credit.orderId,
            orderItemId: credit.orderItemId,
            meetingUrl: meetingFor({ id, tutorId: tutor.id, mode }),
          })
          await publishBooked(tx, booked, traceparent)
          return { booking: booked, checkout: null }
        }
        await repo.lockKey(tx, `holds:${p.userId}`)
        if ((await repo.openHolds(tx, p.orgId, p.userId, now)) >= MAX_OPEN_HOLDS) {
          throw new AppError('conflict', `You can hold at most ${MAX_OPEN_HOLDS} unpaid lessons at once`, {
            reason: 'too_many_holds',
          })
        }
        const held = await repo.insert(tx, {
          ...base,
          status: 'held',
          paidWith: 'checkout',
          holdExpiresAt: new Date(now.getTime() + cfg.BOOKING_HOLD_MINUTES * 60_000),
        })
        return {
          booking: held,
          checkout: {
            productType: 'tutoring_lesson' as const,
            productRef: held.productRef,
            reference: held.id,
          },
        }
      })
    },

    /** One booking the caller is part of (or administers). */
    async get(p: Principal, id: string): Promise<BookingRow> {
      return (await visible(db, p, id)).b
    },

    /** The caller's bookings (as learner or tutor; org admins may ask for the whole org), keyset pages. */
    async list(p: Principal, q: ListInput) {
      if (q.scope === 'org' && !isAdmin(p))
        throw new AppError('forbidden', 'Only organization admins list every booking')
      const limit = q.limit ?? 20
      const rows = await repo.list(db, {
        orgId: p.orgId,
        userId: q.scope === 'org' ? null : p.userId,
        role: q.role,
        when: q.when,
        status: q.status,
        now: deps.now(),
        limit: limit + 1,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
      })
      const page = rows.slice(0, limit)
      return { items: page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null }
    },

    /** The tutor acknowledges a booked lesson (optional: a booked lesson is firm without it). */
    async confirm(p: Principal, id: string): Promise<BookingRow> {
      return write(async (tx) => {
        const { b, actor } = await visible(tx, p, id, true)
        if (actor !== 'tutor') throw new AppError('forbidden', 'Only the tutor confirms a lesson')
        if (b.status === 'confirmed') return b
        const now = deps.now()
        const done = await repo.transition(
          tx,
          b.id,
          ['booked'],
          { status: 'confirmed', confirmedAt: now },
          now,
        )
        if (!done)
          throw new AppError('conflict', `A ${b.status} lesson cannot be confirmed`, { reason: 'bad_status' })
        await countResponse(tx, done, responseInTime(done, now))
        return done
      })
    },

    /** The learner confirms the lesson took place (after its end): completed, escrow released. */
    async complete(p: Principal, id: string, traceparent: string | null): Promise<BookingRow> {
      return write(async (tx) => {
        const { b, actor } = await visible(tx, p, id, true)
        if (actor !== 'learner')
          throw new AppError('forbidden', 'Only the learner confirms a lesson took place')
        if (b.status === 'completed') return b
        if (deps.now().getTime() < b.endsAt.getTime()) {
          throw new AppError('conflict', 'The lesson has not ended yet', { reason: 'not_ended' })
        }
        const done = await completeOnce(
          tx,
          b,
          PAID_OPEN_STATUSES,
          { learnerConfirmedAt: deps.now() },
          traceparent,
        )
        if (!done)
          throw new AppError('conflict', `A ${b.status} lesson cannot be completed`, { reason: 'bad_status' })
        return done
      })
    },

    /**
     * What cancelling now would give, without cancelling: the same rules as `cancel` (held → a release,
     * nothing paid; booked/confirmed before the start → the policy's percent for this caller), so the
     * web app can show the refund before the person decides.
     */
    async cancellationQuote(p: Principal, id: string) {
      const { b, actor } = await visible(db, p, id)
      const now = deps.now()
      const freeUntil =
        actor === 'learner' ? new Date(b.startsAt.getTime() - cfg.FREE_CANCEL_HOURS * 3_600_000) : b.startsAt
      const base = {
        bookingId: b.id,
        currency: b.currency,
        paidWith: b.paidWith,
        freeCancelUntil: freeUntil.toISOString(),
        lateCancelRefundPercent: actor === 'learner' ? cfg.LATE_CANCEL_REFUND_PERCENT : 100,
      }
      if (b.status === 'held') {
        return {
          ...base,
          allowed: true,
          reason: 'release',
          refundPercent: 0,
          refundMinor: 0,
          creditReturned: false,
        }
      }
      const open = b.status === 'booked' || b.status === 'confirmed'
      if (!open || now.getTime() >= b.startsAt.getTime()) {
        return {
          ...base,
          allowed: false,
          reason: open ? 'started' : 'bad_status',
          refundPercent: null,
          refundMinor: null,
          creditReturned: false,
        }
      }
      const percent = cancelRefundPercent(actor, b.startsAt, now, {
        freeCancelHours: cfg.FREE_CANCEL_HOURS,
        lateCancelRefundPercent: cfg.LATE_CANCEL_REFUND_PERCENT,
      })
      const credit = cancellationSettlement(b.paidWith, percent).returnCredit
      return {
        ...base,
        allowed: true,
        reason: percent === 100 ? 'full_refund' : 'late_cancel',
        refundPercent: percent,
        // Commerce refunds the percent of the lesson's charged share, rounded half up (docs/tutoring.md there).
        refundMinor: b.paidWith === 'credit' ? 0 : Math.floor((2 * b.priceMinor * percent + 100) / 200),
        creditReturned: credit,
      }
    },

    /**
     * Cancels: a held slot (learner or tutor; nothing was paid) or a paid lesson before it starts.
     * Learner ≥ FREE_CANCEL_HOURS ahead → 100 %, later → LATE_CANCEL_REFUND_PERCENT; tutor or admin → 100 %.
     */
    async cancel(p: Principal, id: string, reason: string | undefined, traceparent: string | null) {
      return write(async (tx) => {
        const { b, actor } = await visible(tx, p, id, true)
        const now = deps.now()
        if (b.status === 'held') {
          const done = await cancelOnce(tx, b, ['held'], actor, reason ?? 'released', 0, traceparent)
          return done!
        }
        if (b.status !== 'booked' && b.status !== 'confirmed') {
          throw new AppError('conflict', `A ${b.status} lesson cannot be cancelled`, { reason: 'bad_status' })
        }
        if (now.getTime() >= b.startsAt.getTime()) {
          throw new AppError(
            'conflict',
            'The lesson has started: report a no-show or open a dispute instead',
            {
              reason: 'started',
            },
          )
        }
        const percent = cancelRefundPercent(actor, b.startsAt, now, {
          freeCancelHours: cfg.FREE_CANCEL_HOURS,
          lateCancelRefundPercent: cfg.LATE_CANCEL_REFUND_PERCENT,
        })
        const done = await cancelOnce(
          tx,
          b,
          PAID_OPEN_STATUSES,
          actor,
          reason ?? `${actor}_cancelled`,
          percent,
          traceparent,
        )
        return done!
      })
    },

    /**
     * Moves a paid lesson to another bookable time (same row, the constraints apply). The learner
     * only ≥ FREE_CANCEL_HOURS before the current start; the tutor (or an admin) any time before it;
     * at most MAX_RESCHEDULES times.
     */
    async reschedule(p: Principal, id: string, startsAtIso: string, traceparent: string | null) {
      const startsAt = new Date(startsAtIso)
      return write(async (tx) => {
        const { b, actor } = await visible(tx, p, id, true)
        const now = deps.now()
        if (b.status !== 'booked' && b.status !== 'confirmed') {
          throw new AppError('conflict', `A ${b.status} lesson cannot be moved`, { reason: 'bad_status' })
        }
        if (now.getTime() >= b.startsAt.getTime()) {
          throw new AppError('conflict', 'The lesson has started', { reason: 'started' })
        }
        if (actor === 'learner' && b.startsAt.getTime() - now.getTime() < cfg.FREE_CANCEL_HOURS * 3_600_000) {
          throw new AppError(
            'conflict',
            `Lessons can be moved up to ${cfg.FREE_CANCEL_HOURS} hours before they start`,
            {
              reason: 'too_late',
            },
          )
        }
        if (b.rescheduleCount >= MAX_RESCHEDULES) {
          throw new AppError('conflict', `A lesson can be moved at most ${MAX_RESCHEDULES} times`, {
            reason: 'reschedule_limit',
          })
        }
        if (startsAt.getTime() === b.startsAt.getTime()) {
          throw unprocessable('same_time', 'The lesson already starts at that time')
        }
        if (startsAt.getTime() <= now.getTime())
          throw unprocessable('in_the_past', 'That time has already passed')
        const tutor = await repo.findTutor(tx, b.orgId, b.tutorId)
        if (!tutor) throw notFound('Tutor')
        const ok = await checkBookable(tx, tutor, startsAt, b.minutes, window())
        if (!ok.ok) throw unprocessable(ok.reason, notBookableDetail[ok.reason])
        await repo.expireStaleHolds(tx, tutor.id, b.learnerId, now)
        const endsAt = new Date(startsAt.getTime() + b.minutes * 60_000)
        const moved = await repo.transition(
          tx,
          b.id,
          PAID_OPEN_STATUSES,
          {
            startsAt,
            endsAt,
            blocksFrom: startsAt,
            blocksUntil: new Date(endsAt.getTime() + tutor.bufferMinutes * 60_000),
            rescheduleCount: b.rescheduleCount + 1,
          },
          now,
        )
        if (!moved) throw new AppError('conflict', 'The lesson changed meanwhile', { reason: 'bad_status' })
        await writeEvent(tx, outbox, tutoringLessonRescheduled, {
          aggregateId: b.id,
          orgId: b.orgId,
          traceparent,
          payload: {
            bookingId: b.id,
            tutorId: b.tutorUserId,
            learnerId: b.learnerId,
            previousStartsAt: b.startsAt.toISOString(),
            startsAt: startsAt.toISOString(),
            endsAt: endsAt.toISOString(),
          },
        })
        return moved
      })
    },

    /**
     * A no-show, reported from NO_SHOW_GRACE_MINUTES after the start until NO_SHOW_REPORT_HOURS
     * after the end (admins: any time after the start, for the tutor's absence):
     * - by the learner or an admin: the tutor did not come. Full refund (or the credit back).
     * - by the tutor: the learner did not come. The lesson completes now (the tutor is paid, as
     *   when it completes by itself 48 h after its end) and shows who was absent.
     */
    async reportNoShow(p: Principal, id: string, traceparent: string | null) {
      return write(async (tx) => {
        const { b, actor } = await visible(tx, p, id, true)
        if (b.status !== 'booked' && b.status !== 'confirmed') {
          throw new AppError('conflict', `A ${b.status} lesson cannot be reported`, { reason: 'bad_status' })
        }
        const now = deps.now()
        const from = b.startsAt.getTime() + (actor === 'admin' ? 0 : NO_SHOW_GRACE_MINUTES * 60_000)
        const until = actor === 'admin' ? Infinity : b.endsAt.getTime() + NO_SHOW_REPORT_HOURS * 3_600_000
        if (now.getTime() < from || now.getTime() > until) {
          throw new AppError(
            'conflict',
            `A no-show can be reported from ${NO_SHOW_GRACE_MINUTES} minutes after the start until ${NO_SHOW_REPORT_HOURS} hours after the end`,
            { reason: 'outside_window' },
          )
        }
        const done =
          actor === 'tutor'
            ? await completeOnce(tx, b, PAID_OPEN_STATUSES, { learnerNoShowAt: now }, traceparent)
            : await cancelOnce(tx, b, PAID_OPEN_STATUSES, actor, 'tutor_no_show', 100, traceparent)
        if (!done) throw new AppError('conflict', 'The lesson changed meanwhile', { reason: 'bad_status' })
        return done
      })
    },

    /** The learner or the tutor disputes a lesson after its end and before it completed. */
    async openDispute(
      p: Principal,
      id: string,
      reason: string,
    ): Promise<{ dispute: DisputeRow; booking: BookingRow }> {
      return write(async (tx) => {
        const { b, actor } = await visible(tx, p, id, true)
        if (actor === 'admin')
          throw new AppError('forbidden', 'Only the learner or the tutor opens a dispute')
        if (b.status !== 'booked' && b.status !== 'confirmed') {
          throw new AppError('conflict', `A ${b.status} lesson cannot be disputed`, { reason: 'bad_status' })
        }
        const now = deps.now()
        if (now.getTime() < b.endsAt.getTime()) {
          throw new AppError('conflict', 'A lesson can be disputed once it has ended', {
            reason: 'not_ended',
          })
        }
        const booking = await repo.transition(tx, b.id, PAID_OPEN_STATUSES, { status: 'disputed' }, now)
        if (!booking) throw new AppError('conflict', 'The lesson changed meanwhile', { reason: 'bad_status' })
        const dispute = await repo.insertDispute(tx, {
          id: newId('dsp'),
          orgId: b.orgId,
          bookingId: b.id,
          openedBy: p.userId,
          reason,
          createdAt: now,
        })
        return { dispute, booking }
      })
    },

    /** An org's disputes (admins). */
    async listDisputes(p: Principal, q: { status?: string; limit?: number; cursor?: string }) {
      const limit = q.limit ?? 20
      let after: { createdAt: Date; id: string } | undefined
      if (q.cursor) {
        const c = decodeCursorGeneric(q.cursor, 'dsp')
        after = { createdAt: c.at, id: c.id }
      }
      const rows = await repo.listDisputes(db, p.orgId, q.status, limit + 1, after)
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      return {
        items: page,
        nextCursor:
          rows.length > limit && last
            ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
            : null,
      }
    },

    /**
     * An admin settles a dispute once: refund (100 %, or the credit back), release (the lesson
     * completes: tutoring.lesson.completed), or split (`refundPercent` back, the rest to the tutor).
     */
    async resolveDispute(p: Principal, id: string, input: ResolveInput, traceparent: string | null) {
      return write(async (tx) => {
        const dispute = await repo.findDispute(tx, p.orgId, id, true)
        if (!dispute) throw notFound('Dispute')
        if (dispute.status !== 'open') {
          throw new AppError('conflict', 'This dispute is resolved already', { reason: 'resolved' })
        }
        const b = await repo.find(tx, p.orgId, dispute.bookingId, true)
        if (!b) throw notFound('Booking')
        let percent: number
        if (input.resolution === 'split') {
          if (input.refundPercent === undefined || input.refundPercent <= 0 || input.refundPercent >= 100) {
            throw unprocessable('split_percent', 'A split needs a refundPercent between 1 and 99')
          }
          percent = input.refundPercent
        } else {
          if (input.refundPercent !== undefined) {
            throw unprocessable('split_percent', 'refundPercent is only for a split')
          }
          percent = input.resolution === 'refund' ? 100 : 0
        }
        const done =
          input.resolution === 'release'
            ? await completeOnce(tx, b, ['disputed'], {}, traceparent)
            : await cancelOnce(
                tx,
                b,
                ['disputed'],
                'admin',
                `dispute_${input.resolution}`,
                percent,
                traceparent,
              )
        if (!done) throw new AppError('conflict', 'The lesson changed meanwhile', { reason: 'bad_status' })
        const resolved = await repo.resolveDispute(tx, dispute.id, {
          resolution: input.resolution,
          refundPercent: percent,
          resolvedBy: p.userId,
          resolutionNote: input.note ?? null,
          resolvedAt: deps.now(),
        })
        return { dispute: resolved!, booking: done }
      })
    },

    /** The caller's package credits. */
    async credits(p: Principal) {
      return repo.creditsOf(db, p.orgId, p.userId)
    },

    /**
     * commerce.order.paid: a `tutoring_lesson` line referencing a held booking of the buyer books it
     * (even after the hold expired, if nobody took the slot meanwhile); anything that cannot become a
     * booking is rejected (tutoring.booking.rejected: commerce refunds the line). A
     * `tutoring_package` line becomes a lesson credit. Other lines are not tutoring's.
     */
    async onOrderPaid(tx: Tx, orgId: string, order: OrderPaid, log: Logger, traceparent: string | null) {
      for (const item of order.items) {
        if (item.productType === 'tutoring_package') {
          const ref = parsePackageRef(item.productRef)
          if (!ref) {
            log.warn(
              { orderItemId: item.orderItemId, productRef: item.productRef },
              'tutoring package ref not understood',
            )
            continue
          }
          const created = await repo.insertCredit(tx, {
            id: newId('lcr'),
            orgId,
            learnerId: order.userId,
            tutorUserId: ref.tutorUserId,
            minutes: ref.minutes,
            orderId: order.orderId,
            orderItemId: item.orderItemId,
            lessonsTotal: item.lessonCount,
            createdAt: deps.now(),
          })
          log.info({ orderItemId: item.orderItemId, created }, 'tutoring package credited')
          continue
        }
        if (item.productType !== 'tutoring_lesson') continue
        if (!item.reference) {
          log.warn(
            { orderItemId: item.orderItemId },
            'tutoring lesson bought without a booking reference: ignored',
          )
          continue
        }
        await payLesson(tx, orgId, order, item, log, traceparent)
      }
    },

    /**
     * commerce.payment.refunded: tutoring lines listed in `revokedItems` were refunded in full, so
     * the money is back with the learner. Open bookings of such a line are cancelled and a
     * package's credits are exhausted, WITHOUT tutoring.lesson.cancelled (that would refund again).
     */
    async onPaymentRefunded(tx: Tx, orgId: string, refund: PaymentRefunded, log: Logger) {
      const now = deps.now()
      for (const item of refund.revokedItems) {
        const orderItemId = (item as { orderItemId?: unknown }).orderItemId
        const exactItem = typeof orderItemId === 'string' ? orderItemId : null
        if (item.productType === 'tutoring_lesson') {
          const all = await repo.openOfOrderLine(tx, orgId, refund.orderId, item.productRef)
          const targets = exactItem
            ? all.filter((b) => b.orderItemId === exactItem)
            : refund.full || (await repo.countOfOrderRef(tx, orgId, refund.orderId, item.productRef)) <= 1
              ? all
              : []
          if (!exactItem && targets.length === 0 && all.length > 0) {
            log.warn(
              { orderId: refund.orderId, productRef: item.productRef },
              'revoked lesson line is ambiguous: bookings kept',
            )
          }
          for (const b of targets) await revoke(tx, b, now)
        } else if (item.productType === 'tutoring_package') {
          const ref = parsePackageRef(item.productRef)
          if (!ref) continue
          const credits = (await repo.creditsOfOrder(tx, orgId, refund.orderId)).filter((c) =>
            exactItem
              ? c.orderItemId === exactItem
              : c.tutorUserId === ref.tutorUserId && c.minutes === ref.minutes,
          )
          for (const c of credits) {
            await repo.exhaustCredit(tx, c.id)
            for (const b of await repo.openOfCredit(tx, c)) await revoke(tx, b, now)
          }
        }
      }
    },

    /** Booked lessons the tutor never acknowledged in time count against their response rate. */
    async countUnanswered(tx: Tx): Promise<number> {
      return countUnanswered(tx, deps.now())
    },

    /** Holds past their expiry → expired (the sweep; POST /bookings also expires a tutor's stale holds). */
    async expireHolds(tx: Tx): Promise<number> {
      return repo.expireAllStaleHolds(tx, deps.now())
    },

    /** Lessons AUTO_CONFIRM_HOURS past their end that nobody disputed complete (each exactly once). */
    async autoComplete(tx: Tx, batch = 200): Promise<number> {
      const cutoff = new Date(deps.now().getTime() - cfg.AUTO_CONFIRM_HOURS * 3_600_000)
      let n = 0
      for (const b of await repo.dueForAutoComplete(tx, cutoff, batch)) {
        if (await completeOnce(tx, b, PAID_OPEN_STATUSES, {}, null)) n++
      }
      return n
    },
  }

  /** Cancels a booking whose money commerce already refunded: no event (no second refund). */
  async function revoke(tx: Tx, b: BookingRow, now: Date) {
    const done = await repo.transition(
      tx,
      b.id,
      ['booked', 'confirmed', 'disputed'],
      {
        status: 'cancelled',
        cancelledAt: now,
        cancelledBy: 'admin',
        cancelReason: 'payment_refunded',
        refundPercent: 100,
      },
      now,
    )
    if (done && b.status === 'disputed') {
      const d = await repo.disputeOfBooking(tx, b.id)
      if (d) {
        await repo.resolveDispute(tx, d.id, {
          resolution: 'refund',
          refundPercent: 100,
          resolvedBy: 'commerce',
          resolutionNote: 'The payment was refunded in commerce',
          resolvedAt: now,
        })
      }
    }
  }

  /** One paid lesson line for a referenced booking: book it, or reject it (commerce refunds). */
  async function payLesson(
    tx: Tx,
    orgId: string,
    order: OrderPaid,
    item: OrderPaid['items'][number],
    log: Logger,
    traceparent: string | null,
  ) {
    const ref = item.reference!
    const now = deps.now()
    const b = /^bkg_[0-9a-f]{32}$/.test(ref) ? await repo.find(tx, orgId, ref, true) : null
    const reject = async (reason: string, mark: boolean) => {
      if (b && mark) {
        await repo.transition(
          tx,
          b.id,
          ['held', 'expired'],
          { status: 'rejected', orderId: order.orderId, orderItemId: item.orderItemId, holdExpiresAt: null },
          now,
        )
      }
      await writeEvent(tx, outbox, tutoringBookingRejected, {
        aggregateId: ref,
        orgId,
        traceparent,
        payload: {
          bookingId: ref,
          learnerId: order.userId,
          orderId: order.orderId,
          orderItemId: item.orderItemId,
          reason,
        },
      })
      log.info({ bookingId: ref, orderItemId: item.orderItemId, reason }, 'paid lesson rejected')
    }
    if (!b || b.learnerId !== order.userId) return reject('unknown_booking', false)
    // A redelivery of the line that booked (or rejected) it already: nothing to do.
    if (b.orderItemId === item.orderItemId) return
    if (b.status !== 'held' && b.status !== 'expired') return reject(`booking_${b.status}`, false)
    if (b.paidWith !== 'checkout' || b.productRef !== item.productRef || item.lessonCount !== 1) {
      return reject('line_mismatch', false)
    }
    if (b.startsAt.getTime() <= now.getTime()) return reject('slot_started', true)
    const set = {
      status: 'booked' as const,
      bookedAt: now,
      orderId: order.orderId,
      orderItemId: item.orderItemId,
      holdExpiresAt: null,
      meetingUrl: meetingFor(b),
    }
    let booked: BookingRow | null = null
    if (b.status === 'held') {
      booked = await repo.transition(tx, b.id, ['held'], set, now)
    } else {
      // The hold expired: the slot is ours again only if nobody took it. Try the transition under
      // the exclusion constraint inside a savepoint, so a refusal leaves the handler's transaction usable.
      try {
        booked = await tx.transaction((sp) => repo.transition(sp, b.id, ['expired'], set, now))
      } catch (error) {
        if (sqlState(error)?.code !== '23P01') throw error
        return reject('slot_taken', true)
      }
    }
    if (!booked) return reject('slot_taken', true)
    await publishBooked(tx, booked, traceparent)
    log.info({ bookingId: b.id, orderItemId: item.orderItemId }, 'held lesson paid: booked')
  }
}

function decodeCursorGeneric(cursor: string, prefix: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|')
  const at = new Date(iso ?? '')
  if (!id || !new RegExp(`^${prefix}_[0-9a-f]{32}$`).test(id) || Number.isNaN(at.getTime())) {
    throw new AppError('validation_failed', 'The cursor is not valid')
  }
  return { at, id }
}

/** The bookings service's type. */
export type BookingsService = ReturnType<typeof createBookingsService>
