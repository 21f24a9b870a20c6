// @vitest-environment jsdom
import { configure, screen } from '@testing-library/react'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Order } from '../../../api/admin.ts'
import { installDomStubs } from '../../../test-setup.ts'
import { renderPage, stubApi } from '../../../test-render.tsx'
import { orderSummary } from '../../../test-fixtures.ts'
import RefundsPage from './RefundsPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const ME = { user: { id: 'usr_1', displayName: 'Root', platformAdmin: true }, orgId: 'org_1', roles: [] }
const ORDERS: Order[] = [
  orderSummary('ord_01a21f7e66b07dafb9118e2a8255cdb4', ['Watercolour', 'Ink']),
  orderSummary('ord_01a21f7e66b07dafb9118e2a8255cdb3', ['Pottery basics']),
]

/** The query strings of the order list calls. */
let asked: string[] = []
beforeEach(() => {
  asked = []
})
stubApi((path, query) => {
  if (path === '/api/identity/me') return ME
  if (path !== '/api/commerce/orders') return undefined
  asked.push(query)
  return { items: ORDERS, nextCursor: null }
})

describe('refunds page', () => {
  it("lists the org's paid orders by what was bought", async () => {
    renderPage(<RefundsPage />, '/admin/refunds')
    expect(await screen.findByText('Watercolour, Ink')).toBeTruthy()
    expect(screen.getByText('Pottery basics')).toBeTruthy()
    expect(asked[0]).toContain('status=paid')
  })
})
