// The learning service in cluster mode, exactly as services/learning/src/main.ts runs it
// (startServiceProcess: PostgreSQL pool, migrations, RabbitMQ transport, outbox relay, consumers,
// job runner, JWKS token verifier, per-request logs to stdout), wrapped for the bench runner's IPC.
// `env` carries DATABASE_URL, BROKER_URL/BROKER_PREFIX, JWKS_URL, JWT_ISSUER and JWT_AUDIENCE.
import { startServiceProcess, type ServiceProcess } from '@learnmesh/kernel'
import { learningService } from '@learnmesh/learning'
import { childOptions, serveChild } from './child.ts'

const { env } = childOptions<{ env: Record<string, string> }>()
let running: ServiceProcess | undefined

await serveChild(
  async () => {
    running = await startServiceProcess(learningService, {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    })
    return running.url
  },
  async () => {
    await running?.close()
  },
)
