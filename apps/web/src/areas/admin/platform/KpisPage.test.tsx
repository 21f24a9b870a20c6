// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../../api/client.ts'
import { SessionProvider } from '../../../api/session.tsx'
import { installDomStubs } from '../../../test-setup.ts'
import type { ChartSpec } from './KpiCharts.tsx'
import KpisPage from './KpisPage.tsx'

installDomStubs()
// A loaded machine renders slowly: wait up to 5 s for what a test expects to appear.
configure({ asyncUtilTimeout: 5000 })

// The chart library is not what is tested here: each chart renders its title and data length.
vi.mock('./KpiCharts.tsx', () => ({
  default: ({ spec }: { spec: ChartSpec }) => (
    <p data-testid="chart">
      {spec.title}: {spec.data.length} days
    </p>
  ),
}))

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
const days = (n: number, make: (date: string) => object) =>
  Array.from({ length: n }, (_, i) => make(`2026-01-${String(i + 1).padStart(2, '0')}`))

let answers: Record<string, () => Response>
beforeEach(() => {
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = String(input).split('?')[0]!
    const answer = answers[url]
    return answer
      ? answer()
      : new Response(JSON.stringify({ status: 404, code: 'not_found', detail: 'No route' }), {
          status: 404,
          headers: { 'content-type': 'application/problem+json' },
        })
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

const ME = { user: { id: 'usr_1', displayName: 'Root', platformAdmin: true }, orgId: 'org_1', roles: [] }

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <SessionProvider>
          <MemoryRouter>
            <KpisPage />
          </MemoryRouter>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('KPIs page', () => {
  it("combines the services' KPIs and shows which one failed", async () => {
    answers = {
      '/api/identity/me': () => json(ME),
      '/api/identity/admin/kpis': () =>
        json({ from: '', to: '', totalUsers: 42, daily: days(30, (date) => ({ date, signups: 2 })) }),
      '/api/commerce/admin/kpis': () =>
        json({
          from: '',
          to: '',
          daily: days(30, (date) => ({ date, orders: 2, paidOrders: 1 })),
          revenue: [
            {
              currency: 'EUR',
              totalMinor: 12345,
              refundedMinor: 0,
              daily: days(30, (date) => ({ date, amountMinor: 1 })),
            },
          ],
        }),
      '/api/learning/admin/kpis': () =>
        new Response(JSON.stringify({ status: 503, code: 'unavailable', detail: 'Learning is restarting' }), {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        }),
      '/api/tutoring/admin/kpis': () =>
        json({
          from: '',
          to: '',
          daily: days(30, (date) => ({ date, lessons: 0, completed: 0 })),
          openDisputes: 3,
          pendingVerifications: 0,
        }),
    }
    renderPage()
    expect((await screen.findByRole('alert')).textContent).toContain('Learning is restarting')
    expect(await screen.findByText('Revenue (EUR): 30 days')).toBeTruthy()
    expect(screen.getByText('42')).toBeTruthy()
    expect(screen.getByText('60')).toBeTruthy() // sign-ups summed over the period
    const titles = (await screen.findAllByTestId('chart')).map((c) => c.textContent)
    expect(titles).toEqual([
      'Revenue (EUR): 30 days',
      'Orders: 30 days',
      'Sign-ups: 30 days',
      'Tutoring lessons: 30 days',
    ])
  })

  it('tells a signed-in non-admin that the page is not for them', async () => {
    answers = { '/api/identity/me': () => json({ ...ME, user: { ...ME.user, platformAdmin: false } }) }
    renderPage()
    expect((await screen.findByRole('alert')).textContent).toContain('Only platform administrators')
  })
})
