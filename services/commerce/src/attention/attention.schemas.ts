import { Type } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const DateTime = Type.String({ format: 'date-time' })

/** What needs a person, by where it comes from. */
export const AttentionKindSchema = Type.Union(
  [
    Type.Literal('refund_failed'),
    Type.Literal('refund_unsent'),
    Type.Literal('renewal_charge'),
    Type.Literal('card_expiry'),
  ],
  {
    description:
      '`refund_failed`: a refund the provider refused, automatic or asked for (nothing refunded); `refund_unsent`: a refund never answered and past the 20 h re-send window; `renewal_charge`: a renewal payment whose provider calls gave up (8 without an answer); `card_expiry`: an abandoned card payment the provider could not cancel (8 tries).',
  },
)

/** One item waiting for a person. */
export const AttentionItemSchema = Type.Object({
  kind: AttentionKindSchema,
  /** The row it stands for: refund id (`ref_…`), renewal attempt id (`sch_…`), or the order id of a card expiry. */
  id: Type.String(),
  /** The organization it belongs to. */
  orgId: Type.String(),
  /** The refund, the renewal charge, or the open order's total. */
  amountMinor: Type.Integer(),
  currency: Type.String(),
  orderId: Type.String(),
  /** The subscription of a renewal charge. */
  subscriptionId: Nullable(Type.String()),
  /** Provider calls that failed (null for refunds). */
  attempts: Nullable(Type.Integer()),
  /** The last failure: the provider's failure code, or error type:code (HTTP status). Never a message or a key. */
  lastError: Nullable(Type.String()),
  /** A refund's reason. */
  reason: Nullable(Type.String()),
  /** Waiting since (the row's creation; a card expiry's last attempt). */
  since: DateTime,
  /** Whether POST …/retry applies (renewal charges and card expiries). */
  retryable: Type.Boolean(),
})

/** GET /admin/attention. */
export const AttentionQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** Cursor from the previous page (`nextCursor`). */
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$' })),
    /** Only this kind. */
    kind: Type.Optional(AttentionKindSchema),
    /** Platform admins: only this organization (default: every one). Org admins: their own only. */
    orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
)

/** A page of items, oldest first. */
export const AttentionListSchema = Type.Object({
  items: Type.Array(AttentionItemSchema),
  nextCursor: Nullable(Type.String()),
})

/** Path of an item. */
export const AttentionParams = Type.Object({
  kind: AttentionKindSchema,
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z]+_[0-9a-f]{32}$' }),
})

/** POST /admin/attention/:kind/:id/resolve. */
export const ResolveBody = Type.Object(
  {
    /** What was done about it (kept with who and when). */
    note: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }),
  },
  { additionalProperties: false },
)

/** What an action did. */
export const AttentionActionSchema = Type.Object({
  kind: AttentionKindSchema,
  id: Type.String(),
  action: Type.Union([Type.Literal('retry'), Type.Literal('resolve')]),
  /** `queued`: the job tries again on its next run; `resolved`: settled by a person. */
  status: Type.Union([Type.Literal('queued'), Type.Literal('resolved')]),
  /** False when a repeated call changed nothing. */
  changed: Type.Boolean(),
  /** Who (user id) and when. For a resolve, the first one. */
  by: Type.String(),
  at: DateTime,
  note: Nullable(Type.String()),
})
