// The gateway for the `catalog` benchmark: createGateway with its whole default stack (as in
// gateway.ts) and two upstreams, `bench` (the trivial /ping service, the pass-through baseline) and
// `learning` (the learning service on PostgreSQL), so both variants go through the same process.
// Its micro-cache is on as in production (RESPONSE_CACHE_* defaults): learning marks anonymous
// catalog answers `public, s-maxage=5`; the trivial /ping service sends no Cache-Control, so every
// pass-through request still reaches it.
import { createTokenVerifier } from '@learnmesh/kernel'
import { createTestSigner } from '@learnmesh/kernel/testing'
import { createGateway, createGatewayLogger, loadGatewayConfig } from '@learnmesh/gateway'
import { childOptions, serveChild } from './child.ts'

const { bench, learning, env } = childOptions<{
  bench: string
  learning: string
  /** Extra gateway settings to compare (BENCH_CATALOG_GATEWAY_ENV), e.g. RESPONSE_CACHE_MAX_BYTES=0. */
  env?: Record<string, string>
}>()
const signer = await createTestSigner()
const config = loadGatewayConfig({
  HOST: '127.0.0.1',
  PORT: '0',
  SERVICE_URLS: `bench=${bench},learning=${learning}`,
  JWT_ISSUER: signer.issuer,
  JWT_AUDIENCE: signer.audience,
  // The limiter runs on every request (its cost is measured) but one client at ~10^4 req/s must not trip it.
  RATE_LIMIT_MAX: '1000000000',
  ...env,
})
const app = await createGateway({
  config,
  logger: createGatewayLogger('info'), // as main.ts builds it
  verifier: createTokenVerifier({ jwks: signer.jwks, issuer: signer.issuer, audience: signer.audience }),
  upstreams: { bench: { url: bench }, learning: { url: learning } },
})

await serveChild(
  async () => {
    await app.listen({ host: config.HOST, port: config.PORT })
    return app.server
  },
  () => app.close(),
)
