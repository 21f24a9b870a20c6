import { demo } from './services.ts'
import { send, type DemoTarget } from './demo-learning.ts'

const admin = demo.users.find((u) => u.email === 'admin@demo.learnmesh.dev')!

/**
 * The demo organization's subscription plan: every course of Demo Academy for a monthly price in the
 * demo courses' currency (USD), with a week's free trial, so `/plans` and `/subscriptions` have
 * something to show right after `npm start`. Its ref is fixed: it is how a second seed finds it.
 */
export const DEMO_PLAN = {
  ref: 'demo-all-access',
  title: 'Demo Academy All-Access',
  description:
    'Every Demo Academy course, paid ones included, for one monthly price.\n' +
    'Start with a 7-day free trial and cancel any time: access runs to the end of the month you paid for.',
  price: { currency: 'USD', unitAmountMinor: 1900, interval: 'month', trialDays: 7 },
  entitlement: { scope: 'all_courses' },
} as const

interface Product {
  id: string
  ref: string
}

/**
 * Seeds the demo plan through commerce's API as the demo org admin (signing in with the demo
 * password): the `subscription_plan` product with its description, its monthly price and what it
 * grants (all the org's courses). Idempotent: the plan is found by its ref, and a price or entitlement already there is
 * kept, so a second run (or one after an interrupted run) creates nothing twice.
 */
export async function seedDemoCommerce(target: DemoTarget): Promise<{ created: boolean; planId: string }> {
  const login = await send(target, 'identity', 'POST', '/auth/login', {
    email: admin.email,
    password: admin.password,
  })
  if (login.status !== 200) throw new Error(`demo seed: ${admin.email} cannot sign in (${login.status})`)
  const token = (login.body as { accessToken: string }).accessToken
  const call = async <T>(method: string, path: string, body?: unknown) => {
    const res = await send(target, 'commerce', method, path, body, token)
    if (res.status >= 300)
      throw new Error(`demo seed: ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`)
    return res.body as T
  }

  let created = false
  let plan = await findPlan(call)
  if (!plan) {
    plan = await call<Product>('POST', '/products', {
      type: 'subscription_plan',
      ref: DEMO_PLAN.ref,
      title: DEMO_PLAN.title,
      // Only on creation: an org admin's later wording is theirs, a second seed never rewrites it.
      description: DEMO_PLAN.description,
      payeeUserId: null,
    })
    created = true
  }
  // A plan with a price already (active or deactivated by an org admin) is left as it is.
  const { prices } = await call<{ prices: unknown[] }>('GET', `/products/${plan.id}`)
  if (prices.length === 0) {
    await call('POST', `/products/${plan.id}/prices`, DEMO_PLAN.price)
    created = true
  }
  // PUT is idempotent, but an org admin's later choice is theirs: only a plan seeded just now gets it.
  if (created) await call('PUT', `/plans/${plan.id}/entitlement`, DEMO_PLAN.entitlement)
  return { created, planId: plan.id }
}

/** The demo plan product, looked up by its ref among the org's plan products. */
async function findPlan(call: <T>(method: string, path: string) => Promise<T>): Promise<Product | undefined> {
  let after: string | null = null
  for (let i = 0; i < 100; i++) {
    const query: string = `/products?type=subscription_plan&limit=100${after ? `&after=${after}` : ''}`
    const page = await call<{ items: Product[]; nextCursor: string | null }>('GET', query)
    const found = page.items.find((p) => p.ref === DEMO_PLAN.ref)
    if (found) return found
    after = page.nextCursor
    if (!after) return undefined
  }
  return undefined
}
