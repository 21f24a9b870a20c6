import { and, eq, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { newId, txQuery, type Logger, type RawStatement, type Tx } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import { invoices, orderItems, orders, refunds, type InvoiceLine } from '../db/schema.ts'
import { PREFIX, taxLines, type DocumentKind, type GrossLine } from './tax.ts'

/** An invoice or credit note row. */
export type InvoiceRow = typeof invoices.$inferSelect

/** The seller printed on invoices. */
export const ISSUER_NAME = 'learnmesh'

interface NewDocument {
  orgId: string
  kind: DocumentKind
  orderId: string
  userId: string
  currency: string
  refundId?: string
  invoiceId?: string
  lines: GrossLine[]
}

/**
 * The number and the document in ONE statement (the counter upsert as a CTE): the counter row's
 * lock is taken by the statement that also inserts, so it is held only until the commit that follows
 * (every invoice of an org queues on that row), and one round trip is saved. The number is formatted
 * as `formatNumber` does (`INV-2026-000123`, more digits past 999999). Nothing is numbered or
 * inserted when the order's invoice (the refund's credit note) exists: the caller holds the order's
 * lock, and this statement's snapshot, taken after that lock was granted, sees a document another
 * transaction committed while it waited.
 *
 * One statement per kind, with the kind and its key written into the existence check: a prepared
 * statement is planned for any parameters after a few runs (PostgreSQL's generic plan), and a check
 * on `kind = $3` with a `case` on it could use neither partial unique index (`invoices_order_key`,
 * `invoices_refund_key`): every invoice scanned the org's invoices while holding the counter's lock,
 * and issuing slowed down as invoices accumulated (checkout-latency went from a p99 of ~150 ms to
 * ~900 ms within 20 s). `invoices.postgres.test.ts` checks the generic plans use the indexes.
 */
function documentStatement(kind: DocumentKind): RawStatement {
  const exists =
    kind === 'invoice'
      ? `d.kind = 'invoice' and d.order_id = $4 and d.org_id = $2`
      : `d.kind = 'credit_note' and d.refund_id = $5 and d.org_id = $2`
  return {
    name: kind === 'invoice' ? 'commerce_invoice_insert' : 'commerce_credit_note_insert',
    text: `with c as (
    insert into commerce.invoice_counters as ic (org_id, kind, year, next)
    select $2, $3, $9::int, 2
    where not exists (select 1 from commerce.invoices d where ${exists})
    on conflict (org_id, kind, year) do update set next = ic.next + 1
    returning ic.next - 1 as seq
  )
  insert into commerce.invoices (id, org_id, kind, order_id, refund_id, invoice_id, user_id, number, year,
    sequence, currency, subtotal_minor, tax_minor, total_minor, tax_rate_basis_points, tax_label, issuer_name,
    lines, status, issued_at)
  select $1, $2, $3, $4, $5, $6, $7,
    $8 || '-' || $9::int::text || '-' || (case when c.seq >= 1000000 then c.seq::text else lpad(c.seq::text, 6, '0') end),
    $9::int, c.seq, $10, $11::bigint, $12::bigint, $13::bigint, $14::int, $15, $16, $17::jsonb, 'issued',
    $18::timestamptz
  from c
  returning sequence, number`,
  }
}
/** The statements issuing an invoice and a credit note (exported for the plan check in tests). */
export const documentStatements = {
  invoice: documentStatement('invoice'),
  credit_note: documentStatement('credit_note'),
}

async function insertDocument(tx: Tx, config: CommerceConfig, doc: NewDocument): Promise<InvoiceRow> {
  const made = await insertNewDocument(tx, config, doc)
  if (made) return made
  // Issued meanwhile by a transaction that held the order before us: that one stands.
  const [existing] = await tx
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.orgId, doc.orgId),
        eq(invoices.kind, doc.kind),
        doc.kind === 'invoice'
          ? eq(invoices.orderId, doc.orderId)
          : eq(invoices.refundId, doc.refundId ?? ''),
      ),
    )
  return existing!
}

async function insertNewDocument(
  tx: Tx,
  config: CommerceConfig,
  doc: NewDocument,
): Promise<InvoiceRow | undefined> {
  const issuedAt = new Date()
  const year = issuedAt.getUTCFullYear()
  const bp = config.INVOICE_TAX_RATE_BASIS_POINTS
  const taxed = taxLines(doc.lines, bp)
  const id = newId(doc.kind === 'invoice' ? 'inv' : 'crn')
  const lines = taxed.lines satisfies InvoiceLine[]
  const [made] = await txQuery<{ sequence: number; number: string }>(tx, documentStatements[doc.kind], [
    id,
    doc.orgId,
    doc.kind,
    doc.orderId,
    doc.refundId ?? null,
    doc.invoiceId ?? null,
    doc.userId,
    PREFIX[doc.kind],
    year,
    doc.currency,
    taxed.subtotalMinor,
    taxed.taxMinor,
    taxed.totalMinor,
    bp,
    config.INVOICE_TAX_LABEL,
    ISSUER_NAME,
    JSON.stringify(lines),
    issuedAt.toISOString(),
  ])
  if (!made) return undefined
  return {
    id,
    orgId: doc.orgId,
    kind: doc.kind,
    orderId: doc.orderId,
    refundId: doc.refundId ?? null,
    invoiceId: doc.invoiceId ?? null,
    userId: doc.userId,
    number: made.number,
    year,
    sequence: Number(made.sequence),
    currency: doc.currency,
    subtotalMinor: taxed.subtotalMinor,
    taxMinor: taxed.taxMinor,
    totalMinor: taxed.totalMinor,
    taxRateBasisPoints: bp,
    taxLabel: config.INVOICE_TAX_LABEL,
    issuerName: ISSUER_NAME,
    lines,
    status: 'issued',
    issuedAt,
  }
}

/**
 * The invoice of a paid order, issued once: the order row is locked first so duplicate deliveries
 * queue, then an existing invoice is returned as is. Zero-total orders get an invoice too (a record
 * of every sale). Returns null when the order does not exist in that organization or is unpaid.
 */
export async function issueInvoiceForOrder(
  tx: Tx,
  config: CommerceConfig,
  orgId: string,
  orderId: string,
  log?: Logger,
): Promise<InvoiceRow | null> {
  // The order locked (duplicate deliveries queue), its invoice if issued, and its lines: one statement.
  // (FOR UPDATE OF takes an unqualified name, hence the alias.)
  const o = alias(orders, 'o')
  const [found] = await tx
    .select({
      order: o,
      existing: invoices,
      items: sql<
        { id: string; title: string; productType: string; quantity: number; amountMinor: number }[]
      >`(
        select coalesce(jsonb_agg(jsonb_build_object('id', i.id, 'title', i.title, 'productType', i.product_type,
          'quantity', i.quantity, 'amountMinor', i.amount_minor) order by i.id), '[]'::jsonb)
        from ${orderItems} i where i.order_id = ${o.id} and i.org_id = ${o.orgId})`,
    })
    .from(o)
    .leftJoin(
      invoices,
      and(eq(invoices.orderId, o.id), eq(invoices.orgId, o.orgId), eq(invoices.kind, 'invoice')),
    )
    .where(and(eq(o.id, orderId), eq(o.orgId, orgId)))
    .for('update', { of: o })
  const order = found?.order
  if (!order) {
    log?.warn({ orderId }, 'invoice: order not found in its organization; ignored')
    return null
  }
  if (!order.paidAt) {
    log?.warn({ orderId, status: order.status }, 'invoice: order was never paid; ignored')
    return null
  }
  if (found.existing) return found.existing
  const items = found.items
  const lines: GrossLine[] = items.map((i) => ({
    orderItemId: i.id,
    title: i.title,
    productType: i.productType,
    quantity: i.quantity,
    amountMinor: i.amountMinor,
  }))
  const sum = lines.reduce((s, l) => s + l.amountMinor, 0)
  if (sum !== order.totalMinor) {
    // Order-level amounts not carried by lines (none today): shown as one adjustment line so the
    // invoice total always equals what was charged.
    lines.push({
      orderItemId: '',
      title: 'Adjustment',
      productType: 'adjustment',
      quantity: 1,
      amountMinor: order.totalMinor - sum,
    })
    log?.warn({ orderId, lines: sum, total: order.totalMinor }, 'invoice: order lines differ from total')
  }
  return insertDocument(tx, config, {
    orgId,
    kind: 'invoice',
    orderId,
    userId: order.userId,
    currency: order.currency,
    lines,
  })
}

/**
 * The credit note of a refund, issued once, referencing the order's invoice (issued first if it
 * is missing). Lines are the refund's lines; the invoice becomes `credited` when its credit notes
 * add up to its total.
 */
export async function issueCreditNoteForRefund(
  tx: Tx,
  config: CommerceConfig,
  orgId: string,
  refundId: string,
  log?: Logger,
): Promise<InvoiceRow | null> {
  const [refund] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.id, refundId), eq(refunds.orgId, orgId)))
  if (!refund) {
    log?.warn({ refundId }, 'credit note: refund not found in its organization; ignored')
    return null
  }
  if (refund.status !== 'succeeded') {
    log?.warn({ refundId, status: refund.status }, 'credit note: refund did not succeed; ignored')
    return null
  }
  const invoice = await issueInvoiceForOrder(tx, config, orgId, refund.orderId, log)
  if (!invoice) return null
  const [existing] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.refundId, refundId), eq(invoices.orgId, orgId), eq(invoices.kind, 'credit_note')))
  if (existing) return existing
  const byItem = new Map(invoice.lines.map((l) => [l.orderItemId, l]))
  let lines: GrossLine[] = refund.items
    .filter((i) => i.amountMinor > 0)
    .map((i) => {
      const l = byItem.get(i.orderItemId)
      return {
        orderItemId: i.orderItemId,
        title: l?.title ?? 'Refund',
        productType: l?.productType ?? 'refund',
        quantity: l?.quantity ?? 1,
        amountMinor: i.amountMinor,
      }
    })
  const sum = lines.reduce((s, l) => s + l.amountMinor, 0)
  if (sum !== refund.amountMinor) {
    lines = [
      ...lines,
      {
        orderItemId: '',
        title: 'Refund',
        productType: 'refund',
        quantity: 1,
        amountMinor: refund.amountMinor - sum,
      },
    ]
  }
  const note = await insertDocument(tx, config, {
    orgId,
    kind: 'credit_note',
    orderId: refund.orderId,
    userId: invoice.userId,
    currency: invoice.currency,
    refundId,
    invoiceId: invoice.id,
    lines: lines.filter((l) => l.amountMinor !== 0),
  })
  const [credited] = await tx
    .select({ total: sql<string>`coalesce(sum(${invoices.totalMinor}), 0)` })
    .from(invoices)
    .where(
      and(eq(invoices.invoiceId, invoice.id), eq(invoices.orgId, orgId), eq(invoices.kind, 'credit_note')),
    )
  if (Number(credited!.total) >= invoice.totalMinor) {
    await tx
      .update(invoices)
      .set({ status: 'credited' })
      .where(and(eq(invoices.id, invoice.id), eq(invoices.orgId, orgId)))
  }
  return note
}
