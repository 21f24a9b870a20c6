import { Type, IdString } from '@learnmesh/kernel'
import { CouponCodeSchema } from '../coupons/coupons.schemas.ts'

/** Shape of a line reference: another service's prefixed id, e.g. a tutoring booking `bkg_…`. */
export const LINE_REFERENCE_PATTERN = '^[a-z]{3}_[A-Za-z0-9]{1,60}$'

/** A line reference in a request (a held tutoring slot's booking id). */
export const LineReferenceSchema = Type.String({
  pattern: LINE_REFERENCE_PATTERN,
  maxLength: 100,
  description: 'A booking id (`bkg_…`) for a tutoring lesson bought for a held slot',
})

/** A priced cart line. */
const CartLineSchema = Type.Object({
  /** The price added. */
  priceId: Type.String(),
  /** Its product. */
  productId: Type.String(),
  /** course | tutoring_lesson | tutoring_package | subscription_plan. */
  productType: Type.String(),
  /** The owning service's id (course id, ...). */
  productRef: Type.String(),
  /** Product title. */
  title: Type.String(),
  /** What the buyer attached to the line (a tutoring booking id), or null. */
  reference: Type.Union([Type.String(), Type.Null()]),
  /** Units (always 1 for courses, plans and referenced lessons). */
  quantity: Type.Integer(),
  /** Lessons per unit (tutoring packages). */
  lessonCount: Type.Integer(),
  /** Price of one unit, minor units. */
  unitAmountMinor: Type.Integer(),
  /** unit × quantity. */
  subtotalMinor: Type.Integer(),
  /** This line's share of the coupons' discount. */
  discountMinor: Type.Integer(),
  /** subtotal − discount. */
  totalMinor: Type.Integer(),
  /** False when the price or product is no longer for sale (not counted; checkout refuses). */
  available: Type.Boolean(),
})

/** A cart with server-side totals. */
export const CartSchema = Type.Object({
  /** Cart id (`crt_…`); null when the caller has no cart yet. */
  id: Type.Union([Type.String(), Type.Null()]),
  /** The cart's currency; null without a cart. */
  currency: Type.Union([Type.String(), Type.Null()]),
  /** Lines, in the order added. */
  items: Type.Array(CartLineSchema),
  /** Applied coupon codes with what each takes off now. */
  coupons: Type.Array(
    Type.Object({
      /** Upper-cased code. */
      code: Type.String(),
      /** Discount it gives now. */
      discountMinor: Type.Integer(),
      /** Why it gives nothing right now (expired, used up, ...), or null. */
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  /** Sum of available lines. */
  subtotalMinor: Type.Integer(),
  /** Sum of coupon discounts. */
  discountMinor: Type.Integer(),
  /** What checkout would charge. */
  totalMinor: Type.Integer(),
  /** Tax included in totalMinor (prices are tax-inclusive; INVOICE_TAX_RATE_BASIS_POINTS), as checkout records it. */
  tax: Type.Object({
    /** The tax's name (INVOICE_TAX_LABEL, e.g. VAT). */
    label: Type.String(),
    /** The rate in basis points (2000 = 20 %); 0 = no tax. */
    rateBasisPoints: Type.Integer(),
    /** Sum over available lines of the tax included in each line's total. */
    includedMinor: Type.Integer(),
  }),
  /** A new guest cart's token: returned ONCE; send it back as X-Cart-Token. */
  cartToken: Type.Optional(Type.String()),
})

/** POST /cart/items. */
export const AddItemBody = Type.Object(
  {
    /** The price to add. */
    priceId: IdString('pri', 'Price id'),
    /** Units to add (courses, plans and referenced lessons: 1). */
    quantity: Type.Integer({ minimum: 1, maximum: 20, default: 1 }),
    /**
     * Only on `tutoring_lesson` prices: the booking (`bkg_…`) of the slot the learner holds. Such a
     * line has quantity 1 and sits beside other lines of the same price (one per booking).
     */
    reference: Type.Optional(LineReferenceSchema),
  },
  { additionalProperties: false },
)

/** DELETE /cart/items/:priceId query. */
export const CartItemQuery = Type.Object(
  {
    /** Remove only the line with this reference (default: every line of the price). */
    reference: Type.Optional(LineReferenceSchema),
  },
  { additionalProperties: false },
)

/** Path with a price id. */
export const CartItemParams = Type.Object(
  {
    /** The line's price id. */
    priceId: IdString('pri', 'Price id'),
  },
  { additionalProperties: false },
)

/** POST /cart/coupons. */
export const ApplyCouponBody = Type.Object(
  {
    /** The code (case-insensitive). */
    code: CouponCodeSchema,
  },
  { additionalProperties: false },
)

/** Path with a coupon code. */
export const CartCouponParams = Type.Object(
  {
    /** The code to remove. */
    code: CouponCodeSchema,
  },
  { additionalProperties: false },
)

/** Headers of cart routes. */
export const CartHeaders = Type.Object({
  /** Guest cart token (from cartToken). */
  'x-cart-token': Type.Optional(Type.String({ maxLength: 200 })),
})
