// @vitest-environment jsdom
/**
 * The card form for what commerce charges later (a subscription's checkout and renewals, a new card):
 * Elements in deferred mode with manual payment-method creation, `elements.submit()`, then
 * `stripe.createPaymentMethod({ elements })`, and the `pm_…` handed to the page. Stripe.js is replaced by
 * stand-ins, as in StripePayment.test.tsx (it only loads from js.stripe.com).
 */
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'

const stripe = vi.hoisted(() => ({
  loadStripe: vi.fn((key: string) => Promise.resolve({ key })),
  submit: vi.fn<() => Promise<{ error?: { message?: string } }>>(),
  createPaymentMethod:
    vi.fn<(options: unknown) => Promise<{ error?: { message?: string }; paymentMethod?: { id: string } }>>(),
  elementsOptions: [] as unknown[],
}))

vi.mock('@stripe/stripe-js', () => ({ loadStripe: stripe.loadStripe }))
vi.mock('@stripe/react-stripe-js', () => ({
  Elements: ({ options, children }: { options: unknown; children: ReactNode }) => {
    stripe.elementsOptions.push(options)
    return <div data-testid="stripe-elements">{children}</div>
  },
  PaymentElement: () => <div data-testid="payment-element" />,
  useStripe: () => ({ createPaymentMethod: stripe.createPaymentMethod }),
  useElements: () => ({ submit: stripe.submit }),
}))

const { default: StripeCardMethod } = await import('./StripeCardMethod.tsx')

installDomStubs()

beforeEach(() => {
  stripe.elementsOptions = []
  stripe.submit.mockReset().mockResolvedValue({})
  stripe.createPaymentMethod.mockReset()
})
afterEach(() => cleanup())

function renderForm(onMethod: (pm: string) => Promise<unknown>, amountMinor = 1500) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } })
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <StripeCardMethod
          publishableKey="pk_test_local"
          currency="EUR"
          amountMinor={amountMinor}
          submitLabel="Subscribe"
          onMethod={onMethod}
        />
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('stripe card method', () => {
  it('creates a reusable payment method in the browser and hands its id to the page', async () => {
    stripe.createPaymentMethod.mockResolvedValue({ paymentMethod: { id: 'pm_1abc' } })
    const onMethod = vi.fn(() => Promise.resolve())
    renderForm(onMethod)
    expect(stripe.elementsOptions.at(-1)).toEqual({
      mode: 'payment',
      amount: 1500,
      currency: 'eur',
      setupFutureUsage: 'off_session',
      paymentMethodCreation: 'manual',
    })
    fireEvent.click(screen.getByRole('button', { name: 'Subscribe' }))
    await waitFor(() => expect(onMethod).toHaveBeenCalledOnce())
    expect((onMethod.mock.calls[0] as unknown[])[0]).toBe('pm_1abc')
    expect(stripe.submit).toHaveBeenCalledOnce()
  })

  it('uses setup mode when nothing is charged now (a trial, a card change)', () => {
    renderForm(vi.fn(), 0)
    expect(stripe.elementsOptions.at(-1)).toEqual({
      mode: 'setup',
      currency: 'eur',
      paymentMethodCreation: 'manual',
    })
  })

  it('shows Stripe’s message and sends nothing when the card is refused', async () => {
    stripe.createPaymentMethod.mockResolvedValue({ error: { message: 'Your card number is incomplete.' } })
    const onMethod = vi.fn(() => Promise.resolve())
    renderForm(onMethod)
    fireEvent.click(screen.getByRole('button', { name: 'Subscribe' }))
    expect(await screen.findByText('Your card number is incomplete.')).toBeTruthy()
    expect(onMethod).not.toHaveBeenCalled()
  })
})
