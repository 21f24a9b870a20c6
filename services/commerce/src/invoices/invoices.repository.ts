import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm'
import type { Db } from '@learnmesh/kernel'
import { invoices } from '../db/schema.ts'
import type { InvoiceRow } from './invoices.service.ts'

/** Filters of an organization's invoice list; every query is scoped by orgId. */
export interface InvoiceFilter {
  orgId: string
  userId?: string
  kind?: string
  status?: string
  orderId?: string
  from?: Date
  to?: Date
  /** Id of the last row of the previous page (keyset on issued_at, id). */
  after?: string
  limit: number
}

/** Invoices and credit notes, newest first, keyset-paginated. */
export async function listInvoices(db: Db, f: InvoiceFilter): Promise<InvoiceRow[]> {
  const where: (SQL | undefined)[] = [eq(invoices.orgId, f.orgId)]
  if (f.userId) where.push(eq(invoices.userId, f.userId))
  if (f.kind) where.push(eq(invoices.kind, f.kind))
  if (f.status) where.push(eq(invoices.status, f.status))
  if (f.orderId) where.push(eq(invoices.orderId, f.orderId))
  if (f.from) where.push(gte(invoices.issuedAt, f.from))
  if (f.to) where.push(lt(invoices.issuedAt, f.to))
  if (f.after) {
    where.push(
      sql`(${invoices.issuedAt}, ${invoices.id}) < (select c.issued_at, c.id from commerce.invoices c where c.id = ${f.after} and c.org_id = ${f.orgId})`,
    )
  }
  return db
    .select()
    .from(invoices)
    .where(and(...where))
    .orderBy(desc(invoices.issuedAt), desc(invoices.id))
    .limit(f.limit)
}

/** One invoice of an organization, or undefined (another organization's is invisible). */
export async function findInvoice(db: Db, orgId: string, id: string): Promise<InvoiceRow | undefined> {
  const [row] = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, id), eq(invoices.orgId, orgId)))
  return row
}
