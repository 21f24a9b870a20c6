import { Type } from '@learnmesh/kernel'
import { PasswordSchema, RecoveryCodeSchema, TotpCodeSchema } from '../shared/schemas.ts'

/** POST /me/2fa/totp: what the authenticator app needs. */
export const EnrolResponse = Type.Object({
  /** Base32 secret, for typing in by hand. */
  secret: Type.String(),
  /** otpauth:// URI (what the QR code encodes). */
  otpauthUri: Type.String(),
  /** QR code as a PNG data URL. */
  qrCodeDataUrl: Type.String(),
})

/** A body with one TOTP code. */
export const CodeBody = Type.Object(
  {
    /** Current code from the authenticator app. */
    code: TotpCodeSchema,
  },
  { additionalProperties: false },
)

/** Recovery codes: shown once, each works once. */
export const RecoveryCodesResponse = Type.Object({
  /** Ten single-use codes. Store them somewhere safe. */
  recoveryCodes: Type.Array(Type.String()),
})

/** DELETE /me/2fa/totp: password plus a code (or a recovery code). */
export const DisableBody = Type.Object(
  {
    /** Account password. */
    password: PasswordSchema,
    /** Current code from the authenticator app. */
    code: Type.Optional(TotpCodeSchema),
    /** A recovery code instead of a TOTP code. */
    recoveryCode: Type.Optional(RecoveryCodeSchema),
  },
  { additionalProperties: false },
)
