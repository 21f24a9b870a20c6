import { AppError, bearer, problems, requireRole, type App } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import {
  ATTENTION_KINDS,
  RETRYABLE_KINDS,
  type AttentionCursor,
  type AttentionItem,
} from './attention.repository.ts'
import {
  AttentionActionSchema,
  AttentionListSchema,
  AttentionParams,
  AttentionQuery,
  ResolveBody,
} from './attention.schemas.ts'
import { createAttentionService, type AttentionActionResult } from './attention.service.ts'

const tags = ['attention']

/** The opaque cursor of the item after which the next page starts. */
export function encodeCursor(i: Pick<AttentionItem, 'sinceKey' | 'kind' | 'id'>): string {
  return Buffer.from(JSON.stringify([i.sinceKey, i.kind, i.id])).toString('base64url')
}

/** Reads a cursor; 400 when it is not one this API made. */
export function decodeCursor(cursor: string): AttentionCursor {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = null
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    typeof parsed[0] === 'string' &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(parsed[0]) &&
    !Number.isNaN(Date.parse(parsed[0])) &&
    (ATTENTION_KINDS as readonly unknown[]).includes(parsed[1]) &&
    typeof parsed[2] === 'string' &&
    /^[a-z]+_[0-9a-f]{32}$/.test(parsed[2])
  )
    return { since: parsed[0], kind: parsed[1] as string, id: parsed[2] }
  throw new AppError('bad_request', 'Invalid cursor', { reason: 'invalid_cursor' })
}

const presentItem = (i: AttentionItem) => ({
  kind: i.kind,
  id: i.id,
  orgId: i.orgId,
  amountMinor: i.amountMinor,
  currency: i.currency,
  orderId: i.orderId,
  subscriptionId: i.subscriptionId,
  attempts: i.attempts,
  lastError: i.lastError,
  reason: i.reason,
  since: i.since.toISOString(),
  retryable: RETRYABLE_KINDS.includes(i.kind),
})

const presentAction = (r: AttentionActionResult) => ({ ...r, at: r.at.toISOString() })

/** "Needs attention": what the commerce jobs gave up on, for org admins (their org) and platform admins (all). */
export function attentionRoutes(app: App, deps: CommerceDeps): void {
  const s = createAttentionService(deps)

  app.get(
    '/admin/attention',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'What needs a person: refused or stale refunds, renewal charges and card expiries that gave up',
        description:
          "Unresolved items, oldest first (keyset cursor). An org admin sees their organization's; a platform admin every organization's, or one with `orgId`.",
        querystring: AttentionQuery,
        response: { 200: AttentionListSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { limit, after, kind, orgId } = request.query
      const rows = await s.list(p, {
        limit: limit + 1,
        ...(after ? { after: decodeCursor(after) } : {}),
        ...(kind ? { kind } : {}),
        ...(orgId ? { orgId } : {}),
      })
      const items = rows.slice(0, limit)
      return {
        items: items.map(presentItem),
        nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null,
      }
    },
  )

  app.post(
    '/admin/attention/:kind/:id/retry',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Put a renewal charge or card expiry back in its job queue (attempts reset; audited)',
        description:
          "Idempotent: an item that no longer waits answers `changed: false`. 409 `not_retryable` for refunds (never re-sent: it could refund twice), `already_resolved` for a resolved item. Another organization's item: 404.",
        params: AttentionParams,
        response: { 200: AttentionActionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      return presentAction(await s.retry(p, request.params.kind, request.params.id))
    },
  )

  app.post(
    '/admin/attention/:kind/:id/resolve',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Mark an item settled by a person, with a note (who and when are kept)',
        description:
          "Once: a repeated resolve answers the first (`changed: false`). 409 `not_waiting` for an item that does not wait for a person. Another organization's item: 404.",
        params: AttentionParams,
        body: ResolveBody,
        response: { 200: AttentionActionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { kind, id } = request.params
      return presentAction(await s.resolve(p, kind, id, request.body.note.trim()))
    },
  )
}
