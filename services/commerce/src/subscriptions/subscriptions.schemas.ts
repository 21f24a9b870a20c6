import { Type, IdString } from '@learnmesh/kernel'
import { PriceSchema, ProductSchema, RefSchema } from '../products/products.schemas.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const DateTime = Type.String({ format: 'date-time' })

/** What a plan grants in learning. */
export const EntitlementSchema = Type.Union([
  Type.Object(
    {
      /** Every course of the organization, paid ones included. */
      scope: Type.Literal('all_courses'),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Only the listed courses. */
      scope: Type.Literal('courses'),
      /** Learning course ids (`crs_…`), 1–500. */
      courseIds: Type.Array(IdString('crs', 'Course id'), { minItems: 1, maxItems: 500 }),
    },
    { additionalProperties: false },
  ),
])

/** A renewal attempt of a period. */
const ChargeSchema = Type.Object({
  /** Attempt id (`sch_…`). */
  id: Type.String(),
  /** The period it pays for. */
  periodStart: DateTime,
  periodEnd: DateTime,
  /** 1 at the period end, then one per retry. */
  attempt: Type.Integer(),
  /** The renewal order (invoiced like any order). */
  orderId: Type.String(),
  amountMinor: Type.Integer(),
  /** pending | succeeded | failed. */
  status: Type.String(),
  /** Decline reason when failed. */
  failureCode: Nullable(Type.String()),
  createdAt: DateTime,
})

/** A subscription to a plan. */
export const SubscriptionSchema = Type.Object({
  /** Subscription id (`sub_…`). */
  id: Type.String(),
  /** Subscriber. */
  userId: Type.String(),
  /** The subscription_plan product and its ref (plan id). */
  productId: Type.String(),
  planRef: Type.String(),
  /** Plan title at checkout. */
  title: Type.String(),
  /** The price renewals charge. */
  priceId: Type.String(),
  currency: Type.String(),
  unitAmountMinor: Type.Integer(),
  /** month | year. */
  interval: Type.String(),
  /** incomplete | trialing | active | past_due | cancelled. */
  status: Type.String(),
  /** The checkout order that started it. */
  orderId: Type.String(),
  /** End of the free trial (null without one). */
  trialEnd: Nullable(DateTime),
  /** The period access is paid (or trialed) for; null while incomplete. */
  currentPeriodStart: Nullable(DateTime),
  currentPeriodEnd: Nullable(DateTime),
  /** True when it ends at currentPeriodEnd instead of renewing. */
  cancelAtPeriodEnd: Type.Boolean(),
  /** Failed renewal attempts of the current renewal (past_due). */
  failedAttempts: Type.Integer(),
  /** When the next renewal retry is due (past_due). */
  nextAttemptAt: Nullable(DateTime),
  /** The payment method renewals charge, masked to its kind (`pm_sandbox_ok`, `pm_…1234`). */
  paymentMethod: Type.String(),
  /** period_end | admin | payment_failed | refunded | incomplete_expired (cancelled only). */
  cancelReason: Nullable(Type.String()),
  /** When access ended or ends (cancelled only). */
  endedAt: Nullable(DateTime),
  createdAt: DateTime,
})

/** One subscription with its renewal attempts. */
export const SubscriptionDetailSchema = Type.Intersect([
  SubscriptionSchema,
  Type.Object({
    /** Renewal attempts, newest first. */
    charges: Type.Array(ChargeSchema),
  }),
])

/** A page of subscriptions. */
export const SubscriptionListSchema = Type.Object({
  items: Type.Array(SubscriptionSchema),
  /** Pass as `after` for the next page; null on the last. */
  nextCursor: Nullable(Type.String()),
})

/** Path with a subscription id. */
export const SubscriptionParams = Type.Object({
  /** Subscription id. */
  subscriptionId: IdString('sub', 'Subscription id'),
})

/** Path with a plan product id. */
export const PlanParams = Type.Object({
  /** The subscription_plan product id. */
  productId: IdString('prd', 'Plan product id'),
})

/** GET /subscriptions/mine. */
export const MySubscriptionsQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** Cursor from the previous page. */
    after: Type.Optional(IdString('sub', 'Cursor')),
  },
  { additionalProperties: false },
)

/** GET /subscriptions (org admin). */
export const OrgSubscriptionsQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** Cursor from the previous page. */
    after: Type.Optional(IdString('sub', 'Cursor')),
    /** Only this status. */
    status: Type.Optional(
      Type.Union([
        Type.Literal('incomplete'),
        Type.Literal('trialing'),
        Type.Literal('active'),
        Type.Literal('past_due'),
        Type.Literal('cancelled'),
      ]),
    ),
    /** Only this subscriber. */
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
)

/** POST /subscriptions/:id/cancel-now. */
export const CancelNowBody = Type.Object(
  {
    /** `prorated`: refund the unused part of the current paid period; `none` (default): no refund. */
    refund: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('prorated')])),
  },
  { additionalProperties: false },
)

/** Answer of cancel-now. */
export const CancelNowResponse = Type.Object({
  subscription: SubscriptionSchema,
  /** The refund made (null when none). */
  refundId: Nullable(Type.String()),
  /** Amount refunded (0 when none). */
  refundedMinor: Type.Integer(),
})

/** PUT /subscriptions/:id/payment-method. */
export const PaymentMethodBody = Type.Object(
  {
    /** Provider payment-method reference (sandbox `pm_sandbox_*`, Stripe `pm_…`); never card numbers. */
    paymentMethod: Type.String({ minLength: 4, maxLength: 100, pattern: '^pm_[A-Za-z0-9_-]+$' }),
  },
  { additionalProperties: false },
)

/** GET /plans (public). */
export const PlansQuery = Type.Object(
  {
    /** Organization; defaults to the caller's (required when anonymous). */
    orgId: Type.Optional(RefSchema),
  },
  { additionalProperties: false },
)

/** GET /plans: the organization's plans on sale. */
export const PlanCatalogSchema = Type.Object({
  /** Active subscription_plan products with at least one active price, oldest first. */
  items: Type.Array(
    Type.Object({
      /** The plan product. */
      product: ProductSchema,
      /** Its active prices (each with `interval` and `trialDays`), oldest first. */
      prices: Type.Array(PriceSchema),
      /** What a subscription to it grants in learning. */
      entitlement: EntitlementSchema,
    }),
  ),
})
