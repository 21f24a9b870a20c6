import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createPostgresTestDatabase, postgresAvailable } from '@learnmesh/kernel/testing'
import { invoices } from '../db/schema.ts'
import { commerceService } from '../service.ts'
import { allocateSequence } from './invoices.service.ts'
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

  it('errors: a rolled-back transaction leaves no gap', async () => {
    const org = `org_${'a'.repeat(32)}`
    const year = 2030
    await database.db.transaction((tx) => allocateSequence(tx, org, 'invoice', year))
    await expect(
      database.db.transaction(async (tx) => {
        await allocateSequence(tx, org, 'invoice', year)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    const next = await database.db.transaction((tx) => allocateSequence(tx, org, 'invoice', year))
    expect(next).toBe(2)
  })
})
