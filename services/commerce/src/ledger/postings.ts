import { and, eq, sql } from 'drizzle-orm'
import { AppError, newId, type Tx } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import { escrowHolds, ledgerAccounts, ledgerEntries, ledgerTransactions } from '../db/schema.ts'
import { claimTransaction, writeLegs, type Leg } from './ledger.core.ts'
import { holdStatus } from '../escrow/escrow.rules.ts'
import { assertMinor, proportionalPart, splitShare } from './money.ts'

/** One paid order line, as the ledger needs it. */
export interface PostingLine {
  orderItemId: string
  /** course | tutoring_lesson | tutoring_package | subscription_plan */
  productType: string
  /** The instructor or tutor who earns from the line (null: platform-owned, e.g. plans). */
  payeeUserId: string | null
  /** Lessons a tutoring line pays for (escrow releases one share per delivered lesson). */
  lessonCount: number
  /** What the customer paid for this line, minor units. */
  amountMinor: number
  /**
   * Optional: the tax included in `amountMinor`. It is credited to `tax_payable` and the revenue
   * split / escrow applies to `amountMinor − taxMinor` only. Absent = 0 (no tax separated).
   */
  taxMinor?: number
}

/** A captured payment to post. */
export interface CapturedPayment {
  paymentId: string
  orderId: string
  orgId: string
  /** The paying customer. */
  userId: string
  currency: string
  provider: string
  /** The provider's fee on this payment (0 for sandbox). */
  feeMinor: number
  /** Sums to the captured amount. */
  lines: PostingLine[]
}

/** A succeeded refund to post. */
export interface RefundPostingInput {
  refundId: string
  paymentId: string
  orderId: string
  orgId: string
  userId: string
  currency: string
  /** How much of each line goes back to the customer. */
  lines: (PostingLine & { refundMinor: number })[]
}

/** How a line is booked at capture. */
export type LineTreatment = 'revenue_share' | 'escrow' | 'platform'

/**
 * Course lines with a payee share revenue with their instructor; tutoring lines with a payee go to
 * escrow; everything else (plans, lines without a payee) is platform revenue.
 */
export function lineTreatment(line: Pick<PostingLine, 'productType' | 'payeeUserId'>): LineTreatment {
  if (!line.payeeUserId) return 'platform'
  if (line.productType === 'course') return 'revenue_share'
  if (line.productType === 'tutoring_lesson' || line.productType === 'tutoring_package') return 'escrow'
  return 'platform'
}

function checkCommon(x: { orgId: string; currency: string }): void {
  if (!x.orgId) throw new AppError('internal', 'ledger posting without an organization')
  if (!/^[A-Z]{3}$/.test(x.currency))
    throw new AppError('internal', `ledger posting with currency ${x.currency}`)
}

function guard(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('internal', (err as Error).message)
  }
}

/**
 * Posts a captured payment (ledger area owns the implementation): money in from the provider,
 * course lines split instructor payable / platform revenue (COURSE_REVENUE_SHARE_PERCENT), tutoring
 * lines into escrow (an escrow hold per line), provider fees. Idempotent per payment: a second call
 * changes nothing and returns `created: false`. Inside the caller's transaction.
 *
 * Legs (debit +, credit −): provider_clearing +total; per course line payable(instructor) −floor(amount ×
 * share% / 100) and platform_revenue −remainder; per tutoring line escrow(tutor) −amount; per platform
 * line platform_revenue −amount; provider_fees +fee / provider_clearing −fee (the platform bears the fee).
 */
export async function postPaymentCaptured(
  tx: Tx,
  config: CommerceConfig,
  payment: CapturedPayment,
): Promise<{ transactionId: string; created: boolean }> {
  const posting = capturePosting(config, payment)
  const claim = await claimTransaction(tx, {
    orgId: payment.orgId,
    kind: 'payment_captured',
    ref: payment.paymentId,
    description: posting.description,
  })
  if (!claim.created) return claim
  for (const hold of posting.holds) await tx.insert(escrowHolds).values(hold)
  await writeLegs(tx, claim.transactionId, payment.orgId, payment.currency, posting.legs)
  return claim
}

/** An escrow hold a capture opens (one per tutoring line with a payee). */
export interface CaptureHold {
  id: string
  orderItemId: string
  orderId: string
  orgId: string
  payeeUserId: string
  currency: string
  amountMinor: number
  lessonsTotal: number
}

/**
 * What `postPaymentCaptured` writes for a payment, computed without writing: the transaction's
 * description, its legs (balanced) and the escrow holds to open. Checkout's hot path writes these in
 * one statement of its own (orders/checkout.sql.ts); the input checks are the same.
 */
export function capturePosting(
  config: CommerceConfig,
  payment: CapturedPayment,
): { description: string; legs: Leg[]; holds: CaptureHold[] } {
  checkCommon(payment)
  guard(() => {
    assertMinor(payment.feeMinor, 'feeMinor')
    for (const l of payment.lines) {
      assertMinor(l.amountMinor, `line ${l.orderItemId} amountMinor`)
      assertMinor(l.taxMinor ?? 0, `line ${l.orderItemId} taxMinor`)
      if ((l.taxMinor ?? 0) > l.amountMinor)
        throw new RangeError(`line ${l.orderItemId}: tax above the amount`)
    }
  })
  const description = `Payment ${payment.paymentId} for order ${payment.orderId} captured (${payment.provider})`
  const holds: CaptureHold[] = []
  const total = payment.lines.reduce((s, l) => s + l.amountMinor, 0)
  const legs: Leg[] = [
    {
      kind: 'provider_clearing',
      amountMinor: total,
      memo: `Received from customer ${payment.userId} via ${payment.provider}`,
    },
  ]
  for (const line of payment.lines) {
    const common = { orderItemId: line.orderItemId, payeeUserId: line.payeeUserId }
    const tax = line.taxMinor ?? 0
    const net = line.amountMinor - tax
    if (tax > 0) {
      legs.push({
        kind: 'tax_payable',
        amountMinor: -tax,
        memo: `Tax collected (order ${payment.orderId})`,
        orderItemId: line.orderItemId,
      })
    }
    switch (lineTreatment(line)) {
      case 'revenue_share': {
        const split = splitShare(net, config.COURSE_REVENUE_SHARE_PERCENT)
        legs.push(
          {
            kind: 'payable',
            owner: line.payeeUserId!,
            amountMinor: -split.payee,
            memo: `Course sale (order ${payment.orderId}): your ${config.COURSE_REVENUE_SHARE_PERCENT}% share`,
            ...common,
          },
          {
            kind: 'platform_revenue',
            amountMinor: -split.platform,
            memo: `Course sale (order ${payment.orderId}): platform commission`,
            ...common,
          },
        )
        break
      }
      case 'escrow': {
        legs.push({
          kind: 'escrow',
          owner: line.payeeUserId!,
          amountMinor: -net,
          memo: `Tutoring paid upfront (order ${payment.orderId}): held until lessons are delivered`,
          ...common,
        })
        holds.push({
          id: newId('esc'),
          orderItemId: line.orderItemId,
          orderId: payment.orderId,
          orgId: payment.orgId,
          payeeUserId: line.payeeUserId!,
          currency: payment.currency,
          amountMinor: net,
          lessonsTotal: Math.max(1, line.lessonCount),
        })
        break
      }
      case 'platform':
        legs.push({
          kind: 'platform_revenue',
          amountMinor: -net,
          memo: `Sale of a platform product (order ${payment.orderId})`,
          ...common,
        })
        break
    }
  }
  if (payment.feeMinor > 0) {
    legs.push(
      {
        kind: 'provider_fees',
        amountMinor: payment.feeMinor,
        memo: `${payment.provider} fee on ${payment.paymentId}`,
      },
      {
        kind: 'provider_clearing',
        amountMinor: -payment.feeMinor,
        memo: `${payment.provider} fee withheld on ${payment.paymentId}`,
      },
    )
  }
  return { description, legs, holds }
}

/** Sum of the signed entries of one line, by transaction kind and account kind. */
async function lineSums(tx: Tx, orgId: string, orderItemId: string) {
  const rows = await tx
    .select({
      txKind: ledgerTransactions.kind,
      accountKind: ledgerAccounts.kind,
      sum: sql<string>`sum(${ledgerEntries.amountMinor})`,
    })
    .from(ledgerEntries)
    .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
    .where(and(eq(ledgerEntries.orgId, orgId), eq(ledgerEntries.orderItemId, orderItemId)))
    .groupBy(ledgerTransactions.kind, ledgerAccounts.kind)
  return (txKind: string, accountKind: string) =>
    Number(rows.find((r) => r.txKind === txKind && r.accountKind === accountKind)?.sum ?? 0)
}

/**
 * Posts a refund (ledger area owns the implementation): reverses the lines' credits — from escrow
 * while held, otherwise clawed back from the payee's payable and platform revenue in the original
 * proportions. Idempotent per refund. Inside the caller's transaction.
 *
 * Legs per refunded line r: provider_clearing −r (money back to the customer); then
 * - course: payable(instructor) +p and refunds +(r − p), p by the cumulative proportional rule
 *   (money.ts `proportionalPart`) over what the line credited the instructor at capture;
 * - tutoring: escrow(tutor) +min(r, still held); any excess is clawed back from what escrow
 *   already released, payable(tutor) / refunds in the released proportions;
 * - platform lines: refunds +r.
 * The payable may go negative (netted against future earnings). Refunding more than a line
 * captured is refused (`unprocessable`), and the whole caller transaction rolls back.
 */
export async function postRefund(
  tx: Tx,
  _config: CommerceConfig,
  refund: RefundPostingInput,
): Promise<{ transactionId: string; created: boolean }> {
  checkCommon(refund)
  guard(() => {
    for (const l of refund.lines) {
      assertMinor(l.refundMinor, `line ${l.orderItemId} refundMinor`)
      assertMinor(l.amountMinor, `line ${l.orderItemId} amountMinor`)
    }
  })
  const total = refund.lines.reduce((s, l) => s + l.refundMinor, 0)
  if (total <= 0) throw new AppError('internal', 'a refund posting must refund something')
  if (new Set(refund.lines.map((l) => l.orderItemId)).size !== refund.lines.length) {
    throw new AppError('internal', 'a refund posting lists an order line twice')
  }
  const claim = await claimTransaction(tx, {
    orgId: refund.orgId,
    kind: 'refund',
    ref: refund.refundId,
    description: `Refund ${refund.refundId} of payment ${refund.paymentId} (order ${refund.orderId})`,
  })
  if (!claim.created) return claim
  const [captured] = await tx
    .select({ id: ledgerTransactions.id })
    .from(ledgerTransactions)
    .where(
      and(
        eq(ledgerTransactions.kind, 'payment_captured'),
        eq(ledgerTransactions.ref, refund.paymentId),
        eq(ledgerTransactions.orgId, refund.orgId),
      ),
    )
    .limit(1)
  if (!captured) throw new AppError('unprocessable', `payment ${refund.paymentId} has no captured posting`)

  const legs: Leg[] = []
  for (const line of refund.lines) {
    const r = line.refundMinor
    if (r === 0) continue
    const [ofPayment] = await tx
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .where(
        and(eq(ledgerEntries.transactionId, captured.id), eq(ledgerEntries.orderItemId, line.orderItemId)),
      )
      .limit(1)
    if (!ofPayment) {
      throw new AppError(
        'unprocessable',
        `line ${line.orderItemId} was not captured by payment ${refund.paymentId}`,
      )
    }
    const sums = await lineSums(tx, refund.orgId, line.orderItemId)
    const capturedLine = capturedOf(sums)
    const refundedBefore = -sums('refund', 'provider_clearing')
    if (refundedBefore + r > capturedLine) {
      throw new AppError(
        'unprocessable',
        `refund of ${r} on line ${line.orderItemId} exceeds what remains captured (${capturedLine - refundedBefore})`,
      )
    }
    const common = { orderItemId: line.orderItemId, payeeUserId: line.payeeUserId }
    legs.push({
      kind: 'provider_clearing',
      amountMinor: -r,
      memo: `Refunded to customer ${refund.userId}`,
      orderItemId: line.orderItemId,
    })
    // Tax goes back in the line's proportion first; the rest (`rn`) reverses the revenue side.
    const taxCredit = -sums('payment_captured', 'tax_payable')
    const taxPart = proportionalPart(refundedBefore, r, taxCredit, capturedLine)
    if (taxPart > 0) {
      legs.push({
        kind: 'tax_payable',
        amountMinor: taxPart,
        memo: 'Tax refunded',
        orderItemId: line.orderItemId,
      })
    }
    const taxBefore = sums('refund', 'tax_payable')
    const netBefore = refundedBefore - taxBefore
    const rn = r - taxPart
    const payeeCredit = -sums('payment_captured', 'payable')
    const escrowCredit = -sums('payment_captured', 'escrow')
    if (escrowCredit > 0 && line.payeeUserId) {
      const [hold] = await tx
        .select()
        .from(escrowHolds)
        .where(and(eq(escrowHolds.orgId, refund.orgId), eq(escrowHolds.orderItemId, line.orderItemId)))
        .for('update')
        .limit(1)
      if (!hold) throw new AppError('internal', `escrow hold of line ${line.orderItemId} is missing`)
      const available = hold.amountMinor - hold.releasedMinor - hold.refundedMinor
      const fromEscrow = Math.min(rn, available)
      const excess = rn - fromEscrow
      if (fromEscrow > 0) {
        legs.push({
          kind: 'escrow',
          owner: hold.payeeUserId,
          amountMinor: fromEscrow,
          memo: 'Refund of undelivered lessons: released from escrow back to the customer',
          ...common,
        })
      }
      if (excess > 0) {
        const released = hold.releasedMinor
        const releasedToPayee = -sums('escrow_release', 'payable')
        const clawBefore = netBefore - hold.refundedMinor
        const p = proportionalPart(clawBefore, excess, releasedToPayee, released)
        legs.push(
          {
            kind: 'payable',
            owner: hold.payeeUserId,
            amountMinor: p,
            memo: 'Refund of delivered lessons: clawed back from your earnings',
            ...common,
          },
          {
            kind: 'refunds',
            amountMinor: excess - p,
            memo: 'Refund of delivered lessons: platform commission',
            ...common,
          },
        )
      }
      const refundedMinor = hold.refundedMinor + fromEscrow
      await tx
        .update(escrowHolds)
        .set({
          refundedMinor,
          status: holdStatus({ ...hold, refundedMinor }),
          updatedAt: new Date(),
        })
        .where(eq(escrowHolds.id, hold.id))
    } else if (payeeCredit > 0 && line.payeeUserId) {
      const p = proportionalPart(netBefore, rn, payeeCredit, capturedLine - taxCredit)
      legs.push(
        {
          kind: 'payable',
          owner: line.payeeUserId,
          amountMinor: p,
          memo: `Refund of a course sale (order ${refund.orderId}): clawed back from your earnings`,
          ...common,
        },
        {
          kind: 'refunds',
          amountMinor: rn - p,
          memo: `Refund of a course sale (order ${refund.orderId}): platform commission`,
          ...common,
        },
      )
    } else {
      legs.push({
        kind: 'refunds',
        amountMinor: rn,
        memo: `Refund of a platform product (order ${refund.orderId})`,
        ...common,
      })
    }
  }
  await writeLegs(tx, claim.transactionId, refund.orgId, refund.currency, legs)
  return claim
}

/** What a line captured: the sum of its credits in the capture (payable + platform + escrow). */
function capturedOf(sums: (txKind: string, accountKind: string) => number): number {
  return -(
    sums('payment_captured', 'payable') +
    sums('payment_captured', 'platform_revenue') +
    sums('payment_captured', 'escrow') +
    sums('payment_captured', 'tax_payable')
  )
}
