import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'

let t: TestCommerce
let admin: TestUser
beforeAll(async () => {
  t = await createTestCommerce()
  admin = checkoutKit(t).admin
})
afterAll(() => t.close())

interface Product {
  id: string
  type: string
  title: string
  description: string
}

/** A plan product (with `description` when given) and a monthly price, so `GET /plans` lists it. */
async function plan(description?: string, as: TestUser = admin): Promise<Product> {
  const res = await t.call(as, 'POST', '/products', {
    type: 'subscription_plan',
    ref: newId('pln'),
    title: 'Team',
    payeeUserId: null,
    ...(description === undefined ? {} : { description }),
  })
  expect(res.statusCode, res.body).toBe(201)
  const price = await t.call(as, 'POST', `/products/${res.json().id}/prices`, {
    currency: 'EUR',
    unitAmountMinor: 1200,
    interval: 'month',
  })
  expect(price.statusCode, price.body).toBe(201)
  return res.json()
}

/** The plan as the public `GET /plans` of org A shows it. */
async function listed(productId: string): Promise<Product | undefined> {
  const res = await t.call(null, 'GET', `/plans?orgId=${t.orgA}`)
  expect(res.statusCode).toBe(200)
  return (res.json().items as { product: Product }[]).find((i) => i.product.id === productId)?.product
}

const stored = async (id: string) =>
  (await t.call(admin, 'GET', `/products/${id}`)).json().product.description

describe('happy', () => {
  it('an org admin creates a plan with a description (trimmed, line breaks kept); the public list shows it', async () => {
    const p = await plan('  For teams of up to 20 learners.\r\nEvery course, one invoice.\n\n')
    expect(p.description).toBe('For teams of up to 20 learners.\nEvery course, one invoice.')
    expect((await listed(p.id))?.description).toBe(
      'For teams of up to 20 learners.\nEvery course, one invoice.',
    )
    const list = await t.call(admin, 'GET', '/products?type=subscription_plan&limit=100')
    expect(list.json().items.find((i: Product) => i.id === p.id).description).toBe(p.description)
  })

  it('the description is edited afterwards, alone or with the title, and can be cleared', async () => {
    const p = await plan()
    expect(p.description).toBe('')
    const edited = await t.call(admin, 'PATCH', `/products/${p.id}`, { description: 'Now with live Q&A.' })
    expect(edited.statusCode, edited.body).toBe(200)
    expect(edited.json()).toMatchObject({ title: 'Team', description: 'Now with live Q&A.' })
    const both = await t.call(admin, 'PATCH', `/products/${p.id}`, {
      title: 'Team+',
      description: 'Ünïcode ✓ 🎓',
    })
    expect(both.json()).toMatchObject({ title: 'Team+', description: 'Ünïcode ✓ 🎓' })
    expect((await listed(p.id))?.description).toBe('Ünïcode ✓ 🎓')
    // Changing something else keeps it.
    await t.call(admin, 'PATCH', `/products/${p.id}`, { title: 'Team' })
    expect(await stored(p.id)).toBe('Ünïcode ✓ 🎓')
    const cleared = await t.call(admin, 'PATCH', `/products/${p.id}`, { description: '   ' })
    expect(cleared.json().description).toBe('')
  })

  it('exactly 1,000 characters (counted as code points) is accepted; other products have an empty one', async () => {
    const p = await plan('🎓'.repeat(1000))
    expect([...p.description]).toHaveLength(1000)
    const course = await t.call(admin, 'POST', '/products', { type: 'course', ref: newId('crs'), title: 'C' })
    expect(course.json().description).toBe('')
  })
})

describe('errors', () => {
  it('too long, control characters or a description on a non-plan product are 400 problems; nothing changes', async () => {
    const p = await plan('Original words.')
    const course = await t.call(admin, 'POST', '/products', { type: 'course', ref: newId('crs'), title: 'C' })
    const products = async () =>
      (await t.call(admin, 'GET', '/products?limit=100')).json().items.map((i: Product) => i.id)
    const before = await products()
    for (const description of [
      'x'.repeat(1001),
      'tab\there',
      'nul\u0000',
      'esc\u001b[31m',
      'c1\u0085',
      'half \ud83c',
    ]) {
      const created = await t.call(admin, 'POST', '/products', {
        type: 'subscription_plan',
        ref: newId('pln'),
        title: 'Bad',
        description,
      })
      expect(created.statusCode, JSON.stringify(description)).toBe(400)
      expect(created.headers['content-type']).toContain('application/problem+json')
      const edited = await t.call(admin, 'PATCH', `/products/${p.id}`, { title: 'Renamed', description })
      expect(edited.statusCode, JSON.stringify(description)).toBe(400)
      expect(edited.headers['content-type']).toContain('application/problem+json')
    }
    const control = await t.call(admin, 'PATCH', `/products/${p.id}`, { description: 'a\tb' })
    expect(control.json()).toMatchObject({
      code: 'validation_failed',
      detail: 'The description may contain line breaks but no other control characters (such as tabs)',
    })
    const tooLong = await t.call(admin, 'PATCH', `/products/${p.id}`, { description: 'x'.repeat(1001) })
    expect(tooLong.json().detail).toBe('body/description must NOT have more than 1000 characters')
    const onCourse = await t.call(admin, 'PATCH', `/products/${course.json().id}`, { description: 'No' })
    expect(onCourse.statusCode).toBe(400)
    expect(onCourse.json().detail).toBe('Only subscription plans have a description')
    expect(
      (
        await t.call(admin, 'POST', '/products', {
          type: 'course',
          ref: newId('crs'),
          title: 'C',
          description: 'No',
        })
      ).statusCode,
    ).toBe(400)
    expect(await products()).toEqual(before)
    expect((await t.call(admin, 'GET', `/products/${p.id}`)).json().product).toMatchObject({
      title: 'Team',
      description: 'Original words.',
    })
    expect((await t.call(admin, 'GET', `/products/${course.json().id}`)).json().product.description).toBe('')
  })

  it('an unknown product is a 404 for a description change', async () => {
    const res = await t.call(admin, 'PATCH', `/products/${newId('prd')}`, { description: 'x' })
    expect(res.statusCode).toBe(404)
  })
})

describe('security', () => {
  it('learners, instructors and anonymous callers cannot set it (401/403); it stays as it was', async () => {
    const p = await plan('Kept.')
    expect((await t.call(null, 'PATCH', `/products/${p.id}`, { description: 'x' })).statusCode).toBe(401)
    expect((await t.call(t.user(), 'PATCH', `/products/${p.id}`, { description: 'x' })).statusCode).toBe(403)
    expect(
      (await t.call(t.user(['instructor']), 'PATCH', `/products/${p.id}`, { description: 'x' })).statusCode,
    ).toBe(403)
    expect(await stored(p.id)).toBe('Kept.')
  })

  it("another org's admin cannot edit it (404, even with a description that would be refused)", async () => {
    const p = await plan('Kept.')
    const other = t.user(['org_admin'], t.orgB)
    expect((await t.call(other, 'PATCH', `/products/${p.id}`, { description: 'Mine now' })).statusCode).toBe(
      404,
    )
    expect((await t.call(other, 'PATCH', `/products/${p.id}`, { description: 'a\tb' })).statusCode).toBe(404)
    expect(await stored(p.id)).toBe('Kept.')
  })

  it('markup is stored and returned as plain text, never interpreted or rewritten', async () => {
    const markup = '<script>alert(1)</script> & <b>bold</b>'
    const p = await plan(markup)
    const res = await t.call(null, 'GET', `/plans?orgId=${t.orgA}`)
    expect(res.headers['content-type']).toContain('application/json')
    expect((await listed(p.id))?.description).toBe(markup)
  })
})
