import PDFDocument from 'pdfkit'
import type { InvoiceRow } from './invoices.service.ts'

/** `12.34 EUR` from minor units (2 decimals; enough for the currencies sold today). */
export function formatMoney(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`
}

/**
 * Renders an invoice or credit note as a PDF. Deterministic for a given row: the PDF's dates are
 * the issue date. `compress: false` is for tests that read the content.
 */
export function renderInvoicePdf(inv: InvoiceRow, options: { compress?: boolean } = {}): Promise<Buffer> {
  const title = `${inv.kind === 'invoice' ? 'Invoice' : 'Credit note'} ${inv.number}`
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    compress: options.compress ?? true,
    info: { Title: title, Author: inv.issuerName, CreationDate: inv.issuedAt, ModDate: inv.issuedAt },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.fontSize(20).text(inv.issuerName)
  doc.moveDown().fontSize(16).text(title)
  doc.fontSize(10)
  doc.text(`Issued: ${inv.issuedAt.toISOString().slice(0, 10)}`)
  doc.text(`Order: ${inv.orderId}`)
  doc.text(`Customer: ${inv.userId}`)
  if (inv.invoiceId) doc.text(`Credits invoice: ${inv.invoiceId}`)
  doc.moveDown()
  for (const l of inv.lines) {
    doc.text(`${l.quantity} x ${l.title}`, { continued: false })
    doc.text(
      `   ${formatMoney(l.amountMinor, inv.currency)} (incl. ${inv.taxLabel} ${formatMoney(l.taxMinor, inv.currency)})`,
    )
  }
  doc.moveDown()
  doc.text(`Subtotal (excl. ${inv.taxLabel}): ${formatMoney(inv.subtotalMinor, inv.currency)}`)
  if (inv.taxRateBasisPoints > 0) {
    doc.text(
      `${inv.taxLabel} ${(inv.taxRateBasisPoints / 100).toFixed(2)}%: ${formatMoney(inv.taxMinor, inv.currency)}`,
    )
  }
  doc.text(`Total: ${formatMoney(inv.totalMinor, inv.currency)}`)
  doc.end()
  return done
}
