import { afterAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { ConfigError } from './config.ts'
import { createApp } from './http/app.ts'
import { openDatabase } from './db/database.ts'
import { postgresAvailable, testPostgresUrl } from './testing/database.ts'
import { deleteRabbitTopology, rabbitAvailable, rabbitTestPrefix, testRabbitUrl } from './testing/rabbit.ts'
import { createTestSigner } from './testing/tokens.ts'
import { startServiceProcess } from './service-process.ts'
import type { ServiceDefinition } from './service.ts'

const fixture: ServiceDefinition = {
  name: 'kernel_fixture',
  migrations: {
    service: 'kernel_fixture',
    folder: fileURLToPath(new URL('./testing/fixtures/migrations', import.meta.url)),
  },
  async start(ctx) {
    const app = await createApp({ name: 'kernel_fixture', logger: ctx.logger })
    app.get('/whoami', async (request) => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '')
      return { sub: (await ctx.verifier.verify(token)).userId }
    })
    ctx.transport.subscribe('kernel_fixture', ['kernel.note.added'], async () => {})
    return { name: 'kernel_fixture', app, close: () => app.close() }
  },
}

const pgUp = await postgresAvailable()
const rabbit = await rabbitAvailable()
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function scratchDatabase(): Promise<string> {
  const name = `lm_proc_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const server = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
  await server.query(sql.raw(`create database ${name}`))
  await server.close()
  cleanups.push(async () => {
    const s = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
    await s.query(sql.raw(`drop database if exists ${name} with (force)`))
    await s.close()
  })
  const url = new URL(testPostgresUrl)
  url.pathname = `/${name}`
  return url.toString()
}

describe('service process config', () => {
  describe('errors', () => {
    it('names the missing variables: DATABASE_URL, BROKER_URL, and JWKS_URL for a non-issuer', async () => {
      const missing = await startServiceProcess(fixture, { env: {} }).catch((e: unknown) => e)
      expect(missing).toBeInstanceOf(ConfigError)
      expect(String(missing)).toMatch(/DATABASE_URL/)
      expect(String(missing)).toMatch(/BROKER_URL/)
      const noJwks = await startServiceProcess(fixture, {
        env: { DATABASE_URL: 'postgres://x@127.0.0.1/x', BROKER_URL: 'amqp://127.0.0.1' },
      }).catch((e: unknown) => e)
      expect(String(noJwks)).toMatch(/JWKS_URL/)
      const wrong = await startServiceProcess(fixture, {
        env: { DATABASE_URL: 'mysql://x', BROKER_URL: 'http://x', JWKS_URL: 'http://x' },
      }).catch((e: unknown) => e)
      expect(String(wrong)).toMatch(/DATABASE_URL/)
    })
  })
})

describe.runIf(pgUp.ok && rabbit.ok)('a service as its own process', () => {
  describe('happy', () => {
    it('migrates, connects to the broker, reports both in /ready, listens, and closes cleanly', async () => {
      const prefix = rabbitTestPrefix()
      const signer = await createTestSigner()
      const jwks = await new Promise<string>((resolve) => {
        // A JWKS endpoint over real HTTP, as identity would serve it.
        void import('node:http').then(({ createServer }) => {
          const server = createServer((_req, res) => {
            void signer.jwks().then((set) => res.end(JSON.stringify(set)))
          })
          server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as { port: number }
            cleanups.push(() => new Promise((r) => server.close(() => r())))
            resolve(`http://127.0.0.1:${port}/jwks.json`)
          })
        })
      })
      const proc = await startServiceProcess(fixture, {
        env: {
          DATABASE_URL: await scratchDatabase(),
          BROKER_URL: testRabbitUrl,
          BROKER_PREFIX: prefix,
          JWKS_URL: jwks,
          JWT_ISSUER: signer.issuer,
          JWT_AUDIENCE: signer.audience,
          PORT: '0',
          LOG_LEVEL: 'silent',
        },
      })
      cleanups.push(() =>
        deleteRabbitTopology({
          exchanges: [`${prefix}learnmesh.events`, `${prefix}learnmesh.dlx`],
          queues: [`${prefix}kernel_fixture`, `${prefix}kernel_fixture.dlq`].concat(
            [1000, 5000, 30_000, 120_000].map((d) => `${prefix}kernel_fixture.retry.${d}`),
          ),
        }),
      )
      const ready = await fetch(`${proc.url}/ready`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', broker: 'ok' } })
      const token = await signer.sign({ sub: 'usr_1', org: 'org_1' })
      const who = await fetch(`${proc.url}/whoami`, { headers: { authorization: `Bearer ${token}` } })
      expect(await who.json()).toEqual({ sub: 'usr_1' })
      await proc.close()
      await expect(fetch(`${proc.url}/health`)).rejects.toThrow()
    })
  })
})
