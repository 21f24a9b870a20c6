import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import {
  createInProcessTransport,
  createLogger,
  createTokenVerifier,
  migrate,
  openDatabase,
  type Jwks,
  type RunningService,
} from '@learnmesh/kernel'
import { createGateway, loadGatewayConfig } from '@learnmesh/gateway'
import { seedIdentity } from '@learnmesh/identity'
import { loadEmbeddedConfig } from './config.ts'
import { attachDevMailbox } from './dev-mailbox.ts'
import { seedDemoCommerce } from './demo-commerce.ts'
import { seedDemoLearning } from './demo-learning.ts'
import { seedDemoTutoring } from './demo-tutoring.ts'
import { demo, services } from './services.ts'

/** A running embedded platform. */
export interface EmbeddedPlatform {
  url: string
  port: number
  services: RunningService[]
  close(): Promise<void>
}

/**
 * Starts the whole platform in this process: one database (PGlite under DATA_DIR unless
 * DATABASE_URL is set) with a schema per service, the in-process event transport (still through
 * every service's outbox and inbox), every service, and the gateway on PORT. Seeds the demo
 * organization on first start and prints the URL and the demo sign-ins.
 */
export async function startEmbedded(options: {
  env: Record<string, string | undefined>
  print?: (line: string) => void
}): Promise<EmbeddedPlatform> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  const config = loadEmbeddedConfig(options.env)
  const logger = createLogger('learnmesh', config.LOG_LEVEL)
  // Each service logs under its own name (a child would repeat the `service` key).
  const serviceLogger = (name: string) => createLogger(name, config.LOG_LEVEL)
  const dataDir = config.DATA_DIR
  const firstRun = !config.DATABASE_URL && !existsSync(join(dataDir, 'pglite', 'PG_VERSION'))

  const database = await openDatabase(
    config.DATABASE_URL
      ? { url: config.DATABASE_URL, applicationName: 'learnmesh-embedded' }
      : { dataDir: join(dataDir, 'pglite') },
  )
  for (const service of services) await migrate(database, service.migrations)

  const transport = createInProcessTransport({
    onDeadLetter: (consumer, envelope, err) =>
      logger.error({ consumer, eventId: envelope.id, type: envelope.type, err }, 'event dead-lettered'),
  })
  attachDevMailbox(transport, join(dataDir, 'mailbox.jsonl'), print)

  const env = { ...options.env, PUBLIC_URL: options.env.PUBLIC_URL ?? `http://localhost:${config.PORT}` }
  const running: RunningService[] = []
  // Services verify tokens against identity's JWKS; in one process we read it without a socket.
  const jwks = async (): Promise<Jwks> => {
    const identity = running.find((s) => s.name === 'identity')
    if (!identity) throw new Error('identity is not running yet')
    return (await identity.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as Jwks
  }
  const gatewayConfig = loadGatewayConfig(env)
  const verifier = createTokenVerifier({
    jwks,
    issuer: gatewayConfig.JWT_ISSUER,
    audience: gatewayConfig.JWT_AUDIENCE,
  })

  for (const service of services) {
    running.push(
      await service.start({ database, transport, verifier, logger: serviceLogger(service.name), env }),
    )
  }

  if (config.SEED_DEMO) {
    const seeded = await seedIdentity(database, {
      orgSlug: demo.orgSlug,
      orgName: demo.orgName,
      users: demo.users.map((u) => ({ ...u, roles: [...u.roles] })),
    })
    // Demo courses, tutor and subscription plan once, when the demo people are new (signing in costs
    // an argon2 hash per person).
    if (seeded.users.some((u) => u.created)) {
      const app = (name: string) => running.find((s) => s.name === name)!.app
      const target = {
        identity: app('identity'),
        learning: app('learning'),
        tutoring: app('tutoring'),
        commerce: app('commerce'),
      }
      await seedDemoLearning(target)
      await seedDemoTutoring(target)
      await seedDemoCommerce(target)
    }
  }

  const gateway = await createGateway({
    config: gatewayConfig,
    logger: serviceLogger('gateway'),
    verifier,
    upstreams: Object.fromEntries(running.map((s) => [s.name, { app: s.app }])),
  })
  // WebSockets (communication's Socket.IO) listen on the gateway's server, below the service's prefix.
  for (const s of running) s.attachRealtime?.(gateway.server, { pathPrefix: `/api/${s.name}` })
  const address = await gateway.listen({ port: config.PORT, host: config.HOST })
  const port = Number(new URL(address).port)
  const url = `http://localhost:${port}`

  // performance.now() counts from process start: the figure includes loading the code.
  const seconds = (performance.now() / 1000).toFixed(1)
  print('')
  print(`  learnmesh is running at ${url}  (${firstRun ? 'first start' : 'ready'} in ${seconds} s)`)
  print(`  API reference: ${url}/api/docs`)
  print(`  data: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : join(dataDir, 'pglite')}`)
  if (config.SEED_DEMO) {
    print('')
    print('  Demo sign-ins (organization "Demo Academy"):')
    for (const u of demo.users) print(`    ${u.label.padEnd(15)} ${u.email.padEnd(32)} ${u.password}`)
  }
  print('')
  print('  Ctrl-C to stop.')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    services: running,
    close() {
      closing ??= (async () => {
        await gateway.close()
        for (const s of [...running].reverse()) await s.close()
        await transport.close()
        await database.close()
      })()
      return closing
    },
  }
}
