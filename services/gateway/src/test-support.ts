import {
  AppError,
  createApp,
  createLogger,
  createTokenVerifier,
  Type,
  type App,
  type Logger,
} from '@learnmesh/kernel'
import { createTestSigner } from '@learnmesh/kernel/testing'
import { loadGatewayConfig, type GatewayConfig } from './config.ts'

/** A logger that writes nothing (tests). */
export const silentLogger: Logger = createLogger('test', 'silent')

/** What the echo service saw of one request. */
export interface SeenRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  /** Source port of the connection it came on (keep-alive reuse shows as one port). */
  remotePort: number | undefined
}

/**
 * A tiny service built with the kernel's createApp, standing in for a real one behind the gateway:
 * it records every request it receives and offers routes for each pass-through case.
 */
export async function createEchoService(
  options: { bodyLimit?: number } = {},
): Promise<{ app: App; seen: SeenRequest[] }> {
  const app = await createApp({ name: 'echo', logger: silentLogger, bodyLimit: options.bodyLimit ?? 2048 })
  const seen: SeenRequest[] = []
  app.addHook('onRequest', async (request) => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: { ...request.headers },
      remotePort: request.socket.remotePort,
    })
  })
  app.get('/', { schema: { response: { 200: Type.Object({ service: Type.String() }) } } }, async () => ({
    service: 'echo',
  }))
  app.post(
    '/echo',
    {
      schema: {
        body: Type.Object({ name: Type.String({ maxLength: 4000 }) }, { additionalProperties: false }),
        querystring: Type.Object({ x: Type.Optional(Type.String()), y: Type.Optional(Type.String()) }),
        response: {
          201: Type.Object({
            method: Type.String(),
            url: Type.String(),
            query: Type.Object({ x: Type.Optional(Type.String()), y: Type.Optional(Type.String()) }),
            name: Type.String(),
            requestId: Type.String(),
          }),
        },
      },
    },
    async (request, reply) => {
      reply.code(201).header('x-upstream', 'echo').header('proxy-authenticate', 'Basic realm="internal"')
      return {
        method: request.method,
        url: request.url,
        query: request.query,
        name: request.body.name,
        requestId: request.id,
      }
    },
  )
  app.get('/slow', { schema: { querystring: Type.Object({ ms: Type.Integer() }) } }, async (request) => {
    await new Promise((resolve) => setTimeout(resolve, request.query.ms))
    return { ok: true }
  })
  app.get('/conflict', async () => {
    throw new AppError('conflict', 'Already taken')
  })
  app.get('/empty', async (_request, reply) => {
    reply.code(204).send()
  })
  app.get('/page', async (_request, reply) => {
    reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'")
    return '<!doctype html><title>page</title>'
  })
  app.get('/cookie', async (_request, reply) => {
    reply.header('set-cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly'])
    return { ok: true }
  })
  await app.ready()
  return { app, seen }
}

/** Gateway configuration for tests: defaults plus `overrides` (environment variable strings). */
export function testConfig(overrides: Record<string, string> = {}): GatewayConfig {
  return loadGatewayConfig({ RATE_LIMIT_MAX: '1000', ...overrides })
}

/** A token signer and the matching verifier, as identity would provide. */
export async function createTestAuth() {
  const signer = await createTestSigner()
  const verifier = createTokenVerifier({
    jwks: signer.jwks,
    issuer: signer.issuer,
    audience: signer.audience,
  })
  return { signer, verifier }
}

/** An unsigned token (`alg: none`) with otherwise plausible claims. */
export function unsignedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${part({ alg: 'none', typ: 'at+jwt', kid: 'test-key-1' })}.${part({
    sub: 'usr_attacker',
    org: 'org_x',
    sid: 'ses_x',
    iss: 'http://learnmesh.test/identity',
    aud: 'learnmesh',
    iat: now,
    nbf: now,
    exp: now + 600,
  })}.`
}
