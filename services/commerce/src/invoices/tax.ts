/**
 * Invoice arithmetic: pure, integer minor units only.
 *
 * Prices are tax-inclusive. The tax included in a line of `amount` at a rate of `bp` basis points is
 * `amount − net` with `net = round(amount × 10000 / (10000 + bp))`, rounded half up (exact integer
 * arithmetic, no floats). Tax is computed per line; the document's tax is the sum of its lines' tax,
 * so the lines always add up exactly to the total.
 */

/** Net (tax-exclusive) part of a tax-inclusive amount, rounded half up. */
export function netOf(amountMinor: number, basisPoints: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0)
    throw new RangeError('amount must be a non-negative integer')
  if (!Number.isInteger(basisPoints) || basisPoints < 0)
    throw new RangeError('rate must be a non-negative integer')
  if (basisPoints === 0) return amountMinor
  const a = BigInt(amountMinor)
  const d = 10_000n + BigInt(basisPoints)
  // round half up of a*10000/d  ==  floor((2*a*10000 + d) / (2*d))
  return Number((2n * a * 10_000n + d) / (2n * d))
}

/** Tax included in a tax-inclusive amount. */
export function includedTax(amountMinor: number, basisPoints: number): number {
  return amountMinor - netOf(amountMinor, basisPoints)
}

/** A line before tax: what was paid (or credited) for it, tax included. */
export interface GrossLine {
  orderItemId: string
  title: string
  productType: string
  quantity: number
  amountMinor: number
}

/** Lines with their included tax, and the document's totals (sums of the lines). */
export function taxLines(lines: GrossLine[], basisPoints: number) {
  const out = lines.map((l) => {
    // A negative line (an adjustment) carries the negative of the tax of its absolute amount.
    const taxMinor = Math.sign(l.amountMinor) * includedTax(Math.abs(l.amountMinor), basisPoints) || 0
    return { ...l, taxMinor, netMinor: l.amountMinor - taxMinor }
  })
  const totalMinor = out.reduce((s, l) => s + l.amountMinor, 0)
  const taxMinor = out.reduce((s, l) => s + l.taxMinor, 0)
  return { lines: out, totalMinor, taxMinor, subtotalMinor: totalMinor - taxMinor }
}

/** Document kinds and their number prefixes. */
export const PREFIX = { invoice: 'INV', credit_note: 'CN' } as const
export type DocumentKind = keyof typeof PREFIX

/** `INV-2026-000123`: prefix, year, sequence zero-padded to 6 digits (more digits beyond 999999). */
export function formatNumber(kind: DocumentKind, year: number, sequence: number): string {
  return `${PREFIX[kind]}-${year}-${String(sequence).padStart(6, '0')}`
}
