import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq, sql } from 'drizzle-orm'
import { invoiceCounters, invoices, orders } from '../db/schema.ts'
import { createInvoiceKit } from './invoices.test-kit.ts'
import { renderInvoicePdf } from './invoices.pdf.ts'
import { findInvoice } from './invoices.repository.ts'

let k: Awaited<ReturnType<typeof createInvoiceKit>>
beforeAll(async () => {
  k = await createInvoiceKit({ env: { INVOICE_TAX_RATE_BASIS_POINTS: '2000', INVOICE_TAX_LABEL: 'VAT' } })
})
afterAll(async () => k?.close())

const year = new Date().getUTCFullYear()
const count = async () =>
  Number((await k.database.query<{ n: string }>(sql`select count(*) n from commerce.invoices`))[0]!.n)

async function invoiceOf(orderId: string) {
  return (await k.db.select().from(invoices).where(eq(invoices.orderId, orderId))).filter(
    (i) => i.kind === 'invoice',
  )
}

describe('happy', () => {
  it('commerce.order.paid issues one invoice with per-line included tax that adds up exactly', async () => {
    const u = k.user([], k.orgB) // org B has its own fresh sequence
    const o = await k.paidOrder(u, [1000, 1999, 1])
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    expect(inv!.number).toBe(`INV-${year}-000001`)
    expect(inv!.totalMinor).toBe(3000)
    const taxByAmount = Object.fromEntries(inv!.lines.map((l) => [l.amountMinor, l.taxMinor]))
    expect(taxByAmount).toEqual({ 1000: 167, 1999: 333, 1: 0 })
    expect(inv!.taxMinor).toBe(500)
    expect(inv!.subtotalMinor).toBe(2500)
    expect(inv!.taxLabel).toBe('VAT')
    expect(inv!.taxRateBasisPoints).toBe(2000)
    expect(inv!.issuerName).toBe('learnmesh')

    const res = await k.call(u, 'GET', `/invoices/${inv!.id}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      number: `INV-${year}-000001`,
      totalMinor: 3000,
      taxMinor: 500,
      status: 'issued',
    })
  })

  it('numbers are sequential per organization without gaps', async () => {
    const u = k.user()
    const numbers: string[] = []
    for (let i = 0; i < 5; i++) {
      const o = await k.paidOrder(u, [100 * (i + 1)])
      await k.orderPaid(o)
      numbers.push((await invoiceOf(o.orderId))[0]!.number)
    }
    const seqs = numbers.map((n) => Number(n.split('-')[2]))
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1)
  })

  it('a duplicate commerce.order.paid issues no second invoice and consumes no number', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [500])
    await k.orderPaid(o)
    const [counter] = await k.db.select().from(invoiceCounters).where(eq(invoiceCounters.orgId, k.orgA))
    await k.orderPaid(o)
    await k.orderPaid(o)
    expect(await invoiceOf(o.orderId)).toHaveLength(1)
    const [after] = await k.db.select().from(invoiceCounters).where(eq(invoiceCounters.orgId, k.orgA))
    expect(after!.next).toBe(counter!.next)
  })

  it('a zero-total order gets an invoice of 0', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [0])
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    expect(inv).toMatchObject({ totalMinor: 0, taxMinor: 0 })
  })

  it('an order whose lines do not add up to its total gets an Adjustment line: the invoice equals the charge', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [1200])
    await k.db.update(orders).set({ totalMinor: 600 }).where(eq(orders.id, o.orderId))
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    expect(inv).toMatchObject({ totalMinor: 600, taxMinor: 100, subtotalMinor: 500 })
    expect(inv!.lines.map((l) => [l.title, l.amountMinor, l.taxMinor])).toEqual([
      ['Course 1', 1200, 200],
      ['Adjustment', -600, -100],
    ])
  })

  it('GET /invoices/mine lists only mine, newest first, keyset-paginated', async () => {
    const u = k.user()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const o = await k.paidOrder(u, [1000])
      await k.orderPaid(o)
      ids.push((await invoiceOf(o.orderId))[0]!.id)
    }
    const p1 = await k.call(u, 'GET', '/invoices/mine?limit=2')
    expect(p1.statusCode).toBe(200)
    expect(p1.json().items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]])
    const p2 = await k.call(u, 'GET', `/invoices/mine?limit=2&after=${p1.json().nextCursor}`)
    expect(p2.json().items.map((i: { id: string }) => i.id)).toEqual([ids[0]])
    expect(p2.json().nextCursor).toBeNull()
    const other = await k.call(k.user(), 'GET', '/invoices/mine')
    expect(other.json().items).toEqual([])
  })

  it('GET /invoices (org admin) filters by user and kind', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [700])
    await k.orderPaid(o)
    const admin = k.user(['org_admin'])
    const res = await k.call(admin, 'GET', `/invoices?userId=${u.userId}&kind=invoice`)
    expect(res.statusCode).toBe(200)
    expect(res.json().items).toHaveLength(1)
    expect(res.json().items[0].orderId).toBe(o.orderId)
    const admin2 = await k.call(admin, 'GET', `/invoices/${res.json().items[0].id}`)
    expect(admin2.statusCode).toBe(200)
  })

  it('GET /invoices/:id/pdf is a real PDF naming the invoice number', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [1234])
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    const res = await k.call(u, 'GET', `/invoices/${inv!.id}/pdf`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('application/pdf')
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(res.rawPayload.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true)
    expect(res.rawPayload.toString('latin1')).toContain(inv!.number)
    // uncompressed rendering carries the lines and totals; the same row renders the same bytes
    const row = (await findInvoice(k.db, o.orgId, inv!.id))!
    const a = await renderInvoicePdf(row, { compress: false })
    const b = await renderInvoicePdf(row, { compress: false })
    expect(a.equals(b)).toBe(true)
  })

  it('a refund issues a credit note referencing the invoice; a full credit marks it credited', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [1000, 2000])
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    const r1 = await k.refund(o, [{ orderItemId: o.items[0]!.id, amountMinor: 1000 }])
    await k.refunded(o, r1, 1000)
    await k.refunded(o, r1, 1000) // duplicate: no second credit note
    let notes = (await k.db.select().from(invoices).where(eq(invoices.orderId, o.orderId))).filter(
      (i) => i.kind === 'credit_note',
    )
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatchObject({ invoiceId: inv!.id, refundId: r1, totalMinor: 1000, taxMinor: 167 })
    expect(notes[0]!.number).toMatch(new RegExp(`^CN-${year}-\\d{6}$`))
    expect((await invoiceOf(o.orderId))[0]!.status).toBe('issued')

    const r2 = await k.refund(o, [{ orderItemId: o.items[1]!.id, amountMinor: 2000 }])
    await k.refunded(o, r2, 2000)
    notes = (await k.db.select().from(invoices).where(eq(invoices.orderId, o.orderId))).filter(
      (i) => i.kind === 'credit_note',
    )
    expect(notes).toHaveLength(2)
    expect(Number(notes[1]!.number.split('-')[2])).toBe(Number(notes[0]!.number.split('-')[2]) + 1)
    expect((await invoiceOf(o.orderId))[0]!.status).toBe('credited')
  })
})

describe('errors', () => {
  it('malformed ids and queries → 400 problem+json', async () => {
    const u = k.user()
    for (const url of [
      '/invoices/nope',
      '/invoices/inv_123/pdf',
      "/invoices/inv_'or'1'='1",
      '/invoices/mine?limit=0',
      '/invoices/mine?after=x',
      '/invoices/mine?extra=1',
    ]) {
      const res = await k.call(u, 'GET', url)
      expect(res.statusCode, url).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
  })

  it('an unknown invoice → 404', async () => {
    const res = await k.call(k.user(), 'GET', `/invoices/inv_${'0'.repeat(32)}`)
    expect(res.statusCode).toBe(404)
  })

  it('an event for an order that does not exist (or is unpaid, or has no org) issues nothing', async () => {
    const before = await count()
    const u = k.user()
    const o = await k.paidOrder(u, [100])
    await k.orderPaid({ ...o, orderId: `ord_${'1'.repeat(32)}` })
    await k.orderPaid(o, null)
    await k.orderPaid(o, k.orgB) // the order is not in org B
    expect(await count()).toBe(before)
  })

  it('a refund that is not succeeded, unknown, or of another org issues no credit note', async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [1000])
    await k.orderPaid(o)
    const before = await count()
    const pending = await k.refund(o, [{ orderItemId: o.items[0]!.id, amountMinor: 1000 }], 'pending')
    await k.refunded(o, pending, 1000)
    await k.refunded(o, `ref_${'2'.repeat(32)}`, 1000)
    const real = await k.refund(o, [{ orderItemId: o.items[0]!.id, amountMinor: 1000 }])
    await k.deliver('commerce.payment.refunded', k.orgB, {
      orderId: o.orderId,
      refundId: real,
      userId: u.userId,
      currency: 'EUR',
      amountMinor: 1000,
      full: true,
      revokedItems: [],
    })
    expect(await count()).toBe(before)
    expect((await invoiceOf(o.orderId))[0]!.status).toBe('issued')
  })
})

describe('security', () => {
  it('anonymous → 401', async () => {
    for (const url of ['/invoices/mine', '/invoices', `/invoices/inv_${'0'.repeat(32)}`]) {
      expect((await k.call(null, 'GET', url)).statusCode).toBe(401)
    }
  })

  it("another learner of the same org cannot read my invoice or its PDF (404); a learner cannot list the org's (403)", async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [100])
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    const other = k.user()
    expect((await k.call(other, 'GET', `/invoices/${inv!.id}`)).statusCode).toBe(404)
    expect((await k.call(other, 'GET', `/invoices/${inv!.id}/pdf`)).statusCode).toBe(404)
    expect((await k.call(other, 'GET', '/invoices')).statusCode).toBe(403)
  })

  it("another organization's admin gets 404 and never sees org A's invoices in lists", async () => {
    const u = k.user()
    const o = await k.paidOrder(u, [100])
    await k.orderPaid(o)
    const [inv] = await invoiceOf(o.orderId)
    const adminB = k.user(['org_admin'], k.orgB)
    expect((await k.call(adminB, 'GET', `/invoices/${inv!.id}`)).statusCode).toBe(404)
    expect((await k.call(adminB, 'GET', `/invoices/${inv!.id}/pdf`)).statusCode).toBe(404)
    const list = await k.call(adminB, 'GET', `/invoices?userId=${u.userId}`)
    expect(list.json().items).toEqual([])
    // a token for the same user id scoped to org B does not see it either
    expect((await k.call({ ...u, orgId: k.orgB }, 'GET', `/invoices/${inv!.id}`)).statusCode).toBe(404)
  })
})
