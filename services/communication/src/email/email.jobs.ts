import { and, asc, eq, inArray, isNull } from 'drizzle-orm'
import { DateTime } from 'luxon'
import { defineJob, defineRecurring, Type, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { emails, notifications, people } from '../db/schema.ts'
import { queueEmail, SEND_EMAIL_JOB, settingsOf, unsubscribeToken } from '../notifications/deliver.ts'

/** The hourly job that sends daily digests to people whose digest hour it is. */
export const DIGEST_JOB = 'communication.digest'
/** Most items listed in one digest (the rest say "and N more"). */
const DIGEST_MAX_ITEMS = 20

/**
 * Email jobs. Sending: SMTP through nodemailer (the job's retry back-off handles a server that is
 * down; after EMAIL_MAX_ATTEMPTS the email is marked failed), or the dev mailbox (the row is
 * marked `mailbox` and stays readable at GET /dev/mailbox). Bodies and links are never logged.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function emailJobs(deps: CommunicationDeps): (JobDefinition<any> | RecurringJob)[] {
  const { config, logger, mailer } = deps
  return [
    defineJob({
      name: SEND_EMAIL_JOB,
      payload: Type.Object({ emailId: Type.String() }),
      retry: { maxAttempts: config.EMAIL_MAX_ATTEMPTS, baseDelayMs: 5_000, maxDelayMs: 30 * 60_000 },
      async handle(tx, { emailId }, job) {
        const [email] = await tx.select().from(emails).where(eq(emails.id, emailId)).for('update')
        if (!email || email.status !== 'queued') return
        if (mailer.kind === 'mailbox') {
          await tx
            .update(emails)
            .set({ status: 'mailbox', attempts: job.attempt, sentAt: deps.now() })
            .where(eq(emails.id, emailId))
          return
        }
        const unsubscribe = /Unsubscribe: (\S+)$/.exec(email.text)?.[1]
        try {
          const sent = await mailer.send({
            from: config.EMAIL_FROM,
            to: email.to,
            subject: email.subject,
            text: email.text,
            html: email.html,
            headers: {
              'X-Learnmesh-Email-Id': email.id,
              ...(unsubscribe
                ? {
                    'List-Unsubscribe': `<${unsubscribe}>`,
                    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                  }
                : {}),
            },
          })
          await tx
            .update(emails)
            .set({
              status: 'sent',
              attempts: job.attempt,
              sentAt: deps.now(),
              messageId: sent.messageId,
              lastError: null,
            })
            .where(eq(emails.id, emailId))
        } catch (err) {
          const message = (err instanceof Error ? err.message : String(err)).slice(0, 500)
          logger.warn(
            { emailId, attempt: job.attempt, template: email.template, error: message },
            'email sending failed',
          )
          if (job.attempt >= config.EMAIL_MAX_ATTEMPTS) {
            await tx
              .update(emails)
              .set({ status: 'failed', attempts: job.attempt, lastError: message })
              .where(eq(emails.id, emailId))
            return
          }
          throw err
        }
      },
    }),
    defineRecurring({
      name: DIGEST_JOB,
      cron: '0 * * * *',
      async handle(tx) {
        const now = deps.now()
        const pending = await tx
          .selectDistinct({ userId: notifications.userId })
          .from(notifications)
          .where(and(eq(notifications.digestPending, true), isNull(notifications.digestedAt)))
          .limit(500)
        for (const { userId } of pending) {
          const settings = await settingsOf(tx, userId)
          if (DateTime.fromJSDate(now, { zone: settings.timeZone }).hour !== settings.digestHour) continue
          const items = await tx
            .select()
            .from(notifications)
            .where(and(eq(notifications.userId, userId), eq(notifications.digestPending, true)))
            .orderBy(asc(notifications.createdAt))
          const [person] = await tx.select().from(people).where(eq(people.userId, userId)).limit(1)
          await tx
            .update(notifications)
            .set({ digestPending: false, digestedAt: now })
            .where(
              inArray(
                notifications.id,
                items.map((i) => i.id),
              ),
            )
          if (!person || items.length === 0 || settings.emailOptOut) continue
          const shown = items.slice(0, DIGEST_MAX_ITEMS)
          await queueEmail(tx, deps, {
            orgId: person.orgId,
            userId,
            to: person.email,
            template: 'digest',
            sourceKey: `digest:${DateTime.fromJSDate(now, { zone: settings.timeZone }).toISODate()}`,
            content: {
              subject: `Your daily summary: ${items.length} update${items.length === 1 ? '' : 's'}`,
              name: person.displayName,
              paragraphs: [
                ...shown.map((i) => `• ${i.title}: ${i.body}`),
                ...(items.length > shown.length ? [`…and ${items.length - shown.length} more.`] : []),
              ],
              action: { label: 'Open your notifications', url: `${config.PUBLIC_URL}/notifications` },
              unsubscribeUrl: `${config.PUBLIC_URL}/unsubscribe?token=${unsubscribeToken(config.COMMUNICATION_SECRET, userId, '*')}`,
            },
          })
        }
      },
    }),
  ]
}
