import { Type } from '@learnmesh/kernel'
import { UserSchema } from '../shared/schemas.ts'

/** Path with a user id. */
export const AdminUserParams = Type.Object(
  {
    /** User id (`usr_...`). */
    userId: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
)

/** GET /admin/users/:userId: the account with its status, live sessions and memberships. */
export const AdminUserDetail = Type.Object({
  /** The account. */
  user: UserSchema,
  /** `active`, or `disabled` (cannot sign in, every session ended). */
  status: Type.String(),
  /** Live (unrevoked, unexpired) sessions. */
  liveSessions: Type.Integer(),
  /** Organizations and roles. */
  memberships: Type.Array(
    Type.Object({
      orgId: Type.String(),
      /** The organization's name, as its members see it. */
      orgName: Type.String(),
      roles: Type.Array(Type.String()),
    }),
  ),
})

/** GET /admin/kpis: sign-ups per UTC day, every day of the range present (zero when none). */
export const IdentityKpis = Type.Object({
  /** First day (YYYY-MM-DD, UTC). */
  from: Type.String(),
  /** Last day (today, UTC). */
  to: Type.String(),
  /** All accounts now. */
  totalUsers: Type.Integer(),
  /** One point a day. */
  daily: Type.Array(Type.Object({ date: Type.String(), signups: Type.Integer() })),
})
