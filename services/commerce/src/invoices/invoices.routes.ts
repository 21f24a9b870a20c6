import {
  notFound,
  requireAuth,
  requireRole,
  Type,
  bearer,
  problems,
  type App,
  type Principal,
} from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { presentInvoice } from './invoices.presenter.ts'
import { renderInvoicePdf } from './invoices.pdf.ts'
import { findInvoice, listInvoices } from './invoices.repository.ts'
import {
  InvoiceListSchema,
  InvoiceParams,
  InvoiceSchema,
  MyInvoicesQuery,
  OrgInvoicesQuery,
} from './invoices.schemas.ts'
import type { InvoiceRow } from './invoices.service.ts'

const tags = ['invoices']

function isOrgAdmin(p: Principal): boolean {
  return p.platformAdmin || p.roles.includes('org_admin')
}

/** Invoices and credit notes: mine, the organization's (org admins), one, and its PDF. */
export async function invoicesRoutes(app: App, deps: CommerceDeps): Promise<void> {
  const db = deps.database.db

  /** The invoice if the caller may see it: its buyer or an org admin of its organization; else 404. */
  async function visible(p: Principal, id: string): Promise<InvoiceRow> {
    const row = await findInvoice(db, p.orgId, id)
    if (!row || (row.userId !== p.userId && !isOrgAdmin(p))) throw notFound('Invoice')
    return row
  }

  function page(rows: InvoiceRow[], limit: number) {
    const items = rows.slice(0, limit)
    return {
      items: items.map(presentInvoice),
      nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
    }
  }

  app.get(
    '/invoices/mine',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My invoices and credit notes, newest first',
        querystring: MyInvoicesQuery,
        response: { 200: InvoiceListSchema, ...problems(400, 401) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const { limit, after } = request.query
      const rows = await listInvoices(db, {
        orgId: p.orgId,
        userId: p.userId,
        limit: limit + 1,
        ...(after ? { after } : {}),
      })
      return page(rows, limit)
    },
  )

  app.get(
    '/invoices',
    {
      schema: {
        tags,
        security: bearer,
        summary: "The organization's invoices and credit notes with filters (org_admin)",
        querystring: OrgInvoicesQuery,
        response: { 200: InvoiceListSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { limit, after, kind, status, userId, orderId, from, to } = request.query
      const rows = await listInvoices(db, {
        orgId: p.orgId,
        limit: limit + 1,
        ...(after ? { after } : {}),
        ...(kind ? { kind } : {}),
        ...(status ? { status } : {}),
        ...(userId ? { userId } : {}),
        ...(orderId ? { orderId } : {}),
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      })
      return page(rows, limit)
    },
  )

  app.get(
    '/invoices/:invoiceId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'An invoice or credit note (its buyer or an org admin)',
        params: InvoiceParams,
        response: { 200: InvoiceSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      return presentInvoice(await visible(p, request.params.invoiceId))
    },
  )

  app.get(
    '/invoices/:invoiceId/pdf',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'An invoice or credit note as a PDF (its buyer or an org admin)',
        params: InvoiceParams,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      const row = await visible(p, request.params.invoiceId)
      const pdf = await renderInvoicePdf(row)
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${row.number}.pdf"`)
        .send(pdf)
    },
  )
}
