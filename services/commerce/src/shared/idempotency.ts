import { createHash } from 'node:crypto'
import { and, eq, lt, sql } from 'drizzle-orm'
import {
  AppError,
  problem,
  txQuery,
  type Database,
  type DbOrTx,
  type ErrorCode,
  type Tx,
} from '@learnmesh/kernel'
import { idempotencyKeys } from '../db/schema.ts'

/** How long a key is remembered (Stripe: 24 h). After that the same key starts a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
/** How long an in-progress key blocks others before a crashed holder's key may be taken over. */
export const IDEMPOTENCY_LOCK_MS = 60 * 1000

const KEY = /^[\x21-\x7e]{1,255}$/

/**
 * Takes a key in one statement: insert, or take over an expired key (any request) or a dead holder's
 * key of this same request (in progress past its lock). `$1` principal, `$2` key, `$3` request hash,
 * `$4` now, `$5` locked until, `$6` expired before. A row comes back when the key was taken.
 */
const takeKeyCte = `with k as (
    insert into commerce.idempotency_keys (principal, key, request_hash, status, created_at, locked_until)
    values ($1, $2, $3, 'in_progress', $4::timestamptz, $5::timestamptz)
    on conflict (principal, key) do update
      set request_hash = excluded.request_hash, status = 'in_progress', response_status = null,
          response_body = null, created_at = excluded.created_at, locked_until = excluded.locked_until
      where idempotency_keys.created_at < $6::timestamptz
         or (idempotency_keys.status = 'in_progress' and idempotency_keys.request_hash = $3
             and idempotency_keys.locked_until <= $4::timestamptz)
    returning key)`
const takeKey = { name: 'commerce_hot_idempotency_take', text: `${takeKeyCte} select 1 as taken from k` }
/** The same, then (only when taken) the transaction-scoped advisory lock on `hashtext($7)`. */
const takeKeyAndLock = {
  name: 'commerce_hot_idempotency_take_lock',
  text: `${takeKeyCte} select 1 as taken, pg_advisory_xact_lock(hashtext($7)) from k`,
}

/** Where `runInTx`'s work may store its answer itself (in a statement it sends anyway). */
export interface AnswerSlot {
  principal: string
  key: string
  /** Set by the work when its own transaction already stored the answer (status < 500) with the key. */
  stored: boolean
}

/** A response worth replaying: the status and the JSON body. */
export interface IdempotentResponse<T = unknown> {
  status: number
  body: T
}

/** What identifies an idempotent request. */
export interface IdempotentRequest {
  /** The caller the key belongs to (keys are per caller): e.g. `org_…/usr_…`. */
  principal: string
  /** The `Idempotency-Key` header as sent (undefined when absent: a 400). */
  key: string | string[] | undefined
  /** HTTP method and path (without query): part of the fingerprint, so a key cannot be reused elsewhere. */
  method: string
  path: string
  /** The parsed request body (canonicalized: key order and whitespace do not matter). */
  body: unknown
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null'
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/** The request fingerprint stored with a key: SHA-256 of method, path and canonical body. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`)
    .digest('hex')
}

/** The validated header value; a 400 when missing or malformed. */
export function parseIdempotencyKey(value: string | string[] | undefined): string {
  if (value === undefined) throw new AppError('bad_request', 'The Idempotency-Key header is required')
  if (Array.isArray(value) || !KEY.test(value)) {
    throw new AppError('bad_request', 'Idempotency-Key must be 1-255 visible ASCII characters')
  }
  return value
}

/**
 * Stripe-style idempotency keys, reusable by any commerce endpoint (checkout, payment, refunds,
 * payouts). Semantics:
 * - keys are per caller (`principal`) and expire after 24 h;
 * - the first request inserts `(principal, key)` with status `in_progress`: the primary key is the
 *   lock, so of concurrent requests with one key exactly one executes; the others get 409;
 * - same key + same request → the stored response (status and body) again, header
 *   `Idempotent-Replayed: true` via `onReplay`;
 * - same key + different request (method, path or body) → 422 (Stripe's choice: the key was
 *   certainly misused; a 409 would suggest retrying);
 * - 4xx results (AppErrors) are stored and replayed like successes (the endpoint ran and decided);
 *   5xx results and unexpected errors are NOT stored: the key is released so a retry can succeed;
 * - an in-progress key whose holder died is taken over after IDEMPOTENCY_LOCK_MS.
 * With `run` the key row commits on its own before the work runs and the work uses its own
 * transactions; with `runInTx` key, work and answer share one transaction.
 */
export function createIdempotency(
  database: Database,
  options: { ttlMs?: number; lockMs?: number; now?: () => Date } = {},
) {
  const ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS
  const lockMs = options.lockMs ?? IDEMPOTENCY_LOCK_MS
  const now = options.now ?? (() => new Date())
  const db = database.db

  async function release(principal: string, key: string): Promise<void> {
    await db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)))
  }

  async function store(principal: string, key: string, status: number, body: unknown): Promise<void> {
    await db
      .update(idempotencyKeys)
      .set({ status: 'done', responseStatus: status, responseBody: body as object, lockedUntil: null })
      .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)))
  }

  /** Takes the key or answers from it. Returns null when the caller must execute. */
  async function acquire(principal: string, key: string, hash: string): Promise<IdempotentResponse | null> {
    const t = now()
    for (let attempt = 0; attempt < 3; attempt++) {
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.principal, principal),
            eq(idempotencyKeys.key, key),
            lt(idempotencyKeys.createdAt, new Date(t.getTime() - ttlMs)),
          ),
        )
      const inserted = await db
        .insert(idempotencyKeys)
        .values({
          principal,
          key,
          requestHash: hash,
          status: 'in_progress',
          createdAt: t,
          lockedUntil: new Date(t.getTime() + lockMs),
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key })
      if (inserted.length > 0) return null
      const [row] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)))
      if (!row) continue // released between our insert and select: try again
      if (row.requestHash !== hash) {
        throw new AppError(
          'unprocessable',
          'This Idempotency-Key was already used with a different request; use a new key',
        )
      }
      if (row.status === 'done') {
        return { status: row.responseStatus ?? 200, body: row.responseBody }
      }
      if (row.lockedUntil && row.lockedUntil.getTime() > t.getTime()) {
        throw new AppError(
          'conflict',
          'A request with this Idempotency-Key is still in progress; retry later',
        )
      }
      // The holder died without finishing: take the key over (one taker wins the conditional update).
      const taken = await db
        .update(idempotencyKeys)
        .set({ lockedUntil: new Date(t.getTime() + lockMs) })
        .where(
          and(
            eq(idempotencyKeys.principal, principal),
            eq(idempotencyKeys.key, key),
            eq(idempotencyKeys.status, 'in_progress'),
            sql`${idempotencyKeys.lockedUntil} is not distinct from ${row.lockedUntil}`,
          ),
        )
        .returning({ key: idempotencyKeys.key })
      if (taken.length === 0) {
        throw new AppError(
          'conflict',
          'A request with this Idempotency-Key is still in progress; retry later',
        )
      }
      return null
    }
    throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress; retry later')
  }

  /** Where an existing key row may be replaced at `t`: expired, or in progress past its lock with this request. */
  const replaceable = (t: Date, hash: string) =>
    sql`${idempotencyKeys.createdAt} < ${new Date(t.getTime() - ttlMs).toISOString()}::timestamptz
      or (${idempotencyKeys.status} = 'in_progress' and ${idempotencyKeys.requestHash} = ${hash}
          and ${idempotencyKeys.lockedUntil} <= ${t.toISOString()}::timestamptz)`

  /**
   * Takes the key inside `tx` in ONE statement (insert, or take over an expired key or a dead holder's
   * key of the same request). Null when taken; otherwise the stored answer, or a 422/409 as `acquire`.
   * A concurrent holder's uncommitted row makes this wait on the primary key until it commits (then
   * its answer is replayed) or rolls back (then this request takes the key).
   */
  async function acquireInTx(
    tx: Tx,
    principal: string,
    key: string,
    hash: string,
    lockKey?: string,
  ): Promise<IdempotentResponse | null> {
    const t = now()
    const values = [
      principal,
      key,
      hash,
      t.toISOString(),
      new Date(t.getTime() + lockMs).toISOString(),
      new Date(t.getTime() - ttlMs).toISOString(),
    ]
    for (let attempt = 0; attempt < 3; attempt++) {
      // Hand-written (checkout's hot path): one statement, prepared once per connection.
      const taken = lockKey
        ? await txQuery(tx, takeKeyAndLock, [...values, lockKey])
        : await txQuery(tx, takeKey, values)
      if (taken.length > 0) return null
      const [row] = await tx
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)))
      if (!row) continue // purged between the two statements: try again
      if (row.requestHash !== hash) {
        throw new AppError(
          'unprocessable',
          'This Idempotency-Key was already used with a different request; use a new key',
        )
      }
      if (row.status === 'done') return { status: row.responseStatus ?? 200, body: row.responseBody }
      throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress; retry later')
    }
    throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress; retry later')
  }

  /** A stored answer as `run` returns it: a stored 4xx is thrown again as its AppError. */
  function replay<T>(stored: IdempotentResponse, onReplay?: () => void): IdempotentResponse<T> {
    onReplay?.()
    const body = stored.body as { code?: string; detail?: string } | null
    if (stored.status >= 400 && body && typeof body.code === 'string') {
      const { code, detail, type: _t, title: _ti, status: _s, ...extra } = body as Record<string, unknown>
      throw new AppError(code as ErrorCode, String(detail ?? ''), extra)
    }
    return stored as IdempotentResponse<T>
  }

  /** Stores a 4xx decision after its transaction rolled back, unless another request took the key since. */
  async function storeDecision(principal: string, key: string, hash: string, err: AppError): Promise<void> {
    const t = now()
    const row = {
      requestHash: hash,
      status: 'done',
      responseStatus: err.status,
      responseBody: problem(err.code, err.message, err.extra) as object,
      createdAt: t,
      lockedUntil: null,
    }
    await db
      .insert(idempotencyKeys)
      .values({ principal, key, ...row })
      .onConflictDoUpdate({
        target: [idempotencyKeys.principal, idempotencyKeys.key],
        set: row,
        setWhere: replaceable(t, hash),
      })
  }

  return {
    /**
     * `run` for work that fits in ONE transaction (the sandbox checkout): the key is taken, the work
     * done and the answer stored in `execute`'s transaction, so a success costs one commit and no
     * extra statements outside it. Same semantics as `run`: a 4xx AppError rolls the work back and is
     * then stored (its own statement) and replayed; 5xx results and unexpected errors store nothing.
     */
    async runInTx<T>(
      request: IdempotentRequest,
      execute: (tx: Tx, answer: AnswerSlot) => Promise<IdempotentResponse<T>>,
      onReplay?: () => void,
      options: {
        /**
         * A transaction-scoped advisory lock (`pg_advisory_xact_lock(hashtext(lockKey))`) taken in the
         * key's own statement, right after the key (only when this request executes).
         */
        lockKey?: string
      } = {},
    ): Promise<IdempotentResponse<T>> {
      const key = parseIdempotencyKey(request.key)
      const hash = requestHash(request.method, request.path, request.body)
      let executing = false
      let outcome: { stored: IdempotentResponse } | { result: IdempotentResponse<T> }
      try {
        outcome = await db.transaction(async (tx) => {
          const stored = await acquireInTx(tx, request.principal, key, hash, options.lockKey)
          if (stored) return { stored }
          executing = true
          const slot: AnswerSlot = { principal: request.principal, key, stored: false }
          const result = await execute(tx, slot)
          if (slot.stored && result.status < 500) return { result }
          if (result.status >= 500) {
            await tx
              .delete(idempotencyKeys)
              .where(and(eq(idempotencyKeys.principal, request.principal), eq(idempotencyKeys.key, key)))
          } else {
            await tx
              .update(idempotencyKeys)
              .set({
                status: 'done',
                responseStatus: result.status,
                responseBody: result.body as object,
                lockedUntil: null,
              })
              .where(and(eq(idempotencyKeys.principal, request.principal), eq(idempotencyKeys.key, key)))
              .prepare('commerce_idempotency_done') // parsed once per connection
              .execute()
          }
          return { result }
        })
      } catch (err) {
        if (executing && err instanceof AppError && err.status < 500) {
          await storeDecision(request.principal, key, hash, err)
        }
        throw err
      }
      return 'stored' in outcome ? replay<T>(outcome.stored, onReplay) : outcome.result
    },
    /**
     * Runs `execute` once per (principal, key) and request; see the semantics above. A replayed
     * stored error is thrown again as the same AppError; `onReplay` is called for any replay.
     */
    async run<T>(
      request: IdempotentRequest,
      execute: () => Promise<IdempotentResponse<T>>,
      onReplay?: () => void,
    ): Promise<IdempotentResponse<T>> {
      const key = parseIdempotencyKey(request.key)
      const hash = requestHash(request.method, request.path, request.body)
      const stored = await acquire(request.principal, key, hash)
      if (stored) return replay<T>(stored, onReplay)
      let result: IdempotentResponse<T>
      try {
        result = await execute()
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          await store(request.principal, key, err.status, problem(err.code, err.message, err.extra))
        } else {
          await release(request.principal, key).catch(() => {})
        }
        throw err
      }
      if (result.status >= 500) await release(request.principal, key)
      else await store(request.principal, key, result.status, result.body)
      return result
    },
    /** Deletes keys older than the TTL (a recurring job calls this with its transaction). */
    async purgeExpired(handle: DbOrTx = db): Promise<void> {
      await handle
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.createdAt, new Date(now().getTime() - ttlMs)))
    },
  }
}

/** What createIdempotency returns. */
export type Idempotency = ReturnType<typeof createIdempotency>

/**
 * Idempotency inside the caller's transaction (the admin payout run uses it): the key row is inserted
 * first (a concurrent request with the same key blocks on the primary key until this one commits,
 * then replays), the work runs, and the response is stored before the commit. If the work fails
 * the whole transaction — key included — rolls back, so a retry runs again.
 * Same key + same request → the stored response; same key + different request → 422.
 * Same table, key format and request fingerprint as `createIdempotency`, so a key cannot be reused
 * across endpoints. Unlike it, nothing expires here and a failure stores nothing.
 */
export async function idempotentInTx<T>(
  tx: Tx,
  request: IdempotentRequest,
  execute: () => Promise<{ status: number; body: T }>,
): Promise<{ status: number; body: T; replayed: boolean }> {
  const key = parseIdempotencyKey(request.key)
  const hash = requestHash(request.method, request.path, request.body)
  const inserted = await tx
    .insert(idempotencyKeys)
    .values({ principal: request.principal, key, requestHash: hash, status: 'in_progress' })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })
  if (inserted.length === 0) {
    const [row] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.principal, request.principal), eq(idempotencyKeys.key, key)))
    if (!row || row.requestHash !== hash) {
      throw new AppError(
        'unprocessable',
        'This Idempotency-Key was already used with a different request; use a new key',
      )
    }
    if (row.status !== 'done') {
      throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress; retry later')
    }
    return { status: row.responseStatus ?? 200, body: row.responseBody as T, replayed: true }
  }
  const result = await execute()
  await tx
    .update(idempotencyKeys)
    .set({ status: 'done', responseStatus: result.status, responseBody: result.body as object })
    .where(and(eq(idempotencyKeys.principal, request.principal), eq(idempotencyKeys.key, key)))
  return { ...result, replayed: false }
}
