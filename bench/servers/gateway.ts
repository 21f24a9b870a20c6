// The gateway in cluster mode: createGateway with its whole default stack (security headers, token
// check, rate limit, request ids, per-request logging at 'info' to stdout, metrics), proxying
// /api/bench/* over its keep-alive pool to the service child at `upstream`. Requests carry a real
// access token (signed here, verified by the gateway), as an API client's would.
import { createTokenVerifier } from '@learnmesh/kernel'
import { createTestSigner } from '@learnmesh/kernel/testing'
import { createGateway, createGatewayLogger, loadGatewayConfig } from '@learnmesh/gateway'
import { childOptions, serveChild } from './child.ts'

const { upstream } = childOptions<{ upstream: string }>()
const signer = await createTestSigner()
const config = loadGatewayConfig({
  HOST: '127.0.0.1',
  PORT: '0',
  SERVICE_URLS: `bench=${upstream}`,
  JWT_ISSUER: signer.issuer,
  JWT_AUDIENCE: signer.audience,
  // The limiter runs on every request (its cost is measured) but one client at ~10^4 req/s must not trip it.
  RATE_LIMIT_MAX: '1000000000',
})
const app = await createGateway({
  config,
  logger: createGatewayLogger('info'), // as main.ts builds it
  verifier: createTokenVerifier({ jwks: signer.jwks, issuer: signer.issuer, audience: signer.audience }),
  upstreams: { bench: { url: upstream } },
})

await serveChild(
  async () => {
    await app.listen({ host: config.HOST, port: config.PORT })
    return app.server
  },
  () => app.close(),
  async () => ({
    authorization: `Bearer ${await signer.sign({ sub: 'usr_bench', org: 'org_bench', roles: ['learner'] }, { expiresIn: '2h' })}`,
  }),
)
