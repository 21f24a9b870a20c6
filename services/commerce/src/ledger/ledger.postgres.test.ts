import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, sql } from '@learnmesh/kernel'
import { createPostgresTestDatabase, postgresAvailable } from '@learnmesh/kernel/testing'
import { loadCommerceConfig } from '../config.ts'
import { settleLesson } from '../escrow/escrow.service.ts'
import { sandboxPayoutProvider } from '../payouts/payout-provider.ts'
import { runPayouts } from '../payouts/payouts.service.ts'
import { commerceService } from '../service.ts'
import { flatCommission } from './commission.ts'
import { postPaymentCaptured } from './postings.ts'
import { courseLine, ledgerInvariants, payment, tutoringLine } from './ledger.test-kit.ts'

const pg = await postgresAvailable()
const config = loadCommerceConfig({})

describe.skipIf(!pg.ok)('ledger on PostgreSQL (concurrency)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  beforeAll(async () => {
    database = await createPostgresTestDatabase(commerceService.migrations)
  })
  afterAll(async () => {
    await database?.drop()
  })

  describe('happy', () => {
    it('concurrent posts of one payment create exactly one transaction and one set of accounts', async () => {
      const org = newId('org')
      const p = payment(org, [courseLine(newId('usr'), 1000), tutoringLine(newId('usr'), 3000, 3)], 10)
      const results = await Promise.all(
        Array.from({ length: 8 }, () => database.db.transaction((tx) => postPaymentCaptured(tx, config, p))),
      )
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(new Set(results.map((r) => r.transactionId)).size).toBe(1)
      const [row] = await database.query<{ tx: number; holds: number; accounts: number }>(
        sql`select (select count(*)::int from commerce.ledger_transactions where org_id = ${org}) as tx,
                   (select count(*)::int from commerce.escrow_holds where org_id = ${org}) as holds,
                   (select count(*)::int from commerce.ledger_accounts where org_id = ${org}) as accounts`,
      )
      expect(row).toEqual({ tx: 1, holds: 1, accounts: 5 })
      expect(await ledgerInvariants(database)).toEqual({ unbalanced: [], total: 0 })
    })

    it('concurrent deliveries of one lesson release once', async () => {
      const org = newId('org')
      const line = tutoringLine(newId('usr'), 3000, 3)
      await database.db.transaction((tx) => postPaymentCaptured(tx, config, payment(org, [line])))
      const bookingId = newId('bkg')
      const settle = () =>
        database.db.transaction((tx) =>
          settleLesson(tx, flatCommission(20), {
            orgId: org,
            bookingId,
            orderItemId: line.orderItemId,
            tutorId: line.payeeUserId!,
            outcome: 'completed',
            minutes: 60,
          }),
        )
      const results = await Promise.all(Array.from({ length: 6 }, settle))
      expect(results.filter((r) => r.status === 'released')).toHaveLength(1)
      const [hold] = await database.query<{ released_minor: number }>(
        sql`select released_minor::int from commerce.escrow_holds where order_item_id = ${line.orderItemId}`,
      )
      expect(hold!.released_minor).toBe(1000)
    })

    it('concurrent payout runs for different periods never pay one balance twice', async () => {
      const org = newId('org')
      const payee = newId('usr')
      await database.db.transaction((tx) =>
        postPaymentCaptured(tx, config, payment(org, [courseLine(payee, 100_000)])),
      )
      const now = Date.now()
      const made = await Promise.all(
        [1, 2, 3, 4].map((i) =>
          database.db.transaction((tx) =>
            runPayouts(tx, sandboxPayoutProvider(), {
              orgId: org,
              periodEnd: new Date(now - i * 1000),
              minimumMinor: 1,
            }),
          ),
        ),
      )
      expect(made.flat().map((p) => p.amountMinor)).toEqual([80_000])
      expect(await ledgerInvariants(database)).toEqual({ unbalanced: [], total: 0 })
    })
  })
})
