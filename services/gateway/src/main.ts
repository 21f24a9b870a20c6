import { ConfigError, createTokenVerifier } from '@learnmesh/kernel'
import { loadGatewayConfig, parseServiceUrls } from './config.ts'
import { createGateway } from './gateway.ts'
import { createGatewayLogger } from './log.ts'

/**
 * Cluster entry (`tsx services/gateway/src/main.ts`): every service runs as its own process and the
 * gateway reaches them at SERVICE_URLS, verifying tokens against identity's JWKS over HTTP. SIGINT
 * and SIGTERM drain in-flight requests (new ones get 503) before exiting.
 */
async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env)
  // The access log's lines are written once per event-loop turn (see log.ts).
  const logger = createGatewayLogger(process.env.LOG_LEVEL ?? 'info')
  const urls = parseServiceUrls(config.SERVICE_URLS)
  if (Object.keys(urls).length === 0) {
    throw new ConfigError(
      [
        {
          variable: 'SERVICE_URLS',
          message: 'cluster mode needs at least one service, e.g. identity=http://127.0.0.1:4001',
        },
      ],
      'gateway',
    )
  }
  // Every identity replica's JWKS, tried in turn: one replica down does not stop key refreshes.
  const jwksUrls =
    config.JWKS_URL?.split('|') ?? urls.identity?.split('|').map((u) => `${u}/.well-known/jwks.json`)
  if (!jwksUrls?.length) {
    throw new ConfigError(
      [{ variable: 'JWKS_URL', message: 'required when SERVICE_URLS has no identity service' }],
      'gateway',
    )
  }
  const verifier = createTokenVerifier({
    jwks: jwksUrls,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  })
  const app = await createGateway({
    config,
    logger,
    verifier,
    upstreams: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, { url }])),
  })
  await app.listen({ port: config.PORT, host: config.HOST })
  logger.info({ services: Object.keys(urls) }, 'gateway ready')

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'gateway shutting down')
    const timer = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting')
      process.exit(1)
    }, 10_000)
    timer.unref()
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  // Started by `npm run cluster` (IPC channel): stop when the supervisor goes away.
  if (process.send) process.once('disconnect', () => stop('supervisor gone'))
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  )
  process.exit(1)
})
