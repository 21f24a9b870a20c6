import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { Type } from 'typebox'
import { createApp, type App } from './app.ts'
import { AppError } from '../errors.ts'
import { openDatabase, sql, type Database } from '../db/database.ts'

let app: App
let database: Database
beforeAll(async () => {
  database = await openDatabase({ dataDir: ':memory:' })
  app = await createApp({
    name: 'demo',
    logLevel: 'silent',
    bodyLimit: 1024,
    readyChecks: { ok: async () => {} },
  })
  app.post(
    '/maybe',
    {
      schema: {
        body: Type.Object(
          { note: Type.Optional(Type.String({ maxLength: 5 })) },
          { additionalProperties: false },
        ),
        optionalBody: true,
      },
    },
    async (request) => ({ note: request.body.note ?? null }),
  )
  app.post(
    '/things',
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 20 }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ name: Type.String() }) },
      },
    },
    async (request, reply) => {
      reply.code(201)
      return { name: request.body.name, secret: 'never serialized' } as { name: string }
    },
  )
  app.get('/boom', async () => {
    throw new Error('database password is hunter2')
  })
  // Values only the database rejects (NUL characters, out-of-range numbers) reach it through here.
  app.post(
    '/store',
    {
      schema: {
        body: Type.Object({ text: Type.String(), n: Type.Number() }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const [row] = await database.query<{ text: string }>(
        sql`select ${request.body.text}::text as text, ${request.body.n}::int as n`,
      )
      return row
    },
  )
  // An exclusion constraint (no overlapping ranges), violated by the second insert of a range.
  app.post(
    '/ranges',
    {
      schema: {
        body: Type.Object({ from: Type.Integer(), to: Type.Integer() }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      await database.query(
        sql`insert into ranges values (int4range(${request.body.from}::int, ${request.body.to}::int))`,
      )
      reply.code(201)
      return {}
    },
  )
  app.get('/gone', async () => {
    throw new AppError('conflict', 'Already taken')
  })
  await database.query(sql`create table ranges (r int4range, exclude using gist (r with &&))`)
  await app.ready()
})
afterAll(async () => {
  await app.close()
  await database.close()
})

describe('happy', () => {
  it('serves health, readiness, metrics and an OpenAPI 3.1 document', async () => {
    expect((await app.inject('/health')).json()).toMatchObject({ status: 'ok' })
    expect((await app.inject('/ready')).statusCode).toBe(200)
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a' } })
    const metrics = await app.inject('/metrics')
    expect(metrics.body).toContain(
      'http_requests_total{method="POST",route="/things",status="201",service="demo"} 1',
    )
    expect(metrics.body).toMatch(
      /http_request_duration_seconds_bucket\{method="POST",route="\/things",status_class="2xx",le="\+Inf",service="demo"\} 1/,
    )
    expect(metrics.body).toContain(
      'http_request_duration_seconds_count{method="POST",route="/things",status_class="2xx",service="demo"} 1',
    )
    await app.inject('/boom')
    await app.inject('/boom')
    const after = (await app.inject('/metrics')).body
    expect(after).toContain('http_request_errors_total{method="GET",route="/boom",service="demo"} 2')
    expect(after).toContain('http_requests_total{method="GET",route="/boom",status="500",service="demo"} 2')
    const doc = (await app.inject('/openapi.json')).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.paths['/things']).toBeDefined()
  })
  it('echoes a well-formed request id and makes one otherwise', async () => {
    const res = await app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } })
    expect(res.headers['x-request-id']).toBe('abc-123')
    const bad = await app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\n' } })
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })
  it('accepts no body on an optionalBody route, validates one when sent, and documents it as optional', async () => {
    expect((await app.inject({ method: 'POST', url: '/maybe' })).json()).toEqual({ note: null })
    const sent = await app.inject({ method: 'POST', url: '/maybe', payload: { note: 'hi' } })
    expect(sent.json()).toEqual({ note: 'hi' })
    const bad = await app.inject({ method: 'POST', url: '/maybe', payload: { note: 'too long' } })
    expect(bad.statusCode).toBe(400)
    const doc = (await app.inject('/openapi.json')).json()
    expect(doc.paths['/maybe'].post.requestBody.required).toBe(false)
    expect(doc.paths['/maybe'].post).not.toHaveProperty('x-optional-body')
    expect(doc.paths['/things'].post.requestBody.required).toBe(true)
  })
  it('serializes only the declared response fields', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a' } })
    expect(res.json()).toEqual({ name: 'a' })
  })
})

describe('errors', () => {
  it('rejects unknown fields with a problem document', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', role: 'admin' } })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json()).toMatchObject({ code: 'validation_failed', status: 400 })
    expect(res.json().detail).toContain('role')
  })
  it('names the part and the field once in the detail', async () => {
    const missing = await app.inject({ method: 'POST', url: '/things', payload: {} })
    expect(missing.json().detail).toBe("body must have required property 'name'")
    expect(missing.json().errors[0].path).toBe('/body')
    const short = await app.inject({ method: 'POST', url: '/things', payload: { name: '' } })
    expect(short.json().detail).toBe('body/name must NOT have fewer than 1 characters')
  })
  it('answers malformed JSON with 400, wrong content type with 415 and big bodies with 413', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/things',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe('malformed_json')
    const type = await app.inject({
      method: 'POST',
      url: '/things',
      payload: 'name=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(type.statusCode).toBe(415)
    expect(type.json().code).toBe('unsupported_media_type')
    const big = await app.inject({ method: 'POST', url: '/things', payload: { name: 'x'.repeat(5000) } })
    expect(big.statusCode).toBe(413)
    expect(big.json().code).toBe('payload_too_large')
  })
  it('maps AppError codes and unknown routes', async () => {
    expect((await app.inject('/gone')).json()).toMatchObject({
      status: 409,
      code: 'conflict',
      detail: 'Already taken',
    })
    expect((await app.inject('/nope')).json()).toMatchObject({ status: 404, code: 'not_found' })
  })
  it('answers values the database rejects (NUL characters, numbers out of range) with 400, not 500', async () => {
    const ok = await app.inject({ method: 'POST', url: '/store', payload: { text: 'fine', n: 1 } })
    expect(ok.statusCode).toBe(200)
    const nul = await app.inject({ method: 'POST', url: '/store', payload: { text: 'a\u0000b', n: 1 } })
    expect(nul.statusCode).toBe(400)
    expect(nul.json()).toMatchObject({ code: 'validation_failed' })
    const big = await app.inject({ method: 'POST', url: '/store', payload: { text: 'a', n: 1e12 } })
    expect(big.statusCode).toBe(400)
    expect(big.json()).toMatchObject({
      code: 'validation_failed',
      detail: 'A number in the request is out of range',
    })
  })
  it('answers an exclusion-constraint violation (an overlap) with 409, not 500', async () => {
    expect(
      (await app.inject({ method: 'POST', url: '/ranges', payload: { from: 1, to: 5 } })).statusCode,
    ).toBe(201)
    const overlap = await app.inject({ method: 'POST', url: '/ranges', payload: { from: 4, to: 8 } })
    expect(overlap.statusCode).toBe(409)
    expect(overlap.json()).toMatchObject({ code: 'conflict', reason: 'overlap' })
  })
})

describe('security', () => {
  it('never shows the cause of a 500', async () => {
    const res = await app.inject('/boom')
    expect(res.statusCode).toBe(500)
    expect(res.body).not.toContain('hunter2')
    expect(res.json()).toMatchObject({ code: 'internal' })
    expect(res.json().requestId).toBeTruthy()
  })
})

/** A logger writing into memory: parsed lines; `refuse` makes the stream throw on matching lines. */
function memoryLogger(refuse: (line: string) => boolean = () => false) {
  const lines: Record<string, unknown>[] = []
  const stream = {
    write(line: string) {
      if (refuse(line)) throw new Error('disk full')
      lines.push(JSON.parse(line) as Record<string, unknown>)
    },
  }
  return { logger: pino({ level: 'info' }, stream), lines }
}

describe('request logs', () => {
  async function appWithLog(logRequests?: 'all' | 'failures') {
    const { logger, lines } = memoryLogger()
    const logged = await createApp({ name: 'logs', logger, ...(logRequests ? { logRequests } : {}) })
    logged.get('/ok', async () => ({ ok: true }))
    await logged.ready()
    return { logged, lines }
  }
  it('services log failed requests with their request id, not successful ones', async () => {
    const { logged, lines } = await appWithLog()
    await logged.inject({ url: '/ok', headers: { 'x-request-id': 'req-ok' } })
    await logged.inject({
      url: '/missing',
      headers: {
        'x-request-id': 'req-404',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    })
    expect(lines.filter((l) => l.msg === 'request completed')).toEqual([
      expect.objectContaining({
        reqId: 'req-404',
        status: 404,
        url: 'unmatched',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      }),
    ])
    await logged.close()
  })
  it('an access-log app (the gateway) logs every request', async () => {
    const { logged, lines } = await appWithLog('all')
    await logged.inject({ url: '/ok', headers: { 'x-request-id': 'req-ok' } })
    expect(lines.filter((l) => l.msg === 'request completed')).toEqual([
      expect.objectContaining({ reqId: 'req-ok', status: 200, url: '/ok' }),
    ])
    await logged.close()
  })
})

// What every request gets without an onResponse hook or a per-request child logger (trackRequests).
describe('request tracking', () => {
  async function trackedApp() {
    const { logger, lines } = memoryLogger()
    const tracked = await createApp({ name: 'tracked', logger })
    tracked.get(
      '/limited',
      {
        onRequest: async (_request, reply) => {
          // Answered by a hook before any handler, as a rate limiter or a cache does.
          await reply.code(429).send({ limited: true })
        },
      },
      async () => ({ never: true }),
    )
    tracked.get('/talks', async (request) => {
      request.log.info({ step: 'inside' }, 'handler says')
      return { ok: true }
    })
    await tracked.register(async (child) => {
      child.decorateReply('extra', null)
      child.get('/decorated', async () => ({ ok: true }))
    })
    await tracked.register(async (child) => {
      child.get('/plain', async () => ({ ok: true }))
    })
    await tracked.ready()
    const completed = () => lines.filter((l) => l.msg === 'request completed')
    return { tracked, lines, completed }
  }

  describe('happy', () => {
    it('tracks a response sent by a hook: request id, one log line, metrics', async () => {
      const { tracked, completed } = await trackedApp()
      const res = await tracked.inject({ url: '/limited', headers: { 'x-request-id': 'req-hook' } })
      expect(res.statusCode).toBe(429)
      expect(res.headers['x-request-id']).toBe('req-hook')
      // light-my-request emits 'finish' twice for a response: still one line.
      expect(completed()).toEqual([
        expect.objectContaining({ reqId: 'req-hook', url: '/limited', status: 429, method: 'GET' }),
      ])
      expect(typeof completed()[0]!.ms).toBe('number')
      const metrics = (await tracked.inject('/metrics')).body
      expect(metrics).toContain(
        'http_requests_total{method="GET",route="/limited",status="429",service="tracked"} 1',
      )
      await tracked.close()
    })

    it('gives handlers a request logger bound to the request and trace ids, and the app its logger', async () => {
      const { tracked, lines } = await trackedApp()
      await tracked.inject({
        url: '/talks',
        headers: {
          'x-request-id': 'req-talk',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
      })
      tracked.log.info('from the app')
      expect(lines).toEqual([
        expect.objectContaining({
          reqId: 'req-talk',
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          step: 'inside',
          msg: 'handler says',
        }),
        expect.objectContaining({ msg: 'from the app' }),
      ])
      await tracked.close()
    })

    it('tracks routes of encapsulated plugins, with and without their own decorations', async () => {
      const { tracked } = await trackedApp()
      for (const url of ['/decorated', '/plain']) {
        const res = await tracked.inject(url)
        expect(res.statusCode).toBe(200)
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
      }
      const metrics = (await tracked.inject('/metrics')).body
      expect(metrics).toContain('route="/decorated",status="200"')
      expect(metrics).toContain('route="/plain",status="200"')
      await tracked.close()
    })
  })

  describe('errors', () => {
    it('survives a log line that cannot be written: the request is answered and counted', async () => {
      const { logger, lines } = memoryLogger((line) => line.includes('request completed'))
      const fragile = await createApp({ name: 'fragile', logger })
      fragile.get('/fails', async () => {
        throw new AppError('conflict', 'no')
      })
      await fragile.ready()
      const res = await fragile.inject('/fails')
      expect(res.statusCode).toBe(409)
      expect(lines.some((l) => l.msg === 'recording a finished request failed')).toBe(true)
      const metrics = (await fragile.inject('/metrics')).body
      expect(metrics).toContain(
        'http_requests_total{method="GET",route="/fails",status="409",service="fragile"} 1',
      )
      await fragile.close()
    })

    it('counts and logs an unmatched request once, under "unmatched"', async () => {
      const { tracked, completed } = await trackedApp()
      const res = await tracked.inject({ url: '/nowhere', headers: { 'x-request-id': 'req-none' } })
      expect(res.statusCode).toBe(404)
      expect(res.headers['x-request-id']).toBe('req-none')
      expect(completed()).toEqual([
        expect.objectContaining({ reqId: 'req-none', url: 'unmatched', status: 404 }),
      ])
      const metrics = (await tracked.inject('/metrics')).body
      expect(metrics).toContain(
        'http_requests_total{method="ANY",route="unmatched",status="404",service="tracked"} 1',
      )
      await tracked.close()
    })
  })

  describe('security', () => {
    it('replaces a malformed caller request id and never logs it', async () => {
      const { tracked, lines } = await trackedApp()
      const res = await tracked.inject({
        url: '/limited',
        headers: { 'x-request-id': 'bad id\u0007<script>' },
      })
      expect(res.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      )
      expect(JSON.stringify(lines)).not.toContain('<script>')
      await tracked.close()
    })
  })
})
