import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type preValidationAsyncHookHandler,
  type RawServerDefault,
} from 'fastify'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import pino, { type Logger } from 'pino'
import { AppError, problem, type ErrorCode } from '../errors.ts'
import { loggerOptions, withFastRedaction } from '../logger.ts'
import { requestId } from '../ids.ts'
import { traceIdOf } from '../events/inbox.ts'
import { createMetrics, type Metrics } from './metrics.ts'

/** The Fastify instance every service builds on, typed with TypeBox. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** A readiness check: resolves when the dependency answers. */
export type ReadyCheck = () => Promise<void>

/** Options for `createApp`. */
export interface AppOptions {
  /** Service name: log field, metrics label, OpenAPI title. */
  name: string
  /** Version shown in OpenAPI and /health. */
  version?: string
  /** One-paragraph description for the OpenAPI document. */
  description?: string
  /** A logger to use (the embedded runner shares one); otherwise a new one at `logLevel`. */
  logger?: Logger | FastifyBaseLogger
  logLevel?: string
  /** Largest accepted request body in bytes (default 1 MiB): larger is a 413. */
  bodyLimit?: number
  /** Checks run by `/ready` (database, broker). */
  readyChecks?: Record<string, ReadyCheck>
  /** Trust X-Forwarded-For from the gateway (cluster mode behind a proxy). */
  trustProxy?: boolean | string
  /**
   * Which finished requests get a log line: `all` (an access log: what the gateway keeps) or
   * `failures` (status ≥ 400; the default for services, whose successful calls the gateway already
   * logged under the same request id, and which RED metrics count). 5xx are always logged as errors.
   */
  logRequests?: 'all' | 'failures'
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

declare module 'fastify' {
  interface FastifyInstance {
    /** Prometheus registry and RED metrics of this app. */
    metrics: Metrics
    /**
     * The checks `/ready` runs, by name; a runner may add one after the service built its app
     * (a service process adds `broker` for its transport).
     */
    readyChecks: Record<string, ReadyCheck>
  }
  interface FastifySchema {
    /**
     * The body schema applies when a body is sent, and a request may send none (it is then
     * validated as `{}`): the OpenAPI document says `requestBody.required: false`.
     */
    optionalBody?: boolean
  }
}

/**
 * Builds a Fastify app with what every learnmesh service needs: request ids (taken from
 * `x-request-id` when well-formed), JSON logs without secrets, RFC 9457 problem+json errors,
 * 413/415 handling, schema validation that rejects unknown fields, an OpenAPI 3.1 document at
 * `/openapi.json`, `/health`, `/ready` and `/metrics`. Register routes on the returned app.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const logAll = (options.logRequests ?? 'failures') === 'all'
  // Fastify gets no logger: with one it builds a child logger for every request and listens for
  // every response's end (see `trackRequests`, which does what is needed of that more cheaply).
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Fastify's own request logging stays off: `trackRequests` logs what is needed.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : requestId()
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    ajv: {
      customOptions: {
        // Unknown fields are an error, never silently dropped: mass assignment is rejected loudly.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
      plugins: [[(await import('ajv-formats')).default as never, { mode: 'fast' }]],
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App

  const logger =
    (options.logger as Logger | undefined) ??
    withFastRedaction(pino(loggerOptions(options.name, options.logLevel ?? 'info')))
  app.decorate('metrics', createMetrics(options.name))
  app.decorate('readyChecks', { ...options.readyChecks })
  trackRequests(app, logger, logAll)

  // Per-route settings, attached when each route is registered: its URL and metrics cells are
  // resolved once there instead of on every request (`request.routeOptions` builds an object per call).
  app.addHook('onRoute', (route) => {
    const url = route.url
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const record: Record<string, (status: number, ms: number) => void> = {}
    for (const method of methods) record[method] = app.metrics.forRoute(method, url)
    const tracked: TrackedRoute = {
      url,
      quiet: url === '/metrics' || url === '/health' || url === '/ready',
      record: (method, status, ms) => (record[method] ??= app.metrics.forRoute(method, url))(status, ms),
    }
    route.config = { ...route.config, [kTrackedRoute]: tracked } as typeof route.config
    if (route.schema?.optionalBody) route.preValidation = [emptyBody, ...hookList(route.preValidation)]
  })

  app.setNotFoundHandler((request, reply) => {
    sendProblem(
      request,
      reply,
      new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
    )
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error)
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.debug({ code: appError.code, detail: appError.message }, 'request rejected')
    sendProblem(request, reply, appError)
  })

  await app.register(swagger, {
    // Fastify needs a body when a route has a body schema, so the generator marks every request body
    // required; routes with `optionalBody` accept none (see emptyBody).
    transform: ({ schema, url }) => {
      if (!schema?.optionalBody) return { schema, url }
      const { optionalBody: _, ...rest } = schema
      return { schema: { ...rest, 'x-optional-body': true }, url }
    },
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject
      for (const item of Object.values(document.openapiObject.paths ?? {}))
        for (const operation of Object.values(item ?? {}) as Record<string, unknown>[]) {
          if (!operation || typeof operation !== 'object' || !operation['x-optional-body']) continue
          delete operation['x-optional-body']
          ;(operation.requestBody as { required?: boolean } | undefined)!.required = false
        }
      return document.openapiObject
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `learnmesh ${options.name}`,
        version: options.version ?? '0.1.0',
        description: options.description ?? `The ${options.name} service of learnmesh.`,
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
  })

  const hidden = { schema: { hide: true } }
  app.get('/health', hidden, async () => ({ status: 'ok', service: options.name }))
  app.get('/ready', hidden, async (_request, reply) => {
    const results: Record<string, string> = {}
    let ok = true
    for (const [name, check] of Object.entries(app.readyChecks)) {
      try {
        await withTimeout(check(), 2000)
        results[name] = 'ok'
      } catch {
        ok = false
        results[name] = 'failing'
      }
    }
    reply.code(ok ? 200 : 503)
    return { status: ok ? 'ready' : 'not_ready', checks: results }
  })
  app.get('/metrics', hidden, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType)
    return app.metrics.registry.metrics()
  })
  app.get('/openapi.json', hidden, async () => app.swagger())

  return app
}

/** What `onRoute` attaches to a route's config for `trackRequests`. */
interface TrackedRoute {
  url: string
  /** Probes and scrapes: never logged. */
  quiet: boolean
  record(method: string, status: number, ms: number): void
}

const kTrackedRoute = Symbol('learnmesh.trackedRoute')
const kReplyStart = Symbol('learnmesh.replyStart')
const kRequestLog = Symbol('learnmesh.requestLog')

// Fastify's own symbols for an instance's Request and Reply classes and a request's route context
// (not exported by its package entry; `trackRequests` checks they are what it expects).
const fastifySymbols = createRequire(import.meta.url)('fastify/lib/symbols.js') as Record<string, symbol>
const kFastifyRequest = fastifySymbols.kRequest!
const kFastifyReply = fastifySymbols.kReply!
const kRouteContext = fastifySymbols.kRouteContext!
const kHasBeenDecorated = fastifySymbols.kHasBeenDecorated!

type TrackedReply = FastifyReply & { [kReplyStart]: number }

/**
 * What every request needs from the kernel, at the least cost per request:
 *
 * - `x-request-id` on every response, also those sent by a hook before any handler (a rate limit,
 *   a rejected token, a cached answer);
 * - RED metrics per route and a log line for every failed request (every request with
 *   `logRequests: 'all'`), written when the response has been sent, with the time since routing;
 * - `request.log` / `reply.log`: a child logger bound to the request id and the W3C trace id,
 *   built only when something logs.
 *
 * Fastify with a logger builds a child logger per request and adds two listeners to every response
 * (and runs an onResponse hook chain); that was most of what a trivial route cost beyond Fastify
 * itself. Instead, the app's Reply class gets a `log` accessor: Fastify's Reply constructor assigns
 * `log` once, after `raw` and `request`, so the setter is where a request starts (start time,
 * header, one `finish` listener shared by all requests); the getter hands out the request's lazy
 * logger. Fastify's no-op logger, which it passes to both constructors, is dropped.
 */
function trackRequests(app: App, logger: Logger, logAll: boolean): void {
  const instance = app as unknown as Record<symbol, unknown>
  const RequestClass = instance[kFastifyRequest]
  const ReplyClass = instance[kFastifyReply]
  if (typeof RequestClass !== 'function' || typeof ReplyClass !== 'function')
    throw new Error('createApp: this Fastify version does not expose its Request/Reply classes as expected')
  // As `decorateRequest`/`decorateReply` do: a route then keeps these classes (Fastify otherwise
  // skips undecorated classes for their parents, Fastify's own).
  ;(RequestClass as unknown as Record<symbol, unknown>)[kHasBeenDecorated] = true
  ;(ReplyClass as unknown as Record<symbol, unknown>)[kHasBeenDecorated] = true
  const requestPrototype = (RequestClass as { prototype: object }).prototype
  const replyPrototype = (ReplyClass as { prototype: object }).prototype
  const unmatched = app.metrics.forRoute('ANY', 'unmatched')
  // The app's own key on the response: in embedded mode the gateway hands its request and response
  // to a service's app, so one response is tracked by two apps.
  const kTrackedReply = Symbol('learnmesh.trackedReply')
  type TrackedResponse = ServerResponse & { [kTrackedReply]: TrackedReply | undefined }

  function finished(this: TrackedResponse): void {
    const reply = this[kTrackedReply]
    // Once per response, though 'finish' may come twice (light-my-request's injected responses).
    if (reply === undefined) return
    this[kTrackedReply] = undefined
    // A listener that threw would take the process down (it runs inside the response's emit).
    try {
      record(reply, this.statusCode)
    } catch (err) {
      try {
        logger.error({ err }, 'recording a finished request failed')
      } catch {
        // The logger itself failed: there is nowhere left to report it.
      }
    }
  }

  function record(reply: TrackedReply, status: number): void {
    const request = reply.request
    const ms = performance.now() - reply[kReplyStart]
    const route = (request as unknown as Record<symbol, { config?: Record<symbol, TrackedRoute> }>)[
      kRouteContext
    ]?.config?.[kTrackedRoute]
    if (route) route.record(request.method, status, ms)
    else unmatched(status, ms)
    if ((logAll || status >= 400) && !route?.quiet && logger.isLevelEnabled?.('info') !== false) {
      const traceparent = request.headers.traceparent
      logger.info(
        {
          reqId: request.id,
          traceId: typeof traceparent === 'string' ? traceIdOf(traceparent) : undefined,
          method: request.method,
          url: route ? route.url : 'unmatched',
          status,
          ms: Math.round(ms * 10) / 10,
        },
        'request completed',
      )
    }
  }

  const noopLogger = app.log
  Object.defineProperty(requestPrototype, 'log', {
    configurable: true,
    get(this: FastifyRequest & { [kRequestLog]?: FastifyBaseLogger }): FastifyBaseLogger {
      return (this[kRequestLog] ??= new LazyChildLogger(logger, this) as unknown as FastifyBaseLogger)
    },
    set(this: FastifyRequest & { [kRequestLog]?: FastifyBaseLogger }, value: FastifyBaseLogger) {
      if (value !== noopLogger) this[kRequestLog] = value
    },
  })
  Object.defineProperty(replyPrototype, 'log', {
    configurable: true,
    get(this: FastifyReply): FastifyBaseLogger {
      return this.request.log
    },
    set(this: TrackedReply) {
      this[kReplyStart] = performance.now()
      this.header('x-request-id', this.request.id)
      const res = this.raw as TrackedResponse
      res[kTrackedReply] = this
      res.on('finish', finished)
    },
  })
  // The app's own logger (and its plugins', which inherit it) instead of Fastify's no-op one.
  ;(app as unknown as { log: FastifyBaseLogger }).log = logger as unknown as FastifyBaseLogger
}

/**
 * A request's `request.log`: the child logger (bound to the request id, and the W3C trace id the
 * gateway forwarded, like event consumers' logs) is created only when something logs at an enabled
 * level. Methods live on the prototype, so a request that logs allocates one small object.
 */
class LazyChildLogger {
  #child: FastifyBaseLogger | undefined
  constructor(
    private readonly parent: Logger,
    private readonly request: FastifyRequest,
  ) {}
  private real(): FastifyBaseLogger {
    if (!this.#child) {
      const traceparent = this.request.headers.traceparent
      const traceId = typeof traceparent === 'string' ? traceIdOf(traceparent) : undefined
      const bindings = traceId ? { reqId: this.request.id, traceId } : { reqId: this.request.id }
      this.#child = this.parent.child(bindings) as unknown as FastifyBaseLogger
    }
    return this.#child
  }
  get level(): string {
    return this.#child?.level ?? this.parent.level
  }
  set level(value: string) {
    this.real().level = value
  }
  fatal(...args: unknown[]): void {
    ;(this.real().fatal as (...a: unknown[]) => void)(...args)
  }
  error(...args: unknown[]): void {
    ;(this.real().error as (...a: unknown[]) => void)(...args)
  }
  warn(...args: unknown[]): void {
    ;(this.real().warn as (...a: unknown[]) => void)(...args)
  }
  info(...args: unknown[]): void {
    if (this.parent.isLevelEnabled?.('info') === false) return
    ;(this.real().info as (...a: unknown[]) => void)(...args)
  }
  debug(...args: unknown[]): void {
    if (this.parent.isLevelEnabled?.('debug') === false) return
    ;(this.real().debug as (...a: unknown[]) => void)(...args)
  }
  trace(...args: unknown[]): void {
    if (this.parent.isLevelEnabled?.('trace') === false) return
    ;(this.real().trace as (...a: unknown[]) => void)(...args)
  }
  silent(): void {}
  child(bindings: Record<string, unknown>, opts?: Record<string, unknown>): FastifyBaseLogger {
    return this.real().child(bindings, opts)
  }
}

/** A route option's hooks as an array (Fastify accepts one function, an array or nothing). */
/** `optionalBody` routes: a request without a body is validated as an empty object. */
const emptyBody: preValidationAsyncHookHandler = async (request) => {
  if (request.body === undefined || request.body === null) request.body = {}
}

function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]
}

/** Sends an AppError as problem+json with the request id. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
  // `x-request-id` is already set: every reply of a createApp app gets it as it is made (trackRequests).
  if (error.code === 'rate_limited' && typeof error.extra.retryAfter === 'number') {
    reply.header('retry-after', String(error.extra.retryAfter))
  }
  if (error.status === 401) reply.header('www-authenticate', 'Bearer')
  void reply
    .code(error.status)
    .type('application/problem+json')
    .send(
      problem(error.code, error.message, {
        ...error.extra,
        instance: request.url.split('?')[0],
        requestId: request.id,
      }),
    )
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'validation_failed',
}

/**
 * PostgreSQL rejects some values only when they reach it: a NUL character (`\u0000`) in text or
 * JSON, a number out of a column's range, a text value its column cannot hold. Those come from the
 * client's input, so they are a 400 (the transaction rolled back: nothing changed), never a 5xx.
 * A unique or exclusion (overlap) violation that a service did not anticipate is a 409. Drizzle
 * wraps the driver's error in `cause`; both are searched.
 */
const DATA_EXCEPTIONS: Record<string, string> = {
  '22021': 'The request contains a character that cannot be stored (such as \\u0000)',
  '22P05': 'The request contains a character that cannot be stored (such as \\u0000)',
  '22003': 'A number in the request is out of range',
  '22001': 'A value in the request is too long',
  '22P02': 'A value in the request has the wrong format',
  '22007': 'A date or time in the request is invalid',
  '22008': 'A date or time in the request is out of range',
}

function databaseErrorOf(error: unknown): AppError | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : undefined
    if (code && /^[0-9A-Z]{5}$/.test(code)) {
      if (DATA_EXCEPTIONS[code]) return new AppError('validation_failed', DATA_EXCEPTIONS[code]!)
      if (code === '23505')
        return new AppError('conflict', 'This conflicts with something that already exists')
      // An exclusion constraint refused an overlap (a booked time slot, a date range): a clear 409.
      if (code === '23P01')
        return new AppError('conflict', 'This overlaps with something that already exists', {
          reason: 'overlap',
        })
      return undefined
    }
    e = e.cause as typeof e
  }
  return undefined
}

/** Maps anything thrown in a request to an AppError; unknown errors become an opaque 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const e = error as FastifyError & {
    validation?: { instancePath: string; message?: string; params?: unknown }[]
  }
  if (e?.validation) {
    const errors = e.validation.map((v) => ({
      path: v.instancePath || (e.validationContext ? `/${e.validationContext}` : '/'),
      message: v.message ?? 'is invalid',
      ...(v.params && typeof v.params === 'object' && 'additionalProperty' in v.params
        ? { field: (v.params as { additionalProperty: string }).additionalProperty }
        : {}),
    }))
    const first = errors[0]
    const where = e.validationContext ?? 'request'
    // "body/title must …" for a field, "body must …" for the whole part (its path is "/body").
    const detail = first
      ? `${where}${e.validation[0]!.instancePath} ${first.message}${first.field ? `: '${first.field}'` : ''}`
      : `The ${where} is invalid`
    return new AppError('validation_failed', detail, { errors })
  }
  if (e?.code && fastifyCodes[e.code]) {
    const code = fastifyCodes[e.code]!
    const detail =
      code === 'malformed_json'
        ? 'The request body is not valid JSON'
        : code === 'payload_too_large'
          ? 'The request body is larger than this endpoint accepts'
          : code === 'unsupported_media_type'
            ? 'Send the body as application/json'
            : e.message
    return new AppError(code, detail)
  }
  if (e instanceof SyntaxError || e?.name === 'SyntaxError')
    return new AppError('malformed_json', 'The request body is not valid JSON')
  const database = databaseErrorOf(error)
  if (database) return database
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500
  if (status === 429) return new AppError('rate_limited', 'Too many requests; retry later')
  if (status === 404) return new AppError('not_found', 'Not found')
  if (status === 405) return new AppError('method_not_allowed', 'Method not allowed')
  if (status === 413) return new AppError('payload_too_large', 'The request body is too large')
  if (status === 415) return new AppError('unsupported_media_type', 'Send the body as application/json')
  if (status >= 400 && status < 500) return new AppError('bad_request', e.message || 'Bad request')
  return new AppError(
    'internal',
    'Something went wrong on our side; the request id identifies it in our logs',
  )
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
