import { createPublicKey } from 'node:crypto'
import { createVerifier, TokenError } from 'fast-jwt'
import { decodeProtectedHeader, type JWK, type JWTPayload } from 'jose'
import { AppError } from '../errors.ts'

/** Roles a membership can carry. `platform_admin` is a user flag, not an org role. */
export const roles = ['learner', 'instructor', 'tutor', 'org_admin'] as const
export type Role = (typeof roles)[number]

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** User id (`usr_...`). */
  userId: string
  /** The organization the token is scoped to (`org_...`). */
  orgId: string
  /** Roles in that organization. */
  roles: Role[]
  /** Platform administrators can act across organizations. */
  platformAdmin: boolean
  /** The session the token belongs to. */
  sessionId: string
  /** The raw claims. */
  claims: JWTPayload
}

/** A JSON Web Key Set. */
export interface Jwks {
  keys: (JWK & { kid?: string })[]
}

/** Options for `createTokenVerifier`. */
export interface VerifierOptions {
  /**
   * Where keys come from: the URL of identity's JWKS, the URLs of every identity replica's (tried in
   * turn, starting with the last that answered: one replica down does not stop key refreshes), or a
   * function (embedded mode, tests).
   */
  jwks: string | readonly string[] | (() => Promise<Jwks>)
  issuer: string
  audience: string
  /** Refetch keys at most this often when an unknown kid shows up (ms). */
  cooldownMs?: number
  /** Refresh the whole set after this long even without unknown kids (ms). */
  maxAgeMs?: number
  /** Clock tolerance in seconds. */
  clockToleranceSec?: number
  /**
   * Verified tokens are remembered (by their exact string) for at most this long and never past
   * their `exp`: a client repeating its token skips the signature check. 0 turns it off. Default 30 s.
   */
  cacheMs?: number
  /** At most this many remembered tokens (oldest dropped first). Default 10,000. */
  cacheEntries?: number
}

/** Verifies access tokens. */
export interface TokenVerifier {
  /**
   * `remember: false` for a token seen once (a socket handshake): it is checked against the
   * remembered ones but not added, so a burst of connections does not fill the cache for 30 s.
   */
  verify(token: string, options?: { remember?: boolean }): Promise<Principal>
}

/** A synchronous check of one key's tokens (fast-jwt's verifier built for that key). */
type KeyCheck = (token: string) => JWTPayload

/** fast-jwt's "The <claim> claim ..." messages name the claim. */
const claimOf = (message: string) => /^The (\w+) claim/.exec(message)?.[1] ?? 'unknown'

/** fast-jwt's errors as the problem a client sees (never the token itself). */
function tokenProblem(e: TokenError): AppError {
  switch (e.code) {
    case TokenError.codes.expired:
      return new AppError('invalid_token', 'Token has expired')
    case TokenError.codes.inactive:
      return new AppError('invalid_token', "Token claim 'nbf' is not valid")
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.invalidClaimType:
      return new AppError('invalid_token', `Token claim '${claimOf(e.message)}' is not valid`)
    case TokenError.codes.missingRequiredClaim:
      return new AppError('invalid_token', `Token claim '${claimOf(e.message)}' is missing`)
    case TokenError.codes.invalidType:
      return new AppError('invalid_token', "Token typ is not 'at+jwt'")
    case TokenError.codes.invalidAlgorithm:
      return new AppError('invalid_token', 'Token algorithm is not accepted')
    case TokenError.codes.malformed:
    case TokenError.codes.invalidPayload:
      return new AppError('invalid_token', 'Token is malformed')
    case TokenError.codes.invalidSignature:
    case TokenError.codes.missingSignature:
    case TokenError.codes.invalidCritHeader:
    case TokenError.codes.invalidKey:
    case TokenError.codes.missingKey:
    case TokenError.codes.keyFetchingError:
    case TokenError.codes.verifyError:
    case TokenError.codes.invalidOption:
    case TokenError.codes.signError:
      return new AppError('invalid_token', 'Token signature or format is not valid')
  }
}

/**
 * Verifies EdDSA access JWTs against identity's JWKS. Keys are cached by kid; an unknown kid
 * triggers one refetch (rate limited by `cooldownMs`), so rotated keys are picked up without a
 * restart. Only `EdDSA` is accepted: `alg: none`, HS256 with the public key and every other
 * algorithm are rejected, as are wrong iss/aud, expired, not-yet-valid and non-access tokens.
 *
 * The signature and claims are checked by fast-jwt, synchronously with node:crypto (one verifier
 * per key, built when the JWKS is read). WebCrypto's `subtle.verify` (what jose uses) runs each
 * check as a thread-pool job; the hand-off cost several hundred CPU µs per token on the 2-core VM
 * the benchmarks run on (a fifth of the gateway's CPU in `checkout-latency`), the synchronous
 * check about 80 µs.
 */
/**
 * Reads a JWKS from the first of `urls` that answers, starting with the one that answered last
 * time; fails only when none does (with each one's reason).
 */
export function jwksFromUrls(urls: string | readonly string[]): () => Promise<Jwks> {
  const list = typeof urls === 'string' ? [urls] : [...urls]
  if (list.length === 0) throw new Error('no JWKS URL')
  let preferred = 0
  return async () => {
    const failures: string[] = []
    for (let i = 0; i < list.length; i++) {
      const at = (preferred + i) % list.length
      try {
        const res = await fetch(list[at]!, { signal: AbortSignal.timeout(5000) })
        if (!res.ok) throw new Error(`answered ${res.status}`)
        const set = (await res.json()) as Jwks
        if (!Array.isArray(set?.keys)) throw new Error('answered without keys')
        preferred = at
        return set
      } catch (err) {
        failures.push(`${list[at]}: ${(err as Error).message}`)
      }
    }
    throw new Error(`JWKS fetch failed (${failures.join('; ')})`)
  }
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const cooldownMs = options.cooldownMs ?? 30_000
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000
  const fetchJwks = typeof options.jwks === 'function' ? options.jwks : jwksFromUrls(options.jwks)
  const cacheMs = options.cacheMs ?? 30_000
  const cacheEntries = options.cacheEntries ?? 10_000
  const verified = new Map<string, { principal: Principal; until: number }>()
  let keys = new Map<string, KeyCheck>()
  const checkOptions = {
    algorithms: ['EdDSA' as const],
    allowedIss: options.issuer,
    allowedAud: options.audience,
    requiredClaims: ['exp', 'iat', 'nbf', 'sub'],
    clockTolerance: (options.clockToleranceSec ?? 5) * 1000,
    checkTyp: 'at+jwt',
  }
  let fetchedAt = 0
  let inflight: Promise<void> | undefined

  async function refresh(): Promise<void> {
    inflight ??= (async () => {
      try {
        const set = await fetchJwks()
        const next = new Map<string, KeyCheck>()
        for (const jwk of set.keys) {
          if (!jwk.kid || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.d || typeof jwk.x !== 'string')
            continue
          try {
            const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' })
              .export({ type: 'spki', format: 'pem' })
              .toString()
            next.set(jwk.kid, createVerifier({ ...checkOptions, key: pem }) as KeyCheck)
          } catch {
            // A key that is not a valid Ed25519 public key is skipped, as an unusable one.
          }
        }
        keys = next
        fetchedAt = Date.now()
      } finally {
        inflight = undefined
      }
    })()
    return inflight
  }

  async function keyFor(kid: string): Promise<KeyCheck | undefined> {
    const age = Date.now() - fetchedAt
    if (fetchedAt === 0 || age > maxAgeMs || (!keys.has(kid) && age >= cooldownMs)) {
      try {
        await refresh()
      } catch {
        // Keep the keys we have; an unknown kid fails below.
      }
    }
    return keys.get(kid)
  }

  function remember(token: string, principal: Principal): Principal {
    if (cacheMs <= 0) return principal
    const now = Date.now()
    const exp = typeof principal.claims.exp === 'number' ? principal.claims.exp * 1000 : now
    const until = Math.min(exp, now + cacheMs)
    if (until > now) {
      // Oldest first: a Map iterates in insertion order.
      if (verified.size >= cacheEntries) verified.delete(verified.keys().next().value!)
      verified.set(token, { principal, until })
    }
    return principal
  }

  return {
    async verify(token, verifyOptions) {
      const hit = verified.get(token)
      if (hit) {
        if (hit.until > Date.now()) return hit.principal
        verified.delete(token)
      }
      const principal = await verifyFully(token)
      return verifyOptions?.remember === false ? principal : remember(token, principal)
    },
  }

  /** The full check: header, key, signature and claims. */
  async function verifyFully(token: string): Promise<Principal> {
    let kid: string | undefined
    try {
      const header = decodeProtectedHeader(token)
      if (header.alg !== 'EdDSA') throw new AppError('invalid_token', 'Token algorithm is not accepted')
      kid = header.kid
    } catch (e) {
      if (e instanceof AppError) throw e
      throw new AppError('invalid_token', 'Token is malformed')
    }
    if (!kid) throw new AppError('invalid_token', 'Token has no key id')
    const check = await keyFor(kid)
    if (!check) throw new AppError('invalid_token', 'Token was signed by an unknown key')
    let payload: JWTPayload
    try {
      payload = check(token)
    } catch (e) {
      if (e instanceof TokenError) throw tokenProblem(e)
      throw new AppError('invalid_token', 'Token signature or format is not valid')
    }
    if (typeof payload.org !== 'string' || typeof payload.sid !== 'string') {
      throw new AppError('invalid_token', 'Token lacks organization or session claims')
    }
    return {
      userId: payload.sub!,
      orgId: payload.org,
      roles: Array.isArray(payload.roles)
        ? (payload.roles.filter((r) => roles.includes(r as Role)) as Role[])
        : [],
      platformAdmin: payload.padm === true,
      sessionId: payload.sid,
      claims: payload,
    }
  }
}
