import { isIP } from 'node:net'
import { and, eq } from 'drizzle-orm'
import { fetch } from 'undici'
import webpush from 'web-push'
import { defineJob, scheduleJob, Type, type JobDefinition, type Tx } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { jobs, notifications, pushSubscriptions } from '../db/schema.ts'
import { vapidKeys } from './push.keys.ts'
import { isPublicAddress, PrivateAddressError, publicOnlyDispatcher } from './public-dispatcher.ts'

/** The job that pushes one notification to one subscribed browser. */
export const SEND_PUSH_JOB = 'communication.push.send'
/** Attempts before a push is dropped (the in-app list still has the notification). */
const PUSH_MAX_ATTEMPTS = 5
/** How long a push service may take to answer. */
const PUSH_TIMEOUT_MS = 10_000

/** Schedules one push job per subscribed browser of the person, due at once (idempotent per notification and browser). */
export async function schedulePushes(
  tx: Tx,
  input: { notificationId: string; userId: string },
): Promise<number> {
  const subs = await tx
    .select({ id: pushSubscriptions.id })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, input.userId))
  for (const sub of subs) {
    await scheduleJob(tx, jobs, {
      name: SEND_PUSH_JOB,
      key: `${input.notificationId}:${sub.id}`,
      payload: { notificationId: input.notificationId, subscriptionId: sub.id },
    })
  }
  return subs.length
}

/** What the service worker receives (JSON, encrypted aes128gcm for the browser's keys). */
export interface PushPayload {
  notificationId: string
  type: string
  title: string
  body: string
  /** Absolute URL in the web app, or null. */
  url: string | null
  priority: string
}

/**
 * Push jobs: encrypts the payload for the browser's keys and signs a VAPID JWT (web-push's
 * `generateRequestDetails`), then POSTs it to the push service with fetch (so http endpoints of a
 * local stand-in work too). 404/410: the browser unsubscribed, the subscription is deleted. Other
 * 4xx: the push is dropped (retrying cannot help). 429, 5xx, timeouts: retried with back-off.
 * Payloads and endpoints' tokens are never logged.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pushJobs(deps: CommunicationDeps): JobDefinition<any>[] {
  const { config, database, logger } = deps
  // We POST to whatever URL a browser registered: in production only to public addresses.
  const privateDenied =
    config.PUSH_PRIVATE_NETWORKS === 'deny' ||
    (config.PUSH_PRIVATE_NETWORKS === '' && config.NODE_ENV === 'production')
  const dispatcher = privateDenied ? publicOnlyDispatcher() : undefined
  return [
    defineJob({
      name: SEND_PUSH_JOB,
      payload: Type.Object({ notificationId: Type.String(), subscriptionId: Type.String() }),
      retry: { maxAttempts: PUSH_MAX_ATTEMPTS, baseDelayMs: 10_000, maxDelayMs: 10 * 60_000 },
      async handle(tx, { notificationId, subscriptionId }, job) {
        const [sub] = await tx
          .select()
          .from(pushSubscriptions)
          .where(eq(pushSubscriptions.id, subscriptionId))
        const [n] = await tx.select().from(notifications).where(eq(notifications.id, notificationId))
        if (!sub || !n || sub.userId !== n.userId) return
        const keys = await vapidKeys(database, config, tx)
        const payload: PushPayload = {
          notificationId: n.id,
          type: n.type,
          title: n.title,
          body: n.body,
          url: n.link ? `${config.PUBLIC_URL}${n.link}` : null,
          priority: n.priority,
        }
        const request = webpush.generateRequestDetails(
          { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
          JSON.stringify(payload),
          {
            vapidDetails: {
              subject: config.VAPID_SUBJECT,
              publicKey: keys.publicKey,
              privateKey: keys.privateKey,
            },
            TTL: n.priority === 'high' ? 24 * 3600 : 4 * 3600,
            urgency: n.priority === 'high' ? 'high' : 'normal',
            contentEncoding: 'aes128gcm',
          },
        )
        const url = new URL(sub.endpoint)
        const where = { subscriptionId, attempt: job.attempt, host: url.host }
        const literal = url.hostname.replace(/^\[|\]$/g, '')
        if (privateDenied && isIP(literal) !== 0 && !isPublicAddress(literal)) {
          logger.warn(where, 'push endpoint refused: not a public address')
          return
        }
        let status: number
        try {
          const res = await fetch(request.endpoint, {
            method: request.method,
            headers: request.headers as Record<string, string>,
            body: request.body ? new Uint8Array(request.body) : undefined,
            redirect: 'manual',
            signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
            ...(dispatcher ? { dispatcher } : {}),
          })
          status = res.status
          await res.body?.cancel()
        } catch (err) {
          if ((err as { cause?: unknown }).cause instanceof PrivateAddressError) {
            // Retrying cannot help: the name points inside the network.
            logger.warn(where, 'push endpoint refused: not a public address')
            return
          }
          const message = (err instanceof Error ? err.message : String(err)).slice(0, 300)
          logger.warn({ ...where, error: message }, 'push service unreachable')
          if (job.attempt >= PUSH_MAX_ATTEMPTS) return
          throw err
        }
        if (status >= 200 && status < 300) {
          await tx
            .update(pushSubscriptions)
            .set({ lastSuccessAt: deps.now() })
            .where(eq(pushSubscriptions.id, subscriptionId))
          return
        }
        if (status === 404 || status === 410) {
          await tx
            .delete(pushSubscriptions)
            .where(and(eq(pushSubscriptions.id, subscriptionId), eq(pushSubscriptions.userId, sub.userId)))
          logger.info(where, 'push subscription gone (404/410); deleted')
          return
        }
        if (status === 429 || status >= 500) {
          logger.warn({ ...where, status }, 'push service busy or failing; will retry')
          if (job.attempt >= PUSH_MAX_ATTEMPTS) return
          throw new Error(`push service answered ${status}`)
        }
        logger.warn({ ...where, status }, 'push rejected by the push service; dropped')
      },
    }),
  ]
}
