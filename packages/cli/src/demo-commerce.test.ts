import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PLAN, seedDemoCommerce } from './demo-commerce.ts'
import { startEmbedded, type EmbeddedPlatform } from './start.ts'

/** One plan of `GET /plans`. */
interface Plan {
  product: {
    id: string
    ref: string
    title: string
    description: string
    payeeUserId: string | null
    active: boolean
  }
  prices: {
    id: string
    currency: string
    unitAmountMinor: number
    interval: string | null
    trialDays: number
  }[]
  entitlement: { scope: string; courseIds?: string[] }
}

const env = (dataDir: string) => ({ DATA_DIR: dataDir, PORT: '0', SEED_DEMO: 'true', LOG_LEVEL: 'silent' })

describe('demo seed: the demo organization’s subscription plan', () => {
  let platform: EmbeddedPlatform
  let dataDir: string
  const tokens = new Map<string, string>()

  const api = async (path: string, init: { method?: string; body?: unknown; as?: string } = {}) => {
    const res = await fetch(`${platform.url}/api${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.as ? { authorization: `Bearer ${tokens.get(init.as)}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const signIn = async (role: string) => {
    const res = await api('/identity/auth/login', {
      method: 'POST',
      body: { email: `${role}@demo.learnmesh.dev`, password: `demo-${role}-passphrase` },
    })
    expect(res.status).toBe(200)
    tokens.set(role, res.body.accessToken as string)
  }
  const plans = async (as: string) => {
    const res = await api('/commerce/plans', { as })
    expect(res.status).toBe(200)
    return res.body.items as Plan[]
  }
  const demoPlans = async (as: string) => (await plans(as)).filter((p) => p.product.ref === DEMO_PLAN.ref)
  /** Asks, as `as`, to narrow the demo plan to the short paid course. */
  const grantShortCourseOnly = async (as: string) => {
    const [plan] = await demoPlans(as)
    const course = await api('/learning/catalog/courses/git-in-fifteen-minutes', { as })
    const courseId = course.body.id as string
    const res = await api(`/commerce/plans/${plan!.product.id}/entitlement`, {
      method: 'PUT',
      as,
      body: { scope: 'courses', courseIds: [courseId] },
    })
    return { plan: plan!, courseId, res }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'learnmesh-demo-plan-'))
    platform = await startEmbedded({ env: env(dataDir), print: () => {} })
    await signIn('learner')
    await signIn('admin')
  }, 180_000)
  afterAll(async () => {
    await platform?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  describe('happy', () => {
    it('a first start puts one all-access monthly plan with a trial on sale, which a learner sees', async () => {
      const [plan, ...others] = await plans('learner')
      expect(others).toEqual([])
      expect(plan).toMatchObject({
        product: {
          ref: 'demo-all-access',
          title: 'Demo Academy All-Access',
          description: DEMO_PLAN.description,
          payeeUserId: null,
          active: true,
        },
        prices: [{ currency: 'USD', unitAmountMinor: 1900, interval: 'month', trialDays: 7 }],
        entitlement: { scope: 'all_courses' },
      })
    })

    it('the plan is in the demo courses’ currency, so a learner can put it in a cart with a course', async () => {
      const [plan] = await plans('learner')
      const course = await api('/learning/catalog/courses/git-in-fifteen-minutes', { as: 'learner' })
      expect(course.status).toBe(200)
      expect((course.body.price as { currency: string }).currency).toBe(plan!.prices[0]!.currency)
      const added = await api('/commerce/cart/items', {
        method: 'POST',
        as: 'learner',
        body: { priceId: plan!.prices[0]!.id, quantity: 1 },
      })
      expect(added.status).toBeLessThan(300)
    })

    it('seeding again creates nothing: the same plan, one price', async () => {
      const [before] = await demoPlans('learner')
      const again = await seedDemoCommerce({ gatewayUrl: platform.url })
      expect(again).toEqual({ created: false, planId: before!.product.id })
      expect(await demoPlans('learner')).toEqual([before])
    })

    it('a second start on the same data seeds nothing twice', async () => {
      const before = await plans('learner')
      await platform.close()
      platform = await startEmbedded({ env: env(dataDir), print: () => {} })
      await signIn('learner')
      await signIn('admin')
      expect(await plans('learner')).toEqual(before)
      const products = await api('/commerce/products?type=subscription_plan', { as: 'admin' })
      expect(products.body.items).toHaveLength(1)
    }, 120_000)
  })

  describe('error', () => {
    it('a seed whose admin cannot sign in fails loudly', async () => {
      // A gateway that refuses every request, as identity does a wrong password.
      const refusing = createServer((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/problem+json' })
        res.end(JSON.stringify({ status: 401, code: 'invalid_credentials' }))
      })
      await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
      try {
        const { port } = refusing.address() as AddressInfo
        await expect(seedDemoCommerce({ gatewayUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
          'demo seed: admin@demo.learnmesh.dev cannot sign in (401)',
        )
      } finally {
        await new Promise((resolve) => refusing.close(resolve))
      }
    })

    it('an in-process seed without commerce running fails before changing anything', async () => {
      const app = (name: string) => platform.services.find((s) => s.name === name)!.app
      const products = async () =>
        (await api('/commerce/products?type=subscription_plan', { as: 'admin' })).body.items
      const before = await products()
      await expect(
        seedDemoCommerce({ identity: app('identity'), learning: app('learning') }),
      ).rejects.toThrow('demo seed: commerce is not running')
      expect(await products()).toEqual(before)
    })
  })

  describe('security', () => {
    it('a learner can see the plan but cannot change what it grants', async () => {
      const { res } = await grantShortCourseOnly('learner')
      expect(res.status).toBe(403)
      expect((await demoPlans('learner'))[0]!.entitlement).toEqual({ scope: 'all_courses' })
    })

    it('a learner cannot rewrite the plan’s description (403)', async () => {
      const [plan] = await demoPlans('learner')
      const res = await api(`/commerce/products/${plan!.product.id}`, {
        method: 'PATCH',
        as: 'learner',
        body: { description: 'Free for everyone!' },
      })
      expect(res.status).toBe(403)
      expect((await demoPlans('learner'))[0]!.product.description).toBe(DEMO_PLAN.description)
    })

    it('an org admin’s later choices survive a second seed (description, price deactivated, fewer courses)', async () => {
      const { plan, courseId, res: set } = await grantShortCourseOnly('admin')
      expect(set.status).toBe(200)
      const reworded = await api(`/commerce/products/${plan.product.id}`, {
        method: 'PATCH',
        as: 'admin',
        body: { description: 'Our words now.' },
      })
      expect(reworded.status).toBe(200)
      const off = await api(`/commerce/prices/${plan.prices[0]!.id}`, {
        method: 'PATCH',
        as: 'admin',
        body: { active: false },
      })
      expect(off.status).toBe(200)

      expect(await seedDemoCommerce({ gatewayUrl: platform.url })).toMatchObject({ created: false })
      const product = await api(`/commerce/products/${plan.product.id}`, { as: 'admin' })
      expect(product.body.prices).toEqual([
        expect.objectContaining({ id: plan.prices[0]!.id, active: false }),
      ])
      expect((product.body.product as { description: string }).description).toBe('Our words now.')
      const granted = await api(`/commerce/plans/${plan.product.id}/entitlement`, { as: 'admin' })
      expect(granted.body).toEqual({ scope: 'courses', courseIds: [courseId] })
    })
  })
})
