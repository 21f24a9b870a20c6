import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'

/** SHA-256 of a token, hex: what identity stores instead of any bearer secret. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex')
}

/** A random opaque token: 32 bytes, base64url (43 chars). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Encrypts and decrypts small secrets at rest (TOTP secrets, private signing keys). */
export interface SecretBox {
  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts; `purpose` is bound as associated data. */
  seal(plaintext: string, purpose: string): string
  /** Throws when the value was tampered with, sealed for another purpose or with another key. */
  open(sealed: string, purpose: string): string
}

/**
 * AES-256-GCM with a key derived by HKDF-SHA256 from IDENTITY_SECRET. The purpose string is the
 * associated data, so a sealed TOTP secret cannot be replayed as a signing key and vice versa.
 */
export function createSecretBox(secret: string): SecretBox {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'learnmesh-identity', 'aes-256-gcm at rest v1', 32),
  )
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(purpose))
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return [
        'v1',
        iv.toString('base64url'),
        ct.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.')
    },
    open(sealed, purpose) {
      const [version, iv, ct, tag] = sealed.split('.')
      if (version !== 'v1' || !iv || ct === undefined || !tag)
        throw new Error('sealed value has an unknown format')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(purpose))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
    },
  }
}
