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
    revokedItems: Type.Array(Type.Object({ productType: Type.String(), productRef: Type.String() })),
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
