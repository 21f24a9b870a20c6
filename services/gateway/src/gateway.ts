import cors from '@fastify/cors'
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import {
  AppError,
  createApp,
  sendProblem,
  type App,
  type Logger,
  type TokenVerifier,
} from '@learnmesh/kernel'
import { authenticateHook, cachingVerifier } from './auth.ts'
import { parseOrigins, type GatewayConfig } from './config.ts'
import { registerDocs } from './docs.ts'
import { createOpenApiAggregator } from './openapi.ts'
import { createHttpUpstream, createInProcessUpstream, sendTooLarge, type Forward } from './proxy.ts'
import { registerRateLimit } from './rate-limit.ts'
import { createResponseCache } from './response-cache.ts'
import { securityHeaders, securityHeadersHook, securityHeadersOnSend } from './security.ts'
import { registerWeb, resolveWebRoot } from './web.ts'
import { proxyUpgrades } from './upgrade.ts'
import { muxSockets } from './socket-mux.ts'

/** Where a service is: its Fastify app in this process (embedded), or its base URL (cluster). */
export interface GatewayUpstream {
  /** Embedded mode: the service's app (ready, not listening); requests are dispatched in-process. */
  app?: App
  /** Cluster mode: the service's base URL, e.g. `http://127.0.0.1:4001`. */
  url?: string
}

/** What `createGateway` needs. */
export interface GatewayOptions {
  /** From `loadGatewayConfig`. */
  config: GatewayConfig
  logger: Logger
  /** Verifies access tokens (identity's JWKS). */
  verifier: TokenVerifier
  /** The services by name; `/api/<name>/...` goes to each. */
  upstreams: Record<string, GatewayUpstream>
  /** Folder served at `/`; overrides WEB_ROOT (default: apps/web/dist when built, else the placeholder page). */
  webRoot?: string
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const SERVICE_NAME = /^[a-z][a-z0-9-]*$/
const RESERVED = new Set(['docs', 'openapi.json'])
const hidden = { hide: true }

interface Target {
  name: string
  forward: Forward
  health(): Promise<void>
  openapi(): Promise<unknown>
  close(): Promise<void>
}

/**
 * Builds the gateway: one app (kernel `createApp`, named `gateway`, not listening) in front of every
 * service.
 * - `/api/<service>/...` → the service (in-process or over a keep-alive pool), after the gateway's
 *   checks: security headers, CORS, access-token verification (an invalid token is a 401 that never
 *   reaches the service; a valid one keys the rate limit by user; authorization stays in services),
 *   rate limit (429 + Retry-After), body size (413). Bodies are streamed, never parsed here.
 * - `/api/openapi.json`: every service's OpenAPI merged; `/api/docs`: the interactive reference.
 * - `/health`, `/ready` (checks each service's /health), `/metrics`.
 * - `/`: the web app's static build with SPA fallback, or the placeholder page.
 */
export async function createGateway(options: GatewayOptions): Promise<App> {
  const { config, logger } = options
  const apiHeaders = securityHeaders('api')
  const forwardOptions = {
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    responseHeaders: apiHeaders,
  }
  const targets: Target[] = []
  for (const [name, upstream] of Object.entries(options.upstreams)) {
    if (!SERVICE_NAME.test(name) || RESERVED.has(name))
      throw new Error(`gateway: '${name}' cannot be a service name`)
    if (upstream.app) {
      const app = upstream.app
      await app.ready()
      targets.push({
        name,
        forward: createInProcessUpstream(app, apiHeaders),
        async health() {
          const res = await app.inject({ method: 'GET', url: '/health' })
          if (res.statusCode !== 200) throw new Error(`${name} health: ${res.statusCode}`)
        },
        async openapi() {
          const res = await app.inject({ method: 'GET', url: '/openapi.json' })
          if (res.statusCode !== 200) throw new Error(`${name} openapi: ${res.statusCode}`)
          return res.json()
        },
        close: async () => {},
      })
    } else if (upstream.url) {
      const http = createHttpUpstream(name, upstream.url, {
        ...forwardOptions,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        connections: config.UPSTREAM_CONNECTIONS,
        ...(config.RESPONSE_CACHE_MAX_BYTES > 0 && config.RESPONSE_CACHE_MAX_TTL_MS > 0
          ? {
              cache: createResponseCache({
                maxBytes: config.RESPONSE_CACHE_MAX_BYTES,
                maxTtlMs: config.RESPONSE_CACHE_MAX_TTL_MS,
              }),
            }
          : {}),
      })
      targets.push({
        name,
        forward: http.forward,
        health: async () => {
          await http.getJson('/health', 2000)
        },
        openapi: () => http.getJson('/openapi.json', 3000),
        close: () => http.close(),
      })
    } else {
      throw new Error(`gateway: service '${name}' needs an app (embedded) or a url (cluster)`)
    }
  }

  const app = await createApp({
    name: 'gateway',
    description:
      'The learnmesh API gateway: routing, token check, rate limits, CORS, aggregated API docs, web app.',
    logger,
    // The gateway keeps the access log: one line per request (the kernel writes it when the response
    // has been sent), carrying the request id services reuse.
    logRequests: 'all',
    trustProxy: config.TRUST_PROXY,
    readyChecks: Object.fromEntries(targets.map((t) => [t.name, t.health])),
  })
  let closeRateLimit = async () => {}
  app.addHook('onClose', async () => {
    await Promise.allSettled([...targets.map((t) => t.close()), closeRateLimit()])
  })

  const verifier = cachingVerifier(options.verifier)
  const origins = parseOrigins(config.CORS_ORIGINS)
  const bodyLimit = config.BODY_LIMIT_BYTES
  const openapi = createOpenApiAggregator(
    targets.map((t) => ({ service: t.name, load: t.openapi })),
    {
      title: 'learnmesh API',
      version: '0.1.0',
      description:
        'Every learnmesh service behind one gateway. Paths are grouped by service (`/api/<service>/...`). ' +
        'Authenticate with `Authorization: Bearer <access token>` from the identity service. Errors are ' +
        'RFC 9457 problem documents with a stable `code` and the `requestId`.',
    },
  )

  // The API: every hook here runs on the proxy's hot path, so each is cheap (precomputed headers,
  // cached token checks, an in-memory or Redis counter) and nothing reads the body.
  await app.register(async (api) => {
    api.addHook('onSend', securityHeadersOnSend('api'))
    if (origins.length) {
      await api.register(cors, {
        origin: origins,
        credentials: false,
        strictPreflight: false,
        methods: METHODS.filter((m) => m !== 'HEAD' && m !== 'OPTIONS'),
        allowedHeaders: [
          'authorization',
          'content-type',
          'idempotency-key',
          'x-request-id',
          'traceparent',
          'tracestate',
        ],
        exposedHeaders: [
          'x-request-id',
          'retry-after',
          'x-ratelimit-limit',
          'x-ratelimit-remaining',
          'x-ratelimit-reset',
          'location',
        ],
        maxAge: 600,
      })
    }
    api.decorateRequest('principal', undefined)
    api.addHook('onRequest', authenticateHook(verifier))
    closeRateLimit = await registerRateLimit(api, {
      max: config.RATE_LIMIT_MAX,
      windowMs: config.RATE_LIMIT_WINDOW,
      redisUrl: config.REDIS_URL,
      logger,
    })
    // Leave request bodies unread: the service parses (and limits) them.
    api.removeAllContentTypeParsers()
    api.addContentTypeParser('*', (_request, _payload, done) => done(null))

    api.get('/api/openapi.json', { schema: hidden }, async () => openapi.get())

    for (const target of targets) {
      const forward = target.forward
      const handler = (request: FastifyRequest, reply: FastifyReply): void => {
        const length = request.headers['content-length']
        if (length !== undefined && Number(length) > bodyLimit) return sendTooLarge(request, reply, bodyLimit)
        forward(request, reply)
      }
      for (const url of [`/api/${target.name}`, `/api/${target.name}/*`]) {
        api.route({ method: METHODS, url, schema: hidden, exposeHeadRoute: false, handler })
      }
    }
    api.route({
      method: METHODS,
      url: '/api/*',
      schema: hidden,
      exposeHeadRoute: false,
      handler: (request, reply) => {
        const name = decodeSegment(request.url.split('?')[0]!.split('/')[2] ?? '')
        sendProblem(
          request,
          reply,
          new AppError('not_found', `There is no '${name}' service`, { service: name }),
        )
      },
    })
  })

  await app.register(async (docs) => {
    docs.addHook('onRequest', securityHeadersHook('docs'))
    registerDocs(docs, { prefix: '/api/docs', specUrl: '/api/openapi.json' })
  })

  await app.register(async (web) => {
    web.addHook('onRequest', securityHeadersHook('web'))
    await registerWeb(web, resolveWebRoot(options.webRoot ?? config.WEB_ROOT))
  })

  // WebSockets. Communication's Socket.IO in cluster mode: the gateway holds the clients' sockets and
  // carries them over one link per replica (socket-mux.ts). Other cluster services' upgrades are
  // proxied to a replica, a TCP connection per client.
  const upstreamUrls = Object.fromEntries(
    Object.entries(options.upstreams).flatMap(([name, u]) => (u.url ? [[name, u.url.split('|')]] : [])),
  )
  const mux = upstreamUrls.communication
    ? muxSockets(app.server, {
        service: 'communication',
        urls: upstreamUrls.communication,
        maxPayload: config.BODY_LIMIT_BYTES,
        connectTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
        logger,
      })
    : undefined
  if (mux) app.addHook('onClose', async () => mux.close())
  proxyUpgrades(app.server, {
    upstreams: upstreamUrls,
    trustProxy: config.TRUST_PROXY,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    logger,
    ...(mux ? { skip: mux.handles } : {}),
  })

  return app
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment).slice(0, 64)
  } catch {
    return segment.slice(0, 64)
  }
}
