import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, type Logger } from '@learnmesh/kernel'

/** Rate-limit settings. */
export interface RateLimitOptions {
  /** Requests per client per window; 0 disables rate limiting. */
  max: number
  /** Window in milliseconds. */
  windowMs: number
  /** Shared counters in Redis (several gateway replicas); unset keeps them in this process. */
  redisUrl?: string
  logger: Logger
}

/** The client a request counts against: the verified user when signed in, else the client IP. */
export function rateLimitKey(request: FastifyRequest): string {
  return request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`
}

/**
 * Registers @fastify/rate-limit on `app` (an encapsulated context: only its routes are limited).
 * Over the limit is a 429 problem+json with Retry-After. With Redis, a Redis outage lets requests
 * through (logged) rather than failing them: the limit protects capacity, it is not authorization.
 * Returns a closer for the Redis connection.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  options: RateLimitOptions,
): Promise<() => Promise<void>> {
  if (options.max === 0) return async () => {}
  let redis: Redis | undefined
  if (options.redisUrl) {
    redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      connectTimeout: 2000,
      connectionName: 'learnmesh-gateway-rate-limit',
    })
    let lastWarning = 0
    redis.on('error', (err: Error) => {
      // ioredis retries on its own; one line per 30 s is enough to notice.
      if (Date.now() - lastWarning > 30_000) {
        lastWarning = Date.now()
        options.logger.warn(
          { err: { message: err.message } },
          'rate-limit Redis unavailable; requests are not limited meanwhile',
        )
      }
    })
    await waitUntilReady(redis, 2000)
  }
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: rateLimitKey,
    ...(redis ? { redis, nameSpace: 'learnmesh:gateway:rate:', skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000))
      return new AppError('rate_limited', `Too many requests; retry in ${retryAfter} s`, { retryAfter })
    },
  })
  return async () => {
    redis?.disconnect()
  }
}

function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      redis.off('ready', done)
      resolve()
    }
    const timer = setTimeout(done, timeoutMs)
    redis.once('ready', done)
  })
}
