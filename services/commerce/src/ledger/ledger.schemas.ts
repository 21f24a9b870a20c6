import { Type } from '@learnmesh/kernel'

const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code.' })
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (1–100).' })

/** A payee's money in one currency. */
export const EarningsBalanceSchema = Type.Object({
  /** ISO 4217 currency. */
  currency: Type.String(),
  /** Earned and not yet paid out (payable balance; negative after clawbacks, netted against future earnings). */
  availableMinor: Type.Integer(),
  /** Paid by learners and still held in escrow until lessons are delivered. */
  pendingEscrowMinor: Type.Integer(),
})

/** GET /earnings/me. */
export const EarningsResponse = Type.Object({
  /** The caller's user id. */
  payeeUserId: Type.String(),
  /** One entry per currency the caller has earned in. */
  balances: Type.Array(EarningsBalanceSchema),
  /** PAYOUT_MINIMUM_MINOR: an available balance below it is not paid out (by the run or on request). */
  payoutMinimumMinor: Type.Integer(),
})

/** One movement on the caller's payable or escrow account. */
export const EarningsEntrySchema = Type.Object({
  /** Entry id (also the pagination cursor). */
  id: Type.String(),
  /** The ledger transaction it belongs to. */
  transactionId: Type.String(),
  /** payment_captured | refund | escrow_release | payout | payout_settled | payout_failed. */
  transactionKind: Type.String(),
  /** What the transaction is about: the payment (`pay_…`), refund (`rfd_…`), booking (`bkg_…`) or payout (`pyt_…`) id. */
  transactionRef: Type.String(),
  /** `payable` (your earnings) or `escrow` (held for your lessons). */
  account: Type.String(),
  /** From the payee's point of view: positive adds to the account, negative takes from it. */
  amountMinor: Type.Integer(),
  /** ISO 4217 currency. */
  currency: Type.String(),
  /** What the movement is, for a person: names the line's title, never an id ("Course sale (Intro to Rust): your 80% share"). */
  description: Type.String(),
  /** What the transaction as a whole is, for a person (no ids either). */
  transactionDescription: Type.String(),
  /** The order the movement comes from (`ord_…`); null for payouts. */
  orderId: Type.Union([Type.String(), Type.Null()]),
  /** The order line it posts (`oit_…`); null for payouts. */
  orderItemId: Type.Union([Type.String(), Type.Null()]),
  /** That line's title (the course, lesson or package sold); null for payouts. */
  itemTitle: Type.Union([Type.String(), Type.Null()]),
  /** When it was posted (ISO 8601). */
  createdAt: Type.String({ format: 'date-time' }),
})

/** GET /earnings/me/entries query. */
export const EntriesQuery = Type.Object(
  {
    /** Page size. */
    limit: Limit,
    /** Cursor: the `nextCursor` of the previous page. */
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Cursor from nextCursor.' })),
    /** Only this currency. */
    currency: Type.Optional(Currency),
  },
  { additionalProperties: false },
)

/** GET /earnings/me/entries. */
export const EntriesResponse = Type.Object({
  /** Newest first. */
  items: Type.Array(EarningsEntrySchema),
  /** Cursor for the next (older) page, or null at the end. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

/** A payout. */
export const PayoutSchema = Type.Object({
  /** Payout id (`pyo_...`). */
  id: Type.String(),
  /** Who was paid. */
  payeeUserId: Type.String(),
  /** ISO 4217 currency. */
  currency: Type.String(),
  /** Amount paid, minor units. */
  amountMinor: Type.Integer(),
  /** Payout rail (`sandbox`). */
  provider: Type.String(),
  /** The provider's reference. */
  providerRef: Type.Union([Type.String(), Type.Null()]),
  /** pending (reserved, not yet confirmed by the rail) | paid | failed. */
  status: Type.String(),
  /** Start of the period (the previous payout's end, or the account's opening). */
  periodStart: Type.String({ format: 'date-time' }),
  /** End of the period. */
  periodEnd: Type.String({ format: 'date-time' }),
  /** When it was created. */
  createdAt: Type.String({ format: 'date-time' }),
  /** When the provider confirmed it. */
  paidAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

/** Cursor pagination of payouts. */
export const PayoutsQuery = Type.Object(
  {
    /** Page size. */
    limit: Limit,
    /** Cursor: the `nextCursor` of the previous page. */
    after: Type.Optional(
      Type.String({ pattern: '^pyo_[0-9a-f]{32}$', description: 'Cursor from nextCursor.' }),
    ),
  },
  { additionalProperties: false },
)

/** Admin list of payouts. */
export const AdminPayoutsQuery = Type.Object(
  {
    /** Page size. */
    limit: Limit,
    /** Cursor: the `nextCursor` of the previous page. */
    after: Type.Optional(
      Type.String({ pattern: '^pyo_[0-9a-f]{32}$', description: 'Cursor from nextCursor.' }),
    ),
    /** Only this payee's payouts. */
    payeeUserId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
)

/** A page of payouts. */
export const PayoutsResponse = Type.Object({
  /** Newest first. */
  items: Type.Array(PayoutSchema),
  /** Cursor for the next (older) page, or null at the end. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

/** POST /ledger/payouts/run body. */
export const RunPayoutsBody = Type.Object(
  {
    /** End of the period (default: now); must not be in the future. Unique per payee and currency. */
    periodEnd: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
)

/** POST /ledger/payouts/run response. */
export const RunPayoutsResponse = Type.Object({
  /** End of the period that was run. */
  periodEnd: Type.String({ format: 'date-time' }),
  /** Payouts created by this run (empty when nothing was due or the period was already paid). */
  payouts: Type.Array(PayoutSchema),
})

/** POST /earnings/me/payouts body: an empty object (the caller is the payee; nothing to choose). */
export const RequestPayoutBody = Type.Object({}, { additionalProperties: false })

/** An account with its balance. */
export const AccountSchema = Type.Object({
  /** Account id (`lac_...`). */
  id: Type.String(),
  /** Chart-of-accounts kind (docs/ledger.md). */
  kind: Type.String(),
  /** The user it belongs to, '' for platform accounts. */
  ownerId: Type.String(),
  /** ISO 4217 currency. */
  currency: Type.String(),
  /** Derived balance, debit-positive (credit balances are negative). */
  balanceMinor: Type.Integer(),
})

/** GET /ledger/accounts query. */
export const AccountsQuery = Type.Object(
  {
    /** Page size. */
    limit: Limit,
    /** Cursor: the `nextCursor` of the previous page. */
    after: Type.Optional(
      Type.String({ pattern: '^lac_[0-9a-f]{32}$', description: 'Cursor from nextCursor.' }),
    ),
    /** Only this kind. */
    kind: Type.Optional(
      Type.Union(
        [
          'customer',
          'provider_clearing',
          'escrow',
          'payable',
          'platform_revenue',
          'provider_fees',
          'refunds',
          'payouts_in_transit',
          'tax_payable',
        ].map((k) => Type.Literal(k)),
      ),
    ),
    /** Only this currency. */
    currency: Type.Optional(Currency),
    /** Only this owner's accounts. */
    ownerId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

/** GET /ledger/accounts. */
export const AccountsResponse = Type.Object({
  /** By id. */
  items: Type.Array(AccountSchema),
  /** Cursor for the next page, or null at the end. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

/** GET /ledger/trial-balance. */
export const TrialBalanceResponse = Type.Object({
  /** True when every currency sums to 0 and no transaction is unbalanced. */
  balanced: Type.Boolean(),
  /** Per currency: total debits, total credits and their signed sum (must be 0). */
  totals: Type.Array(
    Type.Object({
      /** ISO 4217 currency. */
      currency: Type.String(),
      /** Sum of debits (positive entries). */
      debitsMinor: Type.Integer(),
      /** Sum of credits (negative entries), as a positive number. */
      creditsMinor: Type.Integer(),
      /** debits − credits: 0 in a sound ledger. */
      sumMinor: Type.Integer(),
    }),
  ),
  /** Balance per account kind and currency (debit-positive). */
  byKind: Type.Array(
    Type.Object({
      /** Account kind. */
      kind: Type.String(),
      /** ISO 4217 currency. */
      currency: Type.String(),
      /** Balance, debit-positive. */
      balanceMinor: Type.Integer(),
    }),
  ),
  /** Transactions whose entries do not sum to 0 (must be 0). */
  unbalancedTransactions: Type.Integer(),
})

/** Path with a transaction id. */
export const TransactionParams = Type.Object(
  {
    /** Ledger transaction id. */
    transactionId: Type.String({ pattern: '^ltx_[0-9a-f]{32}$' }),
  },
  { additionalProperties: false },
)

/** A transaction with its entries. */
export const TransactionSchema = Type.Object({
  /** Transaction id (`ltx_...`). */
  id: Type.String(),
  /** payment_captured | refund | escrow_release | payout | payout_settled | payout_failed. */
  kind: Type.String(),
  /** What it posts (payment, refund, booking or payout id). */
  ref: Type.String(),
  /** For people. */
  description: Type.String(),
  /** When it was posted. */
  createdAt: Type.String({ format: 'date-time' }),
  /** Signed sum of the entries (always 0). */
  sumMinor: Type.Integer(),
  /** Its legs. */
  entries: Type.Array(
    Type.Object({
      /** Entry id. */
      id: Type.String(),
      /** Account id. */
      accountId: Type.String(),
      /** Account kind. */
      accountKind: Type.String(),
      /** Account owner ('' for platform accounts). */
      ownerId: Type.String(),
      /** Debit-positive amount. */
      amountMinor: Type.Integer(),
      /** ISO 4217 currency. */
      currency: Type.String(),
      /** What the leg is. */
      memo: Type.String(),
      /** The payee whose sale it concerns. */
      payeeUserId: Type.Union([Type.String(), Type.Null()]),
      /** The order line it posts. */
      orderItemId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
})

/** Path with a year. */
export const YearParams = Type.Object(
  {
    /** Calendar year (UTC). */
    year: Type.Integer({ minimum: 2000, maximum: 2100 }),
  },
  { additionalProperties: false },
)

/** Statement query. */
export const StatementQuery = Type.Object(
  {
    /** json (default), csv or pdf. */
    format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('pdf')], { default: 'json' }),
    /** Another payee's statement (org admins only); default the caller. */
    payeeUserId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
)

const LineSchema = Type.Object({
  /** `YYYY-MM` or `total`. */
  period: Type.String(),
  /** ISO 4217 currency. */
  currency: Type.String(),
  /** Sales delivered (payee share + commission). */
  grossMinor: Type.Integer(),
  /** Platform commission. */
  commissionMinor: Type.Integer(),
  /** Refunds clawed back from earnings. */
  refundsMinor: Type.Integer(),
  /** gross − commission − refunds. */
  netMinor: Type.Integer(),
  /** Paid out. */
  payoutsMinor: Type.Integer(),
})

/** An annual earnings statement (JSON form; also CSV and PDF). */
export const StatementSchema = Type.Object({
  /** Organization. */
  orgId: Type.String(),
  /** Payee. */
  payeeUserId: Type.String(),
  /** Calendar year (UTC). */
  year: Type.Integer(),
  /** One section per currency. */
  currencies: Type.Array(
    Type.Object({
      /** ISO 4217 currency. */
      currency: Type.String(),
      /** Owed to the payee on 1 January. */
      openingBalanceMinor: Type.Integer(),
      /** Owed to the payee on 31 December. */
      closingBalanceMinor: Type.Integer(),
      /** January to December. */
      months: Type.Array(LineSchema),
      /** The year. */
      total: LineSchema,
    }),
  ),
})
