// What both socket benchmarks share: the infrastructure check, a private PostgreSQL database with
// communication's schema and the course channels, access tokens signed here (their key served as a
// JWKS over HTTP, as identity serves it), the server children (communication in cluster mode, the
// gateway in front of it, the bare `ws` server) and the client processes.
import { createECDH, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { Redis } from 'ioredis'
import { postgresAvailable, rabbitAvailable } from '@learnmesh/kernel/testing'
import { communicationService } from '@learnmesh/communication'
import { startServer, type ServerChild } from '../lib/children.ts'
import {
  cleanUpServiceTopology,
  createBenchDatabase,
  gatewayEnv,
  serviceEnv,
  startBenchIssuer,
  type BenchDatabase,
  type BenchIssuer,
} from '../lib/platform.ts'
import { benchPrefix } from '../events/report.ts'
import { startClient, type ClientProcess } from './clients.ts'
import type { ClientSpec } from './client.ts'
import { channelId, userId } from './ids.ts'

const ORG = `org_${'5'.repeat(32)}`
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export { channelId, userId } from './ids.ts'

/** Missing infrastructure (PostgreSQL and RabbitMQ are required; Redis is optional: noted). */
export async function checkInfra(): Promise<{ missing: string[]; redis: boolean }> {
  const [pgOk, rabbitOk] = await Promise.all([postgresAvailable(), rabbitAvailable()])
  const missing = [pgOk, rabbitOk].flatMap((r) => (r.ok ? [] : [r.reason]))
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 })
  client.on('error', () => {})
  let redis = false
  try {
    await client.connect()
    redis = (await client.ping()) === 'PONG'
  } catch {
    redis = false
  } finally {
    client.disconnect()
  }
  return { missing, redis }
}

/** The bench's users: user n is in channel `groupOf(n)`; channel 0 (users 0..channelSize-1) is measured. */
export function layout(users: number, channelSize: number) {
  const groupOf = (n: number) => Math.floor(n / channelSize)
  const channels = Math.ceil(users / channelSize)
  return { groupOf, channels }
}

/** A private database with communication's schema, `channels` course channels and their participants. */
async function seed(db: BenchDatabase, users: number, channelSize: number): Promise<void> {
  await db.migrate(communicationService.migrations)
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const { channels } = layout(users, channelSize)
    await client.query('begin')
    for (let g = 0; g < channels; g++) {
      await client.query(
        `insert into communication.conversations (id, org_id, kind, title, course_id) values ($1, $2, 'course', $3, $4)`,
        [channelId(g), ORG, `Course ${g}`, `crs_${g.toString(16).padStart(32, '0')}`],
      )
    }
    await client.query(
      `insert into communication.conversation_participants (conversation_id, user_id, org_id, role)
       select 'cnv_' || repeat('c', 24) || lpad(to_hex(n / $3), 8, '0'), 'usr_' || lpad(to_hex(n), 32, '0'), $1,
              case when n % $3 = 0 then 'instructor' else 'member' end
         from generate_series(0, $2 - 1) n`,
      [ORG, users, channelSize],
    )
    await client.query(
      `insert into communication.people (user_id, org_id, email, display_name)
       select 'usr_' || lpad(to_hex(n), 32, '0'), $1, 'u' || n || '@bench.learnmesh.test', 'User ' || n
         from generate_series(0, $2 - 1) n on conflict do nothing`,
      [ORG, users],
    )
    await client.query('commit')
    await client.query('analyze')
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    await client.end()
  }
}

/** Everything a socket scenario runs on; `close()` stops and deletes all of it. */
export interface SocketBench {
  dbName: string
  jwksUrl: string
  tokens: string[]
  redis: boolean
  /** Starts communication (cluster mode) and, when `gateway`, the gateway in front of it. */
  startCommunication(name: string, gateway: boolean): Promise<{ service: ServerChild; gateway?: ServerChild }>
  startBareWs(name: string): Promise<ServerChild>
  /** Starts the bare Socket.IO reference server (`servers/sio-bare.ts`). */
  startBareSocketIo(name: string): Promise<ServerChild>
  /** Starts `count` client processes. */
  clients(count: number): Promise<ClientProcess[]>
  close(): Promise<void>
}

export async function prepareSocketBench(options: {
  scenario: string
  users: number
  channelSize: number
  logDir: string
  keepLogs: boolean
  redis: boolean
}): Promise<SocketBench> {
  const db = await createBenchDatabase(options.scenario.replace(/\W/g, '_'))
  const prefix = benchPrefix(options.scenario)
  const servers: ServerChild[] = []
  const clientProcs: ClientProcess[] = []
  const logFiles: string[] = []
  let issuer: BenchIssuer | undefined
  const close = async () => {
    await Promise.all(clientProcs.map((c) => c.stop()))
    await Promise.all(servers.map((s) => s.stop()))
    issuer?.close()
    if (!options.keepLogs) {
      const { rmSync } = await import('node:fs')
      for (const f of logFiles) rmSync(f, { force: true })
    }
    await cleanUpServiceTopology(prefix, ['communication'])
    await db.drop()
  }
  try {
    await seed(db, options.users, options.channelSize)
    issuer = await startBenchIssuer()
    const { jwksUrl } = issuer
    const tokens: string[] = []
    for (let n = 0; n < options.users; n++) tokens.push(await issuer.token(userId(n), ORG, '2h'))
    // Production settings: a real secret, SMTP and VAPID configured (nothing is mailed or pushed here).
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    const communicationEnv = {
      ...serviceEnv({ databaseUrl: db.url, brokerPrefix: prefix, jwksUrl }),
      COMMUNICATION_SECRET: randomBytes(32).toString('hex'),
      SMTP_URL: 'smtp://127.0.0.1:2525',
      VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString('base64url'),
      VAPID_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url'),
      PUBLIC_URL: 'http://bench.learnmesh.test',
      ...(options.redis ? { REDIS_URL } : {}),
    }
    let started = 0
    return {
      dbName: db.name,
      jwksUrl,
      tokens,
      redis: options.redis,
      async startCommunication(name, withGateway) {
        const n = ++started
        const serviceLog = join(options.logDir, `${options.scenario}-communication-${n}.log`)
        logFiles.push(serviceLog)
        const service = await startServer(name, 'communication', { env: communicationEnv }, serviceLog)
        servers.push(service)
        if (!withGateway) return { service }
        const gatewayLog = join(options.logDir, `${options.scenario}-gateway-${n}.log`)
        logFiles.push(gatewayLog)
        const gateway = await startServer(
          'gateway',
          'gateway-jwks',
          { env: gatewayEnv({ communication: service.url }, jwksUrl) },
          gatewayLog,
        )
        servers.push(gateway)
        return { service, gateway }
      },
      async startBareWs(name) {
        const ws = await startServer(name, 'ws-bare', {})
        servers.push(ws)
        return ws
      },
      async startBareSocketIo(name) {
        const sio = await startServer(name, 'sio-bare', {})
        servers.push(sio)
        return sio
      },
      async clients(count) {
        const made = await Promise.all(
          Array.from({ length: count }, (_, i) => startClient(`${options.scenario}-client-${i + 1}`)),
        )
        clientProcs.push(...made)
        return made
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/** Splits users over client processes round-robin: user n goes to process n % processes. */
export function specsFor(
  processes: number,
  users: number,
  channelSize: number,
  tokens?: string[],
): ClientSpec[][] {
  const { groupOf } = layout(users, channelSize)
  const out: ClientSpec[][] = Array.from({ length: processes }, () => [])
  for (let n = 0; n < users; n++) {
    out[n % processes]!.push({
      userId: userId(n),
      group: groupOf(n),
      ...(tokens ? { token: tokens[n]! } : {}),
    })
  }
  return out
}

/** ws:// URL of a server child's path. */
export const wsUrl = (httpUrl: string, path: string): string => `${httpUrl.replace(/^http/, 'ws')}${path}`
