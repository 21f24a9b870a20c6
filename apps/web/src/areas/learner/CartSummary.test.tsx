// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Cart } from '../../api/learner.ts'
import { cartLine } from '../../test-fixtures.ts'
import { installDomStubs } from '../../test-setup.ts'
import { CartLines, CartTotals } from './CartSummary.tsx'

installDomStubs()
afterEach(cleanup)

const line = cartLine
const cart = (over: Partial<Cart> = {}): Cart => ({
  id: 'crt_1',
  currency: 'USD',
  items: [line()],
  coupons: [],
  subtotalMinor: 1200,
  discountMinor: 0,
  totalMinor: 1200,
  tax: { label: 'VAT', rateBasisPoints: 2000, includedMinor: 200 },
  ...over,
})
const inMantine = (node: React.ReactNode) => render(<MantineProvider>{node}</MantineProvider>)

describe('CartTotals', () => {
  it("shows the server's subtotal, discount, included tax and total", () => {
    inMantine(
      <CartTotals
        cart={cart({
          coupons: [{ code: 'HALF', discountMinor: 600, reason: null }],
          discountMinor: 600,
          totalMinor: 600,
          tax: { label: 'VAT', rateBasisPoints: 2000, includedMinor: 100 },
        })}
      />,
    )
    expect(screen.getByTestId('cart-subtotal').textContent).toBe('$12.00')
    expect(screen.getByTestId('cart-discount').textContent).toBe('−$6.00')
    expect(screen.getByTestId('cart-tax').textContent).toBe('$1.00')
    expect(screen.getByText('Includes VAT (20 %)')).toBeTruthy()
    expect(screen.getByTestId('cart-total').textContent).toBe('$6.00')
    expect(screen.getByText('Coupon HALF')).toBeTruthy()
  })

  it('hides the tax line without a tax rate and the discount line without a discount', () => {
    inMantine(<CartTotals cart={cart({ tax: { label: 'VAT', rateBasisPoints: 0, includedMinor: 0 } })} />)
    expect(screen.queryByTestId('cart-tax')).toBeNull()
    expect(screen.queryByTestId('cart-discount')).toBeNull()
    expect(screen.getByTestId('cart-total').textContent).toBe('$12.00')
  })

  it('explains a coupon that no longer applies', () => {
    inMantine(
      <CartTotals cart={cart({ coupons: [{ code: 'OLD', discountMinor: 0, reason: 'coupon_expired' }] })} />,
    )
    expect(screen.getByText(/not applied: coupon expired/)).toBeTruthy()
  })
})

describe('CartLines', () => {
  it('marks lines no longer for sale and removes a line by its price', () => {
    const onRemove = vi.fn()
    inMantine(
      <CartLines
        cart={cart({ items: [line(), line({ priceId: 'pri_2', title: 'Old course', available: false })] })}
        onRemove={onRemove}
      />,
    )
    expect(screen.getByText('No longer for sale')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Remove Old course' }))
    expect(onRemove).toHaveBeenCalledWith('pri_2')
  })
})
