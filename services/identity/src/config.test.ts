import { describe, expect, it } from 'vitest'
import { ConfigError } from '@learnmesh/kernel'
import { DEV_IDENTITY_SECRET, IdentityConfigSchema, loadIdentityConfig, trustProxyOption } from './config.ts'

describe('happy', () => {
  it('has the documented defaults, including 100 failed sign-ins per account per hour and OWASP argon2id', () => {
    const c = loadIdentityConfig({})
    expect(c).toMatchObject({
      PUBLIC_URL: 'http://localhost:3000',
      JWT_ISSUER: 'http://localhost:3000/api/identity',
      JWT_AUDIENCE: 'learnmesh',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_DAYS: 30,
      SIGNING_KEY_MAX_AGE_DAYS: 30,
      LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR: 100,
      LOGIN_MAX_FAILURES_PER_IP_HOUR: 300,
      DEFAULT_ORG_SLUG: 'demo',
      ARGON2_MEMORY_COST_KIB: 19456,
      ARGON2_TIME_COST: 2,
      ARGON2_PARALLELISM: 1,
    })
  })

  it('reads and converts variables', () => {
    const c = loadIdentityConfig({ LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR: '5', TRUST_PROXY: 'true' })
    expect(c.LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR).toBe(5)
    expect(trustProxyOption(c.TRUST_PROXY)).toBe(true)
    expect(trustProxyOption('10.0.0.0/8')).toBe('10.0.0.0/8')
  })

  it('describes every variable (the README table is generated from them)', () => {
    for (const [name, schema] of Object.entries(IdentityConfigSchema.properties)) {
      expect((schema as { description?: string }).description, name).toBeTruthy()
    }
  })
})

describe('errors', () => {
  it('names the variable that is wrong', () => {
    expect(() => loadIdentityConfig({ ACCESS_TOKEN_TTL_SECONDS: 'soon' })).toThrow(/ACCESS_TOKEN_TTL_SECONDS/)
    expect(() => loadIdentityConfig({ IDENTITY_SECRET: 'short' })).toThrow(/IDENTITY_SECRET/)
  })
})

describe('security', () => {
  it('refuses the development IDENTITY_SECRET in production', () => {
    expect(() => loadIdentityConfig({ NODE_ENV: 'production' })).toThrow(ConfigError)
    expect(() =>
      loadIdentityConfig({ NODE_ENV: 'production', IDENTITY_SECRET: DEV_IDENTITY_SECRET }),
    ).toThrow(/IDENTITY_SECRET/)
    expect(
      loadIdentityConfig({ NODE_ENV: 'production', IDENTITY_SECRET: 'p'.repeat(48) }).IDENTITY_SECRET,
    ).toBe('p'.repeat(48))
  })
})
