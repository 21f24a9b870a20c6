// @vitest-environment jsdom
import { configure, fireEvent, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../../test-setup.ts'
import { renderPage, stubApi } from '../../../test-render.tsx'
import UsersPage from './UsersPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const ME = { user: { id: 'usr_1', displayName: 'Root', platformAdmin: true }, orgId: 'org_1', roles: [] }
const USER = {
  id: 'usr_2',
  email: 'lea@example.com',
  displayName: 'Lea Learner',
  emailVerified: true,
  twoFactorEnabled: false,
  platformAdmin: false,
  createdAt: '2026-11-20T10:00:00.000Z',
}

stubApi((path) => {
  if (path === '/api/identity/me') return ME
  if (path === '/api/identity/admin/users') return { items: [USER], nextCursor: null }
  if (path === '/api/identity/admin/users/usr_2')
    return {
      user: USER,
      status: 'active',
      liveSessions: 2,
      memberships: [
        { orgId: 'org_9', orgName: 'Demo Academy', roles: ['learner', 'tutor'] },
        { orgId: 'org_8', orgName: 'Acme Training', roles: ['org_admin'] },
      ],
    }
  return undefined
})

describe('platform users page', () => {
  it('opens an account and names its organizations, not their ids', async () => {
    renderPage(<UsersPage />, '/admin/users')
    fireEvent.click(await screen.findByRole('button', { name: 'View lea@example.com' }))
    expect(await screen.findByText(/^Demo Academy:/)).toBeTruthy()
    expect(screen.getByText(/^Acme Training:/)).toBeTruthy()
    expect(screen.queryByText(/org_9/)).toBeNull()
    expect(screen.getByText('Live sessions: 2')).toBeTruthy()
  })
})
