// @vitest-environment jsdom
import { configure, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage, stubApi } from '../../test-render.tsx'
import { LEARNER_ME, orderSummary } from '../../test-fixtures.ts'
import { formatDate } from '../../lib/dates.ts'
import OrdersPage from './OrdersPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const SMALL = orderSummary('ord_01a21f7e66b07dafb9118e2a8255cdb3', ['Pottery basics', 'Glazing at home'])
const BIG = orderSummary('ord_01a21f7e66b07dafb9118e2a8255cdb4', ['One', 'Two', 'Three', 'Four', 'Five'], 7)

stubApi(
  (path) =>
    ({
      '/api/identity/me': LEARNER_ME,
      '/api/commerce/orders/mine': { items: [BIG, SMALL], nextCursor: null },
      '/api/commerce/invoices/mine': { items: [], nextCursor: null },
    })[path],
)

describe('orders page', () => {
  it('names two orders of the same day by what was bought, links them and shows their date', async () => {
    renderPage(<OrdersPage />, '/orders')
    const small = await screen.findByRole('link', { name: 'Pottery basics, Glazing at home' })
    expect(small.getAttribute('href')).toBe(`/orders/${SMALL.id}`)
    const big = screen.getByRole('link', { name: 'One, Two, Three, Four, Five and 2 more' })
    expect(big.getAttribute('href')).toBe(`/orders/${BIG.id}`)
    expect(screen.getAllByText(formatDate(SMALL.createdAt))).toHaveLength(2)
    expect(document.body.textContent).not.toContain(SMALL.id)
  })
})
