import { and, eq, sql, type SQL } from 'drizzle-orm'
import { newId, type DbOrTx, type Tx } from '@learnmesh/kernel'
import {
  attentionActions,
  cardExpiries,
  orders,
  payments,
  refunds,
  subscriptionCharges,
} from '../db/schema.ts'
import { CARD_EXPIRY_CALLS, RENEWAL_CALLS } from '../payments/provider-calls.ts'
import { REFUND_RESEND_WINDOW_MS } from '../refunds/refunds.service.ts'

/** What needs a person, by where it comes from. */
export const ATTENTION_KINDS = ['refund_failed', 'refund_unsent', 'renewal_charge', 'card_expiry'] as const
export type AttentionKind = (typeof ATTENTION_KINDS)[number]
/** Kinds whose job can be asked to try again (the others would risk paying out twice). */
export const RETRYABLE_KINDS: readonly AttentionKind[] = ['renewal_charge', 'card_expiry']

/** One item as listed. */
export interface AttentionItem {
  kind: AttentionKind
  /** The row it stands for: refund id, renewal attempt id, or the order id of a card expiry. */
  id: string
  orgId: string
  amountMinor: number
  currency: string
  orderId: string
  subscriptionId: string | null
  /** Provider calls that failed (null for refunds: they are sent once per run, not counted). */
  attempts: number | null
  /** The last failure's code (the provider's failure code, or type:code (HTTP status)); never a message. */
  lastError: string | null
  /** The refund's reason (refunds only). */
  reason: string | null
  /** Since when it has been waiting (the row's creation; a card expiry's last attempt). */
  since: Date
  /** `since` to the microsecond, for the cursor. */
  sinceKey: string
}

/** A keyset position: after (since, kind, id). */
export interface AttentionCursor {
  since: string
  kind: string
  id: string
}

type Row = {
  kind: AttentionKind
  id: string
  org_id: string
  amount_minor: string | number
  currency: string
  order_id: string
  subscription_id: string | null
  attempts: number | null
  last_error: string | null
  reason: string | null
  since: string | Date
  since_key: string
}

/**
 * Every item waiting for a person, as one relation (`a`): refunds the provider refused (automatic
 * ones, and ones someone asked for: a refusal may come later, by webhook, after "pending"),
 * refunds never answered and now past the re-send window (re-sending could refund twice: the
 * provider forgets its idempotency keys), renewal attempts and card expiries whose provider calls
 * gave up after `maxAttempts`. Unresolved only.
 */
function waitingItems(now: Date): SQL {
  const stale = new Date(now.getTime() - REFUND_RESEND_WINDOW_MS).toISOString()
  return sql`(
    select 'refund_failed' as kind, r.id, r.org_id, r.amount_minor, p.currency, r.order_id,
      null::text as subscription_id, null::int as attempts, r.failure_code as last_error, r.reason,
      r.created_at as since
    from ${refunds} r join ${payments} p on p.id = r.payment_id
    where r.status = 'failed'
    union all
    select 'refund_unsent', r.id, r.org_id, r.amount_minor, p.currency, r.order_id,
      null, null, null, r.reason, r.created_at
    from ${refunds} r join ${payments} p on p.id = r.payment_id
    where r.status = 'pending' and r.provider_ref is null and r.created_at < ${stale}::timestamptz
    union all
    select 'renewal_charge', c.id, c.org_id, c.amount_minor, p.currency, c.order_id,
      c.subscription_id, c.call_attempts, c.last_error, null, c.created_at
    from ${subscriptionCharges} c join ${payments} p on p.id = c.payment_id
    where c.status = 'pending' and p.status = 'requires_payment'
      and c.call_attempts >= ${RENEWAL_CALLS.maxAttempts}
    union all
    select 'card_expiry', e.order_id, o.org_id, o.total_minor, o.currency, o.id,
      null, e.attempts, e.last_error, null, e.updated_at
    from ${cardExpiries} e join ${orders} o on o.id = e.order_id
    where e.attempts >= ${CARD_EXPIRY_CALLS.maxAttempts} and o.status in ('pending_payment', 'requires_action')
  )`
}

const present = (r: Row): AttentionItem => ({
  kind: r.kind,
  id: r.id,
  orgId: r.org_id,
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  attempts: r.attempts,
  lastError: r.last_error,
  reason: r.reason,
  since: new Date(r.since),
  sinceKey: r.since_key,
})

/** Data access for the "needs attention" view and its audited actions. */
export function createAttentionRepository() {
  async function select(db: DbOrTx, now: Date, where: SQL, limit: number): Promise<AttentionItem[]> {
    const res = (await db.execute(sql`
      select a.*, to_char(a.since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as since_key
      from ${waitingItems(now)} a
      where ${where}
        and not exists (select 1 from ${attentionActions} x
          where x.kind = a.kind and x.item_id = a.id and x.action = 'resolve')
      order by a.since, a.kind, a.id
      limit ${limit}`)) as unknown as { rows: Row[] }
    return res.rows.map(present)
  }

  return {
    /** Unresolved items, oldest first (keyset on since, kind, id); `orgId` null = every org. */
    list(
      db: DbOrTx,
      now: Date,
      opts: { orgId: string | null; kind?: AttentionKind; after?: AttentionCursor; limit: number },
    ): Promise<AttentionItem[]> {
      const { orgId, kind, after } = opts
      const where = sql.join(
        [
          sql`true`,
          ...(orgId ? [sql`a.org_id = ${orgId}`] : []),
          ...(kind ? [sql`a.kind = ${kind}`] : []),
          ...(after
            ? [sql`(a.since, a.kind, a.id) > (${after.since}::timestamptz, ${after.kind}, ${after.id})`]
            : []),
        ],
        sql` and `,
      )
      return select(db, now, where, opts.limit)
    },
    /** One unresolved waiting item (any org). */
    async find(db: DbOrTx, now: Date, kind: AttentionKind, id: string): Promise<AttentionItem | undefined> {
      const [r] = await select(db, now, sql`a.kind = ${kind} and a.id = ${id}`, 1)
      return r
    },
    /** The org of the row an item id names, whether or not it is waiting (undefined: no such row). */
    async orgOf(db: DbOrTx, kind: AttentionKind, id: string): Promise<string | undefined> {
      if (kind === 'refund_failed' || kind === 'refund_unsent') {
        const [r] = await db.select({ orgId: refunds.orgId }).from(refunds).where(eq(refunds.id, id))
        return r?.orgId
      }
      if (kind === 'renewal_charge') {
        const [r] = await db
          .select({ orgId: subscriptionCharges.orgId })
          .from(subscriptionCharges)
          .where(eq(subscriptionCharges.id, id))
        return r?.orgId
      }
      const [r] = await db
        .select({ orgId: orders.orgId })
        .from(cardExpiries)
        .innerJoin(orders, eq(orders.id, cardExpiries.orderId))
        .where(eq(cardExpiries.orderId, id))
      return r?.orgId
    },
    /** The item's resolution, if it was resolved. */
    async resolution(db: DbOrTx, kind: AttentionKind, id: string) {
      const [r] = await db
        .select()
        .from(attentionActions)
        .where(
          and(
            eq(attentionActions.kind, kind),
            eq(attentionActions.itemId, id),
            eq(attentionActions.action, 'resolve'),
          ),
        )
      return r
    },
    /**
     * Locks the row behind a retryable item (the attempt or the card expiry: a single row, no other
     * lock held, so no lock order is involved) and answers whether it still waits for a person.
     */
    async lockRetryable(tx: Tx, kind: AttentionKind, id: string): Promise<boolean> {
      if (kind === 'renewal_charge') {
        const [r] = await tx
          .select({ attempts: subscriptionCharges.callAttempts, status: subscriptionCharges.status })
          .from(subscriptionCharges)
          .where(eq(subscriptionCharges.id, id))
          .for('update')
        return !!r && r.status === 'pending' && r.attempts >= RENEWAL_CALLS.maxAttempts
      }
      const [r] = await tx
        .select({ attempts: cardExpiries.attempts })
        .from(cardExpiries)
        .where(eq(cardExpiries.orderId, id))
        .for('update')
      return !!r && r.attempts >= CARD_EXPIRY_CALLS.maxAttempts
    },
    /**
     * Puts an item back in its job's queue: no failed calls, due now, no claim (the last error is
     * kept until the next call). The job picks it up on its next run.
     */
    async requeue(tx: Tx, kind: AttentionKind, id: string): Promise<void> {
      if (kind === 'renewal_charge') {
        await tx
          .update(subscriptionCharges)
          .set({ callAttempts: 0, nextCallAt: sql`now()`, claimedBy: null, claimedUntil: null })
          .where(eq(subscriptionCharges.id, id))
        return
      }
      await tx
        .update(cardExpiries)
        .set({
          attempts: 0,
          nextAttemptAt: sql`now()`,
          claimedBy: null,
          claimedUntil: null,
          updatedAt: sql`now()`,
        })
        .where(eq(cardExpiries.orderId, id))
    },
    /** Records an action (audit); for `resolve`, undefined when the item was already resolved. */
    async record(
      tx: Tx,
      row: {
        orgId: string
        kind: AttentionKind
        itemId: string
        action: 'retry' | 'resolve'
        note: string | null
        actorId: string
      },
    ) {
      const [r] = await tx
        .insert(attentionActions)
        .values({ id: newId('att'), ...row })
        .onConflictDoNothing()
        .returning()
      return r
    },
  }
}

/** What createAttentionRepository returns. */
export type AttentionRepository = ReturnType<typeof createAttentionRepository>
