// @vitest-environment jsdom
import { cleanup, configure, screen } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import OrderPage from './OrderPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const ME = {
  user: { id: 'usr_learner', email: 'lea@example.com', displayName: 'Lea', platformAdmin: false },
  orgId: 'org_1',
  roles: ['learner'],
}
const ORDER = {
  id: 'ord_01a21f7e66b07dafb9118e2a8255cdb3',
  userId: 'usr_learner',
  status: 'paid',
  currency: 'EUR',
  subtotalMinor: 2000,
  discountMinor: 0,
  taxMinor: 0,
  totalMinor: 2000,
  refundedMinor: 0,
  couponCodes: [],
  createdAt: '2026-11-28T00:11:00Z',
  paidAt: '2026-11-28T00:11:01Z',
  payments: [],
  items: [
    {
      id: 'oit_1',
      productId: 'prd_1',
      priceId: 'pri_1',
      productType: 'tutoring_lesson',
      productRef: 'bkg_1',
      title: '30-minute lesson with Theo Tutor',
      quantity: 1,
      unitAmountMinor: 2000,
      discountMinor: 0,
      amountMinor: 2000,
      taxMinor: 0,
      refundedMinor: 0,
    },
  ],
}

beforeEach(() => {
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const path = String(input).split('?')[0]
    if (path === '/api/identity/me') return json(ME)
    if (path === `/api/commerce/orders/${ORDER.id}`) return json(ORDER)
    return json({ status: 404, detail: 'No route' }, 404)
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

describe('order page', () => {
  it('says when the order was placed and never shows its raw id', async () => {
    renderPage(
      <Routes>
        <Route path="/orders/:orderId" element={<OrderPage />} />
      </Routes>,
      `/orders/${ORDER.id}`,
    )
    expect(await screen.findByText(/^Placed /)).toBeTruthy()
    expect(screen.getByText('30-minute lesson with Theo Tutor')).toBeTruthy()
    expect(document.body.textContent).not.toContain(ORDER.id)
  })
})
