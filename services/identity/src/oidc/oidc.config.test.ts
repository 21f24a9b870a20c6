import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { ConfigError, createApp, loadConfig, Type, type Database } from '@learnmesh/kernel'
import oidcRoutes from './oidc.routes.ts'
import { oidcConfigSchema, resolveOidcProviders, type OidcConfig } from './oidc.config.ts'
import { safeReturnTo } from './oidc.service.ts'

const base: OidcConfig = {
  PUBLIC_URL: 'https://learn.example',
  IDENTITY_SECRET: 'x'.repeat(40),
  OIDC_PROVIDERS: '',
  GOOGLE_CLIENT_ID: '',
  GOOGLE_CLIENT_SECRET: '',
  OIDC_CALLBACK_BASE_URL: '',
  OIDC_HTTP_TIMEOUT_MS: 5000,
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('expected a ConfigError')
}

describe('happy', () => {
  it('defaults to no providers and a 5 s timeout', () => {
    const config = loadConfig('identity', Type.Object(oidcConfigSchema), {})
    expect(config).toEqual({
      OIDC_PROVIDERS: '',
      GOOGLE_CLIENT_ID: '',
      GOOGLE_CLIENT_SECRET: '',
      OIDC_CALLBACK_BASE_URL: '',
      OIDC_HTTP_TIMEOUT_MS: 5000,
    })
    expect(resolveOidcProviders(base)).toEqual([])
  })

  it('reads a JSON list, defaults label and scopes, and builds the redirect URI from PUBLIC_URL', () => {
    const providers = resolveOidcProviders({
      ...base,
      OIDC_PROVIDERS: JSON.stringify([
        { id: 'acme', issuer: 'https://login.acme.example', clientId: 'cid', clientSecret: 's3' },
      ]),
    })
    expect(providers).toEqual([
      {
        id: 'acme',
        label: 'acme',
        issuer: 'https://login.acme.example',
        clientId: 'cid',
        clientSecret: 's3',
        scopes: 'openid email profile',
        redirectUri: 'https://learn.example/api/identity/oidc/acme/callback',
      },
    ])
  })

  it('reads the compact form, adds openid to custom scopes and honours OIDC_CALLBACK_BASE_URL', () => {
    const providers = resolveOidcProviders({
      ...base,
      OIDC_CALLBACK_BASE_URL: 'https://id.learn.example/',
      OIDC_PROVIDERS: 'a|https://a.example|ca|sa|Acme A ; b|http://127.0.0.1:9000|cb',
    })
    expect(providers.map((p) => [p.id, p.label, p.clientSecret, p.redirectUri])).toEqual([
      ['a', 'Acme A', 'sa', 'https://id.learn.example/oidc/a/callback'],
      ['b', 'b', undefined, 'https://id.learn.example/oidc/b/callback'],
    ])
    const [custom] = resolveOidcProviders({
      ...base,
      OIDC_PROVIDERS: JSON.stringify([
        { id: 'c', issuer: 'https://c.example', clientId: 'x', scopes: 'email' },
      ]),
    })
    expect(custom!.scopes.split(' ').sort()).toEqual(['email', 'openid'])
  })

  it('enables the Google preset from GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET', () => {
    const [google] = resolveOidcProviders({
      ...base,
      GOOGLE_CLIENT_ID: 'gid.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'gsecret',
    })
    expect(google).toMatchObject({
      id: 'google',
      label: 'Google',
      issuer: 'https://accounts.google.com',
      clientId: 'gid.apps.googleusercontent.com',
      clientSecret: 'gsecret',
      scopes: 'openid email profile',
    })
  })

  it('keeps safe relative paths, normalised', () => {
    expect(safeReturnTo(undefined)).toBe('/')
    expect(safeReturnTo('')).toBe('/')
    expect(safeReturnTo('/courses/abc?tab=lessons#top')).toBe('/courses/abc?tab=lessons#top')
    expect(safeReturnTo('/a/../b')).toBe('/b')
  })
})

describe('errors', () => {
  it.each([
    ['not JSON', '[{"id":'],
    ['an object instead of a list', '[1]'],
    ['a bad id', JSON.stringify([{ id: 'Bad Id', issuer: 'https://a.example', clientId: 'x' }])],
    ['a missing clientId', JSON.stringify([{ id: 'a', issuer: 'https://a.example' }])],
    ['a relative issuer', JSON.stringify([{ id: 'a', issuer: 'a.example', clientId: 'x' }])],
    ['plain http off loopback', JSON.stringify([{ id: 'a', issuer: 'http://a.example', clientId: 'x' }])],
    ['a duplicate id', 'a|https://a.example|x;a|https://b.example|y'],
  ])('OIDC_PROVIDERS with %s fails the boot naming the variable', (_, value) => {
    const error = configError(() => resolveOidcProviders({ ...base, OIDC_PROVIDERS: value }))
    expect(error.problems[0]!.variable).toBe('OIDC_PROVIDERS')
  })

  it('GOOGLE_CLIENT_ID without its secret fails naming the missing one', () => {
    expect(
      configError(() => resolveOidcProviders({ ...base, GOOGLE_CLIENT_ID: 'gid' })).problems[0]!.variable,
    ).toBe('GOOGLE_CLIENT_SECRET')
    expect(
      configError(() => resolveOidcProviders({ ...base, GOOGLE_CLIENT_SECRET: 's' })).problems[0]!.variable,
    ).toBe('GOOGLE_CLIENT_ID')
  })

  it('a malformed OIDC_PROVIDERS stops the app at boot, when the routes are registered', async () => {
    const app = await createApp({ name: 'identity', logLevel: 'silent' })
    const boot = async () => {
      await app.register(oidcRoutes, {
        deps: {
          config: { ...base, OIDC_PROVIDERS: '[{"id":"a"}]' },
          database: { db: {} } as unknown as Database,
          logger: pino({ level: 'silent' }),
          signInWithExternalIdentity: () => Promise.reject(new Error('unused')),
          tokens: { refresh: () => Promise.reject(new Error('unused')) },
        },
      })
      await app.ready()
    }
    await expect(boot()).rejects.toThrow(ConfigError)
    await app.close().catch(() => {})
  })

  it('Google configured twice (preset and list) is a duplicate', () => {
    const error = configError(() =>
      resolveOidcProviders({
        ...base,
        GOOGLE_CLIENT_ID: 'g',
        GOOGLE_CLIENT_SECRET: 's',
        OIDC_PROVIDERS: 'google|https://accounts.google.com|g',
      }),
    )
    expect(error.problems[0]!.variable).toBe('GOOGLE_CLIENT_ID')
  })
})

describe('security', () => {
  it.each([
    'https://evil.example',
    'https://evil.example/path',
    '//evil.example',
    '//evil.example/courses',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/ /evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    'courses',
    `/${'a'.repeat(1100)}`,
  ])('rejects returnTo %j', (value) => {
    expect(safeReturnTo(value)).toBeNull()
  })
})
