import { Type } from '@learnmesh/kernel'
import { DisplayNameSchema, PageQuerySchema, PasswordSchema, UserSchema } from '../shared/schemas.ts'

/** PATCH /me: only the display name; anything else (role, orgId, platformAdmin, email) is a 400. */
export const UpdateMeBody = Type.Object(
  {
    /** New display name. */
    displayName: Type.Optional(DisplayNameSchema),
  },
  { additionalProperties: false },
)

/** POST /me/password. */
export const ChangePasswordBody = Type.Object(
  {
    /** The password in use now. */
    currentPassword: PasswordSchema,
    /** The new password (12–128 characters, not commonly breached). */
    newPassword: PasswordSchema,
  },
  { additionalProperties: false },
)

/** GET /me: the account plus the organization and roles of the calling token. */
export const MeResponse = Type.Object({
  /** The account. */
  user: UserSchema,
  /** Organization of the access token. */
  orgId: Type.String(),
  /** Roles there. */
  roles: Type.Array(Type.String()),
  /** Session of the access token. */
  sessionId: Type.String(),
})

/** GET /admin/users query. */
export const AdminUsersQuery = Type.Object(
  {
    ...PageQuerySchema.properties,
    /** Only users whose email contains this. */
    email: Type.Optional(Type.String({ maxLength: 254, description: 'Filter: email contains.' })),
  },
  { additionalProperties: false },
)

/** GET /admin/users. */
export const AdminUsersResponse = Type.Object({
  /** Users ordered by creation. */
  items: Type.Array(UserSchema),
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
