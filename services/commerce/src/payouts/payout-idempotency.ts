import { createHash } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { AppError, type Tx } from '@learnmesh/kernel'
import { idempotencyKeys } from '../db/schema.ts'

const KEY = /^[\x21-\x7e]{1,255}$/

/** JSON with sorted object keys, so equal bodies hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (value === undefined || value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  return `{${Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
    .join(',')}}`
}

/**
 * Idempotency for the admin payout run, inside the run's own transaction: the key row is inserted
 * first (a concurrent request with the same key blocks on the primary key until this one commits,
 * then replays), the work runs, and the response is stored before the commit. If the work fails
 * the whole transaction — key included — rolls back, so a retry runs again.
 * Same key + same request → the stored response; same key + different request → 422.
 * Uses the shared `idempotency_keys` table with the shared helper's principal format and request
 * fingerprint (method, path, canonical body), so keys cannot be reused across endpoints.
 */
export async function idempotentInTx<T>(
  tx: Tx,
  request: {
    principal: string
    key: string | string[] | undefined
    method: string
    path: string
    body: unknown
  },
  execute: () => Promise<{ status: number; body: T }>,
): Promise<{ status: number; body: T; replayed: boolean }> {
  const key = request.key
  if (key === undefined) throw new AppError('bad_request', 'The Idempotency-Key header is required')
  if (Array.isArray(key) || !KEY.test(key)) {
    throw new AppError('bad_request', 'Idempotency-Key must be 1-255 visible ASCII characters')
  }
  const hash = createHash('sha256')
    .update(`${request.method.toUpperCase()} ${request.path}\n${canonical(request.body)}`)
    .digest('hex')
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
