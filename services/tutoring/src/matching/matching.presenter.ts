import type { MatchRequestRow } from './matching.repository.ts'
import type { MatchCriteria, MatchResult } from './matching.service.ts'

/** A stored match request as the learner sees it. */
export function presentMatchRequest(row: MatchRequestRow) {
  const criteria = row.criteria as unknown as MatchCriteria
  const { excludedTutorIds, ...rest } = criteria
  return {
    id: row.id,
    learnerId: row.learnerId,
    criteria: rest as unknown as Record<string, unknown>,
    results: row.results as MatchResult[],
    replacesTutorId: row.replacesTutorId,
    replacesBookingId: row.replacesBookingId,
    excludedTutorIds: excludedTutorIds ?? [],
    createdAt: row.createdAt.toISOString(),
  }
}
