/** Test-only helpers of the ledger area: invariant checks and fixtures for postings. */
import pino from 'pino'
import type { Envelope } from '@learnmesh/contracts'
import {
  consume,
  newId,
  sql,
  uuid7,
  type Database,
  type EventHandler,
  type Transport,
} from '@learnmesh/kernel'
import { inbox } from '../db/schema.ts'
import type { CapturedPayment, PostingLine } from './postings.ts'

/** Every transaction's sum, the grand total and per-account balances, straight from SQL. */
export async function ledgerInvariants(database: Database) {
  const unbalanced = await database.query<{ transaction_id: string; sum: string }>(
    sql`select transaction_id, sum(amount_minor)::text as sum from commerce.ledger_entries
        group by transaction_id having sum(amount_minor) <> 0`,
  )
  const [total] = await database.query<{ sum: string }>(
    sql`select coalesce(sum(amount_minor), 0)::text as sum from commerce.ledger_entries`,
  )
  return { unbalanced, total: Number(total!.sum) }
}

/** Balances (debit-positive) by "kind:owner:currency" for one org. */
export async function balancesOf(database: Database, orgId: string): Promise<Record<string, number>> {
  const rows = await database.query<{ key: string; balance: string }>(
    sql`select a.kind || ':' || a.owner_id || ':' || a.currency as key, coalesce(sum(e.amount_minor), 0)::text as balance
        from commerce.ledger_accounts a left join commerce.ledger_entries e on e.account_id = a.id
        where a.org_id = ${orgId} group by 1`,
  )
  return Object.fromEntries(
    rows.filter((r) => Number(r.balance) !== 0).map((r) => [r.key, Number(r.balance)]),
  )
}

/** A course line. */
export function courseLine(payee: string, amountMinor: number): PostingLine {
  return { orderItemId: newId('oit'), productType: 'course', payeeUserId: payee, lessonCount: 1, amountMinor }
}

/** A tutoring package line of `lessons` lessons. */
export function tutoringLine(payee: string, amountMinor: number, lessons = 1): PostingLine {
  return {
    orderItemId: newId('oit'),
    productType: lessons > 1 ? 'tutoring_package' : 'tutoring_lesson',
    payeeUserId: payee,
    lessonCount: lessons,
    amountMinor,
  }
}

/** A subscription plan line (platform revenue). */
export function planLine(amountMinor: number): PostingLine {
  return {
    orderItemId: newId('oit'),
    productType: 'subscription_plan',
    payeeUserId: null,
    lessonCount: 1,
    amountMinor,
  }
}

/** A captured payment of these lines. */
export function payment(
  orgId: string,
  lines: PostingLine[],
  feeMinor = 0,
  currency = 'EUR',
): CapturedPayment {
  return {
    paymentId: newId('pay'),
    orderId: newId('ord'),
    orgId,
    userId: newId('usr'),
    currency,
    provider: 'sandbox',
    feeMinor,
    lines,
  }
}

/**
 * Subscribes the given handlers through the kernel's real `consume` (inbox, payload validation)
 * on a transport that delivers synchronously: `deliver(type, orgId, payload)` resolves once handled.
 */
export function directConsumer(database: Database, handlers: EventHandler[]) {
  let handle: ((e: Envelope) => Promise<void>) | undefined
  const transport: Transport = {
    publish: () => Promise.resolve(),
    subscribe: (_c, _t, h) => {
      handle = h
    },
    close: () => Promise.resolve(),
  }
  consume({ consumer: 'commerce', database, inbox, transport, logger: pino({ level: 'silent' }), handlers })
  return {
    /** Delivers one envelope (pass `id` to redeliver the same event). */
    async deliver(type: string, orgId: string, payload: Record<string, unknown>, id = uuid7()) {
      await handle!({
        id,
        type,
        version: 1,
        occurredAt: new Date().toISOString(),
        producer: 'tutoring',
        orgId,
        traceparent: null,
        payload,
      })
      return id
    },
  }
}

/** A tutoring.lesson.completed payload for a line. */
export function lessonCompleted(line: PostingLine, over: Partial<Record<string, unknown>> = {}) {
  return {
    bookingId: newId('bkg'),
    tutorId: line.payeeUserId!,
    learnerId: newId('usr'),
    orderId: newId('ord'),
    orderItemId: line.orderItemId,
    minutes: 60,
    completedAt: new Date().toISOString(),
    ...over,
  }
}
