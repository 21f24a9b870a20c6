import { describe, expect, it } from 'vitest'
import { currencyDigits, formatAmount, formatPrice, minorPerMajor, toMajor, toMinor } from './money.ts'

// Formatting follows the browser's locale; the tests pin one so the expected text is exact.
const en = 'en-US'

describe('money: currency digits', () => {
  it('knows two-digit and zero-digit currencies', () => {
    expect(currencyDigits('EUR')).toBe(2)
    expect(currencyDigits('JPY')).toBe(0)
    expect(minorPerMajor('EUR')).toBe(100)
    expect(minorPerMajor('JPY')).toBe(1)
  })

  it('counts unknown and malformed codes as two digits instead of throwing', () => {
    expect(currencyDigits('XYZ')).toBe(2)
    expect(currencyDigits('EURO')).toBe(2)
    expect(currencyDigits('')).toBe(2)
    expect(minorPerMajor('not a code')).toBe(100)
  })
})

describe('money: formatAmount', () => {
  it('formats minor units in the currency', () => {
    expect(formatAmount(1999, 'EUR', en)).toBe('€19.99')
    expect(formatAmount(1999, 'JPY', en)).toBe('¥1,999')
    expect(formatAmount(1600, 'USD', en)).toBe('$16.00')
  })

  it('keeps zero an amount (a balance or total is never "Free")', () => {
    expect(formatAmount(0, 'EUR', en)).toBe('€0.00')
    expect(formatAmount(0, 'JPY', en)).toBe('¥0')
  })

  it('formats negative amounts (clawbacks, refunds)', () => {
    expect(formatAmount(-300, 'EUR', en)).toBe('-€3.00')
    expect(formatAmount(-5, 'JPY', en)).toBe('-¥5')
  })

  it('falls back to USD without a currency', () => {
    expect(formatAmount(4900, null, en)).toBe('$49.00')
    expect(formatAmount(4900, undefined, en)).toBe('$49.00')
  })

  it('does not throw on a code Intl refuses: the number and the code', () => {
    expect(formatAmount(1999, 'EURO', en)).toBe('19.99 EURO')
    expect(formatAmount(-1999, 'EURO', en)).toBe('-19.99 EURO')
    expect(formatAmount(1999, '', en)).toBe('19.99')
    expect(formatAmount(1999, 'XYZ', en)).toMatch(/^XYZ\s?19\.99$/)
  })
})

describe('money: formatPrice', () => {
  it('reads a zero price as "Free" and any other like formatAmount', () => {
    expect(formatPrice({ amountMinor: 0, currency: 'EUR' }, en)).toBe('Free')
    expect(formatPrice({ amountMinor: 0, currency: 'JPY' }, en)).toBe('Free')
    expect(formatPrice({ amountMinor: 2000, currency: 'EUR' }, en)).toBe('€20.00')
    expect(formatPrice({ amountMinor: 500, currency: 'JPY' }, en)).toBe('¥500')
  })
})

describe('money: form values', () => {
  it('converts what a person types to minor units and back, per currency', () => {
    expect(toMinor(19.99, 'EUR')).toBe(1999)
    expect(toMinor(0.1 + 0.2, 'EUR')).toBe(30)
    expect(toMinor(1999, 'JPY')).toBe(1999)
    expect(toMajor(1999, 'EUR')).toBe(19.99)
    expect(toMajor(1999, 'JPY')).toBe(1999)
    expect(toMinor(5, 'EURO')).toBe(500)
  })
})
