import { Type, IdString } from '@learnmesh/kernel'

/** What can be sold. */
export const ProductTypeSchema = Type.Union(
  [
    Type.Literal('course'),
    Type.Literal('tutoring_lesson'),
    Type.Literal('tutoring_package'),
    Type.Literal('subscription_plan'),
  ],
  { description: 'course | tutoring_lesson | tutoring_package | subscription_plan' },
)

/** ISO 4217 alphabetic code (format only: three upper-case letters). */
export const CurrencySchema = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR.' })
/** Minor units (cents), 0 … 10^9. */
export const AmountSchema = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Minor units.' })
/** An id of another service (course, tutor, plan) or a user. */
export const RefSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })
/**
 * A product ref: an id of the owning service, or colon-separated parts of ids and numbers for
 * tutoring products (`tut:<tutorId>:<minutes>`, `tut:<tutorId>:<minutes>:x<lessons>`).
 */
export const ProductRefSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$',
})

/** Longest plan description, in characters (Unicode code points, as JSON Schema counts them). */
export const DESCRIPTION_MAX = 1000

/**
 * A subscription plan's description: plain text (never HTML), line breaks allowed, trimmed by the service.
 * Control characters other than line breaks are refused by the service (400) with a readable message.
 */
export const DescriptionSchema = Type.String({
  maxLength: DESCRIPTION_MAX,
  description: `Plain text, at most ${DESCRIPTION_MAX} characters, line breaks allowed, no other control characters; trimmed.`,
})

/** A product. */
export const ProductSchema = Type.Object({
  /** Product id (`prd_…`). */
  id: Type.String(),
  /** What it is. */
  type: Type.String(),
  /** The owning service's id (course id, tutor id, plan id). */
  ref: Type.String(),
  /** Display title. */
  title: Type.String(),
  /** What a subscription plan is for, plain text with `\n` line breaks; '' when none (always '' for other types). */
  description: Type.String(),
  /** Who earns from a sale; null for platform-owned products. */
  payeeUserId: Type.Union([Type.String(), Type.Null()]),
  /** Inactive products cannot be added to carts. */
  active: Type.Boolean(),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
})

/** A price. */
export const PriceSchema = Type.Object({
  /** Price id (`pri_…`). */
  id: Type.String(),
  /** The product it prices. */
  productId: Type.String(),
  /** ISO 4217 code. */
  currency: Type.String(),
  /** Price of one unit, minor units. */
  unitAmountMinor: Type.Integer(),
  /** Lessons included (tutoring packages; 1 otherwise). */
  lessonCount: Type.Integer(),
  /** Billing interval of a plan (month | year); null for one-off prices. */
  interval: Type.Union([Type.String(), Type.Null()]),
  /** Trial days of a plan (recorded only). */
  trialDays: Type.Integer(),
  /** Inactive prices cannot be added to carts. */
  active: Type.Boolean(),
})

/** POST /products. */
export const CreateProductBody = Type.Object(
  {
    /** What is sold. */
    type: ProductTypeSchema,
    /** The owning service's id; unique per org and type. */
    ref: ProductRefSchema,
    /** Display title. */
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    /** subscription_plan only: what the plan is for, plain text (default ''). */
    description: Type.Optional(DescriptionSchema),
    /** Who earns from a sale (instructor or tutor); omit for platform-owned products. */
    payeeUserId: Type.Optional(Type.Union([RefSchema, Type.Null()])),
  },
  { additionalProperties: false },
)

/** PATCH /products/:productId. */
export const UpdateProductBody = Type.Object(
  {
    /** New title. */
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    /** subscription_plan only: new description ('' clears it). */
    description: Type.Optional(DescriptionSchema),
    /** New payee (null: platform-owned). */
    payeeUserId: Type.Optional(Type.Union([RefSchema, Type.Null()])),
    /** Deactivate or reactivate. */
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** POST /products/:productId/prices. */
export const CreatePriceBody = Type.Object(
  {
    /** ISO 4217 code. */
    currency: CurrencySchema,
    /** Price of one unit (a whole package for tutoring_package), minor units. */
    unitAmountMinor: AmountSchema,
    /** tutoring_package: lessons included (2–100); others: 1 (default). */
    lessonCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** subscription_plan only (required there): month | year. */
    interval: Type.Optional(Type.Union([Type.Literal('month'), Type.Literal('year')])),
    /** subscription_plan only: trial days (0–365), recorded for later subscription work. */
    trialDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
  },
  { additionalProperties: false },
)

/** PATCH /prices/:priceId. */
export const UpdatePriceBody = Type.Object(
  {
    /** Deactivate (or reactivate) the price; amounts never change (create a new price). */
    active: Type.Boolean(),
  },
  { additionalProperties: false },
)

/** Path with a product id. */
export const ProductParams = Type.Object(
  {
    /** Product id. */
    productId: IdString('prd', 'Product id'),
  },
  { additionalProperties: false },
)

/** Path with a price id. */
export const PriceParams = Type.Object(
  {
    /** Price id. */
    priceId: IdString('pri', 'Price id'),
  },
  { additionalProperties: false },
)

/** GET /products. */
export const ListProductsQuery = Type.Object(
  {
    /** Only this type. */
    type: Type.Optional(ProductTypeSchema),
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    /** nextCursor of the previous page. */
    after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

/** GET /prices (public). */
export const PriceLookupQuery = Type.Object(
  {
    /** The product's type. */
    productType: ProductTypeSchema,
    /** The owning service's id, e.g. a course id, or a tutoring ref `tut:<tutorId>:<minutes>`. */
    ref: ProductRefSchema,
    /** Organization; defaults to the caller's (required when anonymous). */
    orgId: Type.Optional(RefSchema),
  },
  { additionalProperties: false },
)

/** A product with its prices. */
export const ProductWithPricesSchema = Type.Object({
  /** The product. */
  product: ProductSchema,
  /** Its prices (the public lookup shows active ones only). */
  prices: Type.Array(PriceSchema),
})

/** GET /products. */
export const ProductListSchema = Type.Object({
  /** Products, newest first. */
  items: Type.Array(ProductSchema),
  /** Cursor of the next page, null at the end. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
