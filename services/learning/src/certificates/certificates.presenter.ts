import type { Certificate } from './certificates.service.ts'

/** A certificate without its credential. */
export function presentCertificate(c: Certificate) {
  return {
    id: c.id,
    code: c.code,
    verifyUrl: c.verifyUrl,
    courseId: c.courseId,
    courseTitle: c.courseTitle,
    userId: c.userId,
    learnerName: c.learnerName,
    enrollmentId: c.enrollmentId,
    issuedAt: c.issuedAt.toISOString(),
    revoked: c.revokedAt !== null,
    revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
  }
}

/** A certificate with its Open Badges credential and JWS. */
export function presentCertificateDetail(c: Certificate) {
  return {
    ...presentCertificate(c),
    credential: c.credential as Record<string, unknown>,
    credentialJwt: c.jwt,
  }
}

/** What the public verification shows: no ids, no email, nothing beyond the certificate's face. */
export function presentVerification(c: Certificate, issuer: { id: string; name: string }) {
  return {
    code: c.code,
    learnerName: c.learnerName,
    courseTitle: c.courseTitle,
    issuedAt: c.issuedAt.toISOString(),
    issuer,
    revoked: c.revokedAt !== null,
    revokedAt: c.revokedAt ? c.revokedAt.toISOString() : null,
    verifyUrl: c.verifyUrl,
  }
}
