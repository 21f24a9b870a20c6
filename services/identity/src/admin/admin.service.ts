import { AppError, dailyCounts, dayWindow, type Database } from '@learnmesh/kernel'
import { and, count, eq, gt, gte, isNull, sql } from 'drizzle-orm'
import { memberships, organizations, sessions, users } from '../db/schema.ts'
import { createSessionsRepository } from '../sessions/sessions.repository.ts'

/** Platform administration of accounts: detail, disable/enable, sign-up KPIs. Reads identity's schema only. */
export function createAdminService(deps: { database: Database }) {
  const { database } = deps
  const sessionsRepo = createSessionsRepository()

  async function detail(userId: string) {
    const db = database.db
    const [user] = await db.select().from(users).where(eq(users.id, userId))
    if (!user) throw new AppError('not_found', 'User not found')
    const [live] = await db
      .select({ n: count() })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())))
    const rows = await db
      .select({ orgId: memberships.orgId, orgName: organizations.name, roles: memberships.roles })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(eq(memberships.userId, userId))
      .orderBy(organizations.name)
    return { user, status: user.status, liveSessions: Number(live?.n ?? 0), memberships: rows }
  }

  return {
    detail,
    /** Disables (no sign-in, refresh or 2FA step; every session revoked) or re-enables an account. */
    async setStatus(actorId: string, userId: string, status: 'active' | 'disabled') {
      if (actorId === userId) throw new AppError('conflict', 'You cannot disable or enable your own account')
      await database.db.transaction(async (tx) => {
        const [row] = await tx
          .update(users)
          .set({ status, updatedAt: new Date() })
          .where(eq(users.id, userId))
          .returning({ id: users.id })
        if (!row) throw new AppError('not_found', 'User not found')
        if (status === 'disabled') await sessionsRepo.revokeAllForUser(tx, userId, 'account_disabled')
      })
      return detail(userId)
    },
    /** Sign-ups per UTC day over the last `days` days (zero-filled) and the account total. */
    async kpis(days: number, now = new Date()) {
      const window = dayWindow(days, now)
      const day = sql<string>`to_char(${users.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`
      const rows = await database.db
        .select({ date: day, n: count() })
        .from(users)
        .where(gte(users.createdAt, window.since))
        .groupBy(day)
      const [total] = await database.db.select({ n: count() }).from(users)
      return {
        from: window.from,
        to: window.to,
        totalUsers: Number(total?.n ?? 0),
        daily: dailyCounts(window.days, { signups: rows }),
      }
    },
  }
}

/** The admin service. */
export type AdminService = ReturnType<typeof createAdminService>
