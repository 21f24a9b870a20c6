import { and, eq, sql } from 'drizzle-orm'
import type { Logger, Tx } from '@learnmesh/kernel'
import { escrowHolds, escrowLessons, tutorTeachingTotals } from '../db/schema.ts'
import type { CommissionPolicy } from '../ledger/commission.ts'
import { post } from '../ledger/ledger.core.ts'
import { lessonShare } from '../ledger/money.ts'
import { holdStatus, releasable } from './escrow.rules.ts'

/** A lesson that settles part of an escrow hold. */
export interface LessonSettlement {
  orgId: string
  bookingId: string
  orderItemId: string
  tutorId: string
  /**
   * completed: delivered; cancelled: refundable (all of the share back to the learner), forfeited
   * (none) or partial (`refundPercent` of it) under tutoring's cancellation policy.
   */
  outcome: 'completed' | 'cancelled_refundable' | 'cancelled_forfeited' | 'cancelled_partial'
  /** cancelled_partial: the percent (1–99) of the share that goes back to the learner. */
  refundPercent?: number
  /** Minutes taught (completed lessons only count toward the tutor's hours). */
  minutes: number
}

/** Where a settled lesson sits in its hold (the caller prices the customer's refund from it). */
interface LessonPosition {
  /** k: this lesson is the k-th settled of the hold (1-based). */
  lessonIndex: number
  lessonsTotal: number
  /** The part of the share marked refundable (to be refunded to the customer); 0 when none. */
  refundShareMinor: number
}

/** The part of a share refunded for a partial cancellation: share × percent / 100, rounded half up. */
export function refundPart(shareMinor: number, percent: number): number {
  return Number((2n * BigInt(shareMinor) * BigInt(percent) + 100n) / 200n)
}

/** What settling a lesson did. */
export type SettlementResult =
  | ({
      status: 'released'
      shareMinor: number
      releasedMinor: number
      commissionMinor: number
      transactionId: string | null
    } & LessonPosition)
  | ({ status: 'marked_refundable'; shareMinor: number } & LessonPosition)
  | { status: 'duplicate' | 'no_hold' | 'no_lesson_left' }

/**
 * Settles one lesson of an escrow hold, idempotently per booking (`escrow_lessons` primary key,
 * and the ledger's (escrow_release, bookingId) uniqueness). The k-th settled lesson carries
 * `lessonShare(amount, lessonsTotal, k)` (the last one takes the remainder). A completed or
 * forfeited lesson releases its share (capped by what is still releasable) to the tutor's payable
 * and the platform's commission; a refundable cancellation moves no money and only marks the share
 * refundable for the refund path (the cancellation consumer refunds it right after, same
 * transaction); a partial one marks `refundPart(share, percent)` refundable and releases the rest.
 */
export async function settleLesson(
  tx: Tx,
  policy: CommissionPolicy,
  s: LessonSettlement,
  log?: Logger,
): Promise<SettlementResult> {
  const [hold] = await tx
    .select()
    .from(escrowHolds)
    .where(and(eq(escrowHolds.orgId, s.orgId), eq(escrowHolds.orderItemId, s.orderItemId)))
    .for('update')
    .limit(1)
  if (!hold) {
    log?.warn({ orderItemId: s.orderItemId, bookingId: s.bookingId }, 'no escrow hold for this lesson')
    return { status: 'no_hold' }
  }
  const [dup] = await tx
    .select({ bookingId: escrowLessons.bookingId })
    .from(escrowLessons)
    .where(eq(escrowLessons.bookingId, s.bookingId))
    .limit(1)
  if (dup) return { status: 'duplicate' }
  if (hold.payeeUserId !== s.tutorId) {
    log?.warn(
      { holdId: hold.id, tutorId: s.tutorId },
      'lesson tutor differs from the order line’s payee; paying the payee',
    )
  }
  const k = hold.lessonsReleased + hold.lessonsCancelled + 1
  if (k > hold.lessonsTotal) {
    await tx.insert(escrowLessons).values({
      bookingId: s.bookingId,
      orgId: s.orgId,
      holdId: hold.id,
      outcome: s.outcome,
      shareMinor: 0,
    })
    log?.warn({ holdId: hold.id, bookingId: s.bookingId }, 'more lessons than the order line paid for')
    return { status: 'no_lesson_left' }
  }
  const share = lessonShare(hold.amountMinor, hold.lessonsTotal, k)
  const completed = s.outcome === 'completed'

  if (s.outcome === 'cancelled_refundable') {
    await tx.insert(escrowLessons).values({
      bookingId: s.bookingId,
      orgId: s.orgId,
      holdId: hold.id,
      outcome: s.outcome,
      shareMinor: share,
    })
    await tx
      .update(escrowHolds)
      .set({
        lessonsCancelled: hold.lessonsCancelled + 1,
        refundableMinor: hold.refundableMinor + share,
        updatedAt: new Date(),
      })
      .where(eq(escrowHolds.id, hold.id))
    return {
      status: 'marked_refundable',
      shareMinor: share,
      lessonIndex: k,
      lessonsTotal: hold.lessonsTotal,
      refundShareMinor: share,
    }
  }
  const refundShare =
    s.outcome === 'cancelled_partial'
      ? refundPart(share, Math.min(100, Math.max(0, s.refundPercent ?? 0)))
      : 0

  const [totals] = await tx
    .select({ minutes: tutorTeachingTotals.minutesTaught })
    .from(tutorTeachingTotals)
    .where(and(eq(tutorTeachingTotals.orgId, s.orgId), eq(tutorTeachingTotals.tutorId, hold.payeeUserId)))
    .limit(1)
  const minutesTaughtBefore = totals?.minutes ?? 0
  const release = Math.min(share - refundShare, releasable(hold))
  const commission = policy.platformShareMinor({ amountMinor: release, minutesTaughtBefore })
  if (!Number.isSafeInteger(commission) || commission < 0 || commission > release) {
    throw new Error(`commission policy ${policy.name} returned ${commission} for ${release}`)
  }
  let transactionId: string | null = null
  if (release > 0) {
    const what = completed
      ? 'Lesson delivered'
      : refundShare > 0
        ? 'Lesson cancelled with a partial refund'
        : 'Lesson cancelled without refund'
    const common = { payeeUserId: hold.payeeUserId, orderItemId: hold.orderItemId }
    const res = await post(tx, {
      orgId: s.orgId,
      kind: 'escrow_release',
      ref: s.bookingId,
      currency: hold.currency,
      description: `${what} (booking ${s.bookingId}): escrow released, ${policy.name} commission`,
      legs: [
        {
          kind: 'escrow',
          owner: hold.payeeUserId,
          amountMinor: release,
          memo: `${what}: released from escrow`,
          ...common,
        },
        {
          kind: 'payable',
          owner: hold.payeeUserId,
          amountMinor: -(release - commission),
          memo: `${what}: your earnings`,
          ...common,
        },
        {
          kind: 'platform_revenue',
          amountMinor: -commission,
          memo: `${what}: platform commission`,
          ...common,
        },
      ],
    })
    transactionId = res.transactionId
  }
  await tx.insert(escrowLessons).values({
    bookingId: s.bookingId,
    orgId: s.orgId,
    holdId: hold.id,
    outcome: s.outcome,
    shareMinor: share,
    commissionMinor: commission,
    transactionId,
  })
  const releasedMinor = hold.releasedMinor + release
  await tx
    .update(escrowHolds)
    .set({
      releasedMinor,
      lessonsReleased: hold.lessonsReleased + (completed ? 1 : 0),
      lessonsCancelled: hold.lessonsCancelled + (completed ? 0 : 1),
      refundableMinor: hold.refundableMinor + refundShare,
      status: holdStatus({ ...hold, releasedMinor }),
      updatedAt: new Date(),
    })
    .where(eq(escrowHolds.id, hold.id))
  if (completed && s.minutes > 0) {
    await tx
      .insert(tutorTeachingTotals)
      .values({ orgId: s.orgId, tutorId: hold.payeeUserId, minutesTaught: s.minutes })
      .onConflictDoUpdate({
        target: [tutorTeachingTotals.orgId, tutorTeachingTotals.tutorId],
        set: {
          minutesTaught: sql`${tutorTeachingTotals.minutesTaught} + ${s.minutes}`,
          updatedAt: new Date(),
        },
      })
  }
  return {
    status: 'released',
    shareMinor: share,
    releasedMinor: release,
    commissionMinor: commission,
    transactionId,
    lessonIndex: k,
    lessonsTotal: hold.lessonsTotal,
    refundShareMinor: refundShare,
  }
}
