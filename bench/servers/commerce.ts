// The commerce service in cluster mode, exactly as services/commerce/src/main.ts runs it
// (startServiceProcess: PostgreSQL pool, RabbitMQ transport, outbox relay woken by NOTIFY, consumers,
// job runner, JWKS token verifier, per-request logs to stdout), wrapped for the bench runner's IPC.
// `env` carries DATABASE_URL, BROKER_URL/BROKER_PREFIX, JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, COMMERCE_SECRET.
import { startServiceProcess, type ServiceProcess } from '@learnmesh/kernel'
import { commerceService } from '@learnmesh/commerce'
import { childOptions, serveChild } from './child.ts'

const { env } = childOptions<{ env: Record<string, string> }>()
let running: ServiceProcess | undefined

await serveChild(
  async () => {
    running = await startServiceProcess(commerceService, {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    })
    return running.url
  },
  async () => {
    await running?.close()
  },
)
