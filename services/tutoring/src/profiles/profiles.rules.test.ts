import { describe, expect, it } from 'vitest'
import {
  canonicalTimeZone,
  lessonPriceMinor,
  listingChange,
  missingForListing,
  normalizeCurrency,
  normalizeLanguage,
  normalizePostalCode,
  normalizeSubjects,
  type Offer,
} from './profiles.rules.ts'

describe('normalization', () => {
  it('time zones: canonical spelling; unknown names and offsets refused', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris')
    expect(canonicalTimeZone('UTC')).toBe('UTC')
    for (const z of ['Mars/Olympus', '+01:00', 'GMT+1 ', '', '../etc/passwd'])
      expect(() => canonicalTimeZone(z), z).toThrow(/IANA/)
  })

  it('currencies: ISO 4217 only, upper-cased', () => {
    expect(normalizeCurrency('eur')).toBe('EUR')
    expect(() => normalizeCurrency('XYZ')).toThrow(/ISO 4217/)
    expect(() => normalizeCurrency('E1R')).toThrow(/ISO 4217/)
  })

  it('languages, subjects and postal codes', () => {
    expect(normalizeLanguage('PT-br')).toBe('pt-br')
    expect(() => normalizeLanguage('not a tag')).toThrow(/BCP 47/)
    expect(
      normalizeSubjects([
        { subject: 'Mathématiques', levels: ['exam', 'beginner'] },
        { subject: 'mathematiques', levels: ['beginner', 'advanced'] },
      ]),
    ).toEqual([{ subject: 'mathematiques', levels: ['beginner', 'advanced', 'exam'] }])
    expect(normalizePostalCode(' sw1a-1aa ')).toBe('SW1A1AA')
  })
})

describe('prices', () => {
  it('rate × minutes / 60 rounded half up, as commerce prices the product', () => {
    expect(lessonPriceMinor(4000, 30)).toBe(2000)
    expect(lessonPriceMinor(4998, 45)).toBe(3749) // 3748.5 → up
    expect(lessonPriceMinor(4999, 45)).toBe(3749) // 3749.25 → down
    expect(lessonPriceMinor(1, 30)).toBe(1) // 0.5 → up
    expect(lessonPriceMinor(1_000_000, 90)).toBe(1_500_000)
  })
})

describe('listing', () => {
  const facts = {
    headline: 'h',
    bio: 'b',
    subjects: 1,
    languages: 1,
    offersOnline: true,
    offersInPerson: false,
    areas: 0,
  }
  it('a complete profile misses nothing; in person needs an area', () => {
    expect(missingForListing(facts)).toEqual([])
    expect(missingForListing({ ...facts, offersInPerson: true })).toEqual(['serviceAreas'])
    expect(missingForListing({ ...facts, offersOnline: false })).toEqual(['mode'])
    expect(missingForListing({ ...facts, headline: ' ', bio: '' })).toEqual(['headline', 'bio'])
  })

  const offer: Offer = {
    displayName: 'A',
    currency: 'EUR',
    hourlyRateMinor: 4000,
    lessonMinutes: [30, 60],
    packages: [],
    status: 'listed',
  }
  it('commerce hears of listing, sellable changes while listed, and unlisting; nothing else', () => {
    expect(listingChange({ ...offer, status: 'draft' }, offer)).toBe(true)
    expect(listingChange(offer, { ...offer, hourlyRateMinor: 4100 })).toBe(true)
    expect(listingChange(offer, { ...offer, displayName: 'B' })).toBe(true)
    expect(listingChange(offer, { ...offer, packages: [{ lessons: 5, discountPercent: 5 }] })).toBe(true)
    expect(listingChange(offer, { ...offer })).toBeNull()
    expect(listingChange(offer, { ...offer, status: 'unlisted' })).toBe(false)
    expect(
      listingChange({ ...offer, status: 'draft' }, { ...offer, status: 'draft', hourlyRateMinor: 1 }),
    ).toBeNull()
    expect(listingChange(null, { ...offer, status: 'draft' })).toBeNull()
  })
})
