import { AppError, type Tx } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'

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

/**
 * Posts a captured payment (ledger area owns the implementation): money in from the provider,
 * course lines split instructor payable / platform revenue (COURSE_REVENUE_SHARE_PERCENT), tutoring
 * lines into escrow (an escrow hold per line), provider fees. Idempotent per payment: a second call
 * changes nothing and returns `created: false`. Inside the caller's transaction.
 */
export async function postPaymentCaptured(
  _tx: Tx,
  _config: CommerceConfig,
  _payment: CapturedPayment,
): Promise<{ transactionId: string; created: boolean }> {
  throw new AppError('internal', 'ledger postings are not implemented yet (ledger area)')
}

/**
 * Posts a refund (ledger area owns the implementation): reverses the lines' credits — from escrow
 * while held, otherwise clawed back from the payee's payable and platform revenue in the original
 * proportions. Idempotent per refund. Inside the caller's transaction.
 */
export async function postRefund(
  _tx: Tx,
  _config: CommerceConfig,
  _refund: RefundPostingInput,
): Promise<{ transactionId: string; created: boolean }> {
  throw new AppError('internal', 'ledger postings are not implemented yet (ledger area)')
}
