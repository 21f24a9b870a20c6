// @vitest-environment jsdom
import { cleanup, configure, fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../api/client.ts'
import { installDomStubs } from '../test-setup.ts'
import { renderPage } from '../test-render.tsx'
import { PayoutNow } from './PayoutNow.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
  })

const ME = {
  user: { id: 'usr_1', email: 'i@example.com', displayName: 'Ida', platformAdmin: false },
  orgId: 'org_1',
  roles: ['instructor'],
}
const payout = (status: string, amountMinor = 8000) => ({
  id: `pyo_${status}`,
  currency: 'EUR',
  amountMinor,
  provider: 'sandbox',
  status,
  periodStart: '2026-11-01T00:00:00Z',
  periodEnd: '2026-11-20T00:00:00Z',
  createdAt: '2026-11-20T00:00:00Z',
  paidAt: status === 'paid' ? '2026-11-20T00:00:00Z' : null,
})

/** What the stubbed commerce holds; a POST answer may change it. */
let state: { availableMinor: number; payouts: ReturnType<typeof payout>[] }
let postAnswer: () => Response
const posts: { key: string | null }[] = []
let balanceReads = 0

beforeEach(() => {
  posts.length = 0
  balanceReads = 0
  state = { availableMinor: 8000, payouts: [] }
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = String(input).split('?')[0]!
    const method = init?.method ?? 'GET'
    if (path === '/api/identity/me') return json(ME)
    if (path === '/api/commerce/earnings/me') {
      balanceReads++
      return json({
        payeeUserId: 'usr_1',
        balances: [{ currency: 'EUR', availableMinor: state.availableMinor, pendingEscrowMinor: 0 }],
        payoutMinimumMinor: 5000,
      })
    }
    if (path === '/api/commerce/earnings/me/payouts' && method === 'POST') {
      posts.push({ key: new Headers(init?.headers).get('idempotency-key') })
      return postAnswer()
    }
    if (path === '/api/commerce/earnings/me/payouts') return json({ items: state.payouts, nextCursor: null })
    return json({ status: 404, detail: 'No route' }, 404)
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

const button = (name: RegExp) => screen.findByRole('button', { name })

describe('pay out now', () => {
  it('shows the amount, confirms, pays once with an Idempotency-Key and refreshes the balance', async () => {
    postAnswer = () => {
      state = { availableMinor: 0, payouts: [payout('paid')] }
      return json({ periodEnd: '2026-11-20T00:00:00Z', payouts: [payout('paid')] }, 201)
    }
    renderPage(<PayoutNow />)
    expect((await screen.findByText(/Available to pay out/)).textContent).toMatch(/80[.,]00/)
    fireEvent.click(await button(/^Pay out now$/))
    expect(posts).toHaveLength(0) // asks first
    expect((await screen.findByText(/to your payout account now\?/)).textContent).toMatch(/80[.,]00/)
    fireEvent.click(await button(/Confirm payout/))
    expect((await screen.findByRole('status')).textContent).toMatch(/80[.,]00.*paid/)
    expect(posts).toHaveLength(1)
    expect(posts[0]!.key).toMatch(/\S{8,}/)
    await waitFor(() => expect(balanceReads).toBeGreaterThanOrEqual(2))
    expect(await screen.findByText(/Payouts start at/)).toBeTruthy() // the new balance (0) is below the minimum
    expect((await button(/^Pay out now$/)).hasAttribute('disabled')).toBe(true)
  })

  it('below the minimum the button is disabled and says why', async () => {
    state.availableMinor = 4999
    renderPage(<PayoutNow />)
    expect((await screen.findByText(/Payouts start at/)).textContent).toMatch(/50[.,]00/)
    expect((await button(/^Pay out now$/)).hasAttribute('disabled')).toBe(true)
    expect(screen.queryByText(/Available to pay out/)).toBeNull()
  })

  it('while a payout is pending the button is disabled and says why', async () => {
    state.payouts = [payout('pending')]
    renderPage(<PayoutNow />)
    expect(await screen.findByText(/A payout is on its way/)).toBeTruthy()
    expect((await button(/^Pay out now$/)).hasAttribute('disabled')).toBe(true)
  })

  it('a refusal shows the server’s explanation; the next click sends a new key', async () => {
    postAnswer = () =>
      json(
        {
          status: 429,
          code: 'rate_limited',
          title: 'Too many requests',
          detail: 'You can ask for 3 payouts a day',
          reason: 'payout_request_limit',
        },
        429,
      )
    renderPage(<PayoutNow />)
    fireEvent.click(await button(/^Pay out now$/))
    fireEvent.click(await button(/Confirm payout/))
    expect((await screen.findByRole('alert')).textContent).toContain('You can ask for 3 payouts a day')
    fireEvent.click(await button(/Confirm payout/))
    await waitFor(() => expect(posts).toHaveLength(2))
    expect(posts[1]!.key).not.toBe(posts[0]!.key)
  })
})
