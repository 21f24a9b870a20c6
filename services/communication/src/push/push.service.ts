import { isIP } from 'node:net'
import { and, asc, eq } from 'drizzle-orm'
import { AppError, newId, type Principal } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { pushSubscriptions } from '../db/schema.ts'
import { vapidKeys } from './push.keys.ts'

type Row = typeof pushSubscriptions.$inferSelect

const present = (r: Row) => ({
  id: r.id,
  endpoint: r.endpoint,
  userAgent: r.userAgent,
  createdAt: r.createdAt.toISOString(),
  lastSuccessAt: r.lastSuccessAt?.toISOString() ?? null,
})

/** Checks a subscription's endpoint and keys; a 422 names what is wrong. */
function validate(
  deps: CommunicationDeps,
  body: { endpoint: string; keys: { p256dh: string; auth: string } },
): void {
  let url: URL
  try {
    url = new URL(body.endpoint)
  } catch {
    throw new AppError('unprocessable', 'endpoint must be a URL')
  }
  const httpAllowed = deps.config.NODE_ENV !== 'production'
  if (url.protocol !== 'https:' && !(httpAllowed && url.protocol === 'http:')) {
    throw new AppError('unprocessable', 'endpoint must be an https URL')
  }
  if (url.username || url.password) throw new AppError('unprocessable', 'endpoint must not carry credentials')
  // Push services are public hosts: in production, no IP literals or localhost (we POST to it).
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!httpAllowed && (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost'))) {
    throw new AppError('unprocessable', 'endpoint must be a push service host name')
  }
  const key = Buffer.from(body.keys.p256dh, 'base64url')
  if (key.length !== 65 || key[0] !== 0x04) {
    throw new AppError('unprocessable', 'keys.p256dh must be an uncompressed P-256 public key (65 bytes)')
  }
  if (Buffer.from(body.keys.auth, 'base64url').length !== 16) {
    throw new AppError('unprocessable', 'keys.auth must be 16 bytes')
  }
}

/** Web push subscriptions: one per browser, owned by whoever subscribed it last. */
export function createPushService(deps: CommunicationDeps) {
  const { db } = deps.database
  return {
    /** The VAPID public key browsers subscribe with. */
    async publicKey() {
      return { publicKey: (await vapidKeys(deps.database, deps.config)).publicKey }
    },

    /**
     * Stores a browser's subscription (idempotent per endpoint: re-subscribing refreshes the keys;
     * an endpoint seen under another account moves to the caller — the endpoint is the browser's
     * capability, and the browser is now signed in as the caller). `created` says which happened.
     */
    async subscribe(
      p: Principal,
      body: { endpoint: string; keys: { p256dh: string; auth: string } },
      userAgent: string | null,
    ) {
      validate(deps, body)
      const id = newId('psb')
      const values = {
        orgId: p.orgId,
        userId: p.userId,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
        userAgent: userAgent?.slice(0, 300) ?? null,
      }
      const [row] = await db
        .insert(pushSubscriptions)
        .values({ id, endpoint: body.endpoint, ...values, createdAt: deps.now() })
        .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: values })
        .returning()
      return { created: row!.id === id, subscription: present(row!) }
    },

    /** My subscribed browsers. */
    async list(p: Principal) {
      const rows = await db
        .select()
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.userId, p.userId), eq(pushSubscriptions.orgId, p.orgId)))
        .orderBy(asc(pushSubscriptions.createdAt))
      return { items: rows.map(present) }
    },

    /** Removes one of my subscriptions; someone else's is a 404. */
    async unsubscribe(p: Principal, id: string) {
      const deleted = await db
        .delete(pushSubscriptions)
        .where(
          and(
            eq(pushSubscriptions.id, id),
            eq(pushSubscriptions.userId, p.userId),
            eq(pushSubscriptions.orgId, p.orgId),
          ),
        )
        .returning({ id: pushSubscriptions.id })
      if (deleted.length === 0) throw new AppError('not_found', 'Push subscription not found')
    },
  }
}
