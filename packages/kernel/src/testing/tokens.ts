import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import type { Jwks } from '../auth/verifier.ts'

/**
 * A throwaway Ed25519 signer for services' tests: signs access tokens the way identity does, and
 * exposes the matching JWKS, so a service can be tested without running identity.
 */
export async function createTestSigner(options: { issuer?: string; audience?: string; kid?: string } = {}) {
  const issuer = options.issuer ?? 'http://learnmesh.test/identity'
  const audience = options.audience ?? 'learnmesh'
  const kid = options.kid ?? 'test-key-1'
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }
  return {
    issuer,
    audience,
    jwks: async (): Promise<Jwks> => ({ keys: [publicJwk] }),
    /** Signs an access token; `overrides` may change any claim or header for negative tests. */
    async sign(
      claims: { sub: string; org: string; roles?: string[]; padm?: boolean; sid?: string } & Record<
        string,
        unknown
      >,
      opts: {
        expiresIn?: string | number
        issuer?: string
        audience?: string
        kid?: string
        notBefore?: string | number
      } = {},
    ): Promise<string> {
      return new SignJWT({ sid: 'ses_test', roles: [], ...claims })
        .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? kid, typ: 'at+jwt' })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setSubject(claims.sub)
        .setIssuedAt()
        .setNotBefore(opts.notBefore ?? '0s')
        .setExpirationTime(opts.expiresIn ?? '15m')
        .sign(privateKey)
    },
  }
}
