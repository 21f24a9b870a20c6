import { identityEmailRequested, identityMembershipChanged, identityUserVerified } from '@learnmesh/contracts'
import { writeEvent, type Tx } from '@learnmesh/kernel'
import { outbox } from '../db/schema.ts'

/** The templates identity asks the communication service to send. */
export type EmailTemplate = 'verify_email' | 'password_reset' | 'invitation' | 'password_changed'

/** A link into the web app carrying a single-use token. */
export function webLink(publicUrl: string, path: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`
}

/**
 * Asks for an email through the outbox (`identity.email.requested`), inside the caller's
 * transaction: the token it carries exists if and only if the email is requested.
 */
export async function requestEmail(
  tx: Tx,
  input: {
    template: EmailTemplate
    to: string
    userId: string | null
    orgId: string | null
    link: string | null
    expiresAt: Date | null
    data?: Record<string, string>
  },
): Promise<void> {
  await writeEvent(tx, outbox, identityEmailRequested, {
    aggregateId: input.userId ?? input.to,
    orgId: input.orgId,
    payload: {
      template: input.template,
      to: input.to,
      userId: input.userId,
      link: input.link,
      expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
      data: input.data ?? {},
    },
  })
}

/** Publishes a membership change (joined, roles changed, removed) in the caller's transaction. */
export async function membershipChanged(
  tx: Tx,
  input: {
    userId: string
    orgId: string
    roles: string[]
    change: 'joined' | 'roles_changed' | 'removed'
    changedBy: string | null
  },
): Promise<void> {
  await writeEvent(tx, outbox, identityMembershipChanged, {
    aggregateId: input.userId,
    orgId: input.orgId,
    payload: input,
  })
}

/** Publishes identity.user.verified (the address was proven: link, invitation, reset or a trusted provider). */
export async function userVerified(
  tx: Tx,
  user: { id: string; email: string; defaultOrgId: string },
): Promise<void> {
  await writeEvent(tx, outbox, identityUserVerified, {
    aggregateId: user.id,
    orgId: user.defaultOrgId,
    payload: { userId: user.id, email: user.email },
  })
}
