import { and, count, desc, eq, isNull, lt } from 'drizzle-orm'
import { IANAZone } from 'luxon'
import { AppError, type Principal } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { deliverySettings, notificationPreferences, notifications, unsubscribes } from '../db/schema.ts'
import { notificationTypeById, notificationTypes } from './catalogue.ts'
import { channelEnabled, readUnsubscribeToken, settingsOf } from './deliver.ts'
import { sequenceById } from '../sequences/sequences.definitions.ts'

type Row = typeof notifications.$inferSelect

const hhmm = (m: number | null) =>
  m === null ? null : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
const minutes = (s: string | null) => (s === null ? null : Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)))

/** One notification as the API returns it. */
export function presentNotification(n: Row) {
  return {
    id: n.id,
    type: n.type,
    title: n.title,
    body: n.body,
    link: n.link,
    priority: n.priority as 'high' | 'normal' | 'low',
    read: n.readAt !== null,
    createdAt: n.createdAt.toISOString(),
  }
}

/** The in-app list, read marks, preferences and settings of the signed-in person. */
export function createNotificationsService(deps: CommunicationDeps) {
  const { db } = deps.database
  const mine = (p: Principal) =>
    and(eq(notifications.orgId, p.orgId), eq(notifications.userId, p.userId), eq(notifications.inApp, true))

  async function unreadCount(p: Principal): Promise<number> {
    const [r] = await db
      .select({ n: count() })
      .from(notifications)
      .where(and(mine(p), isNull(notifications.readAt)))
    return Number(r?.n ?? 0)
  }

  async function preferences(p: Principal) {
    const rows = await db.transaction(async (tx) => {
      const prefs = []
      for (const t of notificationTypes) {
        prefs.push({
          type: t.id,
          label: t.label,
          category: t.category,
          priority: t.priority,
          required: Boolean(t.required),
          inApp: await channelEnabled(tx, p.userId, t, 'in_app'),
          email: await channelEnabled(tx, p.userId, t, 'email'),
          push: await channelEnabled(tx, p.userId, t, 'push'),
        })
      }
      return { prefs, settings: await settingsOf(tx, p.userId) }
    })
    return {
      preferences: rows.prefs,
      settings: {
        timeZone: rows.settings.timeZone,
        quietHoursStart: hhmm(rows.settings.quietStartMinute),
        quietHoursEnd: hhmm(rows.settings.quietEndMinute),
        digestHour: rows.settings.digestHour,
        emailOptOut: rows.settings.emailOptOut,
      },
    }
  }

  return {
    unreadCount,
    preferences,

    /** Newest first, keyset by id (UUIDv7 ids sort by creation). */
    async list(p: Principal, q: { unread?: boolean; before?: string; limit: number }) {
      const rows = await db
        .select()
        .from(notifications)
        .where(
          and(
            mine(p),
            q.unread ? isNull(notifications.readAt) : undefined,
            q.before ? lt(notifications.id, q.before) : undefined,
          ),
        )
        .orderBy(desc(notifications.id))
        .limit(q.limit + 1)
      const items = rows.slice(0, q.limit)
      return {
        items: items.map(presentNotification),
        nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null,
        unreadCount: await unreadCount(p),
      }
    },

    /** Marks one read (idempotent); someone else's is a 404. */
    async markRead(p: Principal, id: string) {
      const [row] = await db
        .select()
        .from(notifications)
        .where(and(mine(p), eq(notifications.id, id)))
        .limit(1)
      if (!row) throw new AppError('not_found', 'Notification not found')
      if (!row.readAt) {
        const [updated] = await db
          .update(notifications)
          .set({ readAt: deps.now() })
          .where(eq(notifications.id, id))
          .returning()
        return presentNotification(updated!)
      }
      return presentNotification(row)
    },

    /** Marks every unread one read. */
    async markAllRead(p: Principal) {
      await db
        .update(notifications)
        .set({ readAt: deps.now() })
        .where(and(mine(p), isNull(notifications.readAt)))
      return { unreadCount: 0 }
    },

    /** Saves switches and settings; unknown types and time zones are a 422, and nothing changes. */
    async updatePreferences(
      p: Principal,
      body: {
        preferences?: { type: string; inApp?: boolean; email?: boolean; push?: boolean }[]
        settings?: {
          timeZone?: string
          quietHoursStart?: string | null
          quietHoursEnd?: string | null
          digestHour?: number
          emailOptOut?: boolean
        }
      },
    ) {
      for (const pref of body.preferences ?? []) {
        const t = notificationTypeById.get(pref.type)
        if (!t) throw new AppError('unprocessable', `Unknown notification type: ${pref.type}`)
        if (t.required && pref.email === false) {
          throw new AppError('unprocessable', `${t.label} are always emailed`)
        }
      }
      const s = body.settings
      if (s?.timeZone !== undefined && !IANAZone.isValidZone(s.timeZone)) {
        throw new AppError('unprocessable', `Unknown time zone: ${s.timeZone}`)
      }
      await db.transaction(async (tx) => {
        for (const pref of body.preferences ?? []) {
          for (const [channel, enabled] of [
            ['in_app', pref.inApp],
            ['email', pref.email],
            ['push', pref.push],
          ] as const) {
            if (enabled === undefined) continue
            await tx
              .insert(notificationPreferences)
              .values({ userId: p.userId, orgId: p.orgId, type: pref.type, channel, enabled })
              .onConflictDoUpdate({
                target: [
                  notificationPreferences.userId,
                  notificationPreferences.type,
                  notificationPreferences.channel,
                ],
                set: { enabled, updatedAt: deps.now() },
              })
          }
        }
        if (s) {
          const current = await settingsOf(tx, p.userId)
          const quietStart =
            s.quietHoursStart !== undefined ? minutes(s.quietHoursStart) : current.quietStartMinute
          const quietEnd = s.quietHoursEnd !== undefined ? minutes(s.quietHoursEnd) : current.quietEndMinute
          if ((quietStart === null) !== (quietEnd === null)) {
            throw new AppError('unprocessable', 'Quiet hours need both a start and an end (or neither)')
          }
          const values = {
            timeZone: s.timeZone ?? current.timeZone,
            quietStartMinute: quietStart,
            quietEndMinute: quietEnd,
            digestHour: s.digestHour ?? current.digestHour,
            emailOptOut: s.emailOptOut ?? current.emailOptOut,
            updatedAt: deps.now(),
          }
          await tx
            .insert(deliverySettings)
            .values({ userId: p.userId, orgId: p.orgId, ...values })
            .onConflictDoUpdate({ target: deliverySettings.userId, set: values })
        }
      })
      return preferences(p)
    },

    /** What an unsubscribe link stands for (the web page shows it before confirming). */
    describeUnsubscribe(token: string) {
      const t = readUnsubscribeToken(deps.config.COMMUNICATION_SECRET, token)
      if (!t) throw new AppError('not_found', 'This unsubscribe link is not valid')
      const label =
        t.scope === '*'
          ? 'All emails except account and purchase records'
          : t.scope.startsWith('sequence:')
            ? `Emails of the sequence “${sequenceById.get(t.scope.slice(9))?.label ?? t.scope.slice(9)}”`
            : (notificationTypeById.get(t.scope)?.label ?? t.scope)
      return { ...t, label }
    },

    /** One-click unsubscribe (RFC 8058): the link's scope stops being emailed. Idempotent. */
    async unsubscribe(token: string) {
      const t = this.describeUnsubscribe(token)
      await db.transaction(async (tx) => {
        const [person] = await tx
          .select({ orgId: deliverySettings.orgId })
          .from(deliverySettings)
          .where(eq(deliverySettings.userId, t.userId))
        const orgId = person?.orgId ?? ''
        if (t.scope === '*') {
          await tx
            .insert(deliverySettings)
            .values({ userId: t.userId, orgId, emailOptOut: true })
            .onConflictDoUpdate({
              target: deliverySettings.userId,
              set: { emailOptOut: true, updatedAt: deps.now() },
            })
        } else if (notificationTypeById.get(t.scope) && !notificationTypeById.get(t.scope)!.required) {
          await tx
            .insert(notificationPreferences)
            .values({ userId: t.userId, orgId, type: t.scope, channel: 'email', enabled: false })
            .onConflictDoUpdate({
              target: [
                notificationPreferences.userId,
                notificationPreferences.type,
                notificationPreferences.channel,
              ],
              set: { enabled: false, updatedAt: deps.now() },
            })
        }
        await tx.insert(unsubscribes).values({ userId: t.userId, scope: t.scope }).onConflictDoNothing()
      })
      return { scope: t.scope, label: t.label, unsubscribed: true }
    },
  }
}
