import { and, asc, count, eq, inArray } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { serviceAreas, tutorLanguages, tutorProfiles, tutorSubjects } from '../db/schema.ts'

/** A tutor_profiles row. */
export type ProfileRow = typeof tutorProfiles.$inferSelect
/** A service_areas row. */
export type AreaRow = typeof serviceAreas.$inferSelect
/** A subject with levels, as stored. */
export interface SubjectRow {
  subject: string
  levels: string[]
}

/** Drizzle access to profiles, their subjects, languages and service areas. Plain rows out. */
export function createProfilesRepository() {
  return {
    /** The caller's profile in the organization; `lock` takes a row lock until commit. */
    async findByUser(
      db: DbOrTx,
      orgId: string,
      userId: string,
      lock = false,
    ): Promise<ProfileRow | undefined> {
      const q = db
        .select()
        .from(tutorProfiles)
        .where(and(eq(tutorProfiles.orgId, orgId), eq(tutorProfiles.userId, userId)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },

    /** A profile of the organization by id; `lock` takes a row lock until commit. */
    async findById(db: DbOrTx, orgId: string, id: string, lock = false): Promise<ProfileRow | undefined> {
      const q = db
        .select()
        .from(tutorProfiles)
        .where(and(eq(tutorProfiles.orgId, orgId), eq(tutorProfiles.id, id)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },

    /** Inserts a profile; undefined when the user already has one in the organization. */
    async insert(tx: Tx, values: typeof tutorProfiles.$inferInsert): Promise<ProfileRow | undefined> {
      const [row] = await tx.insert(tutorProfiles).values(values).onConflictDoNothing().returning()
      return row
    },

    /** Updates a profile by id. */
    async update(tx: Tx, id: string, set: Partial<typeof tutorProfiles.$inferInsert>): Promise<ProfileRow> {
      const [row] = await tx.update(tutorProfiles).set(set).where(eq(tutorProfiles.id, id)).returning()
      return row!
    },

    /** Subjects of several tutors, by tutor id (slug order). */
    async subjectsOf(db: DbOrTx, tutorIds: string[]): Promise<Map<string, SubjectRow[]>> {
      const out = new Map<string, SubjectRow[]>()
      if (tutorIds.length === 0) return out
      const rows = await db
        .select()
        .from(tutorSubjects)
        .where(inArray(tutorSubjects.tutorId, tutorIds))
        .orderBy(asc(tutorSubjects.subject))
      for (const r of rows)
        out.set(r.tutorId, [...(out.get(r.tutorId) ?? []), { subject: r.subject, levels: r.levels }])
      return out
    },

    /** Languages of several tutors, by tutor id. */
    async languagesOf(db: DbOrTx, tutorIds: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>()
      if (tutorIds.length === 0) return out
      const rows = await db
        .select()
        .from(tutorLanguages)
        .where(inArray(tutorLanguages.tutorId, tutorIds))
        .orderBy(asc(tutorLanguages.language))
      for (const r of rows) out.set(r.tutorId, [...(out.get(r.tutorId) ?? []), r.language])
      return out
    },

    /** Replaces a tutor's subjects. */
    async replaceSubjects(tx: Tx, tutorId: string, orgId: string, subjects: SubjectRow[]): Promise<void> {
      await tx.delete(tutorSubjects).where(eq(tutorSubjects.tutorId, tutorId))
      if (subjects.length > 0)
        await tx.insert(tutorSubjects).values(subjects.map((s) => ({ tutorId, orgId, ...s })))
    },

    /** Replaces a tutor's languages. */
    async replaceLanguages(tx: Tx, tutorId: string, orgId: string, languages: string[]): Promise<void> {
      await tx.delete(tutorLanguages).where(eq(tutorLanguages.tutorId, tutorId))
      if (languages.length > 0)
        await tx.insert(tutorLanguages).values(languages.map((language) => ({ tutorId, orgId, language })))
    },

    /** A tutor's service areas, oldest first. */
    async areasOf(db: DbOrTx, tutorId: string): Promise<AreaRow[]> {
      return db
        .select()
        .from(serviceAreas)
        .where(eq(serviceAreas.tutorId, tutorId))
        .orderBy(asc(serviceAreas.createdAt), asc(serviceAreas.id))
    },

    /** How many service areas a tutor has. */
    async countAreas(db: DbOrTx, tutorId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(serviceAreas)
        .where(eq(serviceAreas.tutorId, tutorId))
      return row?.n ?? 0
    },

    /** Inserts a service area. */
    async insertArea(tx: Tx, values: typeof serviceAreas.$inferInsert): Promise<AreaRow> {
      const [row] = await tx.insert(serviceAreas).values(values).returning()
      return row!
    },

    /** Replaces a service area's fields; undefined when the tutor has no such area. */
    async updateArea(
      tx: Tx,
      tutorId: string,
      areaId: string,
      set: Partial<typeof serviceAreas.$inferInsert>,
    ): Promise<AreaRow | undefined> {
      const [row] = await tx
        .update(serviceAreas)
        .set(set)
        .where(and(eq(serviceAreas.tutorId, tutorId), eq(serviceAreas.id, areaId)))
        .returning()
      return row
    },

    /** Deletes a service area; false when the tutor has no such area. */
    async deleteArea(tx: Tx, tutorId: string, areaId: string): Promise<boolean> {
      const rows = await tx
        .delete(serviceAreas)
        .where(and(eq(serviceAreas.tutorId, tutorId), eq(serviceAreas.id, areaId)))
        .returning({ id: serviceAreas.id })
      return rows.length > 0
    },

    /** Profiles waiting for review in the organization, oldest request first. */
    async reviewQueue(db: DbOrTx, orgId: string, limit: number): Promise<ProfileRow[]> {
      return db
        .select()
        .from(tutorProfiles)
        .where(and(eq(tutorProfiles.orgId, orgId), eq(tutorProfiles.verificationStatus, 'pending')))
        .orderBy(asc(tutorProfiles.verificationRequestedAt), asc(tutorProfiles.id))
        .limit(limit)
    },
  }
}

/** What createProfilesRepository returns. */
export type ProfilesRepository = ReturnType<typeof createProfilesRepository>
