import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { Redis } from 'ioredis'
import { io as connect, type Socket } from 'socket.io-client'
import {
  createTokenVerifier,
  createLogger,
  newId,
  openDatabase,
  startServiceProcess,
  type App,
  type ServiceProcess,
} from '@learnmesh/kernel'
import {
  createTestSigner,
  deleteRabbitTopology,
  postgresAvailable,
  rabbitAvailable,
  rabbitTestPrefix,
  testPostgresUrl,
  testRabbitUrl,
} from '@learnmesh/kernel/testing'
import { communicationService } from '@learnmesh/communication'
import { createGateway, loadGatewayConfig } from '@learnmesh/gateway'

const REDIS_URL = 'redis://127.0.0.1:6379'

async function redisUp(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 })
  r.on('error', () => {})
  try {
    await r.connect()
    return (await r.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

const pg = await postgresAvailable()
const rabbit = await rabbitAvailable()
const redis = await redisUp()
if (!redis && process.env.REQUIRE_INFRA === '1')
  throw new Error(`REQUIRE_INFRA=1 but Redis is not reachable at ${REDIS_URL}`)
const ready = pg.ok && rabbit.ok && redis
if (!ready) {
  console.warn(
    `skipping the cluster chat test: ${[!pg.ok && pg.reason, !rabbit.ok && rabbit.reason, !redis && 'no Redis'].filter(Boolean).join('; ')}`,
  )
}

describe.runIf(ready)('cluster mode: chat through the gateway across two communication replicas', () => {
  const cleanups: (() => Promise<void>)[] = []
  let signer: Awaited<ReturnType<typeof createTestSigner>>
  let gatewayUrl: string
  let dbUrl: string
  const sockets: Socket[] = []

  beforeAll(async () => {
    signer = await createTestSigner()
    const jwksServer = createServer((_req, res) => {
      void signer.jwks().then((set) => res.end(JSON.stringify(set)))
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((r) => jwksServer.close(() => r())))
    const jwks = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`

    const name = `lm_chat_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
    const admin = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
    await admin.query(sql.raw(`create database ${name}`))
    await admin.close()
    cleanups.push(async () => {
      const s = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
      await s.query(sql.raw(`drop database if exists ${name} with (force)`))
      await s.close()
    })
    const url = new URL(testPostgresUrl)
    url.pathname = `/${name}`
    dbUrl = url.toString()

    const prefix = rabbitTestPrefix()
    const env = {
      DATABASE_URL: dbUrl,
      DATABASE_POOL_SIZE: '3',
      BROKER_URL: testRabbitUrl,
      BROKER_PREFIX: prefix,
      JWKS_URL: jwks,
      JWT_ISSUER: signer.issuer,
      JWT_AUDIENCE: signer.audience,
      PORT: '0',
      LOG_LEVEL: 'silent',
      REDIS_URL,
    }
    const replicas: ServiceProcess[] = []
    for (let i = 0; i < 2; i++) replicas.push(await startServiceProcess(communicationService, { env }))
    // Before the database is dropped (its connections forcibly ended) and the JWKS server closed.
    cleanups.unshift(async () => {
      for (const r of replicas) await r.close()
      await deleteRabbitTopology({
        exchanges: [`${prefix}learnmesh.events`, `${prefix}learnmesh.dlx`],
        queues: [`${prefix}communication`, `${prefix}communication.dlq`].concat(
          [1000, 5000, 30_000, 120_000].map((d) => `${prefix}communication.retry.${d}`),
        ),
      })
    })
    const verifier = createTokenVerifier({ jwks, issuer: signer.issuer, audience: signer.audience })
    const gateway: App = await createGateway({
      config: loadGatewayConfig({ RATE_LIMIT_MAX: '1000' }),
      logger: createLogger('gateway', 'silent'),
      verifier,
      upstreams: { communication: { url: replicas.map((r) => r.url).join('|') } },
    })
    gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' })
    cleanups.unshift(() => gateway.close())
  }, 60_000)

  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    for (const c of cleanups) await c().catch(() => {})
  })

  async function socket(token: string): Promise<Socket> {
    const s = connect(gatewayUrl, {
      path: '/api/communication/socket.io/',
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
    })
    sockets.push(s)
    await new Promise<void>((resolve, reject) => {
      s.once('ready', () => resolve())
      s.once('connect_error', reject)
    })
    return s
  }

  it('a message sent on one replica reaches the other participant, connected to the other replica', async () => {
    const orgId = newId('org')
    const a = newId('usr')
    const b = newId('usr')
    const db = await openDatabase({ url: dbUrl, poolSize: 1 })
    await db.query(
      sql`insert into communication.people (user_id, org_id, display_name, email) values (${a}, ${orgId}, 'A', 'a@x.test'), (${b}, ${orgId}, 'B', 'b@x.test')`,
    )
    // Direct conversations are between contacts only: a booked lesson makes b a's tutor.
    await db.query(
      sql`insert into communication.lessons (booking_id, org_id, tutor_user_id, learner_id, starts_at, ends_at, status) values (${newId('bkg')}, ${orgId}, ${b}, ${a}, now(), now() + interval '1 hour', 'booked')`,
    )
    await db.close()
    const tokenA = await signer.sign({ sub: a, org: orgId, roles: ['learner'] })
    const tokenB = await signer.sign({ sub: b, org: orgId, roles: ['tutor'] })
    const res = await fetch(`${gatewayUrl}/api/communication/conversations/direct`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: b }),
    })
    expect(res.status).toBe(200)
    const conversationId = ((await res.json()) as { id: string }).id
    // Round-robin per upgrade: the two connections land on different replicas.
    const sa = await socket(tokenA)
    const sb = await socket(tokenB)
    const arriving = new Promise<{ body: string }>((resolve) => sb.once('message:new', resolve))
    const ack = (await sa
      .timeout(5000)
      .emitWithAck('message:send', { conversationId, body: 'over the cluster', clientMessageId: 'k-1' })) as {
      ok: boolean
    }
    expect(ack.ok).toBe(true)
    expect((await arriving).body).toBe('over the cluster')
  })

  it('refuses a bad token at the service, through the gateway', async () => {
    await expect(socket('nope')).rejects.toMatchObject({ message: 'invalid_token' })
  })
})
