import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq, sql } from 'drizzle-orm'
import {
  countStatements,
  createPostgresTestDatabase,
  listStatements,
  postgresAvailable,
} from '@learnmesh/kernel/testing'
import { invoices } from '../db/schema.ts'
import { commerceService } from '../service.ts'
import { documentStatements, issueInvoiceForOrder } from './invoices.service.ts'
import { formatNumber } from './tax.ts'
import { createInvoiceKit } from './invoices.test-kit.ts'

const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('invoice numbering on PostgreSQL (concurrency)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let k: Awaited<ReturnType<typeof createInvoiceKit>>

  beforeAll(async () => {
    database = await createPostgresTestDatabase(commerceService.migrations)
    k = await createInvoiceKit({ database, env: { INVOICE_TAX_RATE_BASIS_POINTS: '2000' } })
  })
  afterAll(async () => {
    await k?.close()
    await database?.drop()
  })

  it('happy: 40 concurrent invoice creations get numbers 1..40 exactly (no gap, no duplicate)', async () => {
    const u = k.user([], k.orgB)
    const orders = []
    for (let i = 0; i < 40; i++) orders.push(await k.paidOrder(u, [1000 + i]))
    await Promise.all(orders.map((o) => k.orderPaid(o)))
    const rows = await k.db.select().from(invoices).where(eq(invoices.orgId, k.orgB))
    expect(rows).toHaveLength(40)
    expect(rows.map((r) => r.sequence).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    )
    expect(new Set(rows.map((r) => r.number)).size).toBe(40)
  })

  it('happy: concurrent duplicates of the same order.paid make one invoice and consume one number', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [500])
    const first = await k.paidOrder(u, [100])
    await k.orderPaid(first)
    await Promise.all(Array.from({ length: 8 }, () => k.orderPaid(o)))
    const rows = await k.db.select().from(invoices).where(eq(invoices.orgId, k.orgA))
    expect(rows.filter((r) => r.orderId === o.orderId)).toHaveLength(1)
    expect(rows.map((r) => r.sequence).sort((a, b) => a - b)).toEqual([1, 2])
  })

  it('happy: issuing an invoice is two statements in the consumer’s transaction (read + number-and-insert)', async () => {
    const o = await k.paidOrder(k.user(), [1200])
    const { statements } = await countStatements(() => k.orderPaid(o))
    // begin, the order locked with its invoice and lines, the number and the invoice, commit
    expect(statements, listStatements(statements)).toHaveLength(4)
    const [row] = await k.db.select().from(invoices).where(eq(invoices.orderId, o.orderId))
    expect(row!.number).toBe(formatNumber('invoice', row!.year, row!.sequence))
  })

  it('happy: the number-and-insert statements find an existing document by its unique index under a generic plan', async () => {
    // PostgreSQL plans a prepared statement for any parameters after a few runs; the existence check
    // must still use the partial unique index, or every issue scans the org's invoices under the
    // counter's lock and issuing slows down as invoices accumulate.
    const plans = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local plan_cache_mode = force_generic_plan`)
      const found: Record<string, string> = {}
      for (const [kind, statement] of Object.entries(documentStatements)) {
        await tx.execute(sql.raw(`prepare plan_check as ${statement.text}`))
        const rows = (await tx.execute(
          sql.raw(
            `explain execute plan_check('inv_x', 'org_x', '${kind}', 'ord_x', 'ref_x', null, 'usr_x', 'INV', 2026, 'EUR', 100, 0, 100, 0, 'VAT', 'learnmesh', '[]', '2026-01-01T00:00:00Z')`,
          ),
        )) as unknown as { rows: { 'QUERY PLAN': string }[] }
        found[kind] = rows.rows.map((r) => r['QUERY PLAN']).join('\n')
        await tx.execute(sql.raw('deallocate plan_check'))
      }
      return found
    })
    expect(plans.invoice).toContain('invoices_order_key')
    expect(plans.credit_note).toContain('invoices_refund_key')
    for (const plan of Object.values(plans)) expect(plan).not.toMatch(/Seq Scan on invoices/)
  })

  it('errors: a rolled-back issue leaves no gap; the next invoice takes the number', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [700])
    const before = await k.db.select().from(invoices).where(eq(invoices.orgId, k.orgA))
    const issued = await database.db
      .transaction(async (tx) => {
        const invoice = await issueInvoiceForOrder(tx, k.deps.config, k.orgA, o.orderId)
        expect(invoice!.sequence).toBe(before.length + 1)
        throw new Error('boom')
      })
      .catch((e: Error) => e.message)
    expect(issued).toBe('boom')
    await k.orderPaid(o)
    const [row] = await k.db.select().from(invoices).where(eq(invoices.orderId, o.orderId))
    expect(row!.sequence).toBe(before.length + 1)
    expect(row!.number).toBe(formatNumber('invoice', row!.year, before.length + 1))
  })

  it('happy: an invoice issued meanwhile by a transaction that held the order is returned, not doubled', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [900])
    // Transaction A issues and holds the order; B waits on the order's lock, then must see A's invoice.
    let releaseA!: () => void
    const aHolds = new Promise<void>((r) => (releaseA = r))
    let aIssued!: () => void
    const issuedByA = new Promise<void>((r) => (aIssued = r))
    const a = database.db.transaction(async (tx) => {
      const invoice = await issueInvoiceForOrder(tx, k.deps.config, k.orgA, o.orderId)
      aIssued()
      await aHolds
      return invoice
    })
    await issuedByA
    const b = database.db.transaction((tx) => issueInvoiceForOrder(tx, k.deps.config, k.orgA, o.orderId))
    await new Promise((r) => setTimeout(r, 200)) // B is waiting on the order's lock
    releaseA()
    const [fromA, fromB] = await Promise.all([a, b])
    expect(fromB!.id).toBe(fromA!.id)
    expect(fromB!.number).toBe(fromA!.number)
    const rows = await k.db.select().from(invoices).where(eq(invoices.orderId, o.orderId))
    expect(rows).toHaveLength(1)
  })
})
