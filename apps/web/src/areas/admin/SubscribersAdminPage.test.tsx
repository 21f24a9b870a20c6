// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { headingSkips } from '../../test-headings.ts'
import { LEARNER_ME } from '../../test-fixtures.ts'
import { expectDenied, expectLoadFailure, ORG_ADMIN } from './admin-test-kit.ts'
import { fakeApi, subscription, type Call } from '../learner/subscription-test-kit.ts'
import SubscribersAdminPage from './SubscribersAdminPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const hex = (n: number) => String(n).padStart(32, '0')
const ACTIVE = subscription({ id: `sub_${hex(1)}`, userId: 'usr_lea' })
const TRIAL = subscription({
  id: `sub_${hex(2)}`,
  userId: 'usr_max',
  status: 'trialing',
  trialEnd: '2026-12-12T12:00:00Z',
  currentPeriodEnd: '2026-12-12T12:00:00Z',
  cancelAtPeriodEnd: true,
})
const ENDED = subscription({
  id: `sub_${hex(3)}`,
  userId: 'usr_gone',
  status: 'cancelled',
  cancelReason: 'payment_failed',
  endedAt: '2026-11-20T12:00:00Z',
})
const PAST_DUE = subscription({ id: `sub_${hex(4)}`, userId: 'usr_lea', status: 'past_due' })

const member = (userId: string, displayName: string) => ({
  userId,
  displayName,
  email: `${displayName.toLowerCase()}@example.com`,
  roles: ['learner'],
  joinedAt: '2026-01-01T00:00:00Z',
})

const defaults = (c: Call) => {
  if (c.path === '/commerce/subscriptions' && c.method === 'GET') {
    if (c.query.includes('status=past_due')) return { items: [PAST_DUE], nextCursor: null }
    if (c.query.includes(`after=${TRIAL.id}`)) return { items: [ENDED], nextCursor: null }
    return { items: [ACTIVE, TRIAL], nextCursor: TRIAL.id }
  }
  if (c.path === '/identity/orgs/org_1/members')
    return { items: [member('usr_lea', 'Lea'), member('usr_max', 'Max')], nextCursor: null }
  if (c.path === `/commerce/subscriptions/${ACTIVE.id}/cancel-now`)
    return {
      subscription: { ...ACTIVE, status: 'cancelled', cancelReason: 'admin' },
      refundId: 'rfd_1',
      refundedMinor: 750,
    }
  return undefined
}
const kit = fakeApi(defaults)
const writes = () => kit.calls.filter((c) => c.method !== 'GET')
const lists = () => kit.calls.filter((c) => c.path === '/commerce/subscriptions')

/** Records the Idempotency-Key of each request (the kit's stub does not keep headers). */
function recordKeys(): (string | null)[] {
  const keys: (string | null)[] = []
  const inner = globalThis.fetch
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.method === 'POST') keys.push(new Headers(init.headers).get('idempotency-key'))
    return inner(input, init)
  })
  return keys
}

describe('subscribers (org admin)', () => {
  it('lists subscriptions with subscriber, plan, status, dates and amount; loads more', async () => {
    kit.me = ORG_ADMIN
    renderPage(<SubscribersAdminPage />, '/org/subscriptions')
    const table = await screen.findByRole('table', { name: 'Subscriptions' })
    const rows = within(table).getAllByRole('row')
    expect(within(rows[1]!).getByText('Lea')).toBeTruthy()
    expect(within(rows[1]!).getByText('lea@example.com')).toBeTruthy()
    expect(within(rows[1]!).getByText('Active')).toBeTruthy()
    expect(within(rows[1]!).getByText(/^Renews Dec 28, 2026$/)).toBeTruthy()
    expect(within(rows[1]!).getByText('€15.00 a month')).toBeTruthy()
    expect(within(rows[2]!).getByText('Free trial')).toBeTruthy()
    expect(within(rows[2]!).getByText('Ends at period end')).toBeTruthy()
    expect(within(rows[2]!).getByText(/^Trial ends Dec 12, 2026$/)).toBeTruthy()
    expect(lists()[0]!.query).toBe('limit=50')
    expect(headingSkips()).toEqual([])

    fireEvent.click(screen.getByRole('button', { name: 'Load more subscriptions' }))
    // Someone who is no longer a member is shown by id; an ended subscription cannot be cancelled.
    expect(await within(table).findByText('usr_gone')).toBeTruthy()
    expect(within(table).getByText(/Ended Nov 20, 2026: renewal payments failed/)).toBeTruthy()
    expect(lists()[1]!.query).toContain(`after=${TRIAL.id}`)
    expect(within(table).getAllByRole('button', { name: /^Cancel now/ })).toHaveLength(2)
    expect(screen.queryByRole('button', { name: 'Load more subscriptions' })).toBeNull()
  })

  it('filters by status', async () => {
    kit.me = ORG_ADMIN
    renderPage(<SubscribersAdminPage />, '/org/subscriptions')
    await screen.findByRole('table', { name: 'Subscriptions' })
    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'past_due' } })
    await waitFor(() => expect(lists().at(-1)!.query).toBe('status=past_due&limit=50'))
    const table = await screen.findByRole('table', { name: 'Subscriptions' })
    expect(await within(table).findByText('Payment failed')).toBeTruthy()
    expect(within(table).queryByText('Free trial')).toBeNull()
    expect(within(table).getByText(/^Period ended Dec 28, 2026$/)).toBeTruthy()
  })

  it('cancels now with a prorated refund after a confirmation that says what happens', async () => {
    kit.me = ORG_ADMIN
    const keys = recordKeys()
    renderPage(<SubscribersAdminPage />, '/org/subscriptions')
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel now: Pro of Lea' }))
    const dialog = await screen.findByRole('dialog', { name: 'Cancel subscription now' })
    expect(within(dialog).getByText(/Access to the plan’s courses ends now/)).toBeTruthy()
    expect((within(dialog).getByRole('radio', { name: /No refund/ }) as HTMLInputElement).checked).toBe(true)
    expect(
      within(dialog).getByText(/unused part of the current paid period \(until Dec 28, 2026\)/),
    ).toBeTruthy()
    expect(writes()).toEqual([])

    fireEvent.click(within(dialog).getByRole('radio', { name: /Refund the unused time/ }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel now and refund' }))
    await waitFor(() =>
      expect(writes()).toEqual([
        {
          method: 'POST',
          path: `/commerce/subscriptions/${ACTIVE.id}/cancel-now`,
          query: '',
          body: { refund: 'prorated' },
        },
      ]),
    )
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/.{8,}/)
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(await screen.findByText('Pro of Lea ended now. €7.50 refunded (refund rfd_1).')).toBeTruthy()
    await waitFor(() => expect(lists()).toHaveLength(2))
  })

  it('offers no refund for a free trial and shows the server’s refusal in the dialog', async () => {
    kit.me = ORG_ADMIN
    kit.answer = (c) =>
      c.path === `/commerce/subscriptions/${TRIAL.id}/cancel-now`
        ? [409, { title: 'Conflict', detail: 'This subscription is cancelled' }]
        : defaults(c)
    renderPage(<SubscribersAdminPage />, '/org/subscriptions')
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel now: Pro of Max' }))
    const dialog = await screen.findByRole('dialog', { name: 'Cancel subscription now' })
    expect(within(dialog).getByText(/nothing to refund/)).toBeTruthy()
    expect(within(dialog).queryByRole('radio')).toBeNull()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel now' }))
    const alert = await within(dialog).findByRole('alert')
    expect(within(alert).getByText('This subscription is cancelled')).toBeTruthy()
    expect(writes()).toEqual([
      {
        method: 'POST',
        path: `/commerce/subscriptions/${TRIAL.id}/cancel-now`,
        query: '',
        body: { refund: 'none' },
      },
    ])
  })

  it('shows a load failure with "Try again"', async () => {
    kit.me = ORG_ADMIN
    kit.answer = (c) =>
      c.path === '/commerce/subscriptions' ? [500, { detail: 'Something broke' }] : defaults(c)
    renderPage(<SubscribersAdminPage />, '/org/subscriptions')
    await expectLoadFailure()
  })

  it('tells a learner the page is not for them and asks for nothing', async () => {
    kit.me = LEARNER_ME
    renderPage(<SubscribersAdminPage />, '/org/subscriptions')
    await expectDenied(
      'Only organization admins can see and cancel the organization’s subscriptions.',
      kit.calls,
    )
  })
})
