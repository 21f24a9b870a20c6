import PDFDocument from 'pdfkit'

/** One month (or the year) of a payee's statement in one currency; all amounts minor units, ≥ 0 unless noted. */
export interface StatementLine {
  /** `YYYY-MM`, or `total`. */
  period: string
  currency: string
  /** What customers paid for the payee's delivered sales (payee share + platform commission). */
  grossMinor: number
  /** The platform's commission on those sales. */
  commissionMinor: number
  /** Refunds clawed back from the payee's earnings (net of clawbacks reversed). */
  refundsMinor: number
  /** Net earnings: gross − commission − refunds (may be negative). */
  netMinor: number
  /** Paid out to the payee (failed payouts excluded). */
  payoutsMinor: number
}

/** A payee's annual earnings statement. */
export interface Statement {
  orgId: string
  payeeUserId: string
  year: number
  currencies: {
    currency: string
    /** Payable balance on 1 January (what the platform owed the payee). */
    openingBalanceMinor: number
    /** Payable balance on 31 December: opening + net − payouts. */
    closingBalanceMinor: number
    months: StatementLine[]
    total: StatementLine
  }[]
}

const EARNING_TX = new Set(['payment_captured', 'escrow_release'])
const PAYOUT_TX = new Set(['payout', 'payout_failed'])

/**
 * Builds the statement from summed entries (ledger.repository `statementSums`). Entries carry the
 * payee they belong to, so a sale's platform_revenue leg counts as this payee's commission.
 */
export function buildStatement(input: {
  orgId: string
  payeeUserId: string
  year: number
  rows: { month: string; currency: string; txKind: string; accountKind: string; sum: number }[]
  opening: { currency: string; balanceMinor: number }[]
}): Statement {
  const currencies = [
    ...new Set([...input.rows.map((r) => r.currency), ...input.opening.map((o) => o.currency)]),
  ].sort()
  return {
    orgId: input.orgId,
    payeeUserId: input.payeeUserId,
    year: input.year,
    currencies: currencies.map((currency) => {
      const months: StatementLine[] = []
      for (let m = 1; m <= 12; m++) {
        const period = `${input.year}-${String(m).padStart(2, '0')}`
        months.push(
          line(
            period,
            currency,
            input.rows.filter((r) => r.currency === currency && r.month === period),
          ),
        )
      }
      const total = line(
        'total',
        currency,
        input.rows.filter((r) => r.currency === currency),
      )
      const openingBalanceMinor = -(input.opening.find((o) => o.currency === currency)?.balanceMinor ?? 0)
      return {
        currency,
        openingBalanceMinor,
        closingBalanceMinor: openingBalanceMinor + total.netMinor - total.payoutsMinor,
        months,
        total,
      }
    }),
  }
}

function line(
  period: string,
  currency: string,
  rows: { txKind: string; accountKind: string; sum: number }[],
): StatementLine {
  let payeeEarned = 0
  let commission = 0
  let refunds = 0
  let payoutsMinor = 0
  for (const r of rows) {
    if (EARNING_TX.has(r.txKind) && r.accountKind === 'payable') payeeEarned += -r.sum
    else if (EARNING_TX.has(r.txKind) && r.accountKind === 'platform_revenue') commission += -r.sum
    else if (r.txKind === 'refund' && r.accountKind === 'payable') refunds += r.sum
    else if (PAYOUT_TX.has(r.txKind) && r.accountKind === 'payable') payoutsMinor += r.sum
  }
  return {
    period,
    currency,
    grossMinor: payeeEarned + commission,
    commissionMinor: commission,
    refundsMinor: refunds,
    netMinor: payeeEarned - refunds,
    payoutsMinor,
  }
}

/** RFC 4180 CSV: one row per month and currency, then a total row per currency. Amounts in minor units. */
export function statementCsv(s: Statement): string {
  const header = [
    'payee_user_id',
    'year',
    'period',
    'currency',
    'gross_minor',
    'commission_minor',
    'refunds_clawbacks_minor',
    'net_minor',
    'payouts_minor',
    'opening_balance_minor',
    'closing_balance_minor',
  ]
  const out = [header.join(',')]
  for (const c of s.currencies) {
    for (const l of [...c.months, c.total]) {
      const isTotal = l.period === 'total'
      out.push(
        [
          s.payeeUserId,
          s.year,
          l.period,
          l.currency,
          l.grossMinor,
          l.commissionMinor,
          l.refundsMinor,
          l.netMinor,
          l.payoutsMinor,
          isTotal ? c.openingBalanceMinor : '',
          isTotal ? c.closingBalanceMinor : '',
        ].join(','),
      )
    }
  }
  return `${out.join('\r\n')}\r\n`
}

/** Decimal places of a currency's minor unit (ISO 4217 via Intl; 2 when unknown). */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    )
  } catch {
    return 2
  }
}

/** Minor units as a decimal string with the currency's decimals (integer arithmetic, no floats). */
export function formatMinor(minor: number, currency: string): string {
  const digits = minorDigits(currency)
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  const unit = 10 ** digits
  const text =
    digits === 0 ? `${abs}` : `${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`
  return `${sign}${text}`
}

/** The statement as a PDF (pdfkit, built-in Helvetica: no font files). */
export function statementPdf(s: Statement): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `Earnings statement ${s.year}` } })
    const chunks: Buffer[] = []
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
    doc.fontSize(18).text(`Earnings statement ${s.year}`)
    doc.moveDown(0.5).fontSize(10).text(`Payee: ${s.payeeUserId}`).text(`Organization: ${s.orgId}`)
    if (s.currencies.length === 0) doc.moveDown().text('No earnings in this year.')
    const cols = [48, 110, 190, 270, 350, 430]
    for (const c of s.currencies) {
      doc.moveDown().fontSize(13).text(`${c.currency}`, 48)
      doc.fontSize(9)
      const row = (cells: string[], bold = false) => {
        const y = doc.y
        doc.font(bold ? 'Helvetica-Bold' : 'Helvetica')
        cells.forEach((cell, i) =>
          doc.text(cell, cols[i], y, { width: 78, align: i === 0 ? 'left' : 'right' }),
        )
        doc.moveDown(0.2)
      }
      row(['Month', 'Gross', 'Commission', 'Refunds', 'Net', 'Payouts'], true)
      for (const l of [...c.months, c.total]) {
        row(
          [
            l.period,
            formatMinor(l.grossMinor, c.currency),
            formatMinor(l.commissionMinor, c.currency),
            formatMinor(l.refundsMinor, c.currency),
            formatMinor(l.netMinor, c.currency),
            formatMinor(l.payoutsMinor, c.currency),
          ],
          l.period === 'total',
        )
      }
      doc.font('Helvetica').moveDown(0.5)
      doc.text(`Opening balance: ${formatMinor(c.openingBalanceMinor, c.currency)} ${c.currency}`, 48)
      doc.text(`Closing balance: ${formatMinor(c.closingBalanceMinor, c.currency)} ${c.currency}`, 48)
    }
    doc.end()
  })
}
