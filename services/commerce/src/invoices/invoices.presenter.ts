import type { InvoiceRow } from './invoices.service.ts'

/** The API view of an invoice or credit note. */
export function presentInvoice(r: InvoiceRow) {
  return {
    id: r.id,
    kind: r.kind,
    number: r.number,
    sequence: r.sequence,
    orderId: r.orderId,
    invoiceId: r.invoiceId,
    refundId: r.refundId,
    userId: r.userId,
    issuerName: r.issuerName,
    currency: r.currency,
    subtotalMinor: r.subtotalMinor,
    taxMinor: r.taxMinor,
    totalMinor: r.totalMinor,
    taxRateBasisPoints: r.taxRateBasisPoints,
    taxLabel: r.taxLabel,
    status: r.status,
    issuedAt: r.issuedAt.toISOString(),
    lines: r.lines,
  }
}
