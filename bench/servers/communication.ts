// The communication service in cluster mode, exactly as services/communication/src/main.ts runs it
// (startServiceProcess: PostgreSQL pool, RabbitMQ transport, outbox relay, consumers, job runner, JWKS
// token verifier, per-request logs to stdout, and its Socket.IO server attached to its own HTTP server
// with the Redis adapter when REDIS_URL is set), wrapped for the bench runner's IPC.
// `env` carries DATABASE_URL, BROKER_URL/BROKER_PREFIX, JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, REDIS_URL.
import { startServiceProcess, type ServiceProcess } from '@learnmesh/kernel'
import { communicationService } from '@learnmesh/communication'
import { childOptions, serveChild } from './child.ts'

const { env } = childOptions<{ env: Record<string, string> }>()
let running: ServiceProcess | undefined

await serveChild(
  async () => {
    running = await startServiceProcess(communicationService, {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    })
    return running.url
  },
  async () => {
    await running?.close()
  },
)
