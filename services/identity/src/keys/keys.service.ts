import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'
import type { Database, DbOrTx, Jwks, Logger } from '@learnmesh/kernel'
import type { IdentityConfig } from '../config.ts'
import type { AccessClaims, KeyStore } from '../deps.ts'
import type { SecretBox } from '../shared/crypto.ts'
import { createKeysRepository } from './keys.repository.ts'

const SEAL_PURPOSE = 'signing-key'
/** How long a replica trusts its cached idea of the active key (a rotation elsewhere is seen within this). */
const ACTIVE_CACHE_MS = 30_000

/**
 * Ed25519 signing keys stored in identity.signing_keys, private halves sealed with the identity
 * secret. The newest unretired key signs. Rotation retires the previous key at once but keeps
 * publishing it until retired_at + access TTL + clock skew, so tokens it signed stay verifiable to
 * the end of their life (replicas may sign with a just-retired key for up to ACTIVE_CACHE_MS,
 * which the skew margin covers).
 */
export function createKeyStore(options: {
  database: Database
  config: IdentityConfig
  secrets: SecretBox
  logger: Logger
}): KeyStore & {
  /** Rotates when the active key is older than SIGNING_KEY_MAX_AGE_DAYS; true when it did. */
  rotateIfDue(): Promise<boolean>
} {
  const { database, config, secrets, logger } = options
  const repo = createKeysRepository()
  const privateKeys = new Map<string, CryptoKey>()
  let active: { kid: string; privateKey: CryptoKey; createdAt: Date; fetchedAt: number } | undefined

  async function newKeyRow() {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const publicJwk: JWK = await exportJWK(publicKey)
    const kid = await calculateJwkThumbprint(publicJwk)
    const privateJwk = await exportJWK(privateKey)
    return {
      kid,
      privateJwkEnc: secrets.seal(JSON.stringify(privateJwk), SEAL_PURPOSE),
      publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' },
    }
  }

  async function privateKeyOf(kid: string, sealed: string): Promise<CryptoKey> {
    let key = privateKeys.get(kid)
    if (!key) {
      key = (await importJWK(JSON.parse(secrets.open(sealed, SEAL_PURPOSE)) as JWK, 'EdDSA')) as CryptoKey
      privateKeys.set(kid, key)
    }
    return key
  }

  const isDue = (createdAt: Date) =>
    Date.now() - createdAt.getTime() > config.SIGNING_KEY_MAX_AGE_DAYS * 86_400_000

  /**
   * Makes a new active key and retires the others (published until the last token they signed has
   * expired). With `onlyIfDue`, the active key's age is checked again under the lock, so replicas
   * that all find the key due at the same hour rotate it once, not once each.
   */
  async function rotate(onlyIfDue = false): Promise<{ kid: string; retiredKid: string | null } | null> {
    const row = await newKeyRow()
    const now = new Date()
    const unpublishAt = new Date(
      now.getTime() + (config.ACCESS_TOKEN_TTL_SECONDS + config.CLOCK_SKEW_SECONDS) * 1000,
    )
    const retired = await database.db.transaction(async (tx) => {
      await repo.lock(tx)
      if (onlyIfDue) {
        const current = await repo.findActive(tx)
        if (current && !isDue(current.createdAt)) return null
      }
      await repo.insert(tx, { ...row, createdAt: now })
      return repo.retireOthers(tx, row.kid, now, unpublishAt)
    })
    if (!retired) return null
    active = undefined
    logger.info({ kid: row.kid, retired }, 'signing key rotated')
    return { kid: row.kid, retiredKid: retired[0] ?? null }
  }

  async function loadActive(db?: DbOrTx): Promise<NonNullable<typeof active>> {
    if (active && Date.now() - active.fetchedAt < ACTIVE_CACHE_MS) return active
    let row = await repo.findActive(db ?? database.db)
    if (!row) {
      // Inside a caller's transaction we cannot open another one (PGlite has one connection).
      if (db) throw new Error('no active signing key')
      await ensureActiveKey()
      row = await repo.findActive(database.db)
      if (!row) throw new Error('no active signing key')
    }
    active = {
      kid: row.kid,
      privateKey: await privateKeyOf(row.kid, row.privateJwkEnc),
      createdAt: row.createdAt,
      fetchedAt: Date.now(),
    }
    return active
  }

  async function ensureActiveKey(): Promise<void> {
    const created = await database.db.transaction(async (tx) => {
      await repo.lock(tx)
      if (await repo.findActive(tx)) return false
      await repo.insert(tx, await newKeyRow())
      return true
    })
    if (created) logger.info('created the first signing key')
    active = undefined
    await rotateIfDue()
  }

  async function rotateIfDue(): Promise<boolean> {
    const row = await repo.findActive(database.db)
    if (!row || !isDue(row.createdAt)) return false
    return (await rotate(true)) !== null
  }

  return {
    ensureActiveKey,
    rotateSigningKey: async () => (await rotate())!,
    rotateIfDue,
    async jwks(): Promise<Jwks> {
      const rows = await repo.listPublished(database.db, new Date())
      return { keys: rows.map((r) => r.publicJwk as Jwks['keys'][number]) }
    },
    async activeKey() {
      const { kid, privateKey } = await loadActive()
      return { kid, privateKey }
    },
    async signAccessToken(claims: AccessClaims, db?: DbOrTx) {
      const { kid, privateKey } = await loadActive(db)
      const ttl = config.ACCESS_TOKEN_TTL_SECONDS
      const token = await new SignJWT({
        org: claims.org,
        roles: claims.roles,
        padm: claims.padm,
        sid: claims.sid,
      })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setSubject(claims.sub)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime(`${ttl}s`)
        .sign(privateKey)
      return { token, expiresIn: ttl }
    },
  }
}
