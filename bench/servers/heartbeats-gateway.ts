// The gateway in cluster mode in front of the learning service child, for the `heartbeats`
// scenario: createGateway with its whole default stack, proxying /api/learning/* to `upstream`,
// verifying tokens against the JWKS the runner passes in (the runner signs the learners' tokens).
import { createTokenVerifier, type Jwks } from '@learnmesh/kernel'
import { createGateway, createGatewayLogger, loadGatewayConfig } from '@learnmesh/gateway'
import { childOptions, serveChild } from './child.ts'

const { upstream, jwks, issuer, audience } = childOptions<{
  upstream: string
  jwks: Jwks
  issuer: string
  audience: string
}>()
const config = loadGatewayConfig({
  HOST: '127.0.0.1',
  PORT: '0',
  SERVICE_URLS: `learning=${upstream}`,
  JWT_ISSUER: issuer,
  JWT_AUDIENCE: audience,
  // The limiter runs on every request, but thousands of simulated players must not trip it.
  RATE_LIMIT_MAX: '1000000000',
})
const app = await createGateway({
  config,
  logger: createGatewayLogger('info'),
  verifier: createTokenVerifier({ jwks: async () => jwks, issuer, audience }),
  upstreams: { learning: { url: upstream } },
})

await serveChild(
  async () => {
    await app.listen({ host: config.HOST, port: config.PORT })
    return app.server
  },
  () => app.close(),
)
