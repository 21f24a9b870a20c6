import { describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { newId } from '@learnmesh/kernel'
import { useTestCommunication, useTestKit, type TestCommunication, type TestUser } from '../test-helpers.ts'
import type { CommunicationDeps } from '../deps.ts'
import { createRealtimeHub } from './hub.ts'
import { createRedisRateLimiter } from './rate-limit.ts'
import { attachTestSockets, next, request, silence } from '../chat/chat.test-kit.ts'

const REDIS_URL = 'redis://127.0.0.1:6379'

async function redisAvailable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

const haveRedis = await redisAvailable()
if (!haveRedis) {
  if (process.env.REQUIRE_INFRA === '1')
    throw new Error(`REQUIRE_INFRA=1 but Redis is not reachable at ${REDIS_URL}`)
  console.warn(`skipping the socket fan-out tests: Redis is not reachable at ${REDIS_URL}`)
}

/** One "replica": its own hub, Socket.IO server and HTTP server, sharing the database and Redis. */
async function replica(t: TestCommunication) {
  const deps: CommunicationDeps = {
    ...t.deps,
    realtime: createRealtimeHub({
      database: t.database,
      logger: t.deps.logger,
      rate: { burst: 50, perSecond: 10 },
    }),
  }
  const sockets = await attachTestSockets(t, { deps, redisUrl: REDIS_URL })
  return {
    deps,
    socketFor: (u: TestUser) => sockets.socketFor(u),
    async close() {
      await sockets.close()
      deps.realtime.close()
    },
  }
}

describe.skipIf(!haveRedis)('chat across replicas (socket fan-out through Redis)', () => {
  const t = useTestCommunication()
  const one = useTestKit(() => replica(t))
  const two = useTestKit(() => replica(t))

  describe('happy', () => {
    it('a message sent on one replica reaches a participant connected to the other', async () => {
      const a = t.user()
      const b = t.user(['tutor'])
      await t.person(a)
      await t.person(b)
      await t.lesson(b, a)
      const conversationId = (await t.call(a, 'POST', '/conversations/direct', { userId: b.userId })).json()
        .id
      const sa = await one.socketFor(a)
      const sb = await two.socketFor(b)
      const arriving = next<{ body: string }>(sb, 'message:new')
      const ack = await request(sa, 'message:send', {
        conversationId,
        body: 'across',
        clientMessageId: 'x-1',
      })
      expect(ack).toMatchObject({ ok: true })
      expect((await arriving).body).toBe('across')
    })

    it('an event for a user emitted on one replica reaches their connection on the other', async () => {
      const u = t.user()
      const s = await two.socketFor(u)
      const got = next(s, 'conversation:added')
      one.deps.realtime.toUser(u.userId, 'conversation:added', { conversationId: 'cnv_x' })
      expect(await got).toEqual({ conversationId: 'cnv_x' })
    })

    it('a room join or leave made on one replica applies to connections on the other', async () => {
      const u = t.user()
      const s = await two.socketFor(u)
      const room = `cnv_${newId('tst').slice(-32)}`
      one.deps.realtime.joinConversation([u.userId], room)
      await new Promise((resolve) => setTimeout(resolve, 100)) // the join crosses Redis first
      const got = next(s, 'message:new')
      one.deps.realtime.toConversation(room, 'message:new', { n: 1 })
      expect(await got).toEqual({ n: 1 })
      one.deps.realtime.leaveConversation([u.userId], room)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const quiet = silence(s, 'message:new', 300)
      one.deps.realtime.toConversation(room, 'message:new', { n: 2 })
      expect(await quiet).toBe(true)
    })
  })

  describe('security', () => {
    it('shares the chat rate limit between replicas (one bucket per user in Redis)', async () => {
      const redis = new Redis(REDIS_URL)
      const options = {
        burst: 3,
        perSecond: 0.01,
        prefix: `learnmesh:test:${newId('tst')}:`,
        logger: t.deps.logger,
      }
      const r1 = createRedisRateLimiter(redis, options)
      const r2 = createRedisRateLimiter(redis, options)
      const results = [await r1.take('u'), await r2.take('u'), await r1.take('u'), await r2.take('u')]
      expect(results.map((r) => r.ok)).toEqual([true, true, true, false])
      expect((await r1.take('someone-else')).ok).toBe(true)
      redis.disconnect()
    })
  })
})
