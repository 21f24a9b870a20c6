import { hasRole } from '../types.ts'

/** Instructors (and org/platform admins) may author; the studio link shows only to them. */
export const canAuthor = hasRole('instructor', 'org_admin')
