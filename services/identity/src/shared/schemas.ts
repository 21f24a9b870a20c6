import { Type } from '@learnmesh/kernel'

/** An email address. */
export const EmailSchema = Type.String({
  format: 'email',
  minLength: 3,
  maxLength: 254,
  description: 'Email address (case-insensitive).',
})
/** A password as typed: the policy (12–128 code points, not breached) is checked by the service. */
export const PasswordSchema = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'Password: 12–128 characters, any Unicode, not a commonly breached one.',
})
/** A display name. */
export const DisplayNameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '\\S',
  description: 'Name shown to others.',
})
/** An opaque token from an email link or a previous response. */
export const OpaqueTokenSchema = Type.String({
  minLength: 16,
  maxLength: 256,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Opaque single-use token.',
})
/** A 6-digit TOTP code. */
export const TotpCodeSchema = Type.String({
  pattern: '^[0-9]{6}$',
  description: '6-digit code from the authenticator app.',
})
/** A recovery code (`xxxxx-xxxxx`; case and dashes do not matter). */
export const RecoveryCodeSchema = Type.String({
  minLength: 10,
  maxLength: 20,
  pattern: '^[A-Za-z0-9-]+$',
  description: 'One of the recovery codes shown when 2FA was enabled.',
})
/** An org role. */
export const RoleSchema = Type.Union(
  [Type.Literal('learner'), Type.Literal('instructor'), Type.Literal('tutor'), Type.Literal('org_admin')],
  {
    description: 'Role in an organization.',
  },
)
/** Keyset pagination: page size and the cursor from the previous page. */
export const PageQuerySchema = Type.Object(
  {
    /** Page size (1–100, default 50). */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Page size.' }),
    /** `nextCursor` of the previous page. */
    after: Type.Optional(
      Type.String({ maxLength: 64, description: 'Cursor: nextCursor of the previous page.' }),
    ),
  },
  { additionalProperties: false },
)

/** The user as the API shows it. */
export const UserSchema = Type.Object({
  /** User id (`usr_...`). */
  id: Type.String(),
  /** Email address (lower-cased). */
  email: Type.String(),
  /** Name shown to others. */
  displayName: Type.String(),
  /** Whether the email address was confirmed. */
  emailVerified: Type.Boolean(),
  /** Platform administrator. */
  platformAdmin: Type.Boolean(),
  /** Whether TOTP 2FA is on. */
  twoFactorEnabled: Type.Boolean(),
  /** Organization sign-ins land in. */
  defaultOrgId: Type.String(),
  /** When the account was created (ISO 8601). */
  createdAt: Type.String({ format: 'date-time' }),
})

/** An access token and its rotating refresh token. */
export const TokenPairSchema = Type.Object({
  /** EdDSA JWT for `Authorization: Bearer`. */
  accessToken: Type.String(),
  /** Opaque, single-use; exchange at POST /auth/refresh. Absent with `X-Token-Transport: cookie` (set as the HttpOnly cookie instead). */
  refreshToken: Type.Optional(Type.String()),
  /** Seconds until the access token expires. */
  expiresIn: Type.Integer(),
  /** Always `Bearer`. */
  tokenType: Type.Literal('Bearer'),
  /** The session these tokens belong to. */
  sessionId: Type.String(),
})
