import type { InvitationRow, OrgRow } from './orgs.repository.ts'

/** An organization with the caller's roles. */
export function presentMyOrg(row: { org: OrgRow; roles: string[] }, currentOrgId: string) {
  return {
    id: row.org.id,
    slug: row.org.slug,
    name: row.org.name,
    roles: row.roles,
    current: row.org.id === currentOrgId,
  }
}

/** An invitation without its token hash. */
export function presentInvitation(row: InvitationRow) {
  return {
    id: row.id,
    orgId: row.orgId,
    email: row.email,
    roles: row.roles,
    invitedBy: row.invitedBy,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  }
}

/** A member row. */
export function presentMember(row: {
  userId: string
  email: string
  displayName: string
  roles: string[]
  joinedAt: Date
}) {
  return { ...row, joinedAt: row.joinedAt.toISOString() }
}
