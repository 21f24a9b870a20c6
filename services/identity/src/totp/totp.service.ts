import { randomInt } from 'node:crypto'
import { generateSecret, generateURI, verify as verifyTotpCode } from 'otplib'
import QRCode from 'qrcode'
import { AppError, newId, type Database, type DbOrTx } from '@learnmesh/kernel'
import type { IdentityConfig } from '../config.ts'
import type { SecretBox } from '../shared/crypto.ts'
import { sha256 } from '../shared/crypto.ts'
import type { PasswordHasher } from '../shared/passwords.ts'
import type { LoginLimiter } from '../auth/limits.ts'
import { createUsersRepository, type UserRow } from '../users/users.repository.ts'
import { createTotpRepository } from './totp.repository.ts'

const SEAL_PURPOSE = 'totp-secret'
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
/** How many recovery codes a user gets. */
export const RECOVERY_CODE_COUNT = 10

/** Canonical form of a recovery code as typed (case and separators do not matter). */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '')
}

function newRecoveryCode(): string {
  let s = ''
  for (let i = 0; i < 10; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]
  return `${s.slice(0, 5)}-${s.slice(5)}`
}

/** A second factor as a client sends it: a TOTP code or a recovery code. */
export interface SecondFactor {
  code?: string
  recoveryCode?: string
}

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with otplib, ±1 step of clock skew, each time step
 * accepted once per user (users.totp_last_step, claimed atomically), plus 10 single-use recovery
 * codes stored as SHA-256 hashes. Secrets are sealed with AES-256-GCM at rest.
 */
export function createTotpService(options: {
  database: Database
  config: IdentityConfig
  secrets: SecretBox
  passwords: PasswordHasher
  limiter: LoginLimiter
}) {
  const { database, config, secrets, passwords, limiter } = options
  const usersRepo = createUsersRepository()
  const repo = createTotpRepository()

  async function newRecoveryCodes(db: DbOrTx, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
    await repo.replaceRecoveryCodes(
      db,
      userId,
      codes.map((c) => ({ id: newId('rcv'), codeHash: sha256(normalizeRecoveryCode(c)) })),
    )
    return codes
  }

  /** Checks a TOTP code against the user's secret and claims its time step; false on mismatch or replay. */
  async function checkTotp(db: DbOrTx, user: UserRow, code: string): Promise<boolean> {
    if (!user.totpSecretEnc) return false
    const secret = secrets.open(user.totpSecretEnc, SEAL_PURPOSE)
    let result: Awaited<ReturnType<typeof verifyTotpCode>>
    try {
      result = await verifyTotpCode({ secret, token: code, epochTolerance: 30 })
    } catch {
      return false
    }
    if (!result.valid || !('timeStep' in result)) return false
    return usersRepo.claimTotpStep(db, user.id, result.timeStep)
  }

  /** Checks a second factor of a user with 2FA enabled; a recovery code is consumed. */
  async function checkSecondFactor(db: DbOrTx, user: UserRow, factor: SecondFactor): Promise<boolean> {
    if (!user.totpEnabledAt) return false
    if (factor.code) return checkTotp(db, user, factor.code)
    if (factor.recoveryCode)
      return repo.consumeRecoveryCode(db, user.id, sha256(normalizeRecoveryCode(factor.recoveryCode)))
    return false
  }

  async function enabledUser(userId: string): Promise<UserRow> {
    const user = await usersRepo.findById(database.db, userId)
    if (!user) throw new AppError('invalid_token', 'Account not found')
    if (!user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is not enabled')
    return user
  }

  /** Counts a wrong factor towards the brute-force limit and throws 401. */
  async function failFactor(user: UserRow, ip: string): Promise<never> {
    await limiter.recordFailure({ userId: user.id, email: user.email, ip })
    throw new AppError('invalid_credentials', 'The code is not correct')
  }

  return {
    checkSecondFactor,

    /** Starts enrolment: a new pending secret, its otpauth:// URI and a QR code PNG data URL. */
    async enrol(userId: string) {
      const user = await usersRepo.findById(database.db, userId)
      if (!user) throw new AppError('invalid_token', 'Account not found')
      if (user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is already enabled')
      const secret = generateSecret()
      await usersRepo.update(database.db, user.id, {
        totpSecretEnc: secrets.seal(secret, SEAL_PURPOSE),
        totpLastStep: null,
      })
      const otpauthUri = generateURI({ issuer: config.TOTP_ISSUER, label: user.email, secret })
      const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, {
        errorCorrectionLevel: 'M',
        margin: 1,
        width: 256,
      })
      return { secret, otpauthUri, qrCodeDataUrl }
    },

    /** Finishes enrolment with a code from the app; returns the recovery codes (shown once). */
    async confirm(userId: string, code: string, ip: string) {
      const user = await usersRepo.findById(database.db, userId)
      if (!user) throw new AppError('invalid_token', 'Account not found')
      if (user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is already enabled')
      if (!user.totpSecretEnc) throw new AppError('conflict', 'Start enrolment first (POST /me/2fa/totp)')
      await limiter.assertAllowed({ userId: user.id, email: user.email, ip })
      if (!(await checkTotp(database.db, user, code))) return failFactor(user, ip)
      const recoveryCodes = await database.db.transaction(async (tx) => {
        await usersRepo.update(tx, user.id, { totpEnabledAt: new Date() })
        return newRecoveryCodes(tx, user.id)
      })
      return { recoveryCodes }
    },

    /** Turns 2FA off: needs the password and a current code (or a recovery code). */
    async disable(userId: string, input: { password: string } & SecondFactor, ip: string) {
      const user = await enabledUser(userId)
      const subject = { userId: user.id, email: user.email, ip }
      await limiter.assertAllowed(subject)
      if (!user.passwordHash || !(await passwords.verify(user.passwordHash, input.password))) {
        await limiter.recordFailure(subject)
        throw new AppError('invalid_credentials', 'The password is not correct')
      }
      if (!(await checkSecondFactor(database.db, user, input))) return failFactor(user, ip)
      await database.db.transaction(async (tx) => {
        await usersRepo.update(tx, user.id, { totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null })
        await repo.deleteRecoveryCodes(tx, user.id)
      })
    },

    /** Replaces the recovery codes (needs a current TOTP code). */
    async regenerateRecoveryCodes(userId: string, code: string, ip: string) {
      const user = await enabledUser(userId)
      await limiter.assertAllowed({ userId: user.id, email: user.email, ip })
      if (!(await checkTotp(database.db, user, code))) return failFactor(user, ip)
      return { recoveryCodes: await newRecoveryCodes(database.db, user.id) }
    },

    /** Unused recovery codes left. */
    remaining: (userId: string) => repo.remainingRecoveryCodes(database.db, userId),
  }
}

/** The TOTP service type. */
export type TotpService = ReturnType<typeof createTotpService>
