import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import argon2 from 'argon2'
import { AppError } from '@learnmesh/kernel'

/** Shortest accepted password, in Unicode code points after NFC normalisation (NIST 800-63B asks for >= 8; we ask 12). */
export const PASSWORD_MIN = 12
/** Longest accepted password in code points: bounds hashing work. */
export const PASSWORD_MAX = 128

/** argon2id parameters (production: OWASP's 19 MiB, t=2, p=1; tests lower the memory). */
export interface Argon2Params {
  memoryCost: number
  timeCost: number
  parallelism: number
}

/** NFC-normalises a password so the same characters typed on different systems hash the same. */
export function normalizePassword(password: string): string {
  return password.normalize('NFC')
}

let common: Set<string> | undefined

/**
 * The bundled list of commonly breached passwords (common-passwords.txt.gz: 49,233 entries, lower-cased,
 * from the MIT-licensed @zxcvbn-ts/language-common 4.1.3 frequency list). Loaded once, lazily.
 */
export function commonPasswords(): Set<string> {
  common ??= new Set(
    gunzipSync(readFileSync(new URL('./common-passwords.txt.gz', import.meta.url)))
      .toString('utf8')
      .split('\n')
      .filter(Boolean),
  )
  return common
}

/** True when the password (case-insensitively) is on the breached list, or is a listed word repeated ("qwertyqwerty"). */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords()
  const lower = normalizePassword(password).toLowerCase()
  if (list.has(lower)) return true
  const chars = [...lower]
  for (let size = 1; size <= chars.length / 2; size++) {
    if (chars.length % size !== 0) continue
    const unit = chars.slice(0, size).join('')
    if (unit.repeat(chars.length / size) === lower && list.has(unit)) return true
  }
  return false
}

/**
 * Enforces the password policy: 12–128 code points after NFC, not a commonly breached password.
 * Throws a 400 `validation_failed` naming the field.
 */
export function assertPasswordAcceptable(password: string, field = 'password'): string {
  const normalized = normalizePassword(password)
  const length = [...normalized].length
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new AppError(
      'validation_failed',
      `${field} must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`,
      {
        errors: [
          { path: `/${field}`, message: `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long` },
        ],
      },
    )
  }
  if (isCommonPassword(normalized)) {
    throw new AppError(
      'validation_failed',
      `${field} is too common: it appears in lists of breached passwords`,
      {
        errors: [{ path: `/${field}`, message: 'appears in lists of breached passwords' }],
      },
    )
  }
  return normalized
}

/** Hashes and verifies passwords with argon2id. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** False on mismatch or a malformed hash; never throws for client input. */
  verify(hash: string, password: string): Promise<boolean>
  /** Spends about as long as a real verification: used when the account does not exist, so timing does not tell. */
  verifyDummy(password: string): Promise<void>
}

/** An argon2id hasher with the given parameters. */
export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = {
    type: argon2.argon2id,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  }
  let dummy: Promise<string> | undefined
  return {
    hash: (password) => argon2.hash(normalizePassword(password), options),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, normalizePassword(password))
      } catch {
        return false
      }
    },
    async verifyDummy(password) {
      dummy ??= argon2.hash('learnmesh-dummy-password-for-timing', options)
      await argon2.verify(await dummy, normalizePassword(password)).catch(() => false)
    },
  }
}
