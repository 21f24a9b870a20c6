import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import { placeholderRoot } from './web.ts'
import { createEchoService, createTestAuth, silentLogger, testConfig } from './test-support.ts'

let placeholder: App
let spa: App
let echoApp: App
let root: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'learnmesh-web-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>learnmesh app</title><div id="root"></div>')
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("app")')
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(root, '.env'), 'SECRET=1')

  const echo = await createEchoService()
  echoApp = echo.app
  const auth = await createTestAuth()
  const base = { logger: silentLogger, verifier: auth.verifier, upstreams: { echo: { app: echo.app } } }
  placeholder = await createGateway({
    ...base,
    config: testConfig({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com/' }),
    webRoot: placeholderRoot,
  })
  spa = await createGateway({ ...base, config: testConfig(), webRoot: root })
  await Promise.all([placeholder.ready(), spa.ready()])
})

afterAll(async () => {
  await placeholder?.close()
  await spa?.close()
  await echoApp?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('happy', () => {
  it('serves the placeholder page at / until the web app is built', async () => {
    const res = await placeholder.inject('/')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.body).toContain('learnmesh is running')
    expect(res.body).toContain('href="/api/docs"')
    expect(res.body).toContain('learner@demo.learnmesh.dev')
    const css = await placeholder.inject('/placeholder.css')
    expect(css.statusCode).toBe(200)
    expect(css.headers['content-type']).toContain('text/css')
  })

  it('serves the web build, with long caching for hashed assets and revalidation for the rest', async () => {
    const index = await spa.inject('/')
    expect(index.body).toContain('learnmesh app')
    expect(index.headers['cache-control']).toBe('no-cache')
    const asset = await spa.inject('/assets/index-abc123.js')
    expect(asset.statusCode).toBe(200)
    expect(asset.body).toBe('console.log("app")')
    expect(asset.headers['cache-control']).toContain('immutable')
    const icon = await spa.inject('/favicon.svg')
    expect(icon.statusCode).toBe(200)
    expect(icon.headers['cache-control']).toBe('no-cache')
  })

  it('falls back to index.html for client-side routes', async () => {
    for (const url of ['/courses/crs_123', '/tutors?subject=math', '/account/settings/']) {
      const res = await spa.inject(url)
      expect(res.statusCode, url).toBe(200)
      expect(res.body, url).toContain('learnmesh app')
    }
  })

  it('allows configured origins to call the API from a browser (preflight and actual request)', async () => {
    const preflight = await placeholder.inject({
      method: 'OPTIONS',
      url: '/api/echo/echo',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(preflight.headers['access-control-allow-methods']).toContain('POST')
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization')
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined()

    const actual = await placeholder.inject({
      method: 'POST',
      url: '/api/echo/echo',
      payload: { name: 'a' },
      headers: { origin: 'https://admin.example.com' },
    })
    expect(actual.statusCode).toBe(201)
    expect(actual.headers['access-control-allow-origin']).toBe('https://admin.example.com')
    expect(actual.headers['access-control-expose-headers']).toContain('x-request-id')
  })
})

describe('errors', () => {
  it('answers a missing asset with 404 instead of the app shell', async () => {
    const res = await spa.inject('/assets/missing-999.js')
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toContain('application/problem+json')
  })

  it('never falls back to the app for /api paths', async () => {
    const res = await spa.inject('/api')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'not_found' })
  })

  it('answers other methods on web paths with a 404 problem', async () => {
    const res = await spa.inject({ method: 'POST', url: '/courses', payload: {} })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'not_found' })
  })
})

describe('security', () => {
  it('gives no CORS grant to other origins', async () => {
    const preflight = await placeholder.inject({
      method: 'OPTIONS',
      url: '/api/echo/echo',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    const actual = await placeholder.inject({ url: '/api/echo', headers: { origin: 'https://evil.example' } })
    expect(actual.headers['access-control-allow-origin']).toBeUndefined()
    // Without CORS_ORIGINS there is no CORS at all: the app is same-origin.
    const none = await spa.inject({ url: '/api/echo', headers: { origin: 'https://app.example.com' } })
    expect(none.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('does not serve files outside the web root or dotfiles', async () => {
    for (const url of [
      '/../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/.env',
      '/assets/../.env',
      '/%00',
    ]) {
      const res = await spa.inject(url)
      expect(res.body, url).not.toContain('SECRET')
      expect(res.body, url).not.toContain('"workspaces"')
      expect([200, 400, 404], url).toContain(res.statusCode)
      if (res.statusCode === 200) expect(res.body, url).toContain('learnmesh app')
    }
  })

  it('sends a CSP for the web app that allows its own scripts and Stripe.js only', async () => {
    const res = await spa.inject('/')
    const csp = res.headers['content-security-policy'] as string
    expect(csp).toContain("default-src 'self'")
    expect(csp).toMatch(/script-src 'self' https:\/\/js\.stripe\.com(;|$)/)
    expect(csp).toContain('frame-src https://js.stripe.com https://hooks.stripe.com')
    expect(csp).toContain("connect-src 'self' https://api.stripe.com")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin')
  })
})
