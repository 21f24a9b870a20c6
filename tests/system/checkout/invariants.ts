import { sql, type Database } from '@learnmesh/kernel'

/**
 * What the checkout chaos test asserts, read straight from the services' schemas (the test may
 * read every schema; the services never read each other's). Each field counts violations (0 is
 * right) or totals the test compares with what it did.
 */
export interface CheckoutInvariants {
  ordersByStatus: Record<string, number>
  /** Paid (course) order lines without exactly one enrollment from that order. */
  paidLinesWithoutOneEnrollment: number
  /** Enrollments from an order that is not paid. */
  enrollmentsOfUnpaidOrders: number
  enrollmentsFromOrders: number
  paidCourseLines: number
  /** Payments with more than one capture posting, captures of no succeeded payment, and the reverse. */
  paymentsCapturedTwice: number
  capturesWithoutSucceededPayment: number
  succeededPaymentsWithoutCapture: number
  /** Paid orders without exactly one succeeded payment. */
  paidOrdersWithoutOneSucceededPayment: number
  /** Captures whose provider_clearing debit is not the payment's amount. */
  capturesOfTheWrongAmount: number
  /** Idempotency keys whose stored 201 names an order another key also names, and keys left in progress. */
  ordersNamedByTwoKeys: number
  keysInProgress: number
  /** Ledger transactions whose legs do not sum to 0 (or mix currencies). */
  unbalancedTransactions: number
  /** Sum of every entry, per currency (each must be 0). */
  ledgerSumByCurrency: Record<string, number>
  /** provider_clearing per currency vs what paid orders total, per currency. */
  clearingByCurrency: Record<string, number>
  paidTotalByCurrency: Record<string, number>
  /** Outbox rows not yet published (commerce, learning). */
  unpublished: number
}

const n = (v: unknown) => Number(v ?? 0)

/** Reads every invariant in one go. */
export async function readInvariants(db: Database): Promise<CheckoutInvariants> {
  const one = async (q: ReturnType<typeof sql>) => n((await db.query<{ n: unknown }>(q))[0]?.n)
  const byCurrency = async (q: ReturnType<typeof sql>) =>
    Object.fromEntries((await db.query<{ k: string; n: unknown }>(q)).map((r) => [r.k, n(r.n)]))

  const statuses = await db.query<{ status: string; n: number }>(
    sql`select status, count(*)::int as n from commerce.orders group by status`,
  )
  return {
    ordersByStatus: Object.fromEntries(statuses.map((r) => [r.status, r.n])),
    paidLinesWithoutOneEnrollment: await one(sql`
      select count(*)::int as n from commerce.orders o
      join commerce.order_items i on i.order_id = o.id and i.product_type = 'course'
      where o.status = 'paid' and (
        select count(*) from learning.enrollments e
        where e.course_id = i.product_ref and e.user_id = o.user_id
          and e.source = 'order' and e.source_ref = o.id and e.status = 'active'
      ) <> 1`),
    enrollmentsOfUnpaidOrders: await one(sql`
      select count(*)::int as n from learning.enrollments e
      where e.source = 'order'
        and not exists (select 1 from commerce.orders o where o.id = e.source_ref and o.status = 'paid')`),
    enrollmentsFromOrders: await one(
      sql`select count(*)::int as n from learning.enrollments where source = 'order'`,
    ),
    paidCourseLines: await one(sql`
      select count(*)::int as n from commerce.orders o
      join commerce.order_items i on i.order_id = o.id and i.product_type = 'course'
      where o.status = 'paid'`),
    paymentsCapturedTwice: await one(sql`
      select count(*)::int as n from (
        select ref from commerce.ledger_transactions where kind = 'payment_captured'
        group by ref having count(*) > 1) t`),
    capturesWithoutSucceededPayment: await one(sql`
      select count(*)::int as n from commerce.ledger_transactions t
      where t.kind = 'payment_captured'
        and not exists (select 1 from commerce.payments p where p.id = t.ref and p.status = 'succeeded')`),
    succeededPaymentsWithoutCapture: await one(sql`
      select count(*)::int as n from commerce.payments p
      where p.status = 'succeeded'
        and not exists (select 1 from commerce.ledger_transactions t where t.kind = 'payment_captured' and t.ref = p.id)`),
    paidOrdersWithoutOneSucceededPayment: await one(sql`
      select count(*)::int as n from commerce.orders o
      where o.status = 'paid'
        and (select count(*) from commerce.payments p where p.order_id = o.id and p.status = 'succeeded') <> 1`),
    capturesOfTheWrongAmount: await one(sql`
      select count(*)::int as n from commerce.ledger_transactions t
      join commerce.payments p on p.id = t.ref
      where t.kind = 'payment_captured' and p.amount_minor <> (
        select coalesce(sum(e.amount_minor), 0) from commerce.ledger_entries e
        join commerce.ledger_accounts a on a.id = e.account_id
        where e.transaction_id = t.id and a.kind = 'provider_clearing' and e.amount_minor > 0)`),
    ordersNamedByTwoKeys: await one(sql`
      select count(*)::int as n from (
        select response_body->>'id' as order_id from commerce.idempotency_keys
        where status = 'done' and response_status = 201
        group by 1 having count(*) > 1) t`),
    keysInProgress: await one(
      sql`select count(*)::int as n from commerce.idempotency_keys where status = 'in_progress'`,
    ),
    unbalancedTransactions: await one(sql`
      select count(*)::int as n from (
        select transaction_id from commerce.ledger_entries group by transaction_id
        having sum(amount_minor) <> 0 or count(distinct currency) <> 1) t`),
    ledgerSumByCurrency: await byCurrency(
      sql`select currency as k, sum(amount_minor)::bigint as n from commerce.ledger_entries group by currency`,
    ),
    clearingByCurrency: await byCurrency(sql`
      select e.currency as k, sum(e.amount_minor)::bigint as n from commerce.ledger_entries e
      join commerce.ledger_accounts a on a.id = e.account_id
      where a.kind = 'provider_clearing' group by e.currency`),
    paidTotalByCurrency: await byCurrency(sql`
      select currency as k, sum(total_minor)::bigint as n from commerce.orders
      where status = 'paid' group by currency`),
    unpublished: await one(sql`
      select ((select count(*) from commerce.outbox where published_at is null)
            + (select count(*) from learning.outbox where published_at is null))::int as n`),
  }
}
