import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, type Database, type Tx } from '@learnmesh/kernel'
import { createTestDatabase } from '@learnmesh/kernel/testing'
import { loadCommerceConfig } from '../config.ts'
import { settleLesson } from '../escrow/escrow.service.ts'
import { flatCommission } from './commission.ts'
import { commerceService } from '../service.ts'
import { postPaymentCaptured, postRefund, type PostingLine } from './postings.ts'
import {
  balancesOf,
  courseLine,
  ledgerInvariants,
  payment,
  planLine,
  tutoringLine,
} from './ledger.test-kit.ts'

let database: Database
const config = loadCommerceConfig({})
beforeAll(async () => {
  database = await createTestDatabase(commerceService.migrations)
})
afterAll(() => database.close())

const inTx = <T>(fn: (tx: Tx) => Promise<T>) => database.db.transaction(fn)

describe('happy', () => {
  it('a course sale credits 80% to the instructor and the rest to the platform; the fee is the platform’s', async () => {
    const org = newId('org')
    const instructor = newId('usr')
    const p = payment(org, [courseLine(instructor, 1999)], 88)
    const res = await inTx((tx) => postPaymentCaptured(tx, config, p))
    expect(res.created).toBe(true)
    expect(await balancesOf(database, org)).toEqual({
      'provider_clearing::EUR': 1999 - 88,
      [`payable:${instructor}:EUR`]: -1599,
      'platform_revenue::EUR': -400,
      'provider_fees::EUR': 88,
    })
    expect(await ledgerInvariants(database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('posting the same payment twice writes nothing the second time', async () => {
    const org = newId('org')
    const p = payment(org, [
      courseLine(newId('usr'), 1000),
      tutoringLine(newId('usr'), 3000, 3),
      planLine(900),
    ])
    const first = await inTx((tx) => postPaymentCaptured(tx, config, p))
    const before = await balancesOf(database, org)
    const second = await inTx((tx) => postPaymentCaptured(tx, config, p))
    expect(second).toEqual({ transactionId: first.transactionId, created: false })
    expect(await balancesOf(database, org)).toEqual(before)
  })

  it('refunds a course line partially then fully, clawing back exactly what was credited', async () => {
    const org = newId('org')
    const instructor = newId('usr')
    const line = courseLine(instructor, 1001)
    const p = payment(org, [line])
    await inTx((tx) => postPaymentCaptured(tx, config, p))
    const refund = (refundMinor: number) =>
      inTx((tx) =>
        postRefund(tx, config, {
          refundId: newId('rfd'),
          paymentId: p.paymentId,
          orderId: p.orderId,
          orgId: org,
          userId: p.userId,
          currency: 'EUR',
          lines: [{ ...line, refundMinor }],
        }),
      )
    await refund(333)
    await refund(1)
    await refund(667)
    const b = await balancesOf(database, org)
    expect(b[`payable:${instructor}:EUR`] ?? 0).toBe(0)
    expect((b['platform_revenue::EUR'] ?? 0) + (b['refunds::EUR'] ?? 0)).toBe(0)
    expect(b['provider_clearing::EUR'] ?? 0).toBe(0)
    await expect(refund(1)).rejects.toMatchObject({ code: 'unprocessable' })
    expect(await ledgerInvariants(database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('refunds a tutoring line from escrow while held', async () => {
    const org = newId('org')
    const tutor = newId('usr')
    const line = tutoringLine(tutor, 5000, 5)
    const p = payment(org, [line])
    await inTx((tx) => postPaymentCaptured(tx, config, p))
    await inTx((tx) =>
      postRefund(tx, config, {
        refundId: newId('rfd'),
        paymentId: p.paymentId,
        orderId: p.orderId,
        orgId: org,
        userId: p.userId,
        currency: 'EUR',
        lines: [{ ...line, refundMinor: 2000 }],
      }),
    )
    expect(await balancesOf(database, org)).toEqual({
      'provider_clearing::EUR': 3000,
      [`escrow:${tutor}:EUR`]: -3000,
    })
  })
})

describe('happy (mixed)', () => {
  it('a full refund of a mixed order after one lesson reverses every line exactly (tax included)', async () => {
    const org = newId('org')
    const tutor = newId('usr')
    const course = { ...courseLine(newId('usr'), 1210), taxMinor: 210 }
    const lessons = tutoringLine(tutor, 3000, 3)
    const plan = planLine(999)
    const p = payment(org, [course, lessons, plan], 50)
    await inTx((tx) => postPaymentCaptured(tx, config, p))
    await inTx((tx) =>
      settleLesson(tx, flatCommission(20), {
        orgId: org,
        bookingId: newId('bkg'),
        orderItemId: lessons.orderItemId,
        tutorId: tutor,
        outcome: 'completed',
        minutes: 60,
      }),
    )
    await inTx((tx) =>
      postRefund(tx, config, {
        refundId: newId('rfd'),
        paymentId: p.paymentId,
        orderId: p.orderId,
        orgId: org,
        userId: p.userId,
        currency: 'EUR',
        lines: [course, lessons, plan].map((l) => ({ ...l, refundMinor: l.amountMinor })),
      }),
    )
    // Everything went back: only the fee (platform's cost) and its mirror in clearing remain, and
    // the platform's commission on the released lesson sits in revenue, reversed in `refunds`.
    const b = await balancesOf(database, org)
    expect(b).toEqual({
      'provider_clearing::EUR': -50,
      'provider_fees::EUR': 50,
      'platform_revenue::EUR': -(200 + 200 + 999),
      'refunds::EUR': 200 + 200 + 999,
    })
  })
})

describe('errors', () => {
  it('refuses a refund of a line another payment captured, and a line listed twice; nothing is written', async () => {
    const org = newId('org')
    const a = courseLine(newId('usr'), 1000)
    const b = courseLine(newId('usr'), 1000)
    const pa = payment(org, [a])
    const pb = payment(org, [b])
    await inTx((tx) => postPaymentCaptured(tx, config, pa))
    await inTx((tx) => postPaymentCaptured(tx, config, pb))
    const before = await balancesOf(database, org)
    const input = (lines: (PostingLine & { refundMinor: number })[]) => ({
      refundId: newId('rfd'),
      paymentId: pa.paymentId,
      orderId: pa.orderId,
      orgId: org,
      userId: pa.userId,
      currency: 'EUR',
      lines,
    })
    await expect(
      inTx((tx) => postRefund(tx, config, input([{ ...b, refundMinor: 10 }]))),
    ).rejects.toMatchObject({
      code: 'unprocessable',
    })
    await expect(
      inTx((tx) =>
        postRefund(
          tx,
          config,
          input([
            { ...a, refundMinor: 600 },
            { ...a, refundMinor: 600 },
          ]),
        ),
      ),
    ).rejects.toMatchObject({ code: 'internal' })
    await expect(
      inTx((tx) => postPaymentCaptured(tx, config, payment(org, [courseLine(newId('usr'), 10.5)]))),
    ).rejects.toMatchObject({ code: 'internal' })
    expect(await balancesOf(database, org)).toEqual(before)
  })
})

describe('security', () => {
  it('a refund naming another organization’s payment posts nothing', async () => {
    const line = courseLine(newId('usr'), 1000)
    const p = payment(newId('org'), [line])
    await inTx((tx) => postPaymentCaptured(tx, config, p))
    const otherOrg = newId('org')
    await expect(
      inTx((tx) =>
        postRefund(tx, config, {
          refundId: newId('rfd'),
          paymentId: p.paymentId,
          orderId: p.orderId,
          orgId: otherOrg,
          userId: p.userId,
          currency: 'EUR',
          lines: [{ ...line, refundMinor: 100 }],
        }),
      ),
    ).rejects.toMatchObject({ code: 'unprocessable' })
    expect(await balancesOf(database, otherOrg)).toEqual({})
  })
})
