import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, Type, type App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import { mergeOpenApi, type OpenApiDocument } from './openapi.ts'
import { createTestAuth, silentLogger, testConfig } from './test-support.ts'

/** A plain JSON copy, to read deep members of the merged document without casts. */
const json = (doc: OpenApiDocument) => JSON.parse(JSON.stringify(doc))

const info = { title: 'learnmesh API', version: '1', description: 'all' }

function serviceDoc(title: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title, version: '1', description: `The ${title} service.` },
    tags: [{ name: 'Users', description: 'People' }],
    security: [{ bearer: [] }],
    paths: {
      '/users/{id}': {
        get: {
          operationId: 'getUser',
          tags: ['Users'],
          responses: {
            200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          },
        },
      },
      '/': { get: { responses: { 200: { description: 'root' } }, security: [] } },
    },
    components: {
      schemas: {
        User: {
          type: 'object',
          properties: { id: { type: 'string' }, org: { $ref: '#/components/schemas/Org' } },
        },
        Org: { type: 'string' },
      },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  }
}

describe('happy', () => {
  it('prefixes paths with /api/<service>, tags operations per service and namespaces components', () => {
    const merged = json(
      mergeOpenApi(
        [
          { service: 'learning', document: serviceDoc('learning') },
          { service: 'identity', document: serviceDoc('identity') },
        ],
        info,
      ),
    )
    expect(merged.openapi).toBe('3.1.0')
    expect(Object.keys(merged.paths).sort()).toEqual([
      '/api/identity',
      '/api/identity/users/{id}',
      '/api/learning',
      '/api/learning/users/{id}',
    ])
    const op = merged.paths['/api/identity/users/{id}'].get
    expect(op.tags).toEqual(['identity: Users'])
    expect(op.operationId).toBe('identity.getUser')
    expect(op.security).toEqual([{ bearer: [] }])
    expect(op.responses[200].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/identity.User',
    )
    expect(merged.paths['/api/learning'].get.tags).toEqual(['learning'])
    expect(merged.paths['/api/learning'].get.security).toEqual([])
    // Two services may both have a `User`: each keeps its own, references rewritten inside components too.
    expect(merged.components.schemas['identity.User']).toBeDefined()
    expect(merged.components.schemas['learning.User']).toBeDefined()
    expect(merged.components.schemas['learning.User'].properties.org.$ref).toBe(
      '#/components/schemas/learning.Org',
    )
    expect(Object.keys(merged.components.securitySchemes)).toEqual(['bearer'])
    expect(merged['x-tagGroups']).toEqual([
      { name: 'identity', tags: ['identity', 'identity: Users'] },
      { name: 'learning', tags: ['learning', 'learning: Users'] },
    ])
    expect(merged.tags).toContainEqual({ name: 'identity', description: 'The identity service.' })
    expect(merged.tags).toContainEqual({ name: 'identity: Users', description: 'People' })
  })
})

describe('errors', () => {
  it('lists services that could not be asked instead of failing', () => {
    const merged = mergeOpenApi(
      [
        { service: 'identity', document: serviceDoc('identity') },
        { service: 'media', document: undefined },
      ],
      info,
    )
    expect(merged['x-unavailable-services']).toEqual(['media'])
    expect(Object.keys(merged.paths ?? {})).toHaveLength(2)
  })

  it('keeps conflicting security schemes apart', () => {
    const other = serviceDoc('payments')
    other.components!.securitySchemes = { bearer: { type: 'apiKey', in: 'header', name: 'x-api-key' } }
    const merged = json(
      mergeOpenApi(
        [
          { service: 'identity', document: serviceDoc('identity') },
          { service: 'payments', document: other },
        ],
        info,
      ),
    )
    expect(Object.keys(merged.components.securitySchemes).sort()).toEqual(['bearer', 'payments.bearer'])
    expect(merged.paths['/api/payments/users/{id}'].get.security).toEqual([{ 'payments.bearer': [] }])
    expect(merged.paths['/api/identity/users/{id}'].get.security).toEqual([{ bearer: [] }])
  })
})

describe('through the gateway', () => {
  let gateway: App
  let identity: App
  let catalog: App
  beforeAll(async () => {
    identity = await createApp({ name: 'identity', logger: silentLogger })
    identity.get(
      '/me',
      {
        schema: {
          tags: ['Users'],
          response: { 200: Type.Object({ id: Type.String({ description: 'User id' }) }) },
        },
      },
      async () => ({ id: 'usr_1' }),
    )
    catalog = await createApp({ name: 'catalog', logger: silentLogger })
    catalog.post(
      '/courses',
      {
        schema: {
          body: Type.Object({ title: Type.String() }, { additionalProperties: false }),
          response: { 201: Type.Object({ id: Type.String() }) },
        },
      },
      async (_request, reply) => reply.code(201).send({ id: 'crs_1' }),
    )
    await catalog.listen({ port: 0, host: '127.0.0.1' })
    const auth = await createTestAuth()
    gateway = await createGateway({
      config: testConfig(),
      logger: silentLogger,
      verifier: auth.verifier,
      upstreams: {
        identity: { app: identity },
        catalog: { url: `http://127.0.0.1:${(catalog.server.address() as { port: number }).port}` },
      },
    })
    await gateway.ready()
  })
  afterAll(async () => {
    await gateway?.close()
    await identity?.close()
    await catalog?.close()
  })

  it('serves every service’s operations, embedded and remote, in /api/openapi.json', async () => {
    const res = await gateway.inject('/api/openapi.json')
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.paths['/api/identity/me'].get.tags).toEqual(['identity: Users'])
    expect(doc.paths['/api/catalog/courses'].post.requestBody).toBeDefined()
    expect(doc.paths['/api/catalog/courses'].post.tags).toEqual(['catalog'])
    // The services' own /health, /ready, /metrics are hidden and stay out.
    expect(Object.keys(doc.paths).some((p) => p.endsWith('/health'))).toBe(false)
    expect(doc['x-unavailable-services']).toBeUndefined()
  })

  it('serves the interactive reference, offline, pointing at the merged document', async () => {
    const page = await gateway.inject('/api/docs')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.body).toContain('<script src="/api/docs/scalar.js"></script>')
    expect(page.body).not.toMatch(/https?:\/\/(cdn|fonts)\./)
    const csp = page.headers['content-security-policy'] as string
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'")

    const init = await gateway.inject('/api/docs/init.js')
    expect(init.body).toContain('"url":"/api/openapi.json"')
    expect(init.body).toContain('"withDefaultFonts":false')

    const bundle = await gateway.inject({
      url: '/api/docs/scalar.js',
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(bundle.statusCode).toBe(200)
    expect(bundle.headers['content-type']).toContain('javascript')
    expect(bundle.headers['content-encoding']).toBe('gzip')
    const plain = await gateway.inject('/api/docs/scalar.js')
    expect(plain.body).toContain('createApiReference')
    expect(plain.rawPayload.length).toBeGreaterThan(bundle.rawPayload.length)
    const again = await gateway.inject({
      url: '/api/docs/scalar.js',
      headers: { 'if-none-match': plain.headers.etag as string },
    })
    expect(again.statusCode).toBe(304)
  })
})
