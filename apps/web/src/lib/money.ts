/**
 * Money in the web app. The API counts in minor units of an ISO 4217 currency (`1999` EUR is €19.99,
 * `1999` JPY is ¥1,999); people read and type major units.
 *
 * - `formatAmount`: any sum of money (balances, totals, refunds, movements); zero reads "€0.00".
 * - `formatPrice`: what a course or lesson costs; zero reads "Free".
 * - `toMinor` / `toMajor`: what a form field holds ↔ what the API stores.
 *
 * Nothing here throws: an unknown or malformed currency code counts as two digits.
 */

export interface Money {
  amountMinor: number
  currency: string
}

/** Shown where an amount has no currency yet (an empty cart). */
const FALLBACK_CURRENCY = 'USD'

const formatters = new Map<string, Intl.NumberFormat | null>()

/** A currency formatter, or null for a code `Intl` refuses (`''`, `EURO`). */
function currencyFormat(currency: string, locale?: string): Intl.NumberFormat | null {
  const key = `${locale ?? ''}|${currency}`
  let format = formatters.get(key)
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency })
    } catch {
      format = null
    }
    formatters.set(key, format)
  }
  return format
}

/** Minor-unit digits of a currency (`EUR` 2, `JPY` 0); unknown or malformed codes count as 2. */
export function currencyDigits(currency: string): number {
  return currencyFormat(currency, 'en')?.resolvedOptions().maximumFractionDigits ?? 2
}

/** Minor units per major unit (100 for EUR, 1 for JPY). */
export function minorPerMajor(currency: string): number {
  return 10 ** currencyDigits(currency)
}

/** Major units (what a person types, `19.99`) → minor units (what the API stores, `1999`). */
export function toMinor(amountMajor: number, currency: string): number {
  return Math.round(amountMajor * minorPerMajor(currency))
}

/** Minor units → major units, for a form field's initial value. */
export function toMajor(amountMinor: number, currency: string): number {
  return amountMinor / minorPerMajor(currency)
}

/**
 * `1999, 'EUR'` → `€19.99`, `-300, 'EUR'` → `-€3.00`, `0, 'EUR'` → `€0.00`. A missing currency
 * formats as USD; a code `Intl` refuses gives `19.99 EURO`. `locale` defaults to the browser's.
 */
export function formatAmount(
  amountMinor: number,
  currency: string | null | undefined,
  locale?: string,
): string {
  const code = currency ?? FALLBACK_CURRENCY
  const major = toMajor(amountMinor, code)
  const format = currencyFormat(code, locale)
  if (format) return format.format(major)
  const digits = currencyDigits(code)
  const number = new Intl.NumberFormat(locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(major)
  return code ? `${number} ${code}` : number
}

/** The price of a course or lesson: like `formatAmount`, but zero is "Free". Not for balances or totals. */
export function formatPrice(price: Money, locale?: string): string {
  return price.amountMinor === 0 ? 'Free' : formatAmount(price.amountMinor, price.currency, locale)
}
