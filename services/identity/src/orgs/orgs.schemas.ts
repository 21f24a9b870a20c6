import { Type } from '@learnmesh/kernel'
import {
  EmailSchema,
  OpaqueTokenSchema,
  PageQuerySchema,
  RoleSchema,
  TokenPairSchema,
} from '../shared/schemas.ts'

/** An organization with the caller's roles there. */
export const MyOrgSchema = Type.Object({
  /** Organization id (`org_...`). */
  id: Type.String(),
  /** URL-safe unique name. */
  slug: Type.String(),
  /** Display name. */
  name: Type.String(),
  /** The caller's roles there. */
  roles: Type.Array(Type.String()),
  /** True for the organization of the calling token. */
  current: Type.Boolean(),
})

/** GET /orgs. */
export const MyOrgsResponse = Type.Object({
  /** Organizations the caller belongs to. */
  items: Type.Array(MyOrgSchema),
})

/** POST /orgs. */
export const CreateOrgBody = Type.Object(
  {
    /** URL-safe unique name: lower-case letters, digits, dashes. */
    slug: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
      description: 'Lower-case letters, digits and dashes (2–63).',
    }),
    /** Display name. */
    name: Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' }),
  },
  { additionalProperties: false },
)

/** Path with an organization id. */
export const OrgParams = Type.Object(
  {
    /** Organization id. */
    orgId: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
)

/** Path with an organization and a member. */
export const MemberParams = Type.Object(
  {
    /** Organization id. */
    orgId: Type.String({ maxLength: 64 }),
    /** User id of the member. */
    userId: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
)

/** Path with an organization and an invitation. */
export const InvitationParams = Type.Object(
  {
    /** Organization id. */
    orgId: Type.String({ maxLength: 64 }),
    /** Invitation id. */
    id: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
)

/** A member as org admins see them. */
export const MemberSchema = Type.Object({
  /** User id. */
  userId: Type.String(),
  /** Email address. */
  email: Type.String(),
  /** Display name. */
  displayName: Type.String(),
  /** Roles in the organization. */
  roles: Type.Array(Type.String()),
  /** When they joined. */
  joinedAt: Type.String({ format: 'date-time' }),
})

/** GET /orgs/:orgId/members query. */
export const MembersQuery = PageQuerySchema

/** GET /orgs/:orgId/members. */
export const MembersResponse = Type.Object({
  /** Members ordered by user id. */
  items: Type.Array(MemberSchema),
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

/** PATCH /orgs/:orgId/members/:userId. */
export const ChangeRolesBody = Type.Object(
  {
    /** The member's new roles (replaces the old ones). */
    roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 4, uniqueItems: true }),
  },
  { additionalProperties: false },
)

/** A membership after a change. */
export const MembershipSchema = Type.Object({
  /** Organization id. */
  orgId: Type.String(),
  /** User id. */
  userId: Type.String(),
  /** Roles now. */
  roles: Type.Array(Type.String()),
})

/** POST /orgs/:orgId/invitations. */
export const InviteBody = Type.Object(
  {
    /** Who to invite. */
    email: EmailSchema,
    /** Roles they get on accepting. */
    roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 4, uniqueItems: true }),
  },
  { additionalProperties: false },
)

/** An invitation (never its token). */
export const InvitationSchema = Type.Object({
  /** Invitation id (`inv_...`). */
  id: Type.String(),
  /** Organization id. */
  orgId: Type.String(),
  /** Invited address. */
  email: Type.String(),
  /** Roles granted on accepting. */
  roles: Type.Array(Type.String()),
  /** Who invited. */
  invitedBy: Type.String(),
  /** When the link stops working. */
  expiresAt: Type.String({ format: 'date-time' }),
  /** When it was sent. */
  createdAt: Type.String({ format: 'date-time' }),
})

/** GET /orgs/:orgId/invitations. */
export const InvitationsResponse = Type.Object({
  /** Pending invitations, newest first. */
  items: Type.Array(InvitationSchema),
})

/** POST /invitations/accept. */
export const AcceptInvitationBody = Type.Object(
  {
    /** Token from the invitation email. */
    token: OpaqueTokenSchema,
  },
  { additionalProperties: false },
)

/** POST /orgs/:orgId/switch: tokens for the other organization. */
export const SwitchResponse = TokenPairSchema
