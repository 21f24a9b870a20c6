// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { headingSkips } from '../../test-headings.ts'
import { LEARNER_ME } from '../../test-fixtures.ts'
import { formatDate } from '../../lib/dates.ts'
import type { Subscription } from '../../api/subscriptions.ts'
import SubscriptionsPage from './SubscriptionsPage.tsx'
import { fakeApi, subscription, type Call } from './subscription-test-kit.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const ACTIVE = subscription()
const TRIAL = subscription({
  id: `sub_${'2'.repeat(32)}`,
  title: 'Data',
  status: 'trialing',
  trialEnd: '2026-12-12T12:00:00Z',
  currentPeriodEnd: '2026-12-12T12:00:00Z',
})
const PAST_DUE = subscription({
  id: `sub_${'3'.repeat(32)}`,
  title: 'Design',
  status: 'past_due',
  failedAttempts: 1,
  nextAttemptAt: '2026-12-29T12:00:00Z',
  paymentMethod: 'pm_…4242',
})
const ENDED = subscription({
  id: `sub_${'4'.repeat(32)}`,
  title: 'Old plan',
  status: 'cancelled',
  cancelReason: 'payment_failed',
  endedAt: '2026-10-01T12:00:00Z',
})

let list: Subscription[]
const defaults = (c: Call) => {
  if (c.path === '/commerce/subscriptions/mine') return { items: list, nextCursor: null }
  if (c.path === '/commerce/checkout/options') return { provider: 'sandbox', publishableKey: null }
  const change = /^\/commerce\/subscriptions\/(sub_\w+)\/(cancel|resume|payment-method)$/.exec(c.path)
  if (change) {
    const s = list.find((x) => x.id === change[1])!
    const changed =
      change[2] === 'cancel'
        ? { ...s, cancelAtPeriodEnd: true }
        : change[2] === 'resume'
          ? { ...s, cancelAtPeriodEnd: false }
          : { ...s, paymentMethod: (c.body as { paymentMethod: string }).paymentMethod }
    list = list.map((x) => (x.id === s.id ? changed : x))
    return changed
  }
  return undefined
}
const kit = fakeApi(defaults)
const changes = () => kit.calls.filter((c) => c.method !== 'GET')

describe('my subscriptions', () => {
  it('shows each subscription’s status, dates, amount and payment method; ended ones last', async () => {
    kit.me = LEARNER_ME
    list = [ENDED, ACTIVE, TRIAL]
    renderPage(<SubscriptionsPage />, '/subscriptions')
    const active = await screen.findByRole('article', { name: 'Pro' })
    expect(within(active).getByText('Active')).toBeTruthy()
    expect(
      within(active).getByText(`€15.00 a month. Renews on ${formatDate(ACTIVE.currentPeriodEnd)}.`),
    ).toBeTruthy()
    expect(within(active).getByText('Payment method: Test card (payments succeed)')).toBeTruthy()
    const trial = screen.getByRole('article', { name: 'Data' })
    expect(within(trial).getByText('Free trial')).toBeTruthy()
    expect(
      within(trial).getByText(
        new RegExp(`Free trial until ${formatDate(TRIAL.trialEnd)}, then €15.00 a month`),
      ),
    ).toBeTruthy()
    const ended = screen.getByRole('article', { name: 'Old plan' })
    expect(within(ended).getByText(/Ended .*: the renewal payment kept failing\./)).toBeTruthy()
    expect(within(ended).queryByRole('button', { name: 'Cancel subscription' })).toBeNull()
    const articles = screen.getAllByRole('article').map((a) => a.getAttribute('aria-labelledby'))
    expect(articles.at(-1)).toBe(`sub-${ENDED.id}`)
    expect(headingSkips()).toEqual([])
  })

  it('cancels at the period end only after a confirmation, then offers to resume', async () => {
    kit.me = LEARNER_ME
    list = [ACTIVE]
    renderPage(<SubscriptionsPage />, '/subscriptions')
    const card = await screen.findByRole('article', { name: 'Pro' })
    fireEvent.click(within(card).getByRole('button', { name: 'Cancel subscription' }))
    const dialog = await screen.findByRole('dialog', { name: 'Cancel Pro?' })
    expect(
      within(dialog).getByText(new RegExp(`keep access until ${formatDate(ACTIVE.currentPeriodEnd)}`)),
    ).toBeTruthy()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep subscription' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(changes()).toEqual([])

    fireEvent.click(within(card).getByRole('button', { name: 'Cancel subscription' }))
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Cancel Pro?' })).getByRole('button', {
        name: 'Cancel at period end',
      }),
    )
    expect(await within(card).findByRole('button', { name: 'Resume subscription' })).toBeTruthy()
    expect(within(card).getByText(/Cancelled: access until/)).toBeTruthy()
    fireEvent.click(within(card).getByRole('button', { name: 'Resume subscription' }))
    expect(await within(card).findByRole('button', { name: 'Cancel subscription' })).toBeTruthy()
    expect(changes().map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST /commerce/subscriptions/${ACTIVE.id}/cancel`,
      `POST /commerce/subscriptions/${ACTIVE.id}/resume`,
    ])
  })

  it('tells a past-due subscriber what happened and changes the card renewals charge', async () => {
    kit.me = LEARNER_ME
    list = [PAST_DUE]
    renderPage(<SubscriptionsPage />, '/subscriptions')
    const card = await screen.findByRole('article', { name: 'Design' })
    const alert = within(card).getByRole('alert')
    expect(
      within(alert).getByText(new RegExp(`next try on ${formatDate(PAST_DUE.nextAttemptAt)}`)),
    ).toBeTruthy()
    expect(within(card).getByText('Payment method: Card ending 4242')).toBeTruthy()
    fireEvent.click(within(alert).getByRole('button', { name: 'Update payment method' }))
    const dialog = await screen.findByRole('dialog', { name: 'Update payment method' })
    fireEvent.click(await within(dialog).findByRole('radio', { name: 'Test card: payments succeed' }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save payment method' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(changes()).toEqual([
      {
        method: 'PUT',
        path: `/commerce/subscriptions/${PAST_DUE.id}/payment-method`,
        query: '',
        body: { paymentMethod: 'pm_sandbox_ok' },
      },
    ])
  })

  it('shows the server’s refusal in the dialog and keeps it open', async () => {
    kit.me = LEARNER_ME
    list = [ACTIVE]
    kit.answer = (c) =>
      c.path.endsWith('/cancel') ? [409, { detail: 'This subscription is cancelled' }] : defaults(c)
    renderPage(<SubscriptionsPage />, '/subscriptions')
    const card = await screen.findByRole('article', { name: 'Pro' })
    fireEvent.click(within(card).getByRole('button', { name: 'Cancel subscription' }))
    const dialog = await screen.findByRole('dialog', { name: 'Cancel Pro?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel at period end' }))
    expect(await within(dialog).findByText('This subscription is cancelled')).toBeTruthy()
  })

  it('has an empty state leading to the plans', async () => {
    kit.me = LEARNER_ME
    list = []
    renderPage(<SubscriptionsPage />, '/subscriptions')
    expect(await screen.findByText('You have no subscriptions.')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'See the plans' }).getAttribute('href')).toBe('/plans')
  })

  it('shows a failed load with a retry', async () => {
    kit.me = LEARNER_ME
    kit.answer = () => [500, { detail: 'Something broke' }]
    renderPage(<SubscriptionsPage />, '/subscriptions')
    const alert = await screen.findByRole('alert')
    expect(within(alert).getByText('Something broke')).toBeTruthy()
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy()
  })
})
