// The learning service for the `catalog` benchmark, as a cluster process runs it: learningService.start
// on PostgreSQL with a pool of DATABASE_POOL_SIZE's default (10), per-request logs at 'info' to stdout,
// production mode. Events go to the in-process transport instead of RabbitMQ: catalog reads publish
// nothing, and the scenario needs no broker. Requests are anonymous (public catalog).
import { randomBytes } from 'node:crypto'
import { createInProcessTransport, createLogger, createTokenVerifier, openDatabase } from '@learnmesh/kernel'
import { createTestSigner } from '@learnmesh/kernel/testing'
import { learningService } from '@learnmesh/learning'
import { childOptions, serveChild } from './child.ts'

const options = childOptions<{ databaseUrl: string; poolSize?: number; env?: Record<string, string> }>()
const logger = createLogger('learning', 'info')
const database = await openDatabase({
  url: options.databaseUrl,
  poolSize: options.poolSize ?? 10,
  applicationName: 'learnmesh-learning-bench',
})
const signer = await createTestSigner()
const running = await learningService.start({
  database,
  transport: createInProcessTransport(),
  verifier: createTokenVerifier({ jwks: signer.jwks, issuer: signer.issuer, audience: signer.audience }),
  logger,
  env: { NODE_ENV: 'production', LEARNING_SECRET: randomBytes(32).toString('hex'), ...options.env },
})

await serveChild(
  async () => {
    await running.app.listen({ host: '127.0.0.1', port: 0 })
    return running.app.server
  },
  async () => {
    await running.close()
    await database.close()
  },
)
