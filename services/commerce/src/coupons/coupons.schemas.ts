import { Type, IdString } from '@learnmesh/kernel'
import { CurrencySchema } from '../products/products.schemas.ts'

/** A coupon code as typed by a customer (case-insensitive; stored upper-cased). */
export const CouponCodeSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{3,32}$', description: 'Coupon code.' })

/** A coupon. */
export const CouponSchema = Type.Object({
  /** Coupon id (`cpn_…`). */
  id: Type.String(),
  /** Upper-cased code. */
  code: Type.String(),
  /** percent | fixed. */
  kind: Type.String(),
  /** Percent off (percent coupons). */
  percentOff: Type.Union([Type.Integer(), Type.Null()]),
  /** Amount off in minor units (fixed coupons). */
  amountOffMinor: Type.Union([Type.Integer(), Type.Null()]),
  /** Currency of a fixed coupon. */
  currency: Type.Union([Type.String(), Type.Null()]),
  /** Products it applies to; empty = sitewide. */
  productIds: Type.Array(Type.String()),
  /** Total redemptions allowed (null: unlimited). */
  maxRedemptions: Type.Union([Type.Integer(), Type.Null()]),
  /** Redemptions allowed per customer (null: unlimited). */
  maxPerUser: Type.Union([Type.Integer(), Type.Null()]),
  /** Redemptions so far. */
  redeemedCount: Type.Integer(),
  /** Valid from (null: now). */
  startsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Valid until, exclusive (null: no end). */
  endsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Whether it combines with other coupons. */
  stackable: Type.Boolean(),
  /** Inactive coupons cannot be applied or redeemed. */
  active: Type.Boolean(),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
})

/** POST /coupons. */
export const CreateCouponBody = Type.Object(
  {
    /** Code (3–32 letters, digits, _ or -); unique per org, case-insensitive. */
    code: CouponCodeSchema,
    /** percent | fixed. */
    kind: Type.Union([Type.Literal('percent'), Type.Literal('fixed')]),
    /** percent: 1–100. */
    percentOff: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** fixed: minor units off (1 … 10^9). */
    amountOffMinor: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
    /** fixed: the currency of amountOffMinor (applies only to carts in that currency). */
    currency: Type.Optional(CurrencySchema),
    /** Restrict to these products (ids of this org); omit for sitewide. */
    productIds: Type.Optional(
      Type.Array(IdString('prd', 'Product id'), { maxItems: 100, uniqueItems: true }),
    ),
    /** Total redemptions allowed. */
    maxRedemptions: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Redemptions per customer. */
    maxPerUser: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** Valid from. */
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** Valid until (exclusive). */
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** Combines with other stackable coupons (default false). */
    stackable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

/** PATCH /coupons/:couponId. */
export const UpdateCouponBody = Type.Object(
  {
    /** Deactivate or reactivate. */
    active: Type.Optional(Type.Boolean()),
    /** New end of validity (null: none). */
    endsAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** Path with a coupon id. */
export const CouponParams = Type.Object(
  {
    /** Coupon id. */
    couponId: IdString('cpn', 'Coupon id'),
  },
  { additionalProperties: false },
)

/** GET /coupons. */
export const ListCouponsQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    /** nextCursor of the previous page. */
    after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

/** GET /coupons. */
export const CouponListSchema = Type.Object({
  /** Coupons, newest first. */
  items: Type.Array(CouponSchema),
  /** Cursor of the next page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
