// The gateway in cluster mode, built as services/gateway/src/main.ts builds it: tokens verified
// against a JWKS fetched over HTTP (JWKS_URL), per-request logs at 'info' to stdout, the default rate
// limit, and `/api/<service>/*` proxied to SERVICE_URLS. Used by scenarios that sign their own tokens.
import { createTokenVerifier } from '@learnmesh/kernel'
import { createGateway, createGatewayLogger, loadGatewayConfig, parseServiceUrls } from '@learnmesh/gateway'
import { childOptions, serveChild } from './child.ts'

const { env } = childOptions<{ env: Record<string, string> }>()
const config = loadGatewayConfig({ HOST: '127.0.0.1', PORT: '0', ...env })
const urls = parseServiceUrls(config.SERVICE_URLS)
const app = await createGateway({
  config,
  logger: createGatewayLogger('info'),
  verifier: createTokenVerifier({
    jwks: config.JWKS_URL!,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  }),
  upstreams: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, { url }])),
})

await serveChild(
  async () => {
    await app.listen({ host: config.HOST, port: config.PORT })
    return app.server
  },
  () => app.close(),
)
