import { runServiceProcess } from '@learnmesh/kernel'
import { identityService } from './service.ts'

/**
 * Cluster entry (`node .tmp/start/services/identity.mjs`, built by `npm run cluster`): identity as its
 * own process on DATABASE_URL (its least-privileged role), BROKER_URL and PORT. It issues the tokens,
 * so without JWKS_URL it verifies them against its own JWKS in-process. SIGTERM/SIGINT drain and exit.
 */
runServiceProcess(identityService, { env: process.env, selfJwksPath: '/.well-known/jwks.json' })
