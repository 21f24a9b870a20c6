import Type from 'typebox'
import { defineEvent } from './envelope.ts'

/** One line of a paid order. */
const OrderItem = Type.Object({
  /** What was bought: a course, a tutoring package, a subscription plan. */
  productType: Type.Union([
    Type.Literal('course'),
    Type.Literal('tutoring_lesson'),
    Type.Literal('tutoring_package'),
    Type.Literal('subscription_plan'),
  ]),
  /** The owning service's id: a course id for `course`. */
  productRef: Type.String(),
  quantity: Type.Integer({ minimum: 1 }),
  /** Line total in minor units after discounts. */
  amountMinor: Type.Integer({ minimum: 0 }),
  /** The order line (`oit_...`): escrow holds and tutoring lessons point at it. */
  orderItemId: Type.String(),
  /** Lessons this line pays for (tutoring packages: lessons × quantity; 1 otherwise). */
  lessonCount: Type.Integer({ minimum: 1 }),
  /**
   * What the buyer attached to the line when adding it to the cart: a tutoring booking id
   * (`bkg_...`) for a single lesson bought for a held slot; absent otherwise.
   */
  reference: Type.Optional(Type.String({ maxLength: 100 })),
})

/** An order's payment was captured. */
export const commerceOrderPaid = defineEvent({
  type: 'commerce.order.paid',
  version: 1,
  producer: 'commerce',
  description:
    'An order was paid in full. Learning enrolls the buyer in bought courses; tutoring confirms bookings. Delivered at least once: consumers must be idempotent.',
  payload: Type.Object({
    orderId: Type.String(),
    userId: Type.String(),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    totalMinor: Type.Integer({ minimum: 0 }),
    items: Type.Array(OrderItem, { minItems: 1 }),
    paidAt: Type.String({ format: 'date-time' }),
  }),
})

/** Money went back to a customer. */
export const commercePaymentRefunded = defineEvent({
  type: 'commerce.payment.refunded',
  version: 1,
  producer: 'commerce',
  description:
    'A payment was refunded in full or in part. Items listed in `revokedItems` lose their access (learning revokes course enrollments).',
  payload: Type.Object({
    orderId: Type.String(),
    refundId: Type.String(),
    userId: Type.String(),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    amountMinor: Type.Integer({ minimum: 1 }),
    full: Type.Boolean(),
    revokedItems: Type.Array(
      Type.Object({
        productType: Type.String(),
        productRef: Type.String(),
        /**
         * The order line (`oit_...`) revoked: tells apart two lines with the same product (two lessons
         * with one tutor). Optional: events published before it was added lack it.
         */
        orderItemId: Type.Optional(Type.String()),
      }),
    ),
  }),
})

/** The payment provider refused a refund: nothing went back to the customer. */
export const commerceRefundFailed = defineEvent({
  type: 'commerce.refund.failed',
  version: 1,
  producer: 'commerce',
  description:
    'The payment provider refused a refund: nothing was refunded and the order keeps its status. `automatic` refunds (saga compensation, tutoring) are listed for admins in commerce’s GET /admin/attention; communication tells the customer about those. Carries no provider internals. Delivered at least once.',
  payload: Type.Object({
    refundId: Type.String(),
    orderId: Type.String(),
    /** The buyer of the order. */
    userId: Type.String(),
    /** What the refund was for (what was not refunded). */
    amountMinor: Type.Integer({ minimum: 1 }),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    /**
     * Why the refund was made, safe to show to the customer: the automatic reasons, the buyer's own
     * self-refund (`customer_request`), or `other` (an org admin's refund: their free-text reason stays in commerce).
     */
    reason: Type.Union([
      Type.Literal('enrollment_rejected'),
      Type.Literal('booking_rejected'),
      Type.Literal('lesson_cancelled'),
      Type.Literal('customer_request'),
      Type.Literal('other'),
    ]),
    /**
     * Why the provider refused it, coarsely and safe to show: the card or account paid with can no
     * longer receive money (`payment_method_unavailable`), or any other refusal (`declined`). The
     * provider's own failure code stays in commerce (the refund's `failureCode`, GET /admin/attention).
     */
    failureReason: Type.Union([Type.Literal('payment_method_unavailable'), Type.Literal('declined')]),
    /** Made by commerce itself (saga compensation, tutoring) rather than requested by a person. */
    automatic: Type.Boolean(),
  }),
})

/** Earnings were paid out to a tutor or instructor. */
export const commercePayoutSent = defineEvent({
  type: 'commerce.payout.sent',
  version: 1,
  producer: 'commerce',
  description:
    'A payout left the platform for a payee (tutor or instructor); their statement lists the entries it covers.',
  payload: Type.Object({
    payoutId: Type.String(),
    payeeUserId: Type.String(),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    amountMinor: Type.Integer({ minimum: 1 }),
    provider: Type.String(),
    periodStart: Type.String({ format: 'date-time' }),
    periodEnd: Type.String({ format: 'date-time' }),
  }),
})

/** What an active subscription plan grants in learning. */
const PlanEntitlement = Type.Union([
  /** Every course of the plan's organization (paid ones included). */
  Type.Object({ scope: Type.Literal('all_courses') }),
  /** Only these courses (learning course ids). */
  Type.Object({
    scope: Type.Literal('courses'),
    courseIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500 }),
  }),
])

/** Fields every subscription event carries. */
const SubscriptionFields = {
  subscriptionId: Type.String(),
  userId: Type.String(),
  /** The subscription_plan product (`prd_...`) and its ref (the plan id). */
  productId: Type.String(),
  planRef: Type.String(),
  /** What the plan grants (set by an org admin on the plan; default every course of the org). */
  entitlement: PlanEntitlement,
}

/** A subscription started (trial or first paid period). */
export const commerceSubscriptionActivated = defineEvent({
  type: 'commerce.subscription.activated',
  version: 1,
  producer: 'commerce',
  description:
    'A subscription to a plan started (trialing or active). Learning grants the plan’s courses until `currentPeriodEnd`.',
  payload: Type.Object({
    ...SubscriptionFields,
    status: Type.Union([Type.Literal('trialing'), Type.Literal('active')]),
    currentPeriodStart: Type.String({ format: 'date-time' }),
    currentPeriodEnd: Type.String({ format: 'date-time' }),
    trialEnd: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
})

/** A renewal was paid: the subscription runs for another period. */
export const commerceSubscriptionRenewed = defineEvent({
  type: 'commerce.subscription.renewed',
  version: 1,
  producer: 'commerce',
  description:
    'A subscription renewal was charged (or a past-due one recovered). Learning extends access to `currentPeriodEnd`.',
  payload: Type.Object({
    ...SubscriptionFields,
    /** The renewal order (invoiced like any paid order). */
    orderId: Type.String(),
    currentPeriodStart: Type.String({ format: 'date-time' }),
    currentPeriodEnd: Type.String({ format: 'date-time' }),
  }),
})

/** A renewal charge failed: retries follow. */
export const commerceSubscriptionPastDue = defineEvent({
  type: 'commerce.subscription.past_due',
  version: 1,
  producer: 'commerce',
  description:
    'A renewal charge failed; commerce retries on SUBSCRIPTION_RETRY_DAYS. Access is kept until `graceUntil` (the last retry); the subscription is renewed or cancelled by then.',
  payload: Type.Object({
    ...SubscriptionFields,
    /** Machine-readable decline reason (`card_declined`). */
    failureCode: Type.String(),
    /** Failed attempts so far for this period (1 on the first failure). */
    attempt: Type.Integer({ minimum: 1 }),
    nextAttemptAt: Type.String({ format: 'date-time' }),
    graceUntil: Type.String({ format: 'date-time' }),
  }),
})

/** A subscription ended. */
export const commerceSubscriptionCancelled = defineEvent({
  type: 'commerce.subscription.cancelled',
  version: 1,
  producer: 'commerce',
  description:
    'A subscription ended: cancelled at period end, cancelled now by an org admin, after its last renewal retry failed, or because the payment of its current period was fully refunded. Access ends at `effectiveAt`.',
  payload: Type.Object({
    ...SubscriptionFields,
    reason: Type.Union([
      Type.Literal('period_end'),
      Type.Literal('admin'),
      Type.Literal('payment_failed'),
      Type.Literal('refunded'),
    ]),
    effectiveAt: Type.String({ format: 'date-time' }),
  }),
})
