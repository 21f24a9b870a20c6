import type { Redis } from 'ioredis'
import type { Logger } from '@learnmesh/kernel'

/** A per-key token bucket: `take` spends one token, or says how long until one is back. */
export interface RateLimiter {
  take(key: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>
}

/** Bucket settings: `burst` tokens at most, `perSecond` refilled per second. */
export interface BucketOptions {
  burst: number
  perSecond: number
}

/** Buckets in this process (embedded mode, one replica). Idle full buckets are forgotten. */
export function createMemoryRateLimiter(options: BucketOptions, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const fullAfterMs = (options.burst / options.perSecond) * 1000
  return {
    async take(key) {
      const t = now()
      if (buckets.size > 10_000) {
        for (const [k, b] of buckets) if (t - b.at > fullAfterMs) buckets.delete(k)
      }
      const b = buckets.get(key) ?? { tokens: options.burst, at: t }
      const tokens = Math.min(options.burst, b.tokens + ((t - b.at) / 1000) * options.perSecond)
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t })
        return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / options.perSecond) * 1000) }
      }
      buckets.set(key, { tokens: tokens - 1, at: t })
      return { ok: true }
    },
  }
}

// KEYS[1] bucket; ARGV: burst, per second, now (ms). Returns 0 when allowed, else ms until a token.
const TAKE = `
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) / 1000 * rate) end
local ttl = math.ceil(burst / rate * 1000) + 1000
if tokens < 1 then
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(math.max(now, at)))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens - 1), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], ttl)
return 0
`

/**
 * Buckets in Redis, shared by every replica (one Lua script per take: atomic). As at the gateway, a
 * Redis outage lets messages through (logged once per 30 s): the limit protects capacity, it is
 * not authorization.
 */
export function createRedisRateLimiter(
  redis: Redis,
  options: BucketOptions & { prefix: string; logger: Logger },
): RateLimiter {
  let lastWarning = 0
  return {
    async take(key) {
      try {
        const wait = Number(
          await redis.eval(TAKE, 1, `${options.prefix}${key}`, options.burst, options.perSecond, Date.now()),
        )
        return wait > 0 ? { ok: false, retryAfterMs: wait } : { ok: true }
      } catch (err) {
        if (Date.now() - lastWarning > 30_000) {
          lastWarning = Date.now()
          options.logger.warn(
            { err: { message: (err as Error).message } },
            'chat rate-limit Redis unavailable; messages are not limited meanwhile',
          )
        }
        return { ok: true }
      }
    },
  }
}
