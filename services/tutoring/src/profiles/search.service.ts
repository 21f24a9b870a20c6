import type { TutoringDeps } from '../deps.ts'
import { createProfilesRepository, type ProfilesRepository } from './profiles.repository.ts'
import { presentReputation } from './profiles.presenter.ts'
import { decodeCursor, encodeCursor, normalizeSearch, type SearchParams } from './search.query.ts'
import { searchProfiles } from './search.repository.ts'

/**
 * Tutor search over the listed profiles of one organization (or, for an anonymous visitor who names
 * none, of every organization: `orgId` null), keyset-paginated.
 */
export function createSearchService(
  deps: TutoringDeps,
  repo: ProfilesRepository = createProfilesRepository(),
) {
  const db = deps.database.db
  return {
    /** One page of tutor cards, the applied sort and the next page's cursor. */
    async search(orgId: string | null, params: SearchParams, page: { limit: number; cursor?: string }) {
      const { search, sort } = normalizeSearch(params)
      const after = page.cursor ? decodeCursor(page.cursor, orgId, sort, search) : undefined
      const rows = await searchProfiles(db, orgId, search, sort, {
        limit: page.limit,
        ...(after ? { after } : {}),
      })
      const items = rows.slice(0, page.limit)
      const ids = items.map((r) => r.profile.id)
      const [subjects, languages] = await Promise.all([repo.subjectsOf(db, ids), repo.languagesOf(db, ids)])
      const last = items[items.length - 1]
      return {
        items: items.map(({ profile: p, distanceKm }) => ({
          id: p.id,
          userId: p.userId,
          orgId: p.orgId,
          displayName: p.displayName,
          headline: p.headline,
          timeZone: p.timeZone,
          hourlyRate: { amountMinor: p.hourlyRateMinor, currency: p.currency },
          lessonMinutes: p.lessonMinutes,
          trial: p.trialMinutes === null ? null : { minutes: p.trialMinutes },
          subjects: subjects.get(p.id) ?? [],
          languages: languages.get(p.id) ?? [],
          offersOnline: p.offersOnline,
          offersInPerson: p.offersInPerson,
          verified: p.verificationStatus === 'verified',
          ...presentReputation(p),
          distanceKm: distanceKm === null ? null : Math.round(distanceKm * 100) / 100,
        })),
        sort,
        nextCursor:
          rows.length > page.limit && last
            ? encodeCursor(orgId, sort, search, { key: last.sortKey, id: last.profile.id })
            : null,
      }
    },
  }
}
