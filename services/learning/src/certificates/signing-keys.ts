import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { desc, isNull, sql } from 'drizzle-orm'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { signingKeys } from '../db/schema.ts'

const SEAL_PURPOSE = 'credential-signing-key'

/** A published Ed25519 public key (JWK). */
export interface PublicJwk {
  kty: string
  crv: string
  x: string
  kid: string
  alg: string
  use: string
}

/**
 * AES-256-GCM with a key derived by HKDF-SHA256 from LEARNING_SECRET: how the private half of the
 * platform's credential-signing key is stored. `v1.<iv>.<ciphertext>.<tag>` (base64url); the
 * purpose is bound as associated data. (Same construction as identity's, but learning's own code:
 * services share no code besides the kernel and contracts.)
 */
export function createSealer(secret: string) {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'learnmesh-learning', 'aes-256-gcm at rest v1', 32),
  )
  return {
    /** Encrypts `plaintext` for `purpose`. */
    seal(plaintext: string, purpose: string): string {
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
    /** Decrypts; throws when tampered with, sealed for another purpose or with another secret. */
    open(sealed: string, purpose: string): string {
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

/**
 * The platform's Ed25519 credential-signing keys in learning.signing_keys. The first is created on
 * first use (under an advisory lock, so replicas never create two); the newest unretired key signs.
 * Every key, retired or not, stays published: certificates live for years and must stay verifiable.
 */
export function createSigningKeys(secret: string) {
  const sealer = createSealer(secret)
  const privateKeys = new Map<string, CryptoKey>()

  async function privateKeyOf(kid: string, sealed: string): Promise<CryptoKey> {
    let key = privateKeys.get(kid)
    if (!key) {
      key = (await importJWK(JSON.parse(sealer.open(sealed, SEAL_PURPOSE)) as JWK, 'EdDSA')) as CryptoKey
      privateKeys.set(kid, key)
    }
    return key
  }

  async function findActive(db: DbOrTx) {
    const [row] = await db
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(desc(signingKeys.createdAt))
      .limit(1)
    return row
  }

  return {
    /** The key that signs now, created inside the caller's transaction when there is none yet. */
    async activeKey(tx: Tx): Promise<{ kid: string; privateKey: CryptoKey }> {
      let row = await findActive(tx)
      if (!row) {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext('learning.signing_keys'))`)
        row = await findActive(tx)
        if (!row) {
          const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
            crv: 'Ed25519',
            extractable: true,
          })
          const publicJwk = await exportJWK(publicKey)
          const kid = await calculateJwkThumbprint(publicJwk)
          const [created] = await tx
            .insert(signingKeys)
            .values({
              kid,
              publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' },
              privateJwkEnc: sealer.seal(JSON.stringify(await exportJWK(privateKey)), SEAL_PURPOSE),
            })
            .returning()
          row = created!
        }
      }
      return { kid: row.kid, privateKey: await privateKeyOf(row.kid, row.privateJwkEnc) }
    },
    /** Every public key, newest first (JWKS `keys`). */
    async publicKeys(db: DbOrTx): Promise<PublicJwk[]> {
      const rows = await db
        .select({ jwk: signingKeys.publicJwk })
        .from(signingKeys)
        .orderBy(desc(signingKeys.createdAt))
      return rows.map((r) => r.jwk as PublicJwk)
    },
  }
}

/** The signing-keys store type. */
export type SigningKeys = ReturnType<typeof createSigningKeys>
