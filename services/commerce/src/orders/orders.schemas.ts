import { Type, IdString } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** A line of an order. */
const OrderItemSchema = Type.Object({
  /** Line id (`oit_…`): refunds name lines by it. */
  id: Type.String(),
  /** Product bought. */
  productId: Type.String(),
  /** Price it was bought at. */
  priceId: Type.String(),
  /** course | tutoring_lesson | tutoring_package | subscription_plan. */
  productType: Type.String(),
  /** The owning service's id (course id, ...). */
  productRef: Type.String(),
  /** Title at checkout. */
  title: Type.String(),
  /** Units. */
  quantity: Type.Integer(),
  /** Lessons per unit. */
  lessonCount: Type.Integer(),
  /** Unit price at checkout. */
  unitAmountMinor: Type.Integer(),
  /** This line's share of the order discount. */
  discountMinor: Type.Integer(),
  /** What the customer paid for the line (tax included). */
  amountMinor: Type.Integer(),
  /** Tax included in amountMinor (INVOICE_TAX_RATE_BASIS_POINTS at checkout). */
  taxMinor: Type.Integer(),
  /** Refunded so far. */
  refundedMinor: Type.Integer(),
  /** The cart line's reference (a tutoring booking id `bkg_…`), or null. */
  reference: Nullable(Type.String()),
})

/** What the client needs to finish a payment that requires action. */
const NextActionSchema = Type.Object({
  /** redirect_to_url | client_secret | stellar_pay_uri. */
  type: Type.String(),
  /** Where to send the customer (sandbox: the completion endpoint; stellar: a SEP-0007 `web+stellar:pay?…` URI). */
  url: Type.Optional(Type.String()),
  /** HTTP method for url. */
  method: Type.Optional(Type.String()),
  /** Stripe client secret (later work). */
  clientSecret: Type.Optional(Type.String()),
})

/** A payment attempt. */
export const PaymentSchema = Type.Object({
  /** Payment id (`pay_…`). */
  id: Type.String(),
  /** Provider adapter. */
  provider: Type.String(),
  /** requires_payment | requires_action | processing | succeeded | failed | cancelled. */
  status: Type.String(),
  /** Amount asked. */
  amountMinor: Type.Integer(),
  /** Amount captured. */
  capturedMinor: Type.Integer(),
  /** Amount refunded. */
  refundedMinor: Type.Integer(),
  /** Decline reason (`card_declined`). */
  failureCode: Nullable(Type.String()),
  /** What the client must do next, when requires_action. */
  nextAction: Nullable(NextActionSchema),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
})

/** A refund. */
export const RefundSchema = Type.Object({
  /** Refund id (`rfd_…`). */
  id: Type.String(),
  /** The order. */
  orderId: Type.String(),
  /** Amount refunded (or being refunded). */
  amountMinor: Type.Integer(),
  /** Why. */
  reason: Type.String(),
  /** pending | succeeded | failed. */
  status: Type.String(),
  /** Lines and amounts. */
  items: Type.Array(Type.Object({ orderItemId: Type.String(), amountMinor: Type.Integer() })),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
})

/** An order without its lines (lists). */
export const OrderSummarySchema = Type.Object({
  /** Order id (`ord_…`). */
  id: Type.String(),
  /** The buyer. */
  userId: Type.String(),
  /** pending_payment | requires_action | paid | failed | cancelled | partially_refunded | refunded. */
  status: Type.String(),
  /** ISO 4217 code. */
  currency: Type.String(),
  /** Sum of lines before discount. */
  subtotalMinor: Type.Integer(),
  /** Coupon discount. */
  discountMinor: Type.Integer(),
  /** Tax included in the total (sum of the lines' included tax; 0 without a tax rate). */
  taxMinor: Type.Integer(),
  /** Charged. */
  totalMinor: Type.Integer(),
  /** Refunded so far. */
  refundedMinor: Type.Integer(),
  /** Coupons redeemed. */
  couponCodes: Type.Array(Type.String()),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
  /** When it was paid. */
  paidAt: Nullable(Type.String({ format: 'date-time' })),
  /** Number of lines. */
  itemCount: Type.Integer(),
  /** Titles of the first lines (at most 5), in checkout order: itemCount tells whether there are more. */
  itemTitles: Type.Array(Type.String()),
})

/** An order with lines, payments and refunds. */
export const OrderSchema = Type.Intersect([
  OrderSummarySchema,
  Type.Object({
    /** Lines. */
    items: Type.Array(OrderItemSchema),
    /** Payment attempts. */
    payments: Type.Array(PaymentSchema),
    /** Refunds. */
    refunds: Type.Array(RefundSchema),
  }),
])

/** A list of orders. */
export const OrderListSchema = Type.Object({
  /** Orders, newest first. */
  items: Type.Array(OrderSummarySchema),
  /** Cursor of the next page. */
  nextCursor: Nullable(Type.String()),
})

/** POST /checkout and POST /orders/:id/confirm. */
export const CheckoutBody = Type.Object(
  {
    /** Provider payment method (sandbox: pm_sandbox_ok | pm_sandbox_declined | pm_sandbox_action | pm_sandbox_late). */
    paymentMethod: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
)

/** Path with an order id. */
export const OrderParams = Type.Object(
  {
    /** Order id. */
    orderId: IdString('ord', 'Order id'),
  },
  { additionalProperties: false },
)

/** Path of one line of an order. */
export const OrderItemParams = Type.Object(
  {
    /** Order id. */
    orderId: IdString('ord', 'Order id'),
    /** The line (`oit_…`). */
    orderItemId: IdString('oit', 'Order line id'),
  },
  { additionalProperties: false },
)

/** Idempotency header (required on money-moving POSTs). */
export const IdempotencyHeaders = Type.Object({
  /** Client-chosen unique key (e.g. a UUID), 1–255 visible ASCII characters. */
  'idempotency-key': Type.Optional(Type.String()),
})

/** GET /orders/mine. */
export const MyOrdersQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** nextCursor of the previous page. */
    after: Type.Optional(IdString('ord', 'Cursor')),
  },
  { additionalProperties: false },
)

/** GET /orders (org admins). */
export const OrgOrdersQuery = Type.Object(
  {
    /** Only this status. */
    status: Type.Optional(
      Type.Union([
        Type.Literal('pending_payment'),
        Type.Literal('requires_action'),
        Type.Literal('paid'),
        Type.Literal('failed'),
        Type.Literal('cancelled'),
        Type.Literal('partially_refunded'),
        Type.Literal('refunded'),
      ]),
    ),
    /** Only this buyer. */
    userId: Type.Optional(Type.String({ maxLength: 64 })),
    /** Created at or after. */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** Created before. */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    /** nextCursor of the previous page. */
    after: Type.Optional(IdString('ord', 'Cursor')),
  },
  { additionalProperties: false },
)

/** POST /orders/:id/refunds. */
export const RefundBody = Type.Object(
  {
    /** Lines to refund (amount per line optional: default what is left); omit with amountMinor for the whole order. */
    items: Type.Optional(
      Type.Array(
        Type.Object(
          {
            /** The line. */
            orderItemId: IdString('oit', 'Order line id'),
            /** How much (1 … what is left). */
            amountMinor: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 50 },
      ),
    ),
    /** An amount spread over the lines (largest remainder). */
    amountMinor: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 })),
    /** Why (shown to admins). */
    reason: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  },
  { additionalProperties: false },
)

/** Refund response: the refund and the order after it. */
export const RefundResponse = Type.Object({
  /** The refund. */
  refund: RefundSchema,
  /** The order after it. */
  order: OrderSchema,
})

/** POST /sandbox/payments/:providerRef/complete. */
export const SandboxCompleteBody = Type.Object(
  {
    /** succeeded (default): the customer passed the check; failed: they did not. */
    outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')], { default: 'succeeded' }),
  },
  { additionalProperties: false },
)

/** Path with a sandbox payment id. */
export const SandboxParams = Type.Object(
  {
    /** The sandbox payment id from nextAction.url. */
    providerRef: Type.String({ pattern: '^sbx_pi_[0-9a-f]{32}$' }),
  },
  { additionalProperties: false },
)

/** Webhook acknowledgement. */
export const WebhookAck = Type.Object({
  /** Always true on 200. */
  received: Type.Boolean(),
  /** True when this event was already applied (replay or duplicate): nothing changed. */
  duplicate: Type.Boolean(),
})
