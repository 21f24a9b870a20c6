import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Type from 'typebox'
import { Value } from 'typebox/value'
import { authPlugin } from '../auth/plugin.ts'
import { createTokenVerifier } from '../auth/verifier.ts'
import { createTestSigner } from '../testing/tokens.ts'
import { createApp, type App } from './app.ts'
import { KpiQuery, adminKpisRoute, dailyCounts, dayRange, dayWindow, type DayWindow } from './kpis.ts'

describe('dayRange', () => {
  it('spans whole UTC days, oldest first, today last', () => {
    expect(dayRange(3, new Date('2026-03-01T05:00:00Z'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01'])
    expect(dayRange(2, new Date('2026-01-01T23:59:00Z'))).toEqual(['2025-12-31', '2026-01-01'])
  })
  it('counts a leap day', () => {
    expect(dayRange(366, new Date('2024-12-31T12:00:00Z'))[0]).toBe('2024-01-01')
  })
})

describe('dayWindow', () => {
  it('gives the days and their midnight bounds', () => {
    const w = dayWindow(2, new Date('2026-01-01T23:59:00Z'))
    expect(w).toEqual({
      days: ['2025-12-31', '2026-01-01'],
      from: '2025-12-31',
      to: '2026-01-01',
      since: new Date('2025-12-31T00:00:00.000Z'),
      until: new Date('2026-01-02T00:00:00.000Z'),
    })
  })
  it('refuses fewer than one day', () => {
    expect(() => dayWindow(0)).toThrow(RangeError)
    expect(() => dayWindow(1.5)).toThrow(RangeError)
  })
})

describe('dailyCounts', () => {
  it('gives every day a point, 0 where a series has no row, text counts as numbers', () => {
    const days = ['2026-01-01', '2026-01-02', '2026-01-03']
    const points = dailyCounts(days, {
      orders: [
        { date: '2026-01-01', n: 2 },
        { date: '2026-01-03', n: '5' },
      ],
      paid: [
        { date: '2026-01-02', n: 1 },
        { date: '2025-12-31', n: 9 },
      ],
    })
    expect(points).toEqual([
      { date: '2026-01-01', orders: 2, paid: 0 },
      { date: '2026-01-02', orders: 0, paid: 1 },
      { date: '2026-01-03', orders: 5, paid: 0 },
    ])
  })
})

describe('KpiQuery', () => {
  it('takes 1 to 366 days, 30 by default, nothing else', () => {
    expect(Value.Default(KpiQuery, {})).toEqual({ days: 30 })
    expect(Value.Check(KpiQuery, { days: 1 })).toBe(true)
    expect(Value.Check(KpiQuery, { days: 366 })).toBe(true)
    expect(Value.Check(KpiQuery, { days: 0 })).toBe(false)
    expect(Value.Check(KpiQuery, { days: 367 })).toBe(false)
    expect(Value.Check(KpiQuery, { days: 30, from: '2026-01-01' })).toBe(false)
  })
})

describe('adminKpisRoute', () => {
  let app: App
  let signer: Awaited<ReturnType<typeof createTestSigner>>
  const seen: DayWindow[] = []
  beforeAll(async () => {
    signer = await createTestSigner()
    app = await createApp({ name: 'demo', logLevel: 'silent' })
    await app.register(authPlugin, {
      verifier: createTokenVerifier({ jwks: signer.jwks, issuer: signer.issuer, audience: signer.audience }),
    })
    adminKpisRoute(app, {
      summary: 'Things per day',
      response: Type.Object({ from: Type.String(), days: Type.Integer() }),
      load: async (window) => {
        seen.push(window)
        return { from: window.from, days: window.days.length }
      },
    })
  })
  afterAll(() => app.close())
  const get = async (url: string, padm?: boolean) =>
    app.inject({
      url,
      headers:
        padm === undefined
          ? {}
          : { authorization: `Bearer ${await signer.sign({ sub: 'usr_a', org: 'org_a', padm })}` },
    })

  it('gives load the window of days (30 by default) for a platform admin', async () => {
    const res = await get('/admin/kpis', true)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ from: seen.at(-1)!.from, days: 30 })
    expect((await get('/admin/kpis?days=7', true)).json()).toMatchObject({ days: 7 })
  })
  it('refuses anonymous callers, non-admins and out-of-range days', async () => {
    const before = seen.length
    expect((await get('/admin/kpis')).statusCode).toBe(401)
    expect((await get('/admin/kpis', false)).statusCode).toBe(403)
    expect((await get('/admin/kpis?days=0', true)).statusCode).toBe(400)
    expect((await get('/admin/kpis?days=367', true)).statusCode).toBe(400)
    expect(seen.length).toBe(before)
  })
})
