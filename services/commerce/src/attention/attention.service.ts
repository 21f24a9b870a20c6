import { AppError, notFound, type Principal } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import {
  createAttentionRepository,
  RETRYABLE_KINDS,
  type AttentionCursor,
  type AttentionKind,
} from './attention.repository.ts'

const repo = createAttentionRepository()

/** What an action did (answered by retry and resolve, whether or not this call changed anything). */
export interface AttentionActionResult {
  kind: AttentionKind
  id: string
  action: 'retry' | 'resolve'
  /** `queued`: the job will try again; `resolved`: settled by a person. */
  status: 'queued' | 'resolved'
  /** False when the item was already in that state (a repeated call changes nothing). */
  changed: boolean
  /** Who and when (for a resolve: the first resolve). */
  by: string
  at: Date
  note: string | null
}

/**
 * "Needs attention": what the commerce jobs gave up on and left for a person (docs/attention.md).
 * An org admin sees and acts on their organization's items; a platform admin on every org's (or
 * one org's). Another org's item is answered 404, as if it did not exist.
 */
export function createAttentionService(deps: CommerceDeps) {
  const db = deps.database.db
  const { logger } = deps

  /** The org the caller may see (null: every org, for a platform admin without `orgId`). */
  function scope(p: Principal, orgId?: string): string | null {
    if (p.platformAdmin) return orgId ?? null
    if (orgId && orgId !== p.orgId) throw notFound('Organization')
    return p.orgId
  }

  /** The item's org if the caller may act on it; 404 otherwise (no such row, or another org's). */
  async function visibleOrg(p: Principal, kind: AttentionKind, id: string): Promise<string> {
    const orgId = await repo.orgOf(db, kind, id)
    if (!orgId || (!p.platformAdmin && orgId !== p.orgId)) throw notFound('Item')
    return orgId
  }

  return {
    /** Unresolved items, oldest first (fetch limit + 1 to know whether a next page exists). */
    list(
      p: Principal,
      opts: { orgId?: string; kind?: AttentionKind; after?: AttentionCursor; limit: number },
    ) {
      return repo.list(db, new Date(), {
        orgId: scope(p, opts.orgId),
        limit: opts.limit,
        ...(opts.kind ? { kind: opts.kind } : {}),
        ...(opts.after ? { after: opts.after } : {}),
      })
    },

    /**
     * Puts a renewal attempt or a card expiry back in its job's queue (attempts 0, due now),
     * audited. Refunds are never re-sent (409 `not_retryable`): past the window the provider may
     * not recognise the refund id and would refund twice; a refused one is refused again. A
     * resolved item is not retried (409 `already_resolved`); an item that no longer waits (already
     * retried, or settled) answers `changed: false`.
     */
    async retry(p: Principal, kind: AttentionKind, id: string): Promise<AttentionActionResult> {
      const orgId = await visibleOrg(p, kind, id)
      if (!RETRYABLE_KINDS.includes(kind))
        throw new AppError('conflict', 'A refund is not sent again; issue a new refund or resolve it', {
          reason: 'not_retryable',
        })
      const result = await db.transaction(async (tx) => {
        if (await repo.resolution(tx, kind, id))
          throw new AppError('conflict', 'This item was resolved', { reason: 'already_resolved' })
        const waiting = await repo.lockRetryable(tx, kind, id)
        if (!waiting) return { changed: false, at: new Date() }
        await repo.requeue(tx, kind, id)
        const row = (await repo.record(tx, {
          orgId,
          kind,
          itemId: id,
          action: 'retry',
          note: null,
          actorId: p.userId,
        }))!
        return { changed: true, at: row.createdAt }
      })
      if (result.changed) logger.info({ kind, id, orgId, by: p.userId }, 'needs attention: retry queued')
      return { kind, id, action: 'retry', status: 'queued', by: p.userId, note: null, ...result }
    },

    /**
     * Marks an item settled by a person, with a note (who and when are recorded); it leaves the
     * list and its job does not take it up again. Once: a second resolve answers the first
     * (`changed: false`). Only an item that waits can be resolved (409 `not_waiting`).
     */
    async resolve(
      p: Principal,
      kind: AttentionKind,
      id: string,
      note: string,
    ): Promise<AttentionActionResult> {
      const orgId = await visibleOrg(p, kind, id)
      const done = (r: { actorId: string; createdAt: Date; note: string | null }, changed: boolean) =>
        ({
          kind,
          id,
          action: 'resolve',
          status: 'resolved',
          changed,
          by: r.actorId,
          at: r.createdAt,
          note: r.note,
        }) as const
      const earlier = await repo.resolution(db, kind, id)
      if (earlier) return done(earlier, false)
      const result = await db.transaction(async (tx) => {
        if (!(await repo.find(tx, new Date(), kind, id)))
          throw new AppError('conflict', 'This item does not wait for a person', { reason: 'not_waiting' })
        const row = await repo.record(tx, {
          orgId,
          kind,
          itemId: id,
          action: 'resolve',
          note,
          actorId: p.userId,
        })
        // A concurrent resolve won: answer it.
        return row ? done(row, true) : done((await repo.resolution(tx, kind, id))!, false)
      })
      if (result.changed) logger.info({ kind, id, orgId, by: p.userId }, 'needs attention: resolved')
      return result
    },
  }
}

/** What createAttentionService returns. */
export type AttentionService = ReturnType<typeof createAttentionService>
