// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { headingSkips } from '../../test-headings.ts'
import { LEARNER_ME } from '../../test-fixtures.ts'
import PlansPage from './PlansPage.tsx'
import {
  catalogCourse,
  EMPTY_CART,
  COURSE_A,
  COURSE_B,
  fakeApi,
  plan,
  PLAN_ID,
  subscription,
  type Call,
} from './subscription-test-kit.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const defaults = (c: Call) =>
  ({
    '/commerce/plans': { items: [plan()] },
    '/commerce/subscriptions/mine': { items: [], nextCursor: null },
    '/learning/enrollments': { items: [], nextCursor: null },
    '/commerce/cart': EMPTY_CART,
    [`/learning/catalog/courses/${COURSE_A}`]: catalogCourse(COURSE_A, 'Git Basics'),
    [`/learning/catalog/courses/${COURSE_B}`]: catalogCourse(COURSE_B, 'SQL Joins'),
  })[c.path]

const kit = fakeApi(defaults)

const page = () =>
  renderPage(
    <Routes>
      <Route path="/plans" element={<PlansPage />} />
      <Route path="/cart" element={<p>The cart</p>} />
      <Route path="/learn/:courseId" element={<p>The player</p>} />
    </Routes>,
    '/plans',
  )

describe('plans page', () => {
  it('lists a plan with its prices, trial and courses, and subscribes by putting the price in the cart', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) =>
      c.method === 'POST' && c.path === '/commerce/cart/items'
        ? { ...EMPTY_CART, items: [{ productId: PLAN_ID }] }
        : defaults(c)
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(within(card).getByText('€15.00 a month')).toBeTruthy()
    expect(within(card).getByText('€150.00 a year')).toBeTruthy()
    expect(within(card).getByText('14-day free trial')).toBeTruthy()
    const courses = await within(card).findByRole('list', { name: 'Courses in Pro' })
    expect(within(courses).getByRole('link', { name: 'Git Basics' }).getAttribute('href')).toBe(
      '/courses/git-basics',
    )
    expect(within(courses).getByRole('link', { name: 'SQL Joins' })).toBeTruthy()
    // Not subscribed: no way into the courses from here, only subscribing.
    expect(within(card).queryByRole('button', { name: /Start learning/ })).toBeNull()
    expect(headingSkips()).toEqual([])

    fireEvent.click(
      within(card).getByRole('button', {
        name: 'Start free trial · Monthly: Pro, €15.00 a month, 14-day free trial',
      }),
    )
    expect(await screen.findByText('The cart')).toBeTruthy()
    expect(kit.calls.filter((c) => c.method === 'POST')).toEqual([
      {
        method: 'POST',
        path: '/commerce/cart/items',
        query: '',
        body: { priceId: 'pri_month', quantity: 1 },
      },
    ])
  })

  it('shows a subscriber their status and opens a plan course with "Start learning"', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) => {
      if (c.path === '/commerce/subscriptions/mine') return { items: [subscription()], nextCursor: null }
      if (c.method === 'POST' && c.path === '/learning/enrollments')
        return { id: 'enr_1', courseId: COURSE_A }
      return defaults(c)
    }
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(await within(card).findByText('Active')).toBeTruthy()
    expect(within(card).getByRole('link', { name: 'Manage subscription' }).getAttribute('href')).toBe(
      '/subscriptions',
    )
    expect(within(card).queryByRole('button', { name: /^(Subscribe|Start free trial)/ })).toBeNull()
    fireEvent.click(await within(card).findByRole('button', { name: 'Start learning Git Basics' }))
    expect(await screen.findByText('The player')).toBeTruthy()
    expect(kit.calls.find((c) => c.method === 'POST')).toMatchObject({
      path: '/learning/enrollments',
      body: { courseId: COURSE_A },
    })
  })

  it('warns a past-due subscriber on the plan', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) =>
      c.path === '/commerce/subscriptions/mine'
        ? {
            items: [subscription({ status: 'past_due', nextAttemptAt: '2026-12-29T12:00:00Z' })],
            nextCursor: null,
          }
        : defaults(c)
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(await within(card).findByRole('alert')).toBeTruthy()
    expect(within(card).getByText('Update your payment method to keep access.')).toBeTruthy()
  })

  it('describes an all-courses plan and points to the catalog', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) =>
      c.path === '/commerce/plans'
        ? { items: [plan({ entitlement: { scope: 'all_courses' }, prices: [plan().prices[1]!] })] }
        : defaults(c)
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(within(card).getByText(/Every course of your organization/)).toBeTruthy()
    expect(within(card).getByRole('link', { name: 'Browse the catalog' })).toBeTruthy()
    // One price: the button needs no interval, and without a trial it says Subscribe.
    expect(within(card).getByRole('button', { name: 'Subscribe: Pro, €150.00 a year' }).textContent).toBe(
      'Subscribe',
    )
  })

  it('counts plan courses the catalog does not show instead of failing', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) => (c.path === `/learning/catalog/courses/${COURSE_B}` ? undefined : defaults(c))
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(await within(card).findByText(/And 1 more course not listed here/)).toBeTruthy()
    expect(within(card).getByRole('link', { name: 'Git Basics' })).toBeTruthy()
  })

  it('shows the plan’s description under its name, with its line breaks', async () => {
    kit.me = LEARNER_ME
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    const text = within(card).getByText(/Every course of the Pro track\./)
    expect(text.textContent).toBe(plan().product.description)
    expect(text.style.whiteSpace).toBe('pre-line')
    // Right under the name, and the card's accessible description.
    expect(within(card).getByRole('heading', { name: 'Pro' }).parentElement?.nextElementSibling).toBe(text)
    expect(card.getAttribute('aria-describedby')).toBe(text.id)
  })

  it('shows markup in a description as text, never as HTML', async () => {
    kit.me = LEARNER_ME
    const markup =
      '<script>window.hacked = true</script><img src=x onerror="window.hacked = true"> <b>bold</b>'
    kit.answer = (c) =>
      c.path === '/commerce/plans'
        ? { items: [plan({ product: { ...plan().product, description: markup } })] }
        : defaults(c)
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(within(card).getByText(markup, { normalizer: (s) => s }).textContent).toBe(markup)
    expect(card.querySelector('script, img, b')).toBeNull()
    expect((window as { hacked?: boolean }).hacked).toBeUndefined()
  })

  it('shows no description when the plan has none', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) =>
      c.path === '/commerce/plans'
        ? { items: [plan({ product: { ...plan().product, description: '' } })] }
        : defaults(c)
    page()
    const card = await screen.findByRole('article', { name: 'Pro' })
    expect(card.getAttribute('aria-describedby')).toBeNull()
    expect(within(card).queryByText(/Pro track/)).toBeNull()
  })

  it('says when the organization has no plan', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) => (c.path === '/commerce/plans' ? { items: [] } : defaults(c))
    page()
    expect(await screen.findByText('Your organization offers no subscription plans.')).toBeTruthy()
  })

  it('shows a load failure with "Try again", and a refused cart add where it happened', async () => {
    kit.me = LEARNER_ME
    kit.answer = (c) => (c.path === '/commerce/plans' ? [503, { detail: 'Commerce is down' }] : defaults(c))
    page()
    const alert = await screen.findByRole('alert')
    expect(within(alert).getByText('Commerce is down')).toBeTruthy()
    kit.answer = (c) =>
      c.path === '/commerce/cart/items'
        ? [409, { detail: 'The cart holds items in USD', reason: 'currency_mismatch' }]
        : defaults(c)
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }))
    const card = await screen.findByRole('article', { name: 'Pro' })
    fireEvent.click(within(card).getByRole('button', { name: 'Subscribe · Yearly: Pro, €150.00 a year' }))
    expect(await within(card).findByText('The cart holds items in USD')).toBeTruthy()
  })

  it('asks a visitor to sign in and loads nothing', async () => {
    kit.me = {}
    kit.answer = () => [401, { detail: 'Sign in' }]
    const { api } = await import('../../api/client.ts')
    api.tokens.clear()
    page()
    expect(await screen.findByText('Sign in to see this page.')).toBeTruthy()
    await waitFor(() => expect(kit.calls.filter((c) => c.path.startsWith('/commerce'))).toEqual([]))
  })
})
