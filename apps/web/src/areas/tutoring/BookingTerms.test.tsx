// @vitest-environment jsdom
import { cleanup, configure, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BookingPolicy, Slot } from '../../api/tutoring.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { BookingTerms, cancellationRule } from './BookingTerms.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const POLICY: BookingPolicy = {
  holdMinutes: 15,
  minNoticeHours: 2,
  horizonDays: 90,
  freeCancelHours: 24,
  lateCancelRefundPercent: 50,
  noShowGraceMinutes: 10,
  noShowReportHours: 24,
  autoCompleteHours: 48,
}
const NOW = Date.parse('2026-11-30T09:00:00Z')
const slotAt = (iso: string): Slot => ({ startsAt: iso, endsAt: iso, localStart: iso, localEnd: iso }) as Slot

let policy: BookingPolicy
beforeEach(() => {
  policy = POLICY
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const path = String(input).split('?')[0]
    if (path === '/api/tutoring/booking-policy')
      return new Response(JSON.stringify(policy), { headers: { 'content-type': 'application/json' } })
    return new Response(JSON.stringify({ status: 401, code: 'unauthenticated', title: 'x', detail: 'x' }), {
      status: 401,
      headers: { 'content-type': 'application/problem+json' },
    })
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('booking terms', () => {
  it('states the cancellation rule before a time is picked', async () => {
    renderPage(<BookingTerms slot={null} now={NOW} />)
    expect(
      await screen.findByText(
        /Free cancellation up to 24 hours before the lesson; later, 50 % is refunded\./,
      ),
    ).toBeTruthy()
    expect(screen.queryByText('Inside the cancellation window')).toBeNull()
  })

  it('warns when the picked time is already inside the late-cancellation window', async () => {
    renderPage(<BookingTerms slot={slotAt('2026-12-01T08:00:00Z')} now={NOW} />)
    expect(await screen.findByText('Inside the cancellation window')).toBeTruthy()
    expect(
      screen.getByText(
        /This lesson starts in less than 24 hours: if you cancel it, 50 % of the price is refunded/,
      ),
    ).toBeTruthy()
  })

  it('does not warn for a time far enough ahead', async () => {
    renderPage(<BookingTerms slot={slotAt('2026-12-01T10:00:00Z')} now={NOW} />)
    await screen.findByText(/Free cancellation up to 24 hours/)
    expect(screen.queryByText('Inside the cancellation window')).toBeNull()
  })
})

describe('cancellationRule', () => {
  it('says each policy shape plainly', () => {
    expect(cancellationRule(POLICY)).toBe(
      'Free cancellation up to 24 hours before the lesson; later, 50 % is refunded.',
    )
    expect(cancellationRule({ ...POLICY, lateCancelRefundPercent: 0, freeCancelHours: 1 })).toBe(
      'Free cancellation up to 1 hour before the lesson; later cancellations are not refunded.',
    )
    expect(cancellationRule({ ...POLICY, lateCancelRefundPercent: 100 })).toBe(
      'You can cancel for a full refund until the lesson starts.',
    )
    expect(cancellationRule({ ...POLICY, freeCancelHours: 0, lateCancelRefundPercent: 80 })).toBe(
      'Cancelling refunds 80 % of the price.',
    )
  })
})
