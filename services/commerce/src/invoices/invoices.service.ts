import { and, eq, sql } from 'drizzle-orm'
import { newId, type Logger, type Tx } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import { invoiceCounters, invoices, orderItems, orders, refunds, type InvoiceLine } from '../db/schema.ts'
import { formatNumber, taxLines, type DocumentKind, type GrossLine } from './tax.ts'

/** An invoice or credit note row. */
export type InvoiceRow = typeof invoices.$inferSelect

/** The seller printed on invoices. */
export const ISSUER_NAME = 'learnmesh'

/**
 * Hands out the next number of (org, kind, year) inside the caller's transaction. The upsert takes
 * the counter row's lock until commit, so concurrent issuers queue; a rollback undoes the increment,
 * so numbers never skip or repeat.
 */
export async function allocateSequence(
  tx: Tx,
  orgId: string,
  kind: DocumentKind,
  year: number,
): Promise<number> {
  const [row] = await tx
    .insert(invoiceCounters)
    .values({ orgId, kind, year, next: 2 })
    .onConflictDoUpdate({
      target: [invoiceCounters.orgId, invoiceCounters.kind, invoiceCounters.year],
      set: { next: sql`${invoiceCounters.next} + 1` },
    })
    .returning({ next: invoiceCounters.next })
  return row!.next - 1
}

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

async function insertDocument(tx: Tx, config: CommerceConfig, doc: NewDocument): Promise<InvoiceRow> {
  const issuedAt = new Date()
  const year = issuedAt.getUTCFullYear()
  const bp = config.INVOICE_TAX_RATE_BASIS_POINTS
  const taxed = taxLines(doc.lines, bp)
  const sequence = await allocateSequence(tx, doc.orgId, doc.kind, year)
  const [row] = await tx
    .insert(invoices)
    .values({
      id: newId(doc.kind === 'invoice' ? 'inv' : 'crn'),
      orgId: doc.orgId,
      kind: doc.kind,
      orderId: doc.orderId,
      refundId: doc.refundId ?? null,
      invoiceId: doc.invoiceId ?? null,
      userId: doc.userId,
      number: formatNumber(doc.kind, year, sequence),
      year,
      sequence,
      currency: doc.currency,
      subtotalMinor: taxed.subtotalMinor,
      taxMinor: taxed.taxMinor,
      totalMinor: taxed.totalMinor,
      taxRateBasisPoints: bp,
      taxLabel: config.INVOICE_TAX_LABEL,
      issuerName: ISSUER_NAME,
      lines: taxed.lines satisfies InvoiceLine[],
      status: 'issued',
      issuedAt,
    })
    .returning()
  return row!
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
  const [order] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.orgId, orgId)))
    .for('update')
  if (!order) {
    log?.warn({ orderId }, 'invoice: order not found in its organization; ignored')
    return null
  }
  if (!order.paidAt) {
    log?.warn({ orderId, status: order.status }, 'invoice: order was never paid; ignored')
    return null
  }
  const [existing] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.orderId, orderId), eq(invoices.orgId, orgId), eq(invoices.kind, 'invoice')))
  if (existing) return existing
  const items = await tx
    .select()
    .from(orderItems)
    .where(and(eq(orderItems.orderId, orderId), eq(orderItems.orgId, orgId)))
    .orderBy(orderItems.id)
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
