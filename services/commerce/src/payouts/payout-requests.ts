import { and, count, eq, gt, inArray } from 'drizzle-orm'
import { AppError, type Principal, type Tx } from '@learnmesh/kernel'
import { idempotencyKeys, payouts } from '../db/schema.ts'
import type { CommerceDeps } from '../deps.ts'
import { presentPayout } from '../ledger/ledger.presenter.ts'
import { createIdempotency, requestHash, type Idempotency } from '../shared/idempotency.ts'
import { payoutProviderFrom, type PayoutProvider } from './payout-provider.ts'
import {
  destinationOf,
  reservePayouts,
  runPayouts,
  sendPendingPayouts,
  type PayoutRow,
} from './payouts.service.ts'

/** The route of a payee's own payout request (part of the Idempotency-Key fingerprint). */
export const PAYOUT_REQUEST_PATH = '/earnings/me/payouts'
const DAY_MS = 24 * 60 * 60 * 1000

/** What POST /earnings/me/payouts answers (RunPayoutsResponse). */
export interface PayoutRequestBody {
  periodEnd: string
  payouts: ReturnType<typeof presentPayout>[]
}

/**
 * "Pay me now": a payee's available balance in each currency ≥ PAYOUT_MINIMUM_MINOR, paid through
 * the configured rail exactly as the scheduled run pays them, with the period ending now. Under
 * the caller's Idempotency-Key (a retry replays, never pays twice) and a per-payee advisory lock
 * (concurrent requests of one payee run one after the other). Refused with a `reason`, changing
 * nothing: `payout_pending` (one of the caller's payouts is still pending), `payout_request_limit`
 * (PAYOUT_REQUESTS_PER_DAY requests paid something in the last 24 h), `no_payout_account` (the
 * rail needs one), `below_minimum`.
 */
export function createPayoutRequests(
  deps: CommerceDeps,
  options: { provider?: PayoutProvider; idempotency?: Idempotency } = {},
) {
  const provider = options.provider ?? payoutProviderFrom(deps.config)
  const idempotency = options.idempotency ?? createIdempotency(deps.database)
  const db = deps.database.db
  const { PAYOUT_MINIMUM_MINOR: minimumMinor, PAYOUT_REQUESTS_PER_DAY: perDay } = deps.config
  /** Every request of this endpoint has the same fingerprint (it takes no body): it counts them. */
  const fingerprint = requestHash('POST', PAYOUT_REQUEST_PATH, {})

  /** Refusals checked before anything is reserved, in the key's transaction. */
  async function refuseEarly(tx: Tx, p: Principal, principal: string, now: Date): Promise<void> {
    const [pending] = await tx
      .select({ id: payouts.id })
      .from(payouts)
      .where(
        and(eq(payouts.orgId, p.orgId), eq(payouts.payeeUserId, p.userId), eq(payouts.status, 'pending')),
      )
      .limit(1)
    if (pending) {
      throw new AppError(
        'conflict',
        'One of your payouts is still pending; wait until the rail confirms it',
        {
          reason: 'payout_pending',
        },
      )
    }
    const [paid] = await tx
      .select({ n: count() })
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.principal, principal),
          eq(idempotencyKeys.requestHash, fingerprint),
          eq(idempotencyKeys.responseStatus, 201),
          gt(idempotencyKeys.createdAt, new Date(now.getTime() - DAY_MS)),
        ),
      )
    if ((paid?.n ?? 0) >= perDay) {
      throw new AppError(
        'rate_limited',
        `You can ask for ${perDay} payout${perDay === 1 ? '' : 's'} a day; the scheduled payout run still pays you`,
        { reason: 'payout_request_limit', limitPerDay: perDay },
      )
    }
  }

  /** Why nothing was reserved. */
  async function nothingToPay(tx: Tx, p: Principal): Promise<AppError> {
    if (provider.needsDestination && !(await destinationOf(tx, provider, p.orgId, p.userId))) {
      return new AppError(
        'conflict',
        `Register a ${provider.name} payout account before asking for a payout`,
        {
          reason: 'no_payout_account',
          provider: provider.name,
        },
      )
    }
    return new AppError('conflict', 'No available balance reaches the payout minimum', {
      reason: 'below_minimum',
      minimumMinor,
    })
  }

  /** The payouts of a stored answer as they are now (a replay shows whether the rail paid since). */
  async function current(p: Principal, body: PayoutRequestBody): Promise<PayoutRequestBody> {
    const ids = body.payouts.map((x) => x.id)
    if (ids.length === 0) return body
    const rows = await db
      .select()
      .from(payouts)
      .where(and(eq(payouts.orgId, p.orgId), eq(payouts.payeeUserId, p.userId), inArray(payouts.id, ids)))
    return merge(body, rows)
  }

  return {
    /** Pays the caller now; see above. Replays answer with `replayed: true`. */
    async request(p: Principal, key: string | string[] | undefined, traceparent: string | null) {
      const principal = `${p.orgId}/${p.userId}`
      const periodEnd = new Date()
      let replayed = false
      const result = await idempotency.runInTx<PayoutRequestBody>(
        { principal, key, method: 'POST', path: PAYOUT_REQUEST_PATH, body: {} },
        async (tx) => {
          await refuseEarly(tx, p, principal, periodEnd)
          const run = { orgId: p.orgId, payeeUserId: p.userId, periodEnd, minimumMinor, traceparent }
          // A networked rail only reserves here; sending happens below, outside the transaction.
          const made = provider.local
            ? await runPayouts(tx, provider, run)
            : await reservePayouts(tx, provider, run)
          if (made.length === 0) throw await nothingToPay(tx, p)
          return {
            status: 201,
            body: { periodEnd: periodEnd.toISOString(), payouts: made.map(presentPayout) },
          }
        },
        () => {
          replayed = true
        },
        { lockKey: `payout-request:${principal}` },
      )
      if (replayed) return { ...result, body: await current(p, result.body), replayed }
      deps.wakeRelay()
      if (provider.local) return { ...result, replayed }
      const settled = await sendPendingPayouts(deps, provider, {
        orgId: p.orgId,
        payeeUserId: p.userId,
        traceparent,
      })
      return { ...result, body: merge(result.body, settled), replayed }
    },
  }
}

/** The answer with each payout replaced by its newer row, when there is one. */
function merge(body: PayoutRequestBody, rows: PayoutRow[]): PayoutRequestBody {
  const byId = new Map(rows.map((r) => [r.id, r]))
  return {
    ...body,
    payouts: body.payouts.map((x) => {
      const row = byId.get(x.id)
      return row ? presentPayout(row) : x
    }),
  }
}

/** What createPayoutRequests returns. */
export type PayoutRequests = ReturnType<typeof createPayoutRequests>
