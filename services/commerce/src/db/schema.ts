import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { inboxTable, jobsTable, outboxTable } from '@learnmesh/kernel'

/** Everything commerce owns lives in this schema; no other service reads it. */
export const commerce = pgSchema('commerce')

const ts = (name: string) => timestamp(name, { withTimezone: true })
/** Money: integer minor units (cents). bigint in the database, a JS number (safe below 2^53) in code. */
const money = (name: string) => bigint(name, { mode: 'number' })

/** Events commerce publishes (outbox) and has consumed (inbox); jobs (payouts, renewals, sweeps). */
export const outbox = outboxTable(commerce)
export const inbox = inboxTable(commerce)
export const jobs = jobsTable(commerce)

// ---------------------------------------------------------------------------------------------
// Catalog of things for sale (checkout area)
// ---------------------------------------------------------------------------------------------

/** Something for sale: a course, a tutoring lesson or package, a subscription plan. */
export const products = commerce.table(
  'products',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** course | tutoring_lesson | tutoring_package | subscription_plan */
    type: text('type').notNull(),
    /** The owning service's id (course id, tutor id, plan id). */
    ref: text('ref').notNull(),
    title: text('title').notNull(),
    /** What a subscription plan is for, in the seller's words: plain text, '' when none (other types: ''). */
    description: text('description').notNull().default(''),
    /** Who earns from a sale (instructor or tutor); null for platform-owned products (plans). */
    payeeUserId: text('payee_user_id'),
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('products_org_type_ref_key').on(t.orgId, t.type, t.ref)],
)

/** A price of a product in one currency (a package price carries its lesson count, a plan its interval). */
export const prices = commerce.table(
  'prices',
  {
    id: text('id').primaryKey(),
    productId: text('product_id').notNull(),
    orgId: text('org_id').notNull(),
    currency: text('currency').notNull(),
    unitAmountMinor: money('unit_amount_minor').notNull(),
    /** Tutoring packages: lessons included (1 for a single lesson). */
    lessonCount: integer('lesson_count').notNull().default(1),
    /** Subscription plans: month | year; null for one-off prices. */
    interval: text('interval'),
    trialDays: integer('trial_days').notNull().default(0),
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('prices_product_idx').on(t.productId)],
)

/** The last `tutoring.tutor.listed` applied per tutor: an older listing delivered late is ignored. */
export const tutorListings = commerce.table(
  'tutor_listings',
  {
    orgId: text('org_id').notNull(),
    tutorId: text('tutor_id').notNull(),
    /** The applied event's `occurredAt`. */
    listedAt: ts('listed_at').notNull(),
    /** The applied event's id (ties on `listedAt` are broken by it: UUIDv7 ids are time-ordered). */
    eventId: text('event_id').notNull(),
    active: boolean('active').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.tutorId] })],
)

/** A persistent cart: a signed-in user's, or a guest's (identified by a hashed cart token). */
export const carts = commerce.table(
  'carts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id'),
    guestTokenHash: text('guest_token_hash'),
    currency: text('currency').notNull(),
    /** open | merged | checked_out */
    status: text('status').notNull().default('open'),
    couponCodes: text('coupon_codes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('carts_open_user_key')
      .on(t.orgId, t.userId)
      .where(sql`status = 'open' and user_id is not null`),
    uniqueIndex('carts_guest_key')
      .on(t.guestTokenHash)
      .where(sql`guest_token_hash is not null`),
  ],
)

/** A line of a cart. */
export const cartItems = commerce.table(
  'cart_items',
  {
    cartId: text('cart_id').notNull(),
    priceId: text('price_id').notNull(),
    /**
     * What the buyer attached to the line (a tutoring booking id `bkg_…` for a held slot); '' for
     * none. Part of the key: one price may sit twice in a cart for two different bookings.
     */
    reference: text('reference').notNull().default(''),
    quantity: integer('quantity').notNull().default(1),
    addedAt: ts('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.cartId, t.priceId, t.reference] })],
)

/** A coupon or promotion code. */
export const coupons = commerce.table(
  'coupons',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** Upper-cased; unique per org. */
    code: text('code').notNull(),
    /** percent | fixed */
    kind: text('kind').notNull(),
    percentOff: integer('percent_off'),
    amountOffMinor: money('amount_off_minor'),
    currency: text('currency'),
    /** Empty = sitewide; otherwise only these products. */
    productIds: text('product_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    maxRedemptions: integer('max_redemptions'),
    maxPerUser: integer('max_per_user'),
    /** Redemptions so far (kept with the limit check in one conditional update). */
    redeemedCount: integer('redeemed_count').notNull().default(0),
    startsAt: ts('starts_at'),
    endsAt: ts('ends_at'),
    /** Whether it combines with other coupons on one order. */
    stackable: boolean('stackable').notNull().default(false),
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('coupons_org_code_key').on(t.orgId, t.code)],
)

/** One use of a coupon by an order. */
export const couponRedemptions = commerce.table(
  'coupon_redemptions',
  {
    couponId: text('coupon_id').notNull(),
    orderId: text('order_id').notNull(),
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    discountMinor: money('discount_minor').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.couponId, t.orderId] }),
    index('coupon_redemptions_user_idx').on(t.couponId, t.userId),
  ],
)

// ---------------------------------------------------------------------------------------------
// Orders and payments (checkout area)
// ---------------------------------------------------------------------------------------------

/** An order: its state machine is in src/orders (pending_payment → requires_action → paid → refunded ...). */
export const orders = commerce.table(
  'orders',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    subtotalMinor: money('subtotal_minor').notNull(),
    discountMinor: money('discount_minor').notNull().default(0),
    taxMinor: money('tax_minor').notNull().default(0),
    totalMinor: money('total_minor').notNull(),
    /** Captured minus refunded. */
    refundedMinor: money('refunded_minor').notNull().default(0),
    couponCodes: text('coupon_codes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    paidAt: ts('paid_at'),
  },
  (t) => [index('orders_user_idx').on(t.orgId, t.userId, t.createdAt)],
)

/** A line of an order, priced and discounted at checkout. */
export const orderItems = commerce.table(
  'order_items',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    orgId: text('org_id').notNull(),
    productId: text('product_id').notNull(),
    priceId: text('price_id').notNull(),
    productType: text('product_type').notNull(),
    productRef: text('product_ref').notNull(),
    payeeUserId: text('payee_user_id'),
    title: text('title').notNull(),
    quantity: integer('quantity').notNull(),
    lessonCount: integer('lesson_count').notNull().default(1),
    unitAmountMinor: money('unit_amount_minor').notNull(),
    discountMinor: money('discount_minor').notNull().default(0),
    taxMinor: money('tax_minor').notNull().default(0),
    /** What the customer pays for this line: unit × quantity − discount (prices include tax: `taxMinor` is part of it). */
    amountMinor: money('amount_minor').notNull(),
    refundedMinor: money('refunded_minor').notNull().default(0),
    /** The cart line's reference, copied at checkout (a tutoring booking id `bkg_…`); null for none. */
    reference: text('reference'),
  },
  (t) => [index('order_items_order_idx').on(t.orderId)],
)

/** A payment attempt of an order through a provider. */
export const payments = commerce.table(
  'payments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    orgId: text('org_id').notNull(),
    /** sandbox | stripe | stellar */
    provider: text('provider').notNull(),
    /** The provider's id (PaymentIntent id, Stellar transaction hash, sandbox id). */
    providerRef: text('provider_ref'),
    /** requires_payment | requires_action | processing | succeeded | failed | cancelled */
    status: text('status').notNull(),
    amountMinor: money('amount_minor').notNull(),
    capturedMinor: money('captured_minor').notNull().default(0),
    refundedMinor: money('refunded_minor').notNull().default(0),
    feeMinor: money('fee_minor').notNull().default(0),
    currency: text('currency').notNull(),
    failureCode: text('failure_code'),
    /** What the client needs for "requires action" (redirect URL, client secret). */
    nextAction: jsonb('next_action'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('payments_order_idx').on(t.orderId),
    uniqueIndex('payments_provider_ref_key')
      .on(t.provider, t.providerRef)
      .where(sql`provider_ref is not null`),
  ],
)

/** Provider webhook events already applied (a replayed or duplicate webhook is ignored). */
export const providerEvents = commerce.table(
  'provider_events',
  {
    provider: text('provider').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.eventId] })],
)

/**
 * Abandoned card payment expiry (`commerce.payments.expire_abandoned`, payments/card.expiry.ts):
 * one row per order the job has claimed or failed to expire. The claim (a run's token and a lease)
 * keeps two runs from asking the provider about the same order; a provider failure counts an
 * attempt and backs off. The row is deleted once the order's outcome is recorded.
 */
export const cardExpiries = commerce.table('card_expiries', {
  orderId: text('order_id').primaryKey(),
  /** The run holding the claim (its token); null when free. */
  claimedBy: text('claimed_by'),
  /** The claim lapses then (a run that died frees it). */
  claimedUntil: ts('claimed_until'),
  /** Provider calls that failed so far; none is made once it reaches CARD_EXPIRY_CALLS.maxAttempts. */
  attempts: integer('attempts').notNull().default(0),
  /** Not asked again before this time (back-off after a failure). */
  nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
  /** The last failure's type and code (never the message or a key). */
  lastError: text('last_error'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** Stellar: how far the watcher has read the platform account's payments (Horizon paging token). */
export const stellarCursors = commerce.table('stellar_cursors', {
  /** The platform account (`G…`) whose payments are read. */
  accountId: text('account_id').primaryKey(),
  /** Paging token of the last payment record processed. */
  cursor: text('cursor').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/**
 * Stellar: every incoming transaction the watcher has processed, once (the hash is the key), with
 * what it did: `captured`, or why not (`underpaid`, `wrong_asset`, `unknown_memo`, `already_paid`,
 * `order_closed`): stray funds to send back by hand.
 */
export const stellarReceipts = commerce.table(
  'stellar_receipts',
  {
    txHash: text('tx_hash').primaryKey(),
    /** The text memo (null without one). */
    memo: text('memo'),
    /** The payment it was matched to, when any. */
    paymentId: text('payment_id'),
    /** Who paid (the payment operation's source account). */
    fromAccount: text('from_account').notNull(),
    /** `native` or `CODE:ISSUER`, and the amount received (7 decimals), of each asset received. */
    received: jsonb('received').$type<{ asset: string; amount: string }[]>().notNull(),
    outcome: text('outcome').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('stellar_receipts_memo_idx').on(t.memo)],
)

/** A refund of (part of) a payment. */
export const refunds = commerce.table(
  'refunds',
  {
    id: text('id').primaryKey(),
    paymentId: text('payment_id').notNull(),
    orderId: text('order_id').notNull(),
    orgId: text('org_id').notNull(),
    amountMinor: money('amount_minor').notNull(),
    reason: text('reason').notNull(),
    /** pending | succeeded | failed */
    status: text('status').notNull(),
    providerRef: text('provider_ref'),
    /** Why the provider refused it (its failure code; never a message), when failed. */
    failureCode: text('failure_code'),
    /** Lines refunded and how much of each: [{ orderItemId, amountMinor }]. */
    items: jsonb('items').$type<{ orderItemId: string; amountMinor: number }[]>().notNull().default([]),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('refunds_order_idx').on(t.orderId)],
)

/** Stripe-style idempotency: a key's first request and its stored response. */
export const idempotencyKeys = commerce.table(
  'idempotency_keys',
  {
    /** The caller (user id) the key belongs to: keys are per caller. */
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    /** METHOD + path + SHA-256 of the canonical body. */
    requestHash: text('request_hash').notNull(),
    /** in_progress | done */
    status: text('status').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] })],
)

// ---------------------------------------------------------------------------------------------
// Ledger, escrow, payouts (ledger area)
// ---------------------------------------------------------------------------------------------

/** A ledger account. Balances are derived from entries; this row only names the account. */
export const ledgerAccounts = commerce.table(
  'ledger_accounts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** customer | provider_clearing | escrow | payable | platform_revenue | provider_fees | refunds | payouts_in_transit | tax_payable (docs/ledger.md) */
    kind: text('kind').notNull(),
    /** The user a customer/payable account belongs to; '' for platform accounts. */
    ownerId: text('owner_id').notNull().default(''),
    currency: text('currency').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ledger_accounts_key').on(t.orgId, t.kind, t.ownerId, t.currency)],
)

/** An immutable, balanced ledger transaction; `(kind, ref)` is unique so a posting happens once. */
export const ledgerTransactions = commerce.table(
  'ledger_transactions',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** payment_captured | refund | escrow_release | payout | payout_settled | payout_failed (docs/ledger.md) */
    kind: text('kind').notNull(),
    /** What it posts (payment id, booking id, refund id, payout id), unique per kind. */
    ref: text('ref').notNull(),
    description: text('description').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ledger_transactions_kind_ref_key').on(t.kind, t.ref)],
)

/** One leg of a ledger transaction: signed minor units (debit positive, credit negative); a transaction sums to 0. */
export const ledgerEntries = commerce.table(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    transactionId: text('transaction_id').notNull(),
    accountId: text('account_id').notNull(),
    orgId: text('org_id').notNull(),
    amountMinor: money('amount_minor').notNull(),
    currency: text('currency').notNull(),
    /** What this leg is, for people (earnings pages and statements show it). */
    memo: text('memo').notNull().default(''),
    /** The instructor/tutor whose sale this leg belongs to (statements: gross, commission, clawbacks). */
    payeeUserId: text('payee_user_id'),
    /** The order line this leg posts (refunds reverse a line in its original proportions). */
    orderItemId: text('order_item_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('ledger_entries_account_idx').on(t.accountId, t.id),
    index('ledger_entries_tx_idx').on(t.transactionId),
    index('ledger_entries_item_idx')
      .on(t.orderItemId)
      .where(sql`order_item_id is not null`),
    index('ledger_entries_payee_idx')
      .on(t.orgId, t.payeeUserId, t.createdAt)
      .where(sql`payee_user_id is not null`),
  ],
)

/** Money held for a tutoring order line until its lessons are delivered. */
export const escrowHolds = commerce.table(
  'escrow_holds',
  {
    id: text('id').primaryKey(),
    orderItemId: text('order_item_id').notNull(),
    orderId: text('order_id').notNull(),
    orgId: text('org_id').notNull(),
    payeeUserId: text('payee_user_id').notNull(),
    currency: text('currency').notNull(),
    /** Held in total, released to payee/platform so far, refunded so far. */
    amountMinor: money('amount_minor').notNull(),
    releasedMinor: money('released_minor').notNull().default(0),
    refundedMinor: money('refunded_minor').notNull().default(0),
    lessonsTotal: integer('lessons_total').notNull(),
    lessonsReleased: integer('lessons_released').notNull().default(0),
    /** Lessons cancelled (their share is either released, or marked refundable below). */
    lessonsCancelled: integer('lessons_cancelled').notNull().default(0),
    /** Shares of refundable cancellations: the most a refund of this line takes back from escrow for them. */
    refundableMinor: money('refundable_minor').notNull().default(0),
    /** held | released | refunded | partially_released */
    status: text('status').notNull().default('held'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('escrow_holds_item_key').on(t.orderItemId)],
)

/** One lesson's settlement of an escrow hold (completed or cancelled), unique per booking. */
export const escrowLessons = commerce.table(
  'escrow_lessons',
  {
    /** The tutoring booking (`bkg_...`): a booking settles once. */
    bookingId: text('booking_id').primaryKey(),
    orgId: text('org_id').notNull(),
    holdId: text('hold_id').notNull(),
    /** completed | cancelled_refundable | cancelled_forfeited */
    outcome: text('outcome').notNull(),
    /** The lesson's share of the hold (released to tutor/platform, or marked refundable). */
    shareMinor: money('share_minor').notNull(),
    /** Platform commission taken (0 unless released). */
    commissionMinor: money('commission_minor').notNull().default(0),
    /** The ledger transaction that released it (null when no money moved). */
    transactionId: text('transaction_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('escrow_lessons_hold_idx').on(t.holdId)],
)

/** A payout to a payee for a period. */
export const payouts = commerce.table(
  'payouts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    payeeUserId: text('payee_user_id').notNull(),
    currency: text('currency').notNull(),
    amountMinor: money('amount_minor').notNull(),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref'),
    /** pending | in_transit | paid | failed */
    status: text('status').notNull(),
    periodStart: ts('period_start').notNull(),
    periodEnd: ts('period_end').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    paidAt: ts('paid_at'),
  },
  (t) => [
    index('payouts_payee_idx').on(t.orgId, t.payeeUserId, t.createdAt),
    uniqueIndex('payouts_period_key').on(t.orgId, t.payeeUserId, t.currency, t.periodEnd),
  ],
)

/** Where a payee receives payouts (a Stripe Connect account, a Stellar address, sandbox). */
export const payoutAccounts = commerce.table(
  'payout_accounts',
  {
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    provider: text('provider').notNull(),
    providerAccountRef: text('provider_account_ref').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
)

/** Hours taught per tutor (tiered commission input), kept from tutoring.lesson.completed. */
export const tutorTeachingTotals = commerce.table(
  'tutor_teaching_totals',
  {
    orgId: text('org_id').notNull(),
    tutorId: text('tutor_id').notNull(),
    minutesTaught: integer('minutes_taught').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.tutorId] })],
)

// ---------------------------------------------------------------------------------------------
// Invoices (invoices area)
// ---------------------------------------------------------------------------------------------

/** One line of an invoice or credit note, with the tax included in its amount. */
export interface InvoiceLine {
  orderItemId: string
  title: string
  productType: string
  quantity: number
  /** Tax-inclusive amount the customer paid for this line (credit notes: amount credited). */
  amountMinor: number
  /** Tax included in amountMinor. */
  taxMinor: number
  /** amountMinor − taxMinor. */
  netMinor: number
}

/** Gapless counters: one row per (org, kind, year); `next` is the next number to hand out. */
export const invoiceCounters = commerce.table(
  'invoice_counters',
  {
    orgId: text('org_id').notNull(),
    /** invoice | credit_note */
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    next: integer('next').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.kind, t.year] })],
)

/** An invoice (one per paid order) or a credit note (one per refund), numbered without gaps per org. */
export const invoices = commerce.table(
  'invoices',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** invoice | credit_note */
    kind: text('kind').notNull(),
    orderId: text('order_id').notNull(),
    /** Credit notes: the refund they document; null for invoices. */
    refundId: text('refund_id'),
    /** Credit notes: the invoice they credit; null for invoices. */
    invoiceId: text('invoice_id'),
    userId: text('user_id').notNull(),
    number: text('number').notNull(),
    year: integer('year').notNull(),
    sequence: integer('sequence').notNull(),
    currency: text('currency').notNull(),
    subtotalMinor: money('subtotal_minor').notNull(),
    taxMinor: money('tax_minor').notNull(),
    totalMinor: money('total_minor').notNull(),
    taxRateBasisPoints: integer('tax_rate_basis_points').notNull(),
    taxLabel: text('tax_label').notNull(),
    issuerName: text('issuer_name').notNull(),
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    /** issued | credited (an invoice fully credited by credit notes) */
    status: text('status').notNull(),
    issuedAt: ts('issued_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('invoices_number_key').on(t.orgId, t.number),
    uniqueIndex('invoices_sequence_key').on(t.orgId, t.kind, t.year, t.sequence),
    uniqueIndex('invoices_order_key')
      .on(t.orderId)
      .where(sql`kind = 'invoice'`),
    uniqueIndex('invoices_refund_key')
      .on(t.refundId)
      .where(sql`kind = 'credit_note'`),
    index('invoices_user_idx').on(t.orgId, t.userId, t.issuedAt, t.id),
    index('invoices_org_idx').on(t.orgId, t.issuedAt, t.id),
  ],
)

// ---------------------------------------------------------------------------------------------
// Subscriptions (subscriptions area)
// ---------------------------------------------------------------------------------------------

/** What a plan grants in learning: every course of the org, or a list of course ids. */
export type PlanEntitlement = { scope: 'all_courses' } | { scope: 'courses'; courseIds: string[] }

/** What an org admin set a subscription_plan product to grant (absent = every course of the org). */
export const planEntitlements = commerce.table('plan_entitlements', {
  /** The subscription_plan product (`prd_...`). */
  productId: text('product_id').primaryKey(),
  orgId: text('org_id').notNull(),
  entitlement: jsonb('entitlement').$type<PlanEntitlement>().notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** A customer's subscription to a plan price, created `incomplete` by checkout. */
export const subscriptions = commerce.table(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    productId: text('product_id').notNull(),
    /** The plan id (the product's ref). */
    planRef: text('plan_ref').notNull(),
    /** The price subscribed to: renewals charge its amount, currency and interval. */
    priceId: text('price_id').notNull(),
    title: text('title').notNull(),
    currency: text('currency').notNull(),
    unitAmountMinor: money('unit_amount_minor').notNull(),
    /** month | year */
    interval: text('interval').notNull(),
    /** incomplete | trialing | active | past_due | cancelled */
    status: text('status').notNull(),
    /** The checkout order that started it. */
    orderId: text('order_id').notNull(),
    /** Trial length granted at checkout (0 = none). */
    trialDays: integer('trial_days').notNull().default(0),
    trialEnd: ts('trial_end'),
    /** Periods are anchored here (the first paid period's start): period n ends at anchor + n intervals. */
    billingAnchor: ts('billing_anchor'),
    /** Paid periods so far (the trial is not one). */
    periodsPaid: integer('periods_paid').notNull().default(0),
    currentPeriodStart: ts('current_period_start'),
    currentPeriodEnd: ts('current_period_end'),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** Failed renewal attempts for the current period end (0 when not past due). */
    failedAttempts: integer('failed_attempts').notNull().default(0),
    /** When the next renewal retry is due (past_due only). */
    nextAttemptAt: ts('next_attempt_at'),
    /** The provider's payment-method reference for renewals (sandbox `pm_sandbox_*`, Stripe `pm_…`); never card data. */
    paymentMethodRef: text('payment_method_ref').notNull(),
    /** period_end | admin | payment_failed | refunded | incomplete_expired */
    cancelReason: text('cancel_reason'),
    cancelledAt: ts('cancelled_at'),
    /** When access ends (cancelled subscriptions). */
    endedAt: ts('ended_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('subscriptions_user_idx').on(t.orgId, t.userId, t.id),
    index('subscriptions_order_idx').on(t.orderId),
    index('subscriptions_due_idx')
      .on(t.currentPeriodEnd)
      .where(sql`status in ('trialing', 'active', 'past_due')`),
    uniqueIndex('subscriptions_live_key')
      .on(t.orgId, t.userId, t.productId)
      .where(sql`status in ('trialing', 'active', 'past_due')`),
  ],
)

/** One renewal attempt of a subscription period: (subscription, period, attempt) is unique, so a period is charged once. */
export const subscriptionCharges = commerce.table(
  'subscription_charges',
  {
    id: text('id').primaryKey(),
    subscriptionId: text('subscription_id').notNull(),
    orgId: text('org_id').notNull(),
    /** Start of the period this charge pays for (the previous period's end). */
    periodStart: ts('period_start').notNull(),
    periodEnd: ts('period_end').notNull(),
    /** 1 for the first attempt at the period end, then one per retry. */
    attempt: integer('attempt').notNull(),
    /** The renewal order (and its payment; none for a free plan price) this attempt created. */
    orderId: text('order_id').notNull(),
    paymentId: text('payment_id'),
    amountMinor: money('amount_minor').notNull(),
    /** pending | succeeded | failed */
    status: text('status').notNull(),
    failureCode: text('failure_code'),
    /** The charge run holding this attempt's provider call (its token); null when free. */
    claimedBy: text('claimed_by'),
    /** The claim lapses then (a run that died frees it). */
    claimedUntil: ts('claimed_until'),
    /** Provider calls that got no answer so far; none is made once it reaches RENEWAL_CALLS.maxAttempts. */
    callAttempts: integer('call_attempts').notNull().default(0),
    /** The provider is not asked again before this time (back-off after a call without answer). */
    nextCallAt: ts('next_call_at').notNull().defaultNow(),
    /** The last failed call's type, code and HTTP status (never the message or a key). */
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('subscription_charges_attempt_key').on(t.subscriptionId, t.periodStart, t.attempt),
    uniqueIndex('subscription_charges_order_key').on(t.orderId),
    uniqueIndex('subscription_charges_paid_key')
      .on(t.subscriptionId, t.periodStart)
      .where(sql`status = 'succeeded'`),
  ],
)

// ---------------------------------------------------------------------------------------------
// Needs attention (admin): what the jobs gave up on, and what people did about it
// ---------------------------------------------------------------------------------------------

/**
 * Audit of the actions taken on "needs attention" items (attention/): `retry` (the job's attempts
 * reset) and `resolve` (settled by a person, with a note). An item is identified by its kind and
 * the id of the row it stands for (refund, renewal attempt, order of a card expiry); a resolved
 * item leaves the list, and is resolved once (partial unique index).
 */
export const attentionActions = commerce.table(
  'attention_actions',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** refund_failed | refund_unsent | renewal_charge | card_expiry */
    kind: text('kind').notNull(),
    itemId: text('item_id').notNull(),
    /** retry | resolve */
    action: text('action').notNull(),
    /** What the person did (resolve); null for a retry. */
    note: text('note'),
    /** Who (user id) and when. */
    actorId: text('actor_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('attention_actions_item_idx').on(t.kind, t.itemId),
    uniqueIndex('attention_actions_resolved_key')
      .on(t.kind, t.itemId)
      .where(sql`action = 'resolve'`),
  ],
)
