import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { AppError, Type, problems, type App } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { emails } from '../db/schema.ts'

const tags = ['dev mailbox']

const MailSummary = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  template: Type.String(),
  /** queued | sent | failed | mailbox */
  status: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})
const Mail = Type.Object({ ...MailSummary.properties, text: Type.String(), html: Type.String() })
const ListQuery = Type.Object(
  {
    /** Only mail to this address (case-insensitive). */
    to: Type.Optional(Type.String({ maxLength: 320 })),
    before: Type.Optional(Type.String({ pattern: '^eml_[0-9a-f]{32}$' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
)

/**
 * The dev mailbox (only without SMTP_URL, never in production): every email the platform "sent",
 * newest first, so a developer — or the browser tests — can open verification and reset links
 * without a mail server, like MailHog. It exposes single-use links of every account on this
 * machine: that is its purpose, and why it does not exist when SMTP is configured.
 */
export async function mailboxRoutes(app: App, deps: CommunicationDeps): Promise<void> {
  const enabled = deps.mailer.kind === 'mailbox' && deps.config.NODE_ENV !== 'production'
  if (!enabled) return
  const { db } = deps.database
  const summary = (e: typeof emails.$inferSelect) => ({
    id: e.id,
    to: e.to,
    subject: e.subject,
    template: e.template,
    status: e.status,
    createdAt: e.createdAt.toISOString(),
  })

  app.get(
    '/dev/mailbox',
    {
      schema: {
        tags,
        summary: 'Emails kept in the dev mailbox, newest first (development only, without SMTP)',
        querystring: ListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(MailSummary),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400),
        },
      },
    },
    async (request) => {
      const q = request.query
      const rows = await db
        .select()
        .from(emails)
        .where(
          and(
            q.to ? sql`lower(${emails.to}) = ${q.to.toLowerCase()}` : undefined,
            q.before ? lt(emails.id, q.before) : undefined,
          ),
        )
        .orderBy(desc(emails.id))
        .limit(q.limit + 1)
      const items = rows.slice(0, q.limit)
      return {
        items: items.map(summary),
        nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  app.get(
    '/dev/mailbox/:id',
    {
      schema: {
        tags,
        summary: 'One email of the dev mailbox with its text and HTML parts',
        params: Type.Object({ id: Type.String({ pattern: '^eml_[0-9a-f]{32}$' }) }),
        response: { 200: Mail, ...problems(400, 404) },
      },
    },
    async (request) => {
      const [e] = await db.select().from(emails).where(eq(emails.id, request.params.id)).limit(1)
      if (!e) throw new AppError('not_found', 'Email not found')
      return { ...summary(e), text: e.text, html: e.html }
    },
  )
}
