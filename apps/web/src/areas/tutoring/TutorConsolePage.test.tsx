// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client.ts'
import { SessionProvider } from '../../api/session.tsx'
import { installDomStubs } from '../../test-setup.ts'
import TutorConsolePage from './TutorConsolePage.tsx'
import { headingOutline, headingSkips } from '../../test-headings.ts'

installDomStubs()
// A loaded machine renders slowly: wait up to 5 s for what a test expects to appear.
configure({ asyncUtilTimeout: 5000 })

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ status, code: 'x', title: 'Problem', detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })

const ME = {
  user: { id: 'usr_tutor', email: 'tutor@example.com', displayName: 'Theo', platformAdmin: false },
  orgId: 'org_1',
  roles: ['tutor'],
}
const entry = (id: string, amountMinor: number) => ({
  id,
  transactionId: `txn_${id}`,
  transactionKind: 'escrow_release',
  account: 'payable',
  amountMinor,
  currency: 'EUR',
  description: `Lesson ${id} delivered (booking bkg_${id}0123456789): your earnings`,
  transactionDescription: `Lesson delivered (booking bkg_${id}0123456789): escrow released`,
  createdAt: '2026-11-20T10:00:00Z',
})

let answers: Record<string, () => Response>
const asked: string[] = []
beforeEach(() => {
  asked.length = 0
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = String(input)
    asked.push(url)
    const path = url.split('?')[0]!
    if (path === '/api/identity/me') return json(ME)
    const answer = answers[path]
    return answer ? answer() : problem(404, 'No route')
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

function renderEarnings() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <SessionProvider>
          <MemoryRouter initialEntries={['/tutor?tab=earnings']}>
            <TutorConsolePage />
          </MemoryRouter>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('tutor console: earnings', () => {
  it('shows zero amounts as amounts, never "Free", and lists movements and payouts', async () => {
    answers = {
      '/api/commerce/earnings/me': () =>
        json({
          payeeUserId: 'usr_tutor',
          balances: [{ currency: 'EUR', availableMinor: 1600, pendingEscrowMinor: 0 }],
          payoutMinimumMinor: 5000,
        }),
      '/api/commerce/earnings/me/entries': () =>
        json({ items: [entry('1', 1600), entry('2', 0)], nextCursor: null }),
      '/api/commerce/earnings/me/payouts': () =>
        json({
          items: [
            {
              id: 'pyo_1',
              currency: 'EUR',
              amountMinor: 0,
              provider: 'sandbox',
              status: 'paid',
              periodStart: '2026-11-01T00:00:00Z',
              periodEnd: '2026-11-15T00:00:00Z',
              createdAt: '2026-11-15T00:00:00Z',
              paidAt: '2026-11-15T00:00:00Z',
            },
          ],
          nextCursor: null,
        }),
    }
    renderEarnings()
    expect((await screen.findByTestId('available-EUR')).textContent).toMatch(/16[.,]00/)
    const escrow = screen.getByText(/^Held in escrow:/)
    expect(escrow.textContent).not.toContain('Free')
    expect(escrow.textContent).toMatch(/0[.,]00/)
    const movements = await screen.findByRole('table', { name: 'Movements' })
    expect(movements.textContent).toContain('Lesson 2 delivered: your earnings')
    expect(movements.textContent).not.toContain('bkg_')
    expect(movements.textContent).not.toContain('Free')
    expect(await screen.findByText(/· sandbox$/)).toBeTruthy()
    expect(document.body.textContent).not.toContain('Free')
    expect(asked.some((u) => u.startsWith('/api/commerce/earnings/me/entries?limit=20'))).toBe(true)
    // Balance, Movements and Payouts are sections of the page: h2 under its h1, no level skipped.
    expect(headingSkips()).toEqual([])
    expect(headingOutline()).toEqual(expect.arrayContaining(['h2 Balance', 'h2 Movements', 'h2 Payouts']))
  })

  it('a payee without a payout account (200, account: null) sees the default-rail note; one with an account sees it', async () => {
    const empty = {
      '/api/commerce/earnings/me': () =>
        json({ payeeUserId: 'usr_tutor', balances: [], payoutMinimumMinor: 5000 }),
      '/api/commerce/earnings/me/entries': () => json({ items: [], nextCursor: null }),
      '/api/commerce/earnings/me/payouts': () => json({ items: [], nextCursor: null }),
    }
    answers = { ...empty, '/api/commerce/earnings/me/payout-account': () => json({ account: null }) }
    renderEarnings()
    expect(await screen.findByText(/No payout account registered/)).toBeTruthy()
    expect(screen.queryByText(/Paid to your/)).toBeNull()
    expect(asked).toContain('/api/commerce/earnings/me/payout-account')
    cleanup()

    answers = {
      ...empty,
      '/api/commerce/earnings/me/payout-account': () =>
        json({
          account: { provider: 'stripe', accountRef: 'acct_1Tutor', createdAt: '2026-11-01T00:00:00Z' },
        }),
    }
    renderEarnings()
    expect(await screen.findByText('Paid to your stripe account acct_1Tutor.')).toBeTruthy()
    expect(screen.queryByText(/No payout account registered/)).toBeNull()
  })

  it("shows commerce's problem when the balance cannot be loaded", async () => {
    answers = {
      '/api/commerce/earnings/me': () => problem(503, 'Commerce is unavailable'),
      '/api/commerce/earnings/me/entries': () => json({ items: [], nextCursor: null }),
      '/api/commerce/earnings/me/payouts': () => json({ items: [], nextCursor: null }),
    }
    renderEarnings()
    expect((await screen.findByRole('alert')).textContent).toContain('Commerce is unavailable')
    expect(await screen.findByText('No movements yet.')).toBeTruthy()
    expect(await screen.findByText('No payouts yet.')).toBeTruthy()
  })
})
