import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, uuid7 } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { tutoringKit } from '../orders/tutoring.test-kit.ts'
import { offeredProducts } from './on-tutor-listed.ts'

let t: TestCommerce
let kit: ReturnType<typeof tutoringKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = tutoringKit(t)
})
afterAll(() => t.close())

describe('pricing (offeredProducts)', () => {
  it('prices every length to the cent: hourly × minutes / 60, rounded half up', () => {
    const items = offeredProducts({
      tutorId: 'usr_a',
      displayName: 'Ada',
      hourlyRateMinor: 2999,
      lessonMinutes: [90, 30, 45, 60, 30],
      packages: [],
    })
    expect(items.map((i) => [i.ref, i.unitAmountMinor])).toEqual([
      ['tut:usr_a:30', 1500], // 1499.5 → 1500
      ['tut:usr_a:45', 2249], // 2249.25 → 2249
      ['tut:usr_a:60', 2999],
      ['tut:usr_a:90', 4499], // 4498.5 → 4499
    ])
    expect(items.every((i) => i.type === 'tutoring_lesson' && i.lessonCount === 1)).toBe(true)
  })

  it('prices packages from the rounded lesson price: n × lesson × (100 − discount) / 100, half up', () => {
    const items = offeredProducts({
      tutorId: 'usr_a',
      displayName: 'Ada',
      hourlyRateMinor: 2999,
      lessonMinutes: [45, 60],
      packages: [
        { lessons: 5, discountPercent: 10 },
        { lessons: 10, discountPercent: 0 },
        { lessons: 5, discountPercent: 50 }, // a repeated size: the first wins
      ],
    })
    const packages = items.filter((i) => i.type === 'tutoring_package')
    expect(packages.map((i) => [i.ref, i.lessonCount, i.unitAmountMinor])).toEqual([
      ['tut:usr_a:45:x5', 5, 10121], // 5 × 2249 = 11245 × 0.9 = 10120.5 → 10121
      ['tut:usr_a:45:x10', 10, 22490], // 0 % off: exactly 10 lessons
      ['tut:usr_a:60:x5', 5, 13496], // 5 × 2999 = 14995 × 0.9 = 13495.5 → 13496
      ['tut:usr_a:60:x10', 10, 29990],
    ])
    expect(packages[0]!.title).toBe('Ada: 5 × 45-minute lessons')
  })

  it('a free tutor (rate 0) and a 90 % package stay whole numbers', () => {
    const items = offeredProducts({
      tutorId: 'usr_a',
      displayName: 'Ada',
      hourlyRateMinor: 1,
      lessonMinutes: [30, 45],
      packages: [{ lessons: 3, discountPercent: 90 }],
    })
    // 0.5 → 1; 0.75 → 1; packages: 3 × 1 × 0.1 = 0.3 → 0
    expect(items.map((i) => i.unitAmountMinor)).toEqual([1, 0, 1, 0])
  })
})

describe('happy', () => {
  it('tutoring.tutor.listed creates one product per length and per package, payee the tutor, one active price each', async () => {
    const { tutorId } = await kit.tutor({ hourlyRateMinor: 4500, lessonMinutes: [30, 45, 60, 90] })
    const expected: [number, number][] = [
      [30, 2250],
      [45, 3375],
      [60, 4500],
      [90, 6750],
    ]
    for (const [m, amount] of expected) {
      const lesson = await kit.offer('tutoring_lesson', `tut:${tutorId}:${m}`)
      expect(lesson).toMatchObject({
        product: {
          type: 'tutoring_lesson',
          payeeUserId: tutorId,
          active: true,
          title: `Ada: ${m}-minute lesson`,
        },
        prices: [{ unitAmountMinor: amount, lessonCount: 1, currency: 'EUR', active: true }],
      })
      const pkg = await kit.offer('tutoring_package', `tut:${tutorId}:${m}:x5`)
      expect(pkg).toMatchObject({
        product: { type: 'tutoring_package', payeeUserId: tutorId },
        prices: [{ unitAmountMinor: Math.floor((5 * amount * 90 + 50) / 100), lessonCount: 5 }],
      })
    }
  })

  it('a new rate replaces the price (old one deactivated, never edited): a paid order keeps its amounts', async () => {
    const tutor = await kit.tutor()
    const u = t.user()
    const old = await tutor.lessonPrice(60)
    const paid = await kit.buy(u, [{ priceId: old.id, reference: newId('bkg') }])
    await kit.deliver('tutoring.tutor.listed', { ...tutor.payload, hourlyRateMinor: 3600 })
    const now = (await kit.offer('tutoring_lesson', `tut:${tutor.tutorId}:60`))!
    expect(now.prices).toEqual([expect.objectContaining({ unitAmountMinor: 3600, active: true })])
    expect(now.prices[0]!.id).not.toBe(old.id)
    const admin = t.user(['org_admin'])
    const all = (await t.call(admin, 'GET', `/products/${now.product.id}`)).json()
    expect(
      all.prices.map((p: { unitAmountMinor: number; active: boolean }) => [p.unitAmountMinor, p.active]),
    ).toEqual([
      [3000, false],
      [3600, true],
    ])
    expect((await kit.order(u, paid.id)).items[0]).toMatchObject({ amountMinor: 3000 })
    // The same listing again changes nothing (no third price).
    await kit.deliver('tutoring.tutor.listed', { ...tutor.payload, hourlyRateMinor: 3600 })
    expect((await t.call(admin, 'GET', `/products/${now.product.id}`)).json().prices).toHaveLength(2)
  })

  it('a length or package dropped from the offer is archived; active: false archives everything; re-listing restores', async () => {
    const tutor = await kit.tutor()
    await kit.deliver('tutoring.tutor.listed', { ...tutor.payload, lessonMinutes: [60], packages: [] })
    expect(await kit.offer('tutoring_lesson', `tut:${tutor.tutorId}:30`)).toBeNull()
    expect(await kit.offer('tutoring_package', `tut:${tutor.tutorId}:60:x5`)).toBeNull()
    expect(await kit.offer('tutoring_lesson', `tut:${tutor.tutorId}:60`)).not.toBeNull()
    await kit.deliver('tutoring.tutor.listed', { ...tutor.payload, active: false })
    for (const ref of ['30', '60'])
      expect(await kit.offer('tutoring_lesson', `tut:${tutor.tutorId}:${ref}`)).toBeNull()
    await kit.deliver('tutoring.tutor.listed', tutor.payload)
    const back = (await kit.offer('tutoring_lesson', `tut:${tutor.tutorId}:30`))!
    expect(back.prices).toEqual([expect.objectContaining({ unitAmountMinor: 1500, active: true })])
  })
})

describe('errors', () => {
  it('an older listing delivered after a newer one is ignored', async () => {
    const payload = kit.listing()
    const ref = `tut:${payload.tutorId}:60`
    await kit.deliverAt(
      'tutoring.tutor.listed',
      { ...payload, hourlyRateMinor: 4000 },
      {
        occurredAt: '2026-05-02T10:00:00.000Z',
      },
    )
    await kit.deliverAt(
      'tutoring.tutor.listed',
      { ...payload, hourlyRateMinor: 2000 },
      {
        occurredAt: '2026-05-01T10:00:00.000Z',
      },
    )
    expect((await kit.offer('tutoring_lesson', ref))!.prices[0]!.unitAmountMinor).toBe(4000)
    await kit.deliverAt(
      'tutoring.tutor.listed',
      { ...payload, hourlyRateMinor: 5000 },
      {
        occurredAt: '2026-05-03T10:00:00.000Z',
        id: uuid7(),
      },
    )
    expect((await kit.offer('tutoring_lesson', ref))!.prices[0]!.unitAmountMinor).toBe(5000)
  })

  it('a listing without an org, with an unusable currency or tutor id creates nothing', async () => {
    const admin = t.user(['org_admin'])
    const count = async () =>
      (await t.call(admin, 'GET', '/products?type=tutoring_lesson&limit=100')).json().items.length
    const before = await count()
    const a = kit.listing()
    await kit.deliverAt('tutoring.tutor.listed', a, { occurredAt: new Date().toISOString(), orgId: null })
    await kit.deliver('tutoring.tutor.listed', kit.listing({ currency: 'E1R' }))
    await kit.deliver('tutoring.tutor.listed', kit.listing({ tutorId: 'usr:evil' }))
    expect(await count()).toBe(before)
  })
})

describe('security', () => {
  it("one org's listing never touches another org's products", async () => {
    const payload = kit.listing()
    await kit.deliver('tutoring.tutor.listed', payload, undefined, t.orgB)
    expect(await kit.offer('tutoring_lesson', `tut:${payload.tutorId}:60`)).toBeNull()
    const inB = await t.call(
      null,
      'GET',
      `/prices?productType=tutoring_lesson&ref=tut:${payload.tutorId}:60&orgId=${t.orgB}`,
    )
    expect(inB.statusCode).toBe(200)
    await kit.deliver('tutoring.tutor.listed', { ...payload, active: false })
    expect(
      (
        await t.call(
          null,
          'GET',
          `/prices?productType=tutoring_lesson&ref=tut:${payload.tutorId}:60&orgId=${t.orgB}`,
        )
      ).statusCode,
    ).toBe(200)
  })
})
