import { Type } from '@learnmesh/kernel'
import {
  DisplayNameSchema,
  EmailSchema,
  OpaqueTokenSchema,
  PasswordSchema,
  RecoveryCodeSchema,
  TokenPairSchema,
  TotpCodeSchema,
  UserSchema,
} from '../shared/schemas.ts'

/** POST /auth/register. Strict: role, roles, orgId or platformAdmin are rejected with 400. */
export const RegisterBody = Type.Object(
  {
    /** Email address; must not be taken. */
    email: EmailSchema,
    /** 12–128 characters, not a commonly breached password. */
    password: PasswordSchema,
    /** Name shown to others. */
    displayName: DisplayNameSchema,
    /** Token from an invitation email: joins that organization with the invited roles. */
    invitationToken: Type.Optional(OpaqueTokenSchema),
  },
  { additionalProperties: false },
)

/** The new account and its first tokens. */
export const RegisterResponse = Type.Object({
  /** The account. */
  user: UserSchema,
  /** Access and refresh token. */
  tokens: TokenPairSchema,
})

/** POST /auth/login. */
export const LoginBody = Type.Object(
  {
    /** Email address. */
    email: EmailSchema,
    /** Password. */
    password: PasswordSchema,
  },
  { additionalProperties: false },
)

/** POST /auth/login/mfa: the `mfaToken` from the 401 plus exactly one of `code` or `recoveryCode`. */
export const LoginMfaBody = Type.Object(
  {
    /** `mfaToken` from the `mfa_required` problem. */
    mfaToken: OpaqueTokenSchema,
    /** Current code from the authenticator app. */
    code: Type.Optional(TotpCodeSchema),
    /** A recovery code instead of a TOTP code. */
    recoveryCode: Type.Optional(RecoveryCodeSchema),
  },
  { additionalProperties: false },
)

/** POST /auth/refresh (the body may be empty or absent in cookie transport). */
export const RefreshBody = Type.Object(
  {
    /** The latest refresh token; it is used up by this call. Required unless the cookie carries it. */
    refreshToken: Type.Optional(OpaqueTokenSchema),
  },
  { additionalProperties: false },
)

/** POST /auth/logout: ends the session of the access token, or of this refresh token. */
export const LogoutBody = Type.Object(
  {
    /** Refresh token of the session to end (when no access token is sent). */
    refreshToken: Type.Optional(OpaqueTokenSchema),
  },
  { additionalProperties: false },
)

/** A body carrying one email-link token. */
export const TokenBody = Type.Object(
  {
    /** The token from the email link. */
    token: OpaqueTokenSchema,
  },
  { additionalProperties: false },
)

/** POST /auth/password/forgot. */
export const ForgotBody = Type.Object(
  {
    /** Email address of the account. */
    email: EmailSchema,
  },
  { additionalProperties: false },
)

/** POST /auth/password/reset. */
export const ResetBody = Type.Object(
  {
    /** The token from the reset email. */
    token: OpaqueTokenSchema,
    /** The new password. */
    password: PasswordSchema,
  },
  { additionalProperties: false },
)

/** A request was accepted for processing. */
export const AcceptedResponse = Type.Object({
  /** Always `accepted`. */
  status: Type.Literal('accepted'),
})
