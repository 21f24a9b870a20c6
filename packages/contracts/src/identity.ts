import Type from 'typebox'
import { defineEvent } from './envelope.ts'

/** A user registered (email and password, or the first OIDC sign-in). */
export const identityUserRegistered = defineEvent({
  type: 'identity.user.registered',
  version: 1,
  producer: 'identity',
  description: 'A new account exists. Consumers start onboarding sequences and create profiles.',
  payload: Type.Object({
    userId: Type.String(),
    email: Type.String(),
    displayName: Type.String(),
    orgId: Type.String(),
    via: Type.Union([
      Type.Literal('password'),
      Type.Literal('oidc'),
      Type.Literal('invitation'),
      Type.Literal('seed'),
    ]),
  }),
})

/** A user proved they own their email address. */
export const identityUserVerified = defineEvent({
  type: 'identity.user.verified',
  version: 1,
  producer: 'identity',
  description: 'The user confirmed their email address.',
  payload: Type.Object({ userId: Type.String(), email: Type.String() }),
})

/** Identity asks for an email to be delivered (the communication service sends it). */
export const identityEmailRequested = defineEvent({
  type: 'identity.email.requested',
  version: 1,
  producer: 'identity',
  description:
    'An account email must be sent: verification, password reset or invitation. The link carries a single-use token; consumers must not log it.',
  payload: Type.Object({
    template: Type.Union([
      Type.Literal('verify_email'),
      Type.Literal('password_reset'),
      Type.Literal('invitation'),
      Type.Literal('password_changed'),
    ]),
    to: Type.String(),
    userId: Type.Union([Type.String(), Type.Null()]),
    link: Type.Union([Type.String(), Type.Null()]),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
    data: Type.Record(Type.String(), Type.String()),
  }),
})

/** A membership was created, changed role or was removed. */
export const identityMembershipChanged = defineEvent({
  type: 'identity.membership.changed',
  version: 1,
  producer: 'identity',
  description: 'Roles of a user in an organization changed (joined, role change, removed).',
  payload: Type.Object({
    userId: Type.String(),
    orgId: Type.String(),
    roles: Type.Array(Type.String()),
    change: Type.Union([Type.Literal('joined'), Type.Literal('roles_changed'), Type.Literal('removed')]),
    changedBy: Type.Union([Type.String(), Type.Null()]),
  }),
})
