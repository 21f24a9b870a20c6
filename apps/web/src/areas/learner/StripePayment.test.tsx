// @vitest-environment jsdom
/**
 * The Stripe Elements checkout's own logic: order first (one Idempotency-Key per click, reused on a
 * retry), Elements mounted with the PaymentIntent's client secret, Stripe.js confirms, then commerce
 * confirms the order. Stripe.js itself only loads from js.stripe.com and cannot be pointed at a local
 * server (stripe/stripe-js#317, #615), so its two packages are replaced by stand-ins recording what the
 * page asks of them; the commerce side runs against a fake `/api` over fetch.
 */
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Cart, Order } from '../../api/learner.ts'
import { installDomStubs } from '../../test-setup.ts'
import { cartLine } from '../../test-fixtures.ts'

const stripe = vi.hoisted(() => ({
  loadStripe: vi.fn((key: string) => Promise.resolve({ key })),
  confirmPayment: vi.fn<(options: unknown) => Promise<{ error?: { message?: string } }>>(),
  elementsOptions: [] as unknown[],
}))

vi.mock('@stripe/stripe-js', () => ({ loadStripe: stripe.loadStripe }))
vi.mock('@stripe/react-stripe-js', () => ({
  Elements: ({ options, children }: { options: unknown; children: ReactNode }) => {
    stripe.elementsOptions.push(options)
    return <div data-testid="stripe-elements">{children}</div>
  },
  PaymentElement: () => <div data-testid="payment-element" />,
  useStripe: () => ({ confirmPayment: stripe.confirmPayment }),
  useElements: () => ({ kind: 'elements' }),
}))

const { default: StripePayment } = await import('./StripePayment.tsx')

installDomStubs()

const cart: Cart = {
  id: 'crt_1',
  currency: 'EUR',
  items: [cartLine({ unitAmountMinor: 1900, subtotalMinor: 1900, totalMinor: 1900 })],
  coupons: [],
  subtotalMinor: 1900,
  discountMinor: 0,
  totalMinor: 1900,
}

const order = (status: string, clientSecret: string | null): Order => ({
  id: 'ord_1',
  userId: 'usr_1',
  status,
  currency: 'EUR',
  subtotalMinor: 1900,
  discountMinor: 0,
  taxMinor: 0,
  totalMinor: 1900,
  refundedMinor: 0,
  couponCodes: [],
  createdAt: '2026-11-27T10:00:00Z',
  paidAt: status === 'paid' ? '2026-11-27T10:01:00Z' : null,
  itemCount: 0,
  itemTitles: [],
  items: [],
  payments: [
    {
      id: 'pay_1',
      provider: 'stripe',
      status: status === 'paid' ? 'captured' : 'requires_action',
      amountMinor: 1900,
      capturedMinor: status === 'paid' ? 1900 : 0,
      refundedMinor: 0,
      failureCode: null,
      nextAction: clientSecret ? { type: 'client_secret', clientSecret } : null,
      createdAt: '2026-11-27T10:00:00Z',
    },
  ],
})

interface Sent {
  path: string
  key: string | null
}
let sent: Sent[] = []
let answers: Record<string, () => Response> = {}
const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } })

beforeEach(() => {
  sent = []
  stripe.elementsOptions = []
  stripe.confirmPayment.mockReset()
  answers = {
    '/api/commerce/checkout': () => json(201, order('pending', 'pi_1_secret_abc')),
    '/api/commerce/orders/ord_1/confirm': () => json(200, order('paid', null)),
  }
  vi.stubGlobal(
    'fetch',
    vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
      const path = String(input)
      const headers = (init?.headers ?? {}) as Record<string, string>
      sent.push({ path, key: headers['idempotency-key'] ?? null })
      const answer = answers[path]
      return Promise.resolve(answer ? answer() : json(404, { status: 404, detail: 'No route' }))
    }),
  )
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderPayment(onPaid: (o: Order) => void) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } })
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <StripePayment publishableKey="pk_test_local" cart={cart} onPaid={onPaid} />
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('happy', () => {
  it('creates the order, mounts Elements with its client secret, confirms with Stripe.js, then with commerce', async () => {
    stripe.confirmPayment.mockResolvedValue({})
    const onPaid = vi.fn()
    renderPayment(onPaid)
    fireEvent.click(screen.getByRole('button', { name: 'Continue to payment' }))
    await screen.findByTestId('payment-element')
    expect(stripe.loadStripe).toHaveBeenCalledWith('pk_test_local')
    expect(stripe.elementsOptions.at(-1)).toEqual({ clientSecret: 'pi_1_secret_abc' })

    fireEvent.click(screen.getByRole('button', { name: 'Pay now' }))
    await waitFor(() => expect(onPaid).toHaveBeenCalledOnce())
    expect(onPaid.mock.calls[0]![0]).toMatchObject({ id: 'ord_1', status: 'paid' })
    const options = stripe.confirmPayment.mock.calls[0]![0] as {
      redirect: string
      confirmParams: { return_url: string }
    }
    expect(options.redirect).toBe('if_required')
    expect(options.confirmParams.return_url).toBe(`${window.location.origin}/orders/ord_1?placed=1`)
    expect(sent.map((s) => s.path)).toEqual(['/api/commerce/checkout', '/api/commerce/orders/ord_1/confirm'])
    expect(sent.every((s) => s.key && s.key.length >= 16)).toBe(true)
  })

  it('an order already paid at checkout (a free cart) skips the card form', async () => {
    answers['/api/commerce/checkout'] = () => json(201, order('paid', null))
    const onPaid = vi.fn()
    renderPayment(onPaid)
    fireEvent.click(screen.getByRole('button', { name: 'Continue to payment' }))
    await waitFor(() => expect(onPaid).toHaveBeenCalledOnce())
    expect(screen.queryByTestId('payment-element')).toBeNull()
  })
})

describe('errors', () => {
  it("shows Stripe's decline and does not confirm the order; paying again reuses the confirm key", async () => {
    stripe.confirmPayment
      .mockResolvedValueOnce({ error: { message: 'Your card was declined.' } })
      .mockResolvedValueOnce({})
    const onPaid = vi.fn()
    renderPayment(onPaid)
    fireEvent.click(screen.getByRole('button', { name: 'Continue to payment' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Pay now' }))
    expect(await screen.findByText('Your card was declined.')).toBeTruthy()
    expect(sent.filter((s) => s.path.endsWith('/confirm'))).toHaveLength(0)
    expect(onPaid).not.toHaveBeenCalled()

    fireEvent.click(screen.getByRole('button', { name: 'Pay now' }))
    await waitFor(() => expect(onPaid).toHaveBeenCalledOnce())
    expect(sent.filter((s) => s.path.endsWith('/confirm'))).toHaveLength(1)
  })

  it("shows the server's problem when checkout is refused, and a retry sends the same Idempotency-Key", async () => {
    answers['/api/commerce/checkout'] = () =>
      json(
        409,
        {
          status: 409,
          code: 'conflict',
          title: 'Conflict',
          detail: 'A course in the cart is no longer sold',
        },
        'application/problem+json',
      )
    renderPayment(vi.fn())
    fireEvent.click(screen.getByRole('button', { name: 'Continue to payment' }))
    expect(await screen.findByText('A course in the cart is no longer sold')).toBeTruthy()
    expect(screen.queryByTestId('stripe-elements')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Continue to payment' }))
    await waitFor(() => expect(sent).toHaveLength(2))
    expect(sent[0]!.key).toBe(sent[1]!.key)
  })
})
