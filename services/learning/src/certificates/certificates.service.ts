import { AppError, newId, writeEvent, type Logger, type Principal, type Tx } from '@learnmesh/kernel'
import {
  learningCertificateIssued,
  learningCertificateRevoked,
  type learningCourseCompleted,
} from '@learnmesh/contracts'
import type { Static } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { outbox } from '../db/schema.ts'
import { isCourseAdmin, loadSnapshot } from '../shared/access.ts'
import { generateCode, normalizeCode } from './code.ts'
import { buildCredential, embedProof, issuerUrls, signCredential, verifyUrlOf } from './credential.ts'
import { renderCertificatePdf } from './pdf.ts'
import { createCertificatesRepository, type CertificateRow } from './certificates.repository.ts'
import { createSigningKeys } from './signing-keys.ts'

/** The name printed when learning has not heard of the learner (no identity.user.registered yet). */
export const FALLBACK_LEARNER_NAME = 'Learner'

/** A certificate row with its stored credential split into the JSON and the compact JWS. */
export interface Certificate extends CertificateRow {
  verifyUrl: string
  jwt: string
}

/**
 * Certificates of completion: issued once per enrollment on learning.course.completed, with an
 * Open Badges 3.0 credential signed by the platform key, a PDF rendered on request and a public
 * verification by code. Org admins can revoke; a revoked certificate verifies as revoked.
 */
export function createCertificatesService(deps: LearningDeps) {
  const { database, config } = deps
  const repo = createCertificatesRepository()
  const keys = createSigningKeys(config.LEARNING_SECRET)
  const urls = issuerUrls(config.PUBLIC_URL)

  function withExtras(row: CertificateRow): Certificate {
    const proof = (row.credential as { proof?: { jwt?: string }[] }).proof
    return { ...row, verifyUrl: verifyUrlOf(config.PUBLIC_URL, row.code), jwt: proof?.[0]?.jwt ?? '' }
  }

  /** The certificate if the caller is its learner or an org admin of its organization; else 404. */
  async function requireReadable(principal: Principal, id: string): Promise<CertificateRow> {
    const row = await repo.find(database.db, principal.orgId, id)
    if (!row || (row.userId !== principal.userId && !isCourseAdmin(principal)))
      throw new AppError('not_found', 'Certificate not found')
    return row
  }

  return {
    urls,

    /**
     * Issues the certificate of a completed enrollment inside the consumer's transaction.
     * Idempotent: an enrollment that already has one (a duplicate or replayed event) changes nothing.
     */
    async issue(
      tx: Tx,
      payload: Static<typeof learningCourseCompleted.payload>,
      meta: { traceparent: string | null; log: Logger },
    ): Promise<CertificateRow | undefined> {
      if (await repo.findByEnrollment(tx, payload.enrollmentId)) return undefined
      const enrollment = await repo.findEnrollment(tx, payload.enrollmentId)
      if (!enrollment || enrollment.userId !== payload.userId || enrollment.courseId !== payload.courseId) {
        meta.log.warn(
          { enrollmentId: payload.enrollmentId },
          'course completed for an unknown enrollment; no certificate',
        )
        return undefined
      }
      const snapshot = await loadSnapshot(tx, payload.courseId, payload.courseVersion)
      const learnerName = (await repo.displayName(tx, payload.userId))?.trim() || FALLBACK_LEARNER_NAME
      const key = await keys.activeKey(tx)
      const code = generateCode()
      const issuedAt = new Date()
      const credential = buildCredential({
        urls,
        platformName: config.PLATFORM_NAME,
        code,
        issuedAt,
        completedAt: new Date(payload.completedAt),
        learnerName,
        courseId: payload.courseId,
        courseVersion: payload.courseVersion,
        courseTitle: snapshot.title,
        courseDescription: snapshot.subtitle || snapshot.description,
      })
      const jwt = await signCredential(credential, key)
      const row = await repo.insert(tx, {
        id: newId('crt'),
        orgId: enrollment.orgId,
        courseId: enrollment.courseId,
        userId: enrollment.userId,
        enrollmentId: enrollment.id,
        code,
        learnerName,
        courseTitle: snapshot.title,
        issuedAt,
        credential: embedProof(credential, jwt, key, urls),
      })
      if (!row) {
        if (await repo.findByEnrollment(tx, payload.enrollmentId)) return undefined
        throw new Error('verification code collision; the delivery will be retried')
      }
      await writeEvent(tx, outbox, learningCertificateIssued, {
        aggregateId: row.id,
        orgId: row.orgId,
        traceparent: meta.traceparent,
        payload: {
          certificateId: row.id,
          code,
          courseId: row.courseId,
          userId: row.userId,
          enrollmentId: row.enrollmentId,
          verifyUrl: verifyUrlOf(config.PUBLIC_URL, code),
        },
      })
      meta.log.info({ certificateId: row.id, enrollmentId: row.enrollmentId }, 'certificate issued')
      return row
    },

    /** The caller's certificates in their organization, newest first. */
    async listMine(principal: Principal): Promise<Certificate[]> {
      return (await repo.listMine(database.db, principal.orgId, principal.userId)).map(withExtras)
    },

    /** One certificate (its learner, or org admins). */
    async get(principal: Principal, id: string): Promise<Certificate> {
      return withExtras(await requireReadable(principal, id))
    },

    /** The PDF of a certificate (its learner, or org admins). */
    async pdf(principal: Principal, id: string): Promise<{ pdf: Buffer; code: string }> {
      const row = await requireReadable(principal, id)
      const pdf = await renderCertificatePdf({
        platformName: config.PLATFORM_NAME,
        learnerName: row.learnerName,
        courseTitle: row.courseTitle,
        issuedAt: row.issuedAt,
        code: row.code,
        verifyUrl: verifyUrlOf(config.PUBLIC_URL, row.code),
        revoked: row.revokedAt !== null,
      })
      return { pdf, code: row.code }
    },

    /** Revokes a certificate (org admins of its organization; idempotent). */
    async revoke(principal: Principal, id: string): Promise<Certificate> {
      if (!isCourseAdmin(principal)) {
        // Its learner learns they cannot; anyone else learns nothing.
        const own = await repo.find(database.db, principal.orgId, id)
        if (own && own.userId === principal.userId)
          throw new AppError('forbidden', 'Only an organization admin can revoke a certificate')
        throw new AppError('not_found', 'Certificate not found')
      }
      const row = await repo.find(database.db, principal.orgId, id)
      if (!row) throw new AppError('not_found', 'Certificate not found')
      if (row.revokedAt) return withExtras(row)
      const revoked = await database.db.transaction(async (tx) => {
        const updated = await repo.revoke(tx, id, new Date())
        await writeEvent(tx, outbox, learningCertificateRevoked, {
          aggregateId: updated.enrollmentId,
          orgId: updated.orgId,
          payload: {
            certificateId: updated.id,
            code: updated.code,
            courseId: updated.courseId,
            userId: updated.userId,
            revokedBy: principal.userId,
          },
        })
        return updated
      })
      deps.wakeRelay()
      return withExtras(revoked)
    },

    /** Public verification by code (any organization, no sign-in). Unknown code → 404. */
    async verify(input: string): Promise<Certificate> {
      const code = normalizeCode(input)
      const row = code ? await repo.findByCode(database.db, code) : undefined
      if (!row) throw new AppError('not_found', 'No certificate has this code')
      return withExtras(row)
    },

    /** The issuer's public keys (creating the first key if none exists yet). */
    async jwks(): Promise<{ keys: Awaited<ReturnType<typeof keys.publicKeys>> }> {
      let published = await keys.publicKeys(database.db)
      if (published.length === 0) {
        await database.db.transaction(async (tx) => {
          await keys.activeKey(tx)
        })
        published = await keys.publicKeys(database.db)
      }
      return { keys: published }
    },
  }
}

/** The certificates service type. */
export type CertificatesService = ReturnType<typeof createCertificatesService>
