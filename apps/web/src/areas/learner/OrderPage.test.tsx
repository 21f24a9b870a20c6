// @vitest-environment jsdom
import { configure, screen } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage, stubApi } from '../../test-render.tsx'
import { LEARNER_ME, orderSummary } from '../../test-fixtures.ts'
import OrderPage from './OrderPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const ORDER = {
  ...orderSummary('ord_01a21f7e66b07dafb9118e2a8255cdb3', ['30-minute lesson with Theo Tutor']),
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

stubApi((path) => ({ '/api/identity/me': LEARNER_ME, [`/api/commerce/orders/${ORDER.id}`]: ORDER })[path])

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
