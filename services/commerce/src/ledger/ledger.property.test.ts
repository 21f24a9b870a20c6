/**
 * The ledger's property test: random command sequences (capture of course / tutoring / plan lines
 * with tax and fees, duplicate capture, partial / full / excessive refunds, escrow releases and
 * duplicate releases, payout runs, and transactions that crash midway) run against the real
 * postings on PGlite, and after EVERY command:
 *   - every transaction sums to 0 and all entries sum to 0 (SQL),
 *   - every account balance equals an independent model's expectation.
 * One database for the file, truncated before each run.
 *
 * Environment:
 *   LEDGER_PROPERTY_RUNS      runs (default 60; `npm run test:heavy` runs 1,000: ~0.7 s of CPU per run on PGlite)
 *   LEDGER_PROPERTY_SHARD     `k/n`: run the k-th of n shares of the runs (test:heavy runs the shares in parallel)
 *   LEDGER_PROPERTY_COMMANDS  commands per run (default 50)
 *   LEDGER_PROPERTY_SEED / LEDGER_PROPERTY_PATH  replay a failure (fast-check prints both)
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError, newId, sql, type Database, type Tx } from '@learnmesh/kernel'
import { createTestDatabase } from '@learnmesh/kernel/testing'
import { loadCommerceConfig } from '../config.ts'
import { commerceService } from '../service.ts'
import { settleLesson } from '../escrow/escrow.service.ts'
import { sandboxPayoutProvider } from '../payouts/payout-provider.ts'
import { runPayouts } from '../payouts/payouts.service.ts'
import { flatCommission, tieredCommission } from './commission.ts'
import { postPaymentCaptured, postRefund, type CapturedPayment, type PostingLine } from './postings.ts'

const TOTAL_RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 60)
/** `k/n`: this process runs the k-th of n equal shares of the runs (each with its own random seed). */
const [SHARD, SHARDS] = (process.env.LEDGER_PROPERTY_SHARD ?? '1/1').split('/').map(Number) as [
  number,
  number,
]
const RUNS = Math.floor(TOTAL_RUNS / SHARDS) + (SHARD <= TOTAL_RUNS % SHARDS ? 1 : 0)
const SHARD_LABEL = SHARDS > 1 ? `, share ${SHARD} of ${SHARDS} of ${TOTAL_RUNS}` : ''
const COMMANDS = Number(process.env.LEDGER_PROPERTY_COMMANDS ?? 50)
const SEED = process.env.LEDGER_PROPERTY_SEED ? Number(process.env.LEDGER_PROPERTY_SEED) : undefined
const PATH = process.env.LEDGER_PROPERTY_PATH

const SHARE = 80 // COURSE_REVENUE_SHARE_PERCENT
const FLAT = 20 // TUTORING_COMMISSION_PERCENT
const config = loadCommerceConfig({})
let database: Database

beforeAll(async () => {
  database = await createTestDatabase(commerceService.migrations)
})
afterAll(() => database.close())

// ----------------------------------------------------------------------------------------------
// Commands (plain data, so fast-check can shrink and print them)
// ----------------------------------------------------------------------------------------------

type LineSpec = {
  type: 'course' | 'tutoring' | 'plan'
  amount: number
  taxPct: number
  lessons: number
  payee: number
}
type Command =
  | { t: 'capture'; lines: LineSpec[]; fee: number }
  | { t: 'duplicateCapture'; pick: number }
  | { t: 'refund'; pick: number; line: number; permille: number; over: boolean }
  | { t: 'release'; pick: number; minutes: number }
  | { t: 'cancel'; pick: number; percent: number }
  | { t: 'duplicateRelease'; pick: number }
  | { t: 'payout'; minimum: number }
  | { t: 'crash'; what: 'capture' | 'refund' | 'release' }

const lineArb: fc.Arbitrary<LineSpec> = fc.record({
  type: fc.constantFrom('course', 'tutoring', 'plan'),
  amount: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 500_000 })),
  taxPct: fc.constantFrom(0, 0, 10, 21),
  lessons: fc.integer({ min: 1, max: 6 }),
  payee: fc.integer({ min: 0, max: 2 }),
})
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('capture' as const),
      lines: fc.array(lineArb, { minLength: 1, maxLength: 4 }),
      fee: fc.integer({ min: 0, max: 300 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('duplicateCapture' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('refund' as const),
      pick: fc.nat(),
      line: fc.nat(),
      permille: fc.integer({ min: 1, max: 1000 }),
      over: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('release' as const),
      pick: fc.nat(),
      minutes: fc.integer({ min: 1, max: 900 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('duplicateRelease' as const), pick: fc.nat() }) },
  {
    weight: 1,
    // The percent refunded: 100 (refundable), 0 (forfeited) or a partial late-cancellation refund.
    arbitrary: fc.record({
      t: fc.constant('cancel' as const),
      pick: fc.nat(),
      percent: fc.oneof(fc.constant(100), fc.constant(0), fc.integer({ min: 1, max: 99 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('payout' as const),
      minimum: fc.integer({ min: 0, max: 100_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('crash' as const),
      what: fc.constantFrom('capture', 'refund', 'release'),
    }),
  },
)

// ----------------------------------------------------------------------------------------------
// The model: plain arithmetic restating docs/ledger.md, independent of the implementation
// ----------------------------------------------------------------------------------------------

const floorDiv = (a: number, b: number, c: number) => Number((BigInt(a) * BigInt(b)) / BigInt(c))

interface ModelHold {
  amount: number
  n: number
  settled: number
  released: number
  escrowRefunded: number
  releasedToPayee: number
  refundable: number
}
interface ModelLine {
  line: PostingLine
  type: LineSpec['type']
  total: number
  tax: number
  payeeCredit: number
  refunded: number
  taxRefunded: number
  hold?: ModelHold
}
interface ModelPayment {
  payment: CapturedPayment
  lines: ModelLine[]
}

class Model {
  balances = new Map<string, number>()
  payments: ModelPayment[] = []
  bookings: { bookingId: string; line: ModelLine }[] = []
  minutes = new Map<string, number>()
  constructor(readonly policy: 'flat' | 'tiered') {}

  add(kind: string, owner: string, amount: number) {
    const key = `${kind}:${owner}:EUR`
    const v = (this.balances.get(key) ?? 0) + amount
    if (v === 0) this.balances.delete(key)
    else this.balances.set(key, v)
  }

  capture(p: CapturedPayment, specs: LineSpec[]) {
    const lines: ModelLine[] = []
    this.add(
      'provider_clearing',
      '',
      p.lines.reduce((s, l) => s + l.amountMinor, 0),
    )
    p.lines.forEach((l, i) => {
      const spec = specs[i]!
      const tax = l.taxMinor ?? 0
      const net = l.amountMinor - tax
      this.add('tax_payable', '', -tax)
      const m: ModelLine = {
        line: l,
        type: spec.type,
        total: l.amountMinor,
        tax,
        payeeCredit: 0,
        refunded: 0,
        taxRefunded: 0,
      }
      if (spec.type === 'course') {
        m.payeeCredit = Math.floor((net * SHARE) / 100)
        this.add('payable', l.payeeUserId!, -m.payeeCredit)
        this.add('platform_revenue', '', -(net - m.payeeCredit))
      } else if (spec.type === 'tutoring') {
        this.add('escrow', l.payeeUserId!, -net)
        m.hold = {
          amount: net,
          n: l.lessonCount,
          settled: 0,
          released: 0,
          escrowRefunded: 0,
          releasedToPayee: 0,
          refundable: 0,
        }
      } else {
        this.add('platform_revenue', '', -net)
      }
      lines.push(m)
    })
    this.add('provider_fees', '', p.feeMinor)
    this.add('provider_clearing', '', -p.feeMinor)
    this.payments.push({ payment: p, lines })
  }

  /** Cumulative proportional step, clamped to [0, step]. */
  part(before: number, step: number, credit: number, total: number) {
    if (total <= 0 || step === 0) return 0
    const v = floorDiv(before + step, credit, total) - floorDiv(before, credit, total)
    return Math.min(step, Math.max(0, v))
  }

  refund(m: ModelLine, r: number) {
    this.add('provider_clearing', '', -r)
    const taxPart = this.part(m.refunded, r, m.tax, m.total)
    this.add('tax_payable', '', taxPart)
    const netBefore = m.refunded - m.taxRefunded
    const rn = r - taxPart
    const payee = m.line.payeeUserId!
    if (m.hold) {
      const h = m.hold
      const fromEscrow = Math.min(rn, h.amount - h.released - h.escrowRefunded)
      const excess = rn - fromEscrow
      this.add('escrow', payee, fromEscrow)
      if (excess > 0) {
        const p = this.part(netBefore - h.escrowRefunded, excess, h.releasedToPayee, h.released)
        this.add('payable', payee, p)
        this.add('refunds', '', excess - p)
      }
      h.escrowRefunded += fromEscrow
    } else if (m.type === 'course') {
      const p = this.part(netBefore, rn, m.payeeCredit, m.total - m.tax)
      this.add('payable', payee, p)
      this.add('refunds', '', rn - p)
    } else {
      this.add('refunds', '', rn)
    }
    m.refunded += r
    m.taxRefunded += taxPart
  }

  /**
   * A delivered lesson, or a cancellation: a refundable one only marks, a forfeited one releases,
   * a partial one marks `percent` of the share (half up) and releases the rest.
   */
  release(m: ModelLine, minutes: number, cancel?: 'refundable' | 'forfeited' | number) {
    const h = m.hold!
    if (h.settled >= h.n) return
    h.settled++
    const each = Math.floor(h.amount / h.n)
    const share = h.settled === h.n ? h.amount - each * (h.n - 1) : each
    if (cancel === 'refundable') {
      h.refundable += share
      return
    }
    const part = typeof cancel === 'number' ? Math.floor((2 * share * cancel + 100) / 200) : 0
    const rel = Math.max(
      0,
      Math.min(share - part, h.amount - h.released - Math.max(h.escrowRefunded, h.refundable)),
    )
    h.refundable += part
    const payee = m.line.payeeUserId!
    const before = this.minutes.get(payee) ?? 0
    const pct = this.policy === 'flat' ? FLAT : before >= 6000 ? 15 : before >= 1200 ? 20 : 25
    const tutor = Math.floor((rel * (100 - pct)) / 100)
    this.add('escrow', payee, rel)
    this.add('payable', payee, -tutor)
    this.add('platform_revenue', '', -(rel - tutor))
    h.released += rel
    h.releasedToPayee += tutor
    if (!cancel) this.minutes.set(payee, before + minutes)
  }

  payout(minimum: number) {
    const min = Math.max(1, minimum)
    for (const [key, v] of [...this.balances]) {
      if (key.startsWith('payable:') && -v >= min) {
        this.balances.delete(key)
        this.add('provider_clearing', '', v)
      }
    }
  }
}

// ----------------------------------------------------------------------------------------------
// Running a sequence against the database and the model
// ----------------------------------------------------------------------------------------------

async function reset() {
  await database.query(
    sql`truncate commerce.ledger_accounts, commerce.ledger_transactions, commerce.ledger_entries,
        commerce.escrow_holds, commerce.escrow_lessons, commerce.payouts, commerce.tutor_teaching_totals,
        commerce.outbox`,
  )
}

async function dbState(orgId: string) {
  const rows = await database.query<{ key: string; v: string }>(
    sql`select 'u' as key, count(*)::text as v from (select transaction_id from commerce.ledger_entries
          group by transaction_id having sum(amount_minor) <> 0) u
        union all select 'total', coalesce(sum(amount_minor), 0)::text from commerce.ledger_entries
        union all select a.kind || ':' || a.owner_id || ':' || a.currency, sum(e.amount_minor)::text
          from commerce.ledger_entries e join commerce.ledger_accounts a on a.id = e.account_id
          where a.org_id = ${orgId} group by 1 having sum(e.amount_minor) <> 0`,
  )
  const balances = new Map<string, number>()
  let unbalanced = -1
  let total = -1
  for (const r of rows) {
    if (r.key === 'u') unbalanced = Number(r.v)
    else if (r.key === 'total') total = Number(r.v)
    else balances.set(r.key, Number(r.v))
  }
  return { unbalanced, total, balances }
}

const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)))
const crash = new Error('crash between steps')

async function expectRollback(fn: (tx: Tx) => Promise<unknown>) {
  await expect(
    database.db.transaction(async (tx) => {
      await fn(tx)
      throw crash
    }),
  ).rejects.toBe(crash)
}

async function run(policyName: 'flat' | 'tiered', commands: Command[]) {
  await reset()
  const orgId = newId('org')
  const payees = [newId('usr'), newId('usr'), newId('usr')]
  const model = new Model(policyName)
  const policy = policyName === 'flat' ? flatCommission(FLAT) : tieredCommission()
  const provider = sandboxPayoutProvider()
  let period = Date.UTC(2026, 0, 1)

  const newPayment = (specs: LineSpec[], fee: number): CapturedPayment => ({
    paymentId: newId('pay'),
    orderId: newId('ord'),
    orgId,
    userId: newId('usr'),
    currency: 'EUR',
    provider: 'sandbox',
    feeMinor: fee,
    lines: specs.map((s) => ({
      orderItemId: newId('oit'),
      productType:
        s.type === 'course' ? 'course' : s.type === 'tutoring' ? 'tutoring_package' : 'subscription_plan',
      payeeUserId: s.type === 'plan' ? null : payees[s.payee]!,
      lessonCount: s.type === 'tutoring' ? s.lessons : 1,
      amountMinor: s.amount,
      taxMinor: Math.floor((s.amount * s.taxPct) / 121),
    })),
  })
  const settle = (tx: Tx, m: ModelLine, bookingId: string, minutes: number) =>
    settleLesson(tx, policy, {
      orgId,
      bookingId,
      orderItemId: m.line.orderItemId,
      tutorId: m.line.payeeUserId!,
      outcome: 'completed',
      minutes,
    })
  const allLines = () => model.payments.flatMap((p) => p.lines)
  const holds = () => allLines().filter((l) => l.hold)
  const refundInput = (pay: ModelPayment, m: ModelLine, r: number) => ({
    refundId: newId('rfd'),
    paymentId: pay.payment.paymentId,
    orderId: pay.payment.orderId,
    orgId,
    userId: pay.payment.userId,
    currency: 'EUR',
    lines: [{ ...m.line, refundMinor: r }],
  })

  for (const [i, c] of commands.entries()) {
    switch (c.t) {
      case 'capture': {
        const p = newPayment(c.lines, c.fee)
        await database.db.transaction((tx) => postPaymentCaptured(tx, config, p))
        model.capture(p, c.lines)
        break
      }
      case 'duplicateCapture': {
        const pay = model.payments[c.pick % Math.max(1, model.payments.length)]
        if (!pay) break
        const res = await database.db.transaction((tx) => postPaymentCaptured(tx, config, pay.payment))
        expect(res.created).toBe(false)
        break
      }
      case 'refund': {
        const pay = model.payments[c.pick % Math.max(1, model.payments.length)]
        if (!pay) break
        const m = pay.lines[c.line % pay.lines.length]!
        const remaining = m.total - m.refunded
        if (c.over || remaining === 0) {
          const r = remaining + 1 + (c.permille % 7)
          await expect(
            database.db.transaction((tx) => postRefund(tx, config, refundInput(pay, m, r))),
          ).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'unprocessable')
          break
        }
        const r = Math.max(1, Math.floor((remaining * c.permille) / 1000))
        await database.db.transaction((tx) => postRefund(tx, config, refundInput(pay, m, r)))
        model.refund(m, r)
        break
      }
      case 'release': {
        const hs = holds()
        const m = hs[c.pick % Math.max(1, hs.length)]
        if (!m) break
        const bookingId = newId('bkg')
        await database.db.transaction((tx) => settle(tx, m, bookingId, c.minutes))
        model.release(m, c.minutes)
        model.bookings.push({ bookingId, line: m })
        break
      }
      case 'cancel': {
        const hs = holds()
        const m = hs[c.pick % Math.max(1, hs.length)]
        if (!m) break
        await database.db.transaction((tx) =>
          settleLesson(tx, policy, {
            orgId,
            bookingId: newId('bkg'),
            orderItemId: m.line.orderItemId,
            tutorId: m.line.payeeUserId!,
            outcome:
              c.percent === 100
                ? 'cancelled_refundable'
                : c.percent === 0
                  ? 'cancelled_forfeited'
                  : 'cancelled_partial',
            refundPercent: c.percent,
            minutes: 0,
          }),
        )
        model.release(m, 0, c.percent === 100 ? 'refundable' : c.percent === 0 ? 'forfeited' : c.percent)
        break
      }
      case 'duplicateRelease': {
        const b = model.bookings[c.pick % Math.max(1, model.bookings.length)]
        if (!b) break
        const res = await database.db.transaction((tx) => settle(tx, b.line, b.bookingId, 60))
        expect(res.status).toBe('duplicate')
        break
      }
      case 'payout': {
        period += 86_400_000
        await database.db.transaction((tx) =>
          runPayouts(tx, provider, { orgId, periodEnd: new Date(period), minimumMinor: c.minimum }),
        )
        model.payout(c.minimum)
        break
      }
      case 'crash': {
        if (c.what === 'capture') {
          await expectRollback((tx) =>
            postPaymentCaptured(
              tx,
              config,
              newPayment(
                [
                  { type: 'tutoring', amount: 999, taxPct: 0, lessons: 2, payee: 0 },
                  { type: 'course', amount: 500, taxPct: 10, lessons: 1, payee: 1 },
                ],
                7,
              ),
            ),
          )
        } else if (c.what === 'refund') {
          const pay = model.payments.find((p) => p.lines.some((l) => l.total - l.refunded > 0))
          const m = pay?.lines.find((l) => l.total - l.refunded > 0)
          if (pay && m) await expectRollback((tx) => postRefund(tx, config, refundInput(pay, m, 1)))
        } else {
          const m = holds().find((h) => h.hold!.settled < h.hold!.n)
          if (m) await expectRollback((tx) => settle(tx, m, newId('bkg'), 60))
        }
        break
      }
    }
    const state = await dbState(orgId)
    if (state.unbalanced !== 0 || state.total !== 0) {
      throw new Error(
        `after command ${i} (${c.t}): ${state.unbalanced} unbalanced transactions, total ${state.total}`,
      )
    }
    expect(sorted(state.balances), `balances after command ${i} (${JSON.stringify(c)})`).toEqual(
      sorted(model.balances),
    )
  }
}

describe('happy', () => {
  it(`every command sequence keeps the ledger balanced and equal to the model (${RUNS} runs × ${COMMANDS} commands${SHARD_LABEL})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('flat' as const, 'tiered' as const),
        fc.array(commandArb, { minLength: COMMANDS, maxLength: COMMANDS }),
        (policy, commands) => run(policy, commands),
      ),
      {
        numRuns: RUNS,
        ...(SEED !== undefined ? { seed: SEED } : {}),
        ...(PATH ? { path: PATH } : {}),
        endOnFailure: false,
        reporter: (details) => {
          if (details.failed) {
            console.error(
              `ledger property failed: replay with LEDGER_PROPERTY_SEED=${details.seed} LEDGER_PROPERTY_PATH=${details.counterexamplePath ?? ''}`,
            )
            throw new Error(fc.defaultReportMessage(details) ?? 'ledger property failed')
          }
        },
      },
    )
  }, 3_600_000)
})
