import { requirePlatformAdmin, Type, problems, type App, type Static } from '@learnmesh/kernel'
import type { KeyStore } from '../deps.ts'
import { requireSession } from '../shared/http.ts'

/** The JWKS document (public keys only). */
const JwksSchema = Type.Object({
  /** Published Ed25519 public keys. */
  keys: Type.Array(
    Type.Object({
      /** Key type: OKP. */
      kty: Type.String(),
      /** Curve: Ed25519. */
      crv: Type.String(),
      /** Public key. */
      x: Type.String(),
      /** Key id (RFC 7638 thumbprint). */
      kid: Type.String(),
      /** EdDSA. */
      alg: Type.String(),
      /** sig. */
      use: Type.String(),
    }),
  ),
})

/** The result of a rotation. */
const RotateResponse = Type.Object({
  /** The new signing key. */
  kid: Type.String(),
  /** The key that stopped signing (still published until its tokens expire). */
  retiredKid: Type.Union([Type.String(), Type.Null()]),
})

/** JWKS and signing-key rotation. */
export function keysRoutes(
  app: App,
  s: { keys: KeyStore; isLive: (sessionId: string, userId: string) => Promise<boolean> },
): void {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['keys'],
        summary: 'Public keys that verify access tokens',
        response: { 200: JwksSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60')
      return (await s.keys.jwks()) as Static<typeof JwksSchema>
    },
  )

  app.post(
    '/admin/keys/rotate',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Rotate the signing key (platform admin)',
        response: { 200: RotateResponse, ...problems(401, 403) },
      },
    },
    async (request) => {
      requirePlatformAdmin(request)
      await requireSession(request, s.isLive)
      return s.keys.rotateSigningKey()
    },
  )
}
