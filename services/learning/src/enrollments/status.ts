/** What a learner sees as the state of an enrollment. */
export type EnrollmentStatus = 'active' | 'expired' | 'revoked' | 'upcoming' | 'completed'

/**
 * The displayed status of an enrollment, most blocking first: revoked, expired, upcoming (its
 * cohort has not started), completed (every lesson done, access continues), active.
 */
export function enrollmentStatus(
  row: { status: string; expiresAt: Date | null; completedAt: Date | null },
  cohortStartsAt: Date | null,
  now = new Date(),
): EnrollmentStatus {
  if (row.status === 'revoked') return 'revoked'
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return 'expired'
  if (cohortStartsAt && cohortStartsAt.getTime() > now.getTime()) return 'upcoming'
  if (row.completedAt) return 'completed'
  return 'active'
}
