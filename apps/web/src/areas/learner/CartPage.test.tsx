// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import type { Cart } from '../../api/learner.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { cartLine, LEARNER_ME } from '../../test-fixtures.ts'
import CartPage from './CartPage.tsx'
import { fakeApi, PLAN_ID, type Call } from './subscription-test-kit.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const planLine = (amount: number) =>
  cartLine({
    priceId: 'pri_month',
    productId: PLAN_ID,
    productType: 'subscription_plan',
    productRef: 'plan-pro',
    title: 'Pro',
    unitAmountMinor: amount,
    subtotalMinor: amount,
    totalMinor: amount,
  })
const cartOf = (amount: number): Cart => ({
  id: 'crt_1',
  currency: 'EUR',
  items: [planLine(amount)],
  coupons: [],
  subtotalMinor: amount,
  discountMinor: 0,
  totalMinor: amount,
})

let cart: Cart
const kit = fakeApi((c: Call) => {
  if (c.path === '/commerce/cart') return cart
  if (c.path === '/commerce/checkout/options') return { provider: 'sandbox', publishableKey: null }
  if (c.path === '/commerce/checkout') return [201, { id: 'ord_1', status: 'paid', payments: [] }]
  return undefined
})

const page = () =>
  renderPage(
    <Routes>
      <Route path="/cart" element={<CartPage />} />
      <Route path="/orders/:orderId" element={<p>The order</p>} />
    </Routes>,
    '/cart',
  )

describe('cart with a subscription plan', () => {
  it('says the plan renews with the payment method and sends it with the checkout', async () => {
    kit.me = LEARNER_ME
    cart = cartOf(1500)
    page()
    expect(await screen.findByText(/The subscription renews automatically/)).toBeTruthy()
    fireEvent.click(screen.getByRole('radio', { name: 'Test card: payment succeeds' }))
    fireEvent.click(screen.getByRole('button', { name: 'Subscribe' }))
    expect(await screen.findByText('The order')).toBeTruthy()
    expect(kit.calls.find((c) => c.path === '/commerce/checkout')?.body).toEqual({
      paymentMethod: 'pm_sandbox_ok',
    })
  })

  it('asks for a payment method even when nothing is charged today (a free plan)', async () => {
    kit.me = LEARNER_ME
    cart = cartOf(0)
    page()
    expect(await screen.findByRole('radiogroup', { name: 'Sandbox payment method' })).toBeTruthy()
    expect(screen.queryByText('Nothing to pay: the order is free.')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Subscribe' }))
    await waitFor(() =>
      expect(kit.calls.find((c) => c.path === '/commerce/checkout')?.body).toEqual({
        paymentMethod: 'pm_sandbox_ok',
      }),
    )
  })
})
