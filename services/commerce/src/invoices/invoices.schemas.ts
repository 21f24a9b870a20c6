import { Type } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** An invoice or credit note id: `inv_…` or `crn_…`. */
const DocumentId = Type.String({
  pattern: '^(inv|crn)_[0-9a-f]{32}$',
  description: 'Invoice or credit note id',
})

/** A line with the tax included in its amount. */
const InvoiceLineSchema = Type.Object({
  /** The order line it documents (empty for an adjustment line). */
  orderItemId: Type.String(),
  /** Title at checkout. */
  title: Type.String(),
  /** course | tutoring_lesson | tutoring_package | subscription_plan | adjustment | refund. */
  productType: Type.String(),
  /** Units. */
  quantity: Type.Integer(),
  /** Amount, tax included (minor units). */
  amountMinor: Type.Integer(),
  /** Tax included in amountMinor. */
  taxMinor: Type.Integer(),
  /** amountMinor − taxMinor. */
  netMinor: Type.Integer(),
})

/** An invoice (one per paid order) or a credit note (one per refund). */
export const InvoiceSchema = Type.Object({
  /** Id (`inv_…` for invoices, `crn_…` for credit notes). */
  id: Type.String(),
  /** invoice | credit_note. */
  kind: Type.String(),
  /** `INV-2026-000123` / `CN-2026-000007`: gapless per organization, kind and year. */
  number: Type.String(),
  /** Position in its (organization, kind, year) sequence, from 1. */
  sequence: Type.Integer(),
  /** Order documented. */
  orderId: Type.String(),
  /** Credit notes: the invoice credited. */
  invoiceId: Nullable(Type.String()),
  /** Credit notes: the refund documented. */
  refundId: Nullable(Type.String()),
  /** Buyer. */
  userId: Type.String(),
  /** Seller's name. */
  issuerName: Type.String(),
  /** ISO currency. */
  currency: Type.String(),
  /** Total without tax (total − tax). */
  subtotalMinor: Type.Integer(),
  /** Tax included (sum of the lines' tax). */
  taxMinor: Type.Integer(),
  /** Total, tax included (sum of the lines). */
  totalMinor: Type.Integer(),
  /** Tax rate used, in basis points (2000 = 20%). */
  taxRateBasisPoints: Type.Integer(),
  /** Name of the tax (VAT, GST...). */
  taxLabel: Type.String(),
  /** issued | credited. */
  status: Type.String(),
  /** When it was issued. */
  issuedAt: Type.String({ format: 'date-time' }),
  /** Lines. */
  lines: Type.Array(InvoiceLineSchema),
})

/** A page of invoices. */
export const InvoiceListSchema = Type.Object({
  /** Newest first. */
  items: Type.Array(InvoiceSchema),
  /** Cursor of the next page. */
  nextCursor: Nullable(Type.String()),
})

/** Path with an invoice id. */
export const InvoiceParams = Type.Object(
  {
    /** Invoice or credit note id. */
    invoiceId: DocumentId,
  },
  { additionalProperties: false },
)

/** GET /invoices/mine. */
export const MyInvoicesQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** nextCursor of the previous page. */
    after: Type.Optional(DocumentId),
  },
  { additionalProperties: false },
)

/** GET /invoices (org admins). */
export const OrgInvoicesQuery = Type.Object(
  {
    /** Only this kind. */
    kind: Type.Optional(Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')])),
    /** Only this status. */
    status: Type.Optional(Type.Union([Type.Literal('issued'), Type.Literal('credited')])),
    /** Only this buyer. */
    userId: Type.Optional(Type.String({ maxLength: 64 })),
    /** Only this order. */
    orderId: Type.Optional(Type.String({ maxLength: 64 })),
    /** Issued at or after. */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** Issued before. */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    /** nextCursor of the previous page. */
    after: Type.Optional(DocumentId),
  },
  { additionalProperties: false },
)
