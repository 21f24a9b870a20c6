import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { users } from '../db/schema.ts'

/** A users row. */
export type UserRow = typeof users.$inferSelect
/** Columns to insert a user. */
export type NewUserRow = typeof users.$inferInsert

/** Data access for identity.users; plain rows out. */
export function createUsersRepository() {
  return {
    /** The user with this id, or undefined. */
    async findById(db: DbOrTx, id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1)
      return row
    },
    /** The user with this (lower-cased) email, or undefined. */
    async findByEmail(db: DbOrTx, email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1)
      return row
    },
    /** Inserts a user; returns undefined when the email is taken. */
    async insert(db: DbOrTx, row: NewUserRow): Promise<UserRow | undefined> {
      const [created] = await db.insert(users).values(row).onConflictDoNothing().returning()
      return created
    },
    /** Updates columns of a user and bumps updated_at. */
    async update(db: DbOrTx, id: string, patch: Partial<NewUserRow>): Promise<UserRow | undefined> {
      const [row] = await db
        .update(users)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(users.id, id))
        .returning()
      return row
    },
    /**
     * Records `step` as the last accepted TOTP time step, only if it is later than the one stored.
     * False means the code's step was already used: a replay. Atomic, so two replicas cannot both accept it.
     */
    async claimTotpStep(db: DbOrTx, id: string, step: number): Promise<boolean> {
      const rows = await db
        .update(users)
        .set({ totpLastStep: step })
        .where(and(eq(users.id, id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
        .returning({ id: users.id })
      return rows.length === 1
    },
    /** A page of users ordered by id (ids are time-ordered), after the cursor. */
    async page(db: DbOrTx, options: { after?: string; limit: number; email?: string }): Promise<UserRow[]> {
      const conditions = [
        options.after ? gt(users.id, options.after) : undefined,
        options.email
          ? sql`${users.email} like ${`%${options.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`
          : undefined,
      ].filter((c) => c !== undefined)
      return db
        .select()
        .from(users)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(asc(users.id))
        .limit(options.limit)
    },
  }
}

/** The users repository type. */
export type UsersRepository = ReturnType<typeof createUsersRepository>
