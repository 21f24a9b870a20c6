import { createHash } from 'node:crypto'
import { AppError } from '@learnmesh/kernel'
import {
  normalizeCurrency,
  normalizeLanguage,
  normalizePostalCode,
  normalizeSubject,
  type Level,
} from './profiles.rules.ts'

/** Search orders. */
export type SearchSort = 'relevance' | 'rating' | 'price_asc' | 'price_desc' | 'distance'

/** A normalized tutor search (every filter optional). */
export interface TutorSearch {
  subject?: string
  level?: Level
  language?: string
  currency?: string
  maxRate?: number
  mode?: 'online' | 'in_person'
  point?: { lat: number; lng: number }
  postalCode?: string
  country?: string
  verifiedOnly: boolean
}

/** The query string as the route receives it. */
export interface SearchParams {
  subject?: string
  level?: Level
  language?: string
  maxRate?: number
  currency?: string
  mode?: 'online' | 'in_person'
  lat?: number
  lng?: number
  postalCode?: string
  country?: string
  verified?: boolean
  sort?: SearchSort
}

/**
 * Normalizes and cross-checks the filters (400 on combinations that mean nothing: a rate without
 * a currency, a location without mode=in_person, a distance sort without a point, a price sort
 * across currencies).
 */
export function normalizeSearch(q: SearchParams): { search: TutorSearch; sort: SearchSort } {
  const bad = (why: string) => new AppError('bad_request', why)
  if ((q.lat === undefined) !== (q.lng === undefined)) throw bad('Give both lat and lng')
  const hasLocation = q.lat !== undefined || q.postalCode !== undefined
  if (hasLocation && q.mode !== 'in_person') throw bad('lat/lng and postalCode need mode=in_person')
  if (q.country !== undefined && q.postalCode === undefined) throw bad('country goes with postalCode')
  if (q.maxRate !== undefined && q.currency === undefined) throw bad('maxRate needs a currency')
  const sort = q.sort ?? 'relevance'
  if ((sort === 'price_asc' || sort === 'price_desc') && q.currency === undefined)
    throw bad('Sorting by price needs a currency (rates in different currencies do not compare)')
  if (sort === 'distance' && q.lat === undefined) throw bad('Sorting by distance needs lat and lng')
  const search: TutorSearch = { verifiedOnly: q.verified === true }
  if (q.subject !== undefined) search.subject = normalizeSubject(q.subject)
  if (q.level !== undefined) search.level = q.level
  if (q.language !== undefined) search.language = normalizeLanguage(q.language)
  if (q.currency !== undefined) search.currency = normalizeCurrency(q.currency)
  if (q.maxRate !== undefined) search.maxRate = q.maxRate
  if (q.mode !== undefined) search.mode = q.mode
  if (q.lat !== undefined && q.lng !== undefined) search.point = { lat: q.lat, lng: q.lng }
  if (q.postalCode !== undefined) search.postalCode = normalizePostalCode(q.postalCode)
  if (q.country !== undefined) search.country = q.country.toUpperCase()
  return { search, sort }
}

/** Where a page ended: the last row's sort key and id. */
export interface CursorPosition {
  key: number
  id: string
}

function searchHash(orgId: string | null, sort: SearchSort, search: TutorSearch): string {
  return createHash('sha256')
    .update(JSON.stringify([orgId, sort, search]))
    .digest('base64url')
    .slice(0, 16)
}

/** The opaque keyset cursor: base64url of `{ k: sort key, i: tutor id, h: hash of org, sort and filters }`. */
export function encodeCursor(
  orgId: string | null,
  sort: SearchSort,
  search: TutorSearch,
  at: CursorPosition,
): string {
  return Buffer.from(JSON.stringify({ k: at.key, i: at.id, h: searchHash(orgId, sort, search) })).toString(
    'base64url',
  )
}

/** Decodes a cursor issued for this org, sort and filters; anything else is a 400. */
export function decodeCursor(
  cursor: string,
  orgId: string | null,
  sort: SearchSort,
  search: TutorSearch,
): CursorPosition {
  const invalid = () => new AppError('bad_request', 'Invalid cursor: start again from the first page')
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  const c = parsed as { k?: unknown; i?: unknown; h?: unknown } | null
  if (
    !c ||
    typeof c.k !== 'number' ||
    !Number.isFinite(c.k) ||
    typeof c.i !== 'string' ||
    !/^tut_[0-9a-f]{32}$/.test(c.i) ||
    c.h !== searchHash(orgId, sort, search)
  )
    throw invalid()
  return { key: c.k, id: c.i }
}
