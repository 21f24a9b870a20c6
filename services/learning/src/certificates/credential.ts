import { CompactSign } from 'jose'

/** JSON-LD contexts of an Open Badges 3.0 credential (VC Data Model 2.0 first). */
export const OB3_CONTEXT = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
] as const
/** Where 1EdTech publishes the schema the credential is declared (and tested) to conform to. */
export const OB3_SCHEMA_ID =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json'
/** JOSE `typ` of a credential secured with VC-JOSE (compact JWS whose payload is the credential). */
export const VC_JWT_TYP = 'vc+jwt'

/** Where things live: the web app (PUBLIC_URL) and learning's API behind the gateway. */
export interface IssuerUrls {
  /** PUBLIC_URL without a trailing slash. */
  publicUrl: string
  /** The issuer Profile document (GET /issuer). */
  issuerId: string
  /** The issuer's JWKS (GET /issuer/jwks.json). */
  jwksUrl: string
  /** Learning's API base as seen from outside (`<PUBLIC_URL>/api/learning`). */
  apiBase: string
}

/** Issuer URLs from PUBLIC_URL: the gateway serves learning's API under /api/learning. */
export function issuerUrls(publicUrl: string): IssuerUrls {
  const base = publicUrl.replace(/\/+$/, '')
  const apiBase = `${base}/api/learning`
  return { publicUrl: base, apiBase, issuerId: `${apiBase}/issuer`, jwksUrl: `${apiBase}/issuer/jwks.json` }
}

/** The public verification page of a code. */
export function verifyUrlOf(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/verify/${code}`
}

/** What a certificate's credential says. */
export interface CredentialInput {
  urls: IssuerUrls
  platformName: string
  code: string
  issuedAt: Date
  completedAt: Date
  learnerName: string
  courseId: string
  courseVersion: number
  courseTitle: string
  courseDescription: string
}

/** An ISO 8601 UTC time without milliseconds (what wallets display best). */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * The unsigned Open Badges 3.0 AchievementCredential (an OpenBadgeCredential) for a completed
 * course. The learner is identified by name through an `IdentityObject` of type `name` (OB 3.0.3);
 * the achievement is the course, its criteria the completion rule.
 */
export function buildCredential(input: CredentialInput): Record<string, unknown> {
  const { urls } = input
  return {
    '@context': [...OB3_CONTEXT],
    id: `${urls.apiBase}/certificates/verify/${input.code}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: `${input.courseTitle} — certificate of completion`,
    description: `${input.learnerName} completed the course "${input.courseTitle}" on ${input.platformName}.`,
    issuer: {
      id: urls.issuerId,
      type: ['Profile'],
      name: input.platformName,
      url: urls.publicUrl,
    },
    validFrom: isoSeconds(input.issuedAt),
    awardedDate: isoSeconds(input.completedAt),
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [
        { type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: input.learnerName },
      ],
      achievement: {
        id: `urn:learnmesh:course:${input.courseId}`,
        type: ['Achievement'],
        achievementType: 'CertificateOfCompletion',
        name: input.courseTitle,
        description:
          input.courseDescription.trim() || `The course "${input.courseTitle}" on ${input.platformName}.`,
        criteria: {
          narrative: `Complete every lesson of version ${input.courseVersion} of the course: watch its videos, read its texts, pass its quizzes and have its assignments graded at or above their pass mark.`,
        },
      },
    },
    credentialSchema: [{ id: OB3_SCHEMA_ID, type: '1EdTechJsonSchemaValidator2019' }],
  }
}

/**
 * Signs a credential with VC-JOSE: a compact JWS (EdDSA over Ed25519) whose payload is exactly the
 * credential JSON, header `{ alg: 'EdDSA', kid, typ: 'vc+jwt', cty: 'vc' }`.
 */
export async function signCredential(
  credential: Record<string, unknown>,
  key: { kid: string; privateKey: CryptoKey },
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(credential)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: VC_JWT_TYP, cty: 'vc' })
    .sign(key.privateKey)
}

/**
 * The credential with its JWS embedded as a proof, so the JSON alone can be checked: verify `jwt`
 * with the issuer's published key, then compare its payload with the credential minus `proof`.
 */
export function embedProof(
  credential: Record<string, unknown>,
  jwt: string,
  key: { kid: string },
  urls: IssuerUrls,
): Record<string, unknown> {
  return {
    ...credential,
    proof: [
      {
        type: 'JwtProof2020',
        jwt,
        created: credential.validFrom,
        proofPurpose: 'assertionMethod',
        verificationMethod: `${urls.jwksUrl}#${key.kid}`,
      },
    ],
  }
}
