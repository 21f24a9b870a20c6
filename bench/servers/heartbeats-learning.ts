// The learning service for the `heartbeats` scenario: its own process on the bench's PostgreSQL
// database (migrated and seeded by the runner), started through the service's real `start` (config,
// outbox relay, consumers, job runner, the app with every route) with per-request logs at `info` to
// stdout. Events stay in process (an in-process transport: heartbeats publish none, and the
// scenario needs no RabbitMQ). Tokens are verified against the JWKS the runner passes in. On stop it
// closes the service (which flushes buffered heartbeats) and writes the heartbeat counters to `statsFile`.
import { writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import {
  createInProcessTransport,
  createLogger,
  createTokenVerifier,
  openDatabase,
  type Jwks,
  type RunningService,
} from '@learnmesh/kernel'
import { learningService } from '@learnmesh/learning'
import { heartbeatBufferOf } from '../../services/learning/src/progress/progress.routes.ts'
import { childOptions, serveChild } from './child.ts'

const options = childOptions<{
  databaseUrl: string
  jwks: Jwks
  issuer: string
  audience: string
  statsFile: string
  env?: Record<string, string>
}>()
const logger = createLogger('learning', 'info')
const database = await openDatabase({
  url: options.databaseUrl,
  poolSize: 10,
  applicationName: 'lm-bench-heartbeats',
})
const transport = createInProcessTransport()
const verifier = createTokenVerifier({
  jwks: async () => options.jwks,
  issuer: options.issuer,
  audience: options.audience,
})
let running: RunningService | undefined

await serveChild(
  async () => {
    running = await learningService.start({
      database,
      transport,
      verifier,
      logger,
      env: {
        NODE_ENV: 'production',
        LEARNING_SECRET: randomBytes(32).toString('hex'),
        ...options.env,
      },
    })
    await running.app.listen({ host: '127.0.0.1', port: 0 })
    return running.app.server
  },
  async () => {
    const buffer = running ? heartbeatBufferOf(running.app) : undefined
    await running?.close() // the app's onClose flushes the heartbeat buffer
    if (buffer) writeFileSync(options.statsFile, JSON.stringify(buffer.stats()))
    await transport.close()
    await database.close()
  },
)
