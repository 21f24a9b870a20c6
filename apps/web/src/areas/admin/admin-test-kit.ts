import { screen, within } from '@testing-library/react'
import { expect } from 'vitest'

/** An organization admin of `org_1` (not a platform admin). */
export const ORG_ADMIN = {
  user: { id: 'usr_admin', displayName: 'Ada', platformAdmin: false },
  orgId: 'org_1',
  roles: ['org_admin'],
}

/** The page shows the server's "Something broke" in an alert that offers "Try again". */
export async function expectLoadFailure(): Promise<void> {
  const alert = await screen.findByRole('alert')
  expect(within(alert).getByText('Something broke')).toBeTruthy()
  expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy()
}

/** The page shows `deniedText` and made no request (`calls`: what the fake API recorded). */
export async function expectDenied(deniedText: string, calls: unknown[]): Promise<void> {
  expect(await screen.findByText(deniedText)).toBeTruthy()
  expect(calls).toEqual([])
}
