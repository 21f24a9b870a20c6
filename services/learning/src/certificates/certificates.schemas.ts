import { Type, IdString } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Path: a certificate. */
export const CertificateParams = Type.Object({ certificateId: IdString('crt', 'Certificate id') })
/** Path: a verification code as typed (case, dashes and spaces do not matter). */
export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) })

/** A certificate as its learner (and org admins) see it. */
export const CertificateSchema = Type.Object({
  /** Certificate id (`crt_...`). */
  id: Type.String(),
  /** Public verification code, e.g. `7KQ2M-X9DPA-4RT8V-HC3WN`. */
  code: Type.String(),
  /** Public verification page. */
  verifyUrl: Type.String(),
  /** The course. */
  courseId: Type.String(),
  /** Course title of the completed version. */
  courseTitle: Type.String(),
  /** The learner. */
  userId: Type.String(),
  /** Name printed on the certificate. */
  learnerName: Type.String(),
  /** The enrollment it certifies. */
  enrollmentId: Type.String(),
  /** Issue time. */
  issuedAt: Type.String({ format: 'date-time' }),
  /** True once an org admin revoked it. */
  revoked: Type.Boolean(),
  /** Revocation time. */
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
})

/** GET /certificates/mine. */
export const MyCertificatesSchema = Type.Object({
  /** Newest first. */
  items: Type.Array(CertificateSchema),
})

/** One certificate with its Open Badges 3.0 credential. */
export const CertificateDetailSchema = Type.Object({
  ...CertificateSchema.properties,
  /** The OpenBadgeCredential (JSON-LD) with its VC-JOSE signature embedded as a `JwtProof2020` proof. */
  credential: Type.Object({}, { additionalProperties: true }),
  /** The same credential secured as a compact JWS (`typ: vc+jwt`), verifiable with GET /issuer/jwks.json. */
  credentialJwt: Type.String(),
})

/** GET /certificates/verify/:code: what anyone may check. */
export const VerificationSchema = Type.Object({
  /** Canonical code. */
  code: Type.String(),
  /** Name on the certificate. */
  learnerName: Type.String(),
  /** Course title. */
  courseTitle: Type.String(),
  /** Issue time. */
  issuedAt: Type.String({ format: 'date-time' }),
  /** Who issued it. */
  issuer: Type.Object({
    /** Issuer Profile URL. */
    id: Type.String(),
    /** Platform name. */
    name: Type.String(),
  }),
  /** True when revoked: the certificate is no longer valid. */
  revoked: Type.Boolean(),
  /** Revocation time. */
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  /** The verification page. */
  verifyUrl: Type.String(),
})

/** GET /issuer: the Open Badges issuer Profile. */
export const IssuerSchema = Type.Object({
  /** JSON-LD contexts. */
  '@context': Type.Array(Type.String()),
  /** This document's URL. */
  id: Type.String(),
  /** `['Profile']`. */
  type: Type.Array(Type.String()),
  /** Platform name. */
  name: Type.String(),
  /** The platform's web address. */
  url: Type.String(),
  /** Where the keys that sign credentials are published. */
  jwksUri: Type.String(),
})

/** GET /issuer/jwks.json. */
export const JwksSchema = Type.Object({
  /** Ed25519 public keys, newest first (retired keys stay: old certificates must still verify). */
  keys: Type.Array(
    Type.Object({
      /** OKP. */
      kty: Type.String(),
      /** Ed25519. */
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
