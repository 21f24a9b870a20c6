import { createHmac } from 'node:crypto'
import { and, asc, count, desc, eq, gt, lt, ne, type SQL } from 'drizzle-orm'
import { AppError, newId, type Principal, type Tx } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { leads, orgMembers, people } from '../db/schema.ts'
import { queueEmail } from '../notifications/deliver.ts'
import type { LeadStatus } from './leads.schemas.ts'

const HOUR_MS = 3_600_000

/** Moves an admin may make by hand; `converted` is also set by registration. */
const transitions: Record<LeadStatus, LeadStatus[]> = {
  new: ['contacted', 'qualified', 'lost'],
  contacted: ['qualified', 'lost'],
  qualified: ['converted', 'lost'],
  converted: [],
  lost: ['new'],
}

type Row = typeof leads.$inferSelect

const present = (r: Row) => ({
  id: r.id,
  email: r.email,
  name: r.name,
  interest: r.interest,
  message: r.message,
  consent: r.consent,
  status: r.status as LeadStatus,
  notes: r.notes,
  userId: r.userId,
  convertedAt: r.convertedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

/** Marks an org's leads with this email converted (identity.user.registered). Returns how many. */
export async function convertLeads(
  tx: Tx,
  deps: CommunicationDeps,
  input: { orgId: string; email: string; userId: string },
): Promise<number> {
  const now = deps.now()
  const rows = await tx
    .update(leads)
    .set({ status: 'converted', userId: input.userId, convertedAt: now, updatedAt: now })
    .where(
      and(
        eq(leads.orgId, input.orgId),
        eq(leads.email, input.email.toLowerCase()),
        ne(leads.status, 'converted'),
      ),
    )
    .returning({ id: leads.id })
  return rows.length
}

/** Leads: anonymous intake (validated, rate limited, honeypot), org-admin pipeline. */
export function createLeadsService(deps: CommunicationDeps) {
  const { db } = deps.database
  const { config } = deps

  /** 429 when `key` already has `max` leads since `windowMs` ago; Retry-After = when the oldest leaves. */
  async function limit(where: SQL, windowMs: number, max: number, detail: string) {
    const since = new Date(deps.now().getTime() - windowMs)
    const [r] = await db
      .select({ n: count() })
      .from(leads)
      .where(and(where, gt(leads.createdAt, since)))
    if (Number(r!.n) < max) return
    const [oldest] = await db
      .select({ at: leads.createdAt })
      .from(leads)
      .where(and(where, gt(leads.createdAt, since)))
      .orderBy(asc(leads.createdAt))
      .limit(1)
    const retryAfter = Math.max(
      1,
      Math.ceil(((oldest?.at.getTime() ?? deps.now().getTime()) + windowMs - deps.now().getTime()) / 1000),
    )
    throw new AppError('rate_limited', detail, { retryAfter })
  }

  return {
    /**
     * Takes a landing-page form. A filled honeypot answers like a success and stores nothing.
     * Limits: LEADS_MAX_PER_IP_HOUR per client IP (kept as an HMAC, never in clear) and
     * LEADS_MAX_PER_EMAIL_DAY per address (the confirmation email must not become a mail bomb).
     */
    async create(
      body: {
        orgId: string
        email: string
        name: string
        interest?: string
        message?: string
        consent: boolean
        website?: string
      },
      ip: string,
    ) {
      if (body.website) return { received: true as const, id: null }
      if (!body.consent)
        throw new AppError('unprocessable', 'Please agree to be contacted (consent must be true)')
      const name = body.name.trim()
      if (name === '') throw new AppError('unprocessable', 'name must not be blank')
      // Only an organization communication knows (someone registered in it or a member of it): a
      // made-up org id would store leads nobody can read and send confirmations on its behalf.
      const [known] = await db
        .select({ userId: people.userId })
        .from(people)
        .where(eq(people.orgId, body.orgId))
        .limit(1)
      const [member] = known
        ? [known]
        : await db
            .select({ userId: orgMembers.userId })
            .from(orgMembers)
            .where(and(eq(orgMembers.orgId, body.orgId), eq(orgMembers.removed, false)))
            .limit(1)
      if (!member) throw new AppError('not_found', 'Organization not found')
      const email = body.email.trim().toLowerCase()
      const ipHash = createHmac('sha256', config.COMMUNICATION_SECRET)
        .update(`lead-ip:${ip}`)
        .digest('base64url')
      await limit(
        eq(leads.ipHash, ipHash),
        HOUR_MS,
        config.LEADS_MAX_PER_IP_HOUR,
        'Too many forms sent from this network; try again later',
      )
      await limit(
        eq(leads.email, email),
        24 * HOUR_MS,
        config.LEADS_MAX_PER_EMAIL_DAY,
        'Too many forms sent for this email address; try again later',
      )
      const id = newId('led')
      const now = deps.now()
      await db.transaction(async (tx) => {
        await tx.insert(leads).values({
          id,
          orgId: body.orgId,
          email,
          name,
          interest: body.interest?.trim() || null,
          message: body.message?.trim() || null,
          consent: true,
          status: 'new',
          ipHash,
          createdAt: now,
          updatedAt: now,
        })
        await queueEmail(tx, deps, {
          orgId: body.orgId,
          userId: null,
          to: email,
          template: 'lead.confirmation',
          sourceKey: id,
          content: {
            subject: 'We received your message',
            name,
            paragraphs: [
              'Thank you for your interest. Someone from the team will get back to you soon.',
              'If you did not fill in this form, ignore this email: we will not write again unless you reply.',
            ],
            action: { label: 'Have a look around', url: `${config.PUBLIC_URL}/catalog` },
            unsubscribeUrl: null,
          },
        })
      })
      return { received: true as const, id }
    },

    /** This org's leads, newest first, optionally of one status (keyset on the id). */
    async list(p: Principal, q: { status?: LeadStatus; before?: string; limit: number }) {
      const rows = await db
        .select()
        .from(leads)
        .where(
          and(
            eq(leads.orgId, p.orgId),
            q.status ? eq(leads.status, q.status) : undefined,
            q.before ? lt(leads.id, q.before) : undefined,
          ),
        )
        .orderBy(desc(leads.id))
        .limit(q.limit + 1)
      const page = rows.slice(0, q.limit)
      return {
        items: page.map(present),
        nextBefore: rows.length > q.limit ? page[page.length - 1]!.id : null,
      }
    },

    /** One lead of this org; another org's is a 404. */
    async get(p: Principal, id: string) {
      const [row] = await db
        .select()
        .from(leads)
        .where(and(eq(leads.id, id), eq(leads.orgId, p.orgId)))
      if (!row) throw new AppError('not_found', 'Lead not found')
      return present(row)
    },

    /** Changes status (allowed moves only: 409 otherwise) and/or notes. */
    async update(p: Principal, id: string, body: { status?: LeadStatus; notes?: string | null }) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(leads)
          .where(and(eq(leads.id, id), eq(leads.orgId, p.orgId)))
          .for('update')
        if (!row) throw new AppError('not_found', 'Lead not found')
        const from = row.status as LeadStatus
        if (body.status && body.status !== from && !transitions[from].includes(body.status)) {
          throw new AppError('conflict', `A ${from} lead cannot become ${body.status}`)
        }
        const now = deps.now()
        const [updated] = await tx
          .update(leads)
          .set({
            ...(body.status ? { status: body.status } : {}),
            ...(body.status === 'converted' && from !== 'converted' ? { convertedAt: now } : {}),
            ...(body.notes !== undefined ? { notes: body.notes } : {}),
            updatedAt: now,
          })
          .where(eq(leads.id, id))
          .returning()
        return present(updated!)
      })
    },
  }
}
