import { identityEmailRequested, identityMembershipChanged, identityUserVerified } from '@learnmesh/contracts'
import { writeEvent, type Tx } from '@learnmesh/kernel'
import { outbox } from '../db/schema.ts'

/** The templates identity asks the communication service to send. */
export type EmailTemplate = 'verify_email' | 'password_reset' | 'invitation' | 'password_changed'

/**
 * The trace context a state change carries into the events it writes: the W3C `traceparent` of
 * the HTTP request that caused it, or null outside a request (seed, timers).
 */
export interface TraceMeta {
  /** W3C traceparent of the causing request (see `traceparentOf`), or null. */
  traceparent: string | null
}

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
  traceparent: string | null,
): Promise<void> {
  await writeEvent(tx, outbox, identityEmailRequested, {
    aggregateId: input.userId ?? input.to,
    orgId: input.orgId,
    traceparent,
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
  traceparent: string | null,
): Promise<void> {
  await writeEvent(tx, outbox, identityMembershipChanged, {
    aggregateId: input.userId,
    orgId: input.orgId,
    traceparent,
    payload: input,
  })
}

/** Publishes identity.user.verified (the address was proven: link, invitation, reset or a trusted provider). */
export async function userVerified(
  tx: Tx,
  user: { id: string; email: string; defaultOrgId: string },
  traceparent: string | null,
): Promise<void> {
  await writeEvent(tx, outbox, identityUserVerified, {
    aggregateId: user.id,
    orgId: user.defaultOrgId,
    traceparent,
    payload: { userId: user.id, email: user.email },
  })
}
