// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { headingSkips } from '../../test-headings.ts'
import { LEARNER_ME } from '../../test-fixtures.ts'
import { expectDenied, expectLoadFailure, ORG_ADMIN } from './admin-test-kit.ts'
import type { Entitlement } from '../../api/subscriptions.ts'
import { COURSE_A, COURSE_B, fakeApi, plan, PLAN_ID, type Call } from '../learner/subscription-test-kit.ts'
import PlansAdminPage from './PlansAdminPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })
// Mantine's autosize textarea (the description fields) listens to font loading, which jsdom lacks.
if (!('fonts' in document))
  Object.defineProperty(document, 'fonts', {
    value: { addEventListener: () => undefined, removeEventListener: () => undefined },
  })

const PRO = plan()
const course = (id: string, title: string) => ({ id, title, status: 'published' })

let entitlement: Entitlement
const defaults = (c: Call) => {
  if (c.path === '/commerce/products' && c.method === 'GET') return { items: [PRO.product], nextCursor: null }
  if (c.path === '/commerce/products' && c.method === 'POST')
    return [201, { ...PRO.product, id: 'prd_new', title: (c.body as { title: string }).title }]
  if (c.path === '/commerce/products/prd_new/prices') return [201, { id: 'pri_new' }]
  if (c.path === `/commerce/products/${PLAN_ID}` && c.method === 'PATCH') {
    const { description } = c.body as { description: string }
    return { ...PRO.product, description: description.trim() }
  }
  if (c.path === `/commerce/products/${PLAN_ID}`) return { product: PRO.product, prices: PRO.prices }
  if (c.path === `/commerce/plans/${PLAN_ID}/entitlement`) {
    if (c.method === 'PUT') entitlement = c.body as Entitlement
    return entitlement
  }
  if (c.path === '/learning/courses')
    return { items: [course(COURSE_A, 'Git Basics'), course(COURSE_B, 'SQL Joins')], nextCursor: null }
  return undefined
}
const kit = fakeApi(defaults)
const writes = () => kit.calls.filter((c) => c.method !== 'GET')

/** Opens /org/plans as an org admin (a plan that includes every course) and finds the form or plan card. */
async function openAsAdmin(role: 'form' | 'article', name: string): Promise<HTMLElement> {
  kit.me = ORG_ADMIN
  entitlement = { scope: 'all_courses' }
  renderPage(<PlansAdminPage />, '/org/plans')
  return screen.findByRole(role, { name })
}

describe('subscription plans (org admin)', () => {
  it('lists plans with their prices and what they include; headings in order', async () => {
    kit.me = ORG_ADMIN
    entitlement = { scope: 'courses', courseIds: [COURSE_A] }
    renderPage(<PlansAdminPage />, '/org/plans')
    const card = await screen.findByRole('article', { name: 'Pro' })
    const prices = await within(card).findByRole('table', { name: 'Prices of Pro' })
    expect(within(prices).getByText('€15.00 a month')).toBeTruthy()
    expect(within(prices).getByText('14 days')).toBeTruthy()
    const chosen = await within(card).findByRole('checkbox', { name: 'Git Basics' })
    expect((chosen as HTMLInputElement).checked).toBe(true)
    expect((within(card).getByRole('checkbox', { name: 'SQL Joins' }) as HTMLInputElement).checked).toBe(
      false,
    )
    expect(kit.calls.find((c) => c.path === '/learning/courses')?.query).toContain('status=published')
    expect(headingSkips()).toEqual([])
  })

  it('creates a plan: the product, then its price in minor units', async () => {
    kit.me = ORG_ADMIN
    entitlement = { scope: 'all_courses' }
    renderPage(<PlansAdminPage />, '/org/plans')
    const form = await screen.findByRole('form', { name: 'New plan' })
    fireEvent.click(within(form).getByRole('button', { name: 'Create plan' }))
    expect(await within(form).findByText('Name the plan')).toBeTruthy()
    expect(within(form).getByText('Enter a price (0 or more)')).toBeTruthy()
    expect(writes()).toEqual([])

    fireEvent.change(within(form).getByRole('textbox', { name: /Plan name/ }), { target: { value: 'Team' } })
    fireEvent.change(within(form).getByRole('textbox', { name: /Price/ }), { target: { value: '19.5' } })
    fireEvent.change(within(form).getByRole('textbox', { name: /Free trial/ }), { target: { value: '7' } })
    fireEvent.click(within(form).getByRole('button', { name: 'Create plan' }))
    await waitFor(() => expect(writes()).toHaveLength(2))
    const [product, price] = writes()
    expect(product).toMatchObject({
      method: 'POST',
      path: '/commerce/products',
      body: { type: 'subscription_plan', title: 'Team', description: '', payeeUserId: null },
    })
    expect((product!.body as { ref: string }).ref).toMatch(/^plan-team-[a-z0-9]+$/)
    expect(price).toEqual({
      method: 'POST',
      path: '/commerce/products/prd_new/prices',
      query: '',
      body: { currency: 'EUR', unitAmountMinor: 1950, interval: 'month', trialDays: 7 },
    })
  })

  it('creates a plan with a description, counting its characters as the admin types', async () => {
    const form = await openAsAdmin('form', 'New plan')
    const field = within(form).getByRole('textbox', { name: 'Description (optional)' })
    expect(within(form).getByText(/^0 \/ 1,000 characters/)).toBeTruthy()
    const text = 'For teams.\nEvery course 🎓'
    fireEvent.change(field, { target: { value: text } })
    // Counted as commerce counts: the emoji is one character.
    expect(within(form).getByText(/^25 \/ 1,000 characters/)).toBeTruthy()
    fireEvent.change(within(form).getByRole('textbox', { name: /Plan name/ }), { target: { value: 'Team' } })
    fireEvent.change(within(form).getByRole('textbox', { name: /Price/ }), { target: { value: '10' } })
    fireEvent.click(within(form).getByRole('button', { name: 'Create plan' }))
    await waitFor(() => expect(writes()).toHaveLength(2))
    expect(writes()[0]!.body).toMatchObject({ title: 'Team', description: text })
  })

  it('refuses a description over 1,000 characters before asking the server', async () => {
    const form = await openAsAdmin('form', 'New plan')
    fireEvent.change(within(form).getByRole('textbox', { name: /Plan name/ }), { target: { value: 'Team' } })
    fireEvent.change(within(form).getByRole('textbox', { name: /Price/ }), { target: { value: '10' } })
    fireEvent.change(within(form).getByRole('textbox', { name: 'Description (optional)' }), {
      target: { value: 'x'.repeat(1001) },
    })
    expect(within(form).getByText(/^1,001 \/ 1,000 characters/)).toBeTruthy()
    fireEvent.click(within(form).getByRole('button', { name: 'Create plan' }))
    expect(await within(form).findByText('At most 1,000 characters')).toBeTruthy()
    expect(writes()).toEqual([])
  })

  it('edits a plan’s description and shows what commerce stored', async () => {
    const card = await openAsAdmin('article', 'Pro')
    const field = within(card).getByRole('textbox', { name: 'Description of Pro' }) as HTMLTextAreaElement
    expect(field.value).toBe(PRO.product.description)
    fireEvent.change(field, { target: { value: '  New words.\nSecond line.  ' } })
    fireEvent.click(within(card).getByRole('button', { name: 'Save description: Pro' }))
    await waitFor(() =>
      expect(writes()).toEqual([
        {
          method: 'PATCH',
          path: `/commerce/products/${PLAN_ID}`,
          query: '',
          body: { description: '  New words.\nSecond line.  ' },
        },
      ]),
    )
    await waitFor(() => expect(field.value).toBe('New words.\nSecond line.'))
  })

  it('shows commerce’s refusal of a description (control characters) next to the field', async () => {
    const detail = 'The description may contain line breaks but no other control characters (such as tabs)'
    kit.answer = (c) =>
      c.method === 'PATCH' && c.path === `/commerce/products/${PLAN_ID}`
        ? [400, { code: 'validation_failed', detail }]
        : defaults(c)
    const card = await openAsAdmin('article', 'Pro')
    const field = within(card).getByRole('textbox', { name: 'Description of Pro' }) as HTMLTextAreaElement
    fireEvent.change(field, { target: { value: 'a\tb' } })
    fireEvent.click(within(card).getByRole('button', { name: 'Save description: Pro' }))
    expect(await within(card).findByText(detail)).toBeTruthy()
    // The admin's text stays for them to fix.
    expect(field.value).toBe('a\tb')
  })

  it('shows markup in a description as text in the field, never as HTML', async () => {
    const markup = '<script>window.hacked = true</script><b>bold</b>'
    kit.answer = (c) =>
      c.path === '/commerce/products' && c.method === 'GET'
        ? { items: [{ ...PRO.product, description: markup }], nextCursor: null }
        : defaults(c)
    const card = await openAsAdmin('article', 'Pro')
    expect(
      (within(card).getByRole('textbox', { name: 'Description of Pro' }) as HTMLTextAreaElement).value,
    ).toBe(markup)
    expect(card.querySelector('script, b')).toBeNull()
    expect((window as { hacked?: boolean }).hacked).toBeUndefined()
  })

  it('sets the courses a plan includes, and refuses an empty list before asking the server', async () => {
    kit.me = ORG_ADMIN
    entitlement = { scope: 'all_courses' }
    renderPage(<PlansAdminPage />, '/org/plans')
    const card = await screen.findByRole('article', { name: 'Pro' })
    fireEvent.click(await within(card).findByRole('radio', { name: 'Only the courses chosen below' }))
    fireEvent.click(within(card).getByRole('button', { name: 'Save what’s included' }))
    expect(await within(card).findByText('Choose at least one course, or include every course.')).toBeTruthy()
    expect(writes()).toEqual([])
    fireEvent.change(within(card).getByRole('textbox', { name: 'Find a course' }), {
      target: { value: 'sql' },
    })
    expect(within(card).queryByRole('checkbox', { name: 'Git Basics' })).toBeNull()
    fireEvent.click(within(card).getByRole('checkbox', { name: 'SQL Joins' }))
    fireEvent.click(within(card).getByRole('button', { name: 'Save what’s included' }))
    await waitFor(() =>
      expect(writes()).toEqual([
        {
          method: 'PUT',
          path: `/commerce/plans/${PLAN_ID}/entitlement`,
          query: '',
          body: { scope: 'courses', courseIds: [COURSE_B] },
        },
      ]),
    )
  })

  it('deactivates a price and shows the server’s refusal', async () => {
    kit.me = ORG_ADMIN
    entitlement = { scope: 'all_courses' }
    kit.answer = (c) =>
      c.path === '/commerce/prices/pri_month' ? [404, { detail: 'Price not found' }] : defaults(c)
    renderPage(<PlansAdminPage />, '/org/plans')
    const card = await screen.findByRole('article', { name: 'Pro' })
    fireEvent.click(await within(card).findByRole('button', { name: 'Deactivate price €15.00 a month' }))
    expect(await within(card).findByText('Price not found')).toBeTruthy()
    expect(writes()).toEqual([
      { method: 'PATCH', path: '/commerce/prices/pri_month', query: '', body: { active: false } },
    ])
  })

  it('shows a load failure with "Try again"', async () => {
    kit.me = ORG_ADMIN
    kit.answer = (c) => (c.path === '/commerce/products' ? [500, { detail: 'Something broke' }] : defaults(c))
    renderPage(<PlansAdminPage />, '/org/plans')
    await expectLoadFailure()
  })

  it('tells a learner the page is not for them and asks for nothing', async () => {
    kit.me = LEARNER_ME
    renderPage(<PlansAdminPage />, '/org/plans')
    await expectDenied('Only organization admins can manage subscription plans.', kit.calls)
  })
})
