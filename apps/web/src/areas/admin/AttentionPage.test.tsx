// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cleanup } from '@testing-library/react'
import { api } from '../../api/client.ts'
import type { AttentionItem } from '../../api/attention.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { headingSkips } from '../../test-headings.ts'
import AttentionPage from './AttentionPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const ORG_ADMIN = {
  user: { id: 'usr_1', displayName: 'Ada', platformAdmin: false },
  orgId: 'org_1',
  roles: ['org_admin'],
}
const ROOT = { user: { id: 'usr_9', displayName: 'Root', platformAdmin: true }, orgId: 'org_1', roles: [] }
const LEARNER = {
  user: { id: 'usr_2', displayName: 'Lea', platformAdmin: false },
  orgId: 'org_1',
  roles: ['learner'],
}

const hex = (n: number) => String(n).padStart(32, '0')
const CHARGE: AttentionItem = {
  kind: 'renewal_charge',
  id: `sch_${hex(1)}`,
  orgId: 'org_1',
  amountMinor: 1500,
  currency: 'EUR',
  orderId: `ord_${hex(2)}`,
  subscriptionId: `sub_${hex(3)}`,
  attempts: 8,
  lastError: 'StripeConnectionError (503)',
  reason: null,
  since: '2026-11-20T10:00:00.000Z',
  retryable: true,
}
const REFUND: AttentionItem = {
  kind: 'refund_failed',
  id: `ref_${hex(4)}`,
  orgId: 'org_2',
  amountMinor: 4999,
  currency: 'EUR',
  orderId: `ord_${hex(5)}`,
  subscriptionId: null,
  attempts: null,
  lastError: 'charge_disputed',
  reason: 'enrollment_rejected',
  since: '2026-11-21T10:00:00.000Z',
  retryable: false,
}

/** What the page asked for: method, path (without /api), query and body. */
let calls: { method: string; path: string; query: string; body: unknown }[]
let me: object
let listStatus: number

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  })

beforeEach(() => {
  calls = []
  me = ORG_ADMIN
  listStatus = 200
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const [path = '', query = ''] = String(input)
      .replace(/^.*\/api/, '')
      .split('?')
    const method = init?.method ?? 'GET'
    if (path === '/identity/me') return json(me)
    calls.push({ method, path, query, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    if (path === '/commerce/admin/attention') {
      if (listStatus !== 200)
        return json(
          { status: listStatus, title: 'Internal Server Error', detail: 'Something broke' },
          listStatus,
        )
      return json({ items: [CHARGE, REFUND], nextCursor: null })
    }
    const action = /^\/commerce\/admin\/attention\/([a-z_]+)\/([a-z0-9_]+)\/(retry|resolve)$/.exec(path)
    if (action && method === 'POST') {
      const [, kind, id, verb] = action
      return json({
        kind,
        id,
        action: verb,
        status: verb === 'retry' ? 'queued' : 'resolved',
        changed: true,
        by: 'usr_1',
        at: '2026-11-28T08:00:00.000Z',
        note: verb === 'resolve' ? 'done' : null,
      })
    }
    return json({ status: 404, detail: 'No route' }, 404)
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

const posts = () => calls.filter((c) => c.method === 'POST')

describe('needs attention page', () => {
  it('lists what waits for a person with amount, tries, last error and labelled actions', async () => {
    renderPage(<AttentionPage />, '/admin/attention')
    const table = await screen.findByRole('table', { name: 'Items that need attention' })
    expect(within(table).getByText('Renewal charge gave up')).toBeTruthy()
    expect(within(table).getByText('Refund refused')).toBeTruthy()
    expect(within(table).getByText('StripeConnectionError (503)')).toBeTruthy()
    expect(within(table).getByText('charge_disputed')).toBeTruthy()
    expect(within(table).getByText(CHARGE.subscriptionId!)).toBeTruthy()
    // Only the charge can be retried; both can be resolved.
    expect(screen.getByRole('button', { name: `Retry Renewal charge gave up ${CHARGE.id}` })).toBeTruthy()
    expect(screen.queryByRole('button', { name: `Retry Refund refused ${REFUND.id}` })).toBeNull()
    expect(screen.getByRole('button', { name: `Resolve Refund refused ${REFUND.id}` })).toBeTruthy()
    // An org admin sees no organization column (their own org only).
    expect(within(table).queryByText('Organization')).toBeNull()
    expect(headingSkips()).toEqual([])
  })

  it('retries a renewal charge with one POST and reloads the list', async () => {
    renderPage(<AttentionPage />, '/admin/attention')
    fireEvent.click(await screen.findByRole('button', { name: `Retry Renewal charge gave up ${CHARGE.id}` }))
    await waitFor(() =>
      expect(posts()).toEqual([
        {
          method: 'POST',
          path: `/commerce/admin/attention/renewal_charge/${CHARGE.id}/retry`,
          query: '',
          body: {},
        },
      ]),
    )
    await waitFor(() => expect(calls.filter((c) => c.path === '/commerce/admin/attention').length).toBe(2))
  })

  it('resolves with a required note', async () => {
    renderPage(<AttentionPage />, '/admin/attention')
    fireEvent.click(await screen.findByRole('button', { name: `Resolve Refund refused ${REFUND.id}` }))
    const dialog = await screen.findByRole('dialog', { name: 'Mark resolved' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Mark resolved' }))
    expect(await within(dialog).findByText('Say what was done about it')).toBeTruthy()
    expect(posts()).toEqual([])
    fireEvent.change(within(dialog).getByRole('textbox', { name: /What was done/ }), {
      target: { value: '  Refunded by bank transfer ' },
    })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Mark resolved' }))
    await waitFor(() =>
      expect(posts()).toEqual([
        {
          method: 'POST',
          path: `/commerce/admin/attention/refund_failed/${REFUND.id}/resolve`,
          query: '',
          body: { note: 'Refunded by bank transfer' },
        },
      ]),
    )
  })

  it('filters by kind', async () => {
    renderPage(<AttentionPage />, '/admin/attention')
    await screen.findByRole('table', { name: 'Items that need attention' })
    fireEvent.change(screen.getByRole('combobox', { name: 'Kind' }), { target: { value: 'card_expiry' } })
    expect(await screen.findByText(/could not cancel after 8 tries/)).toBeTruthy()
    await waitFor(() => expect(calls.some((c) => c.query.includes('kind=card_expiry'))).toBe(true))
  })

  it('shows platform admins the organization of each item inside the platform sections', async () => {
    me = ROOT
    renderPage(<AttentionPage />, '/admin/attention')
    const table = await screen.findByRole('table', { name: 'Items that need attention' })
    expect(within(table).getByText('org_2')).toBeTruthy()
    const nav = screen.getByRole('navigation', { name: 'Platform admin' })
    expect(within(nav).getByRole('link', { name: 'Needs attention' }).getAttribute('aria-current')).toBe(
      'page',
    )
  })

  it('tells a learner the page is not for them and asks for nothing', async () => {
    me = LEARNER
    renderPage(<AttentionPage />, '/admin/attention')
    expect(
      await screen.findByText('Only organization and platform administrators can open this page.'),
    ).toBeTruthy()
    expect(calls).toEqual([])
  })

  it('shows a load failure with a way to try again', async () => {
    listStatus = 500
    renderPage(<AttentionPage />, '/admin/attention')
    const alert = await screen.findByRole('alert')
    expect(within(alert).getByText('Something broke')).toBeTruthy()
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy()
  })
})
