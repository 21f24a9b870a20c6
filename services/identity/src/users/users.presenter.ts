import type { UserView } from '../deps.ts'
import type { UserRow } from './users.repository.ts'

/** A users row as the API shows it: never hashes, secrets or internal steps. */
export function presentUser(row: UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    emailVerified: row.emailVerifiedAt !== null,
    platformAdmin: row.platformAdmin,
    twoFactorEnabled: row.totpEnabledAt !== null,
    defaultOrgId: row.defaultOrgId,
    createdAt: row.createdAt.toISOString(),
  }
}
