import { createHmac, timingSafeEqual } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { DateTime } from 'luxon'
import { newId, scheduleJob, type Tx } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import {
  deliverySettings,
  emails,
  jobs,
  notificationPreferences,
  notifications,
  people,
} from '../db/schema.ts'
import { renderEmail, type EmailContent } from '../email/templates.ts'
import { defaultEnabled, notificationTypeById, type Channel, type NotificationType } from './catalogue.ts'
import { schedulePushes } from '../push/push.send.ts'

/** The job that sends one queued email. */
export const SEND_EMAIL_JOB = 'communication.email.send'

/** What a trigger asks for: one notification to one person. */
export interface NotifyInput {
  orgId: string
  userId: string
  /** A type of the catalogue. */
  type: string
  title: string
  body: string
  /** A path in the web app (`/learn/courses/...`). */
  link?: string | null
  /** Dedupes: one notification per (user, type, sourceKey) — e.g. the event id. */
  sourceKey: string
  /** The email, when the type's email channel is on (omit for in-app only). */
  email?: Omit<EmailContent, 'unsubscribeUrl' | 'name'> | null
}

/** Settings with defaults for someone who never saved any. */
export async function settingsOf(tx: Tx, userId: string) {
  const [row] = await tx.select().from(deliverySettings).where(eq(deliverySettings.userId, userId)).limit(1)
  return (
    row ?? {
      userId,
      orgId: '',
      timeZone: 'UTC',
      quietStartMinute: null,
      quietEndMinute: null,
      digestHour: 8,
      emailOptOut: false,
      updatedAt: new Date(0),
    }
  )
}

/** Whether a channel is on for a person and type (their choice, else the catalogue's default). */
export async function channelEnabled(tx: Tx, userId: string, type: NotificationType, channel: Channel) {
  if (type.required && channel === 'email') return true
  const [row] = await tx
    .select({ enabled: notificationPreferences.enabled })
    .from(notificationPreferences)
    .where(
      and(
        eq(notificationPreferences.userId, userId),
        eq(notificationPreferences.type, type.id),
        eq(notificationPreferences.channel, channel),
      ),
    )
    .limit(1)
  return row ? row.enabled : defaultEnabled(type, channel)
}

/**
 * When quiet hours (local, possibly wrapping midnight) end if `now` is inside them; null when it
 * is not (or there are none).
 */
export function quietHoursEnd(
  now: Date,
  settings: { timeZone: string; quietStartMinute: number | null; quietEndMinute: number | null },
): Date | null {
  const { quietStartMinute: start, quietEndMinute: end } = settings
  if (start === null || end === null || start === end) return null
  const local = DateTime.fromJSDate(now, { zone: settings.timeZone })
  const minute = local.hour * 60 + local.minute
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end
  if (!inside) return null
  let endDay = local.startOf('day')
  if (start > end && minute >= start) endDay = endDay.plus({ days: 1 })
  return DateTime.fromObject(
    { year: endDay.year, month: endDay.month, day: endDay.day, hour: Math.floor(end / 60), minute: end % 60 },
    { zone: settings.timeZone },
  ).toJSDate()
}

/** Signs an unsubscribe token for (user, scope): stateless, so links keep working for ever. */
export function unsubscribeToken(secret: string, userId: string, scope: string): string {
  const mac = createHmac('sha256', secret)
    .update(`unsubscribe:${userId}:${scope}`)
    .digest('base64url')
    .slice(0, 32)
  return `${Buffer.from(`${userId}:${scope}`).toString('base64url')}.${mac}`
}

/** Verifies an unsubscribe token; null when forged or malformed. */
export function readUnsubscribeToken(
  secret: string,
  token: string,
): { userId: string; scope: string } | null {
  const [data, mac] = token.split('.')
  if (!data || !mac || token.length > 300) return null
  const decoded = Buffer.from(data, 'base64url').toString('utf8')
  const i = decoded.indexOf(':')
  if (i <= 0) return null
  const userId = decoded.slice(0, i)
  const scope = decoded.slice(i + 1)
  const expected = Buffer.from(unsubscribeToken(secret, userId, scope).split('.')[1]!)
  const given = Buffer.from(mac)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  return { userId, scope }
}

/**
 * Queues an email in the caller's transaction and schedules its sending job (runs after commit,
 * not before `sendAfter`). Idempotent per (recipient, template, sourceKey).
 */
export async function queueEmail(
  tx: Tx,
  deps: CommunicationDeps,
  e: {
    orgId: string | null
    userId: string | null
    to: string
    template: string
    sourceKey: string
    content: EmailContent
    sendAfter?: Date
  },
): Promise<string | null> {
  const rendered = renderEmail(e.content)
  const id = newId('eml')
  const sendAfter = e.sendAfter ?? deps.now()
  const inserted = await tx
    .insert(emails)
    .values({
      id,
      orgId: e.orgId,
      userId: e.userId,
      to: e.to,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      template: e.template,
      status: 'queued',
      sendAfter,
      sourceKey: e.sourceKey,
      createdAt: deps.now(),
    })
    .onConflictDoNothing()
    .returning({ id: emails.id })
  if (inserted.length === 0) return null
  await scheduleJob(tx, jobs, { name: SEND_EMAIL_JOB, key: id, runAt: sendAfter, payload: { emailId: id } })
  return id
}

/**
 * Delivers one notification: stores it (in-app list; also the record for digests), then emails
 * it when the person's preferences allow — at once for high priority, after quiet hours for
 * normal, in the daily digest for low. Required types (account, receipts) are always emailed.
 * Web push (high and normal priority, when on) goes to every subscribed browser at once; a normal
 * one during quiet hours is not pushed at all (a late push is noise; the in-app list keeps it).
 * Idempotent per (user, type, sourceKey). Returns the notification id, or null for a duplicate.
 */
export async function notify(tx: Tx, deps: CommunicationDeps, input: NotifyInput): Promise<string | null> {
  const type = notificationTypeById.get(input.type)
  if (!type) throw new Error(`unknown notification type ${input.type}`)
  const inApp = await channelEnabled(tx, input.userId, type, 'in_app')
  const settings = await settingsOf(tx, input.userId)
  const emailOn =
    Boolean(input.email) &&
    (await channelEnabled(tx, input.userId, type, 'email')) &&
    (type.required || !settings.emailOptOut)
  const digest = emailOn && type.priority === 'low'
  const id = newId('ntf')
  const inserted = await tx
    .insert(notifications)
    .values({
      id,
      orgId: input.orgId,
      userId: input.userId,
      type: type.id,
      title: input.title,
      body: input.body,
      link: input.link ?? null,
      priority: type.priority,
      inApp,
      sourceKey: input.sourceKey,
      digestPending: digest,
      createdAt: deps.now(),
    })
    .onConflictDoNothing()
    .returning({ id: notifications.id })
  if (inserted.length === 0) return null
  // Pushed live over the socket once this transaction commits (never if it rolls back).
  if (inApp) deps.realtime.notificationStored(id)
  if (emailOn && !digest && input.email) {
    const [person] = await tx.select().from(people).where(eq(people.userId, input.userId)).limit(1)
    if (!person) {
      deps.logger.warn(
        { userId: input.userId, type: type.id },
        'no email address known for this person; email skipped',
      )
    } else {
      const quietEnd = type.priority === 'high' || type.required ? null : quietHoursEnd(deps.now(), settings)
      await queueEmail(tx, deps, {
        orgId: input.orgId,
        userId: input.userId,
        to: person.email,
        template: type.id,
        sourceKey: input.sourceKey,
        sendAfter: quietEnd ?? deps.now(),
        content: {
          ...input.email,
          name: person.displayName,
          unsubscribeUrl: type.required
            ? null
            : `${deps.config.PUBLIC_URL}/unsubscribe?token=${unsubscribeToken(deps.config.COMMUNICATION_SECRET, input.userId, type.id)}`,
        },
      })
    }
  }
  const pushOn =
    type.priority !== 'low' &&
    (await channelEnabled(tx, input.userId, type, 'push')) &&
    (type.priority === 'high' || quietHoursEnd(deps.now(), settings) === null)
  if (pushOn) await schedulePushes(tx, { notificationId: id, userId: input.userId })
  return id
}
