import { and, desc, eq } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { certificates, enrollments, people } from '../db/schema.ts'

/** A certificates row. */
export type CertificateRow = typeof certificates.$inferSelect

/** Data access for certificates (tenant reads are scoped by organization). */
export function createCertificatesRepository() {
  return {
    /** The certificate of an enrollment, if issued. */
    async findByEnrollment(db: DbOrTx, enrollmentId: string): Promise<CertificateRow | undefined> {
      const [row] = await db.select().from(certificates).where(eq(certificates.enrollmentId, enrollmentId))
      return row
    },
    /** A certificate by its canonical code (public verification: no organization scope by design). */
    async findByCode(db: DbOrTx, code: string): Promise<CertificateRow | undefined> {
      const [row] = await db.select().from(certificates).where(eq(certificates.code, code))
      return row
    },
    /** A certificate of the organization. */
    async find(db: DbOrTx, orgId: string, id: string): Promise<CertificateRow | undefined> {
      const [row] = await db
        .select()
        .from(certificates)
        .where(and(eq(certificates.id, id), eq(certificates.orgId, orgId)))
      return row
    },
    /** A learner's certificates in an organization, newest first. */
    async listMine(db: DbOrTx, orgId: string, userId: string): Promise<CertificateRow[]> {
      return db
        .select()
        .from(certificates)
        .where(and(eq(certificates.orgId, orgId), eq(certificates.userId, userId)))
        .orderBy(desc(certificates.issuedAt), desc(certificates.id))
    },
    /** Inserts unless the enrollment (or, astronomically unlikely, the code) already has one. */
    async insert(db: DbOrTx, row: typeof certificates.$inferInsert): Promise<CertificateRow | undefined> {
      const [created] = await db.insert(certificates).values(row).onConflictDoNothing().returning()
      return created
    },
    /** Sets revoked_at once (a revoked certificate stays revoked at its first time). */
    async revoke(db: DbOrTx, id: string, at: Date): Promise<CertificateRow> {
      const [row] = await db
        .update(certificates)
        .set({ revokedAt: at })
        .where(eq(certificates.id, id))
        .returning()
      return row!
    },
    /** An enrollment by id. */
    async findEnrollment(db: DbOrTx, id: string) {
      const [row] = await db.select().from(enrollments).where(eq(enrollments.id, id))
      return row
    },
    /** A person's display name, if learning has heard of them. */
    async displayName(db: DbOrTx, userId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ name: people.displayName })
        .from(people)
        .where(eq(people.userId, userId))
      return row?.name
    },
  }
}
