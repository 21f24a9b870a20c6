import { describe, expect, it } from 'vitest'
import { assertTransition, canTransition, orderStatuses, type OrderStatus } from './order-state.ts'

const legal: [OrderStatus, OrderStatus][] = [
  ['pending_payment', 'requires_action'],
  ['pending_payment', 'paid'],
  ['pending_payment', 'failed'],
  ['pending_payment', 'cancelled'],
  ['requires_action', 'paid'],
  ['requires_action', 'failed'],
  ['requires_action', 'cancelled'],
  ['paid', 'partially_refunded'],
  ['paid', 'refunded'],
  ['partially_refunded', 'partially_refunded'],
  ['partially_refunded', 'refunded'],
]

describe('happy', () => {
  it.each(legal)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true)
    expect(assertTransition(from, to)).toBe(to)
  })
})

describe('errors', () => {
  it('every other pair of statuses is refused with a 409 conflict', () => {
    let refused = 0
    for (const from of orderStatuses) {
      for (const to of orderStatuses) {
        if (legal.some(([f, t]) => f === from && t === to)) continue
        expect(canTransition(from, to)).toBe(false)
        expect(() => assertTransition(from, to)).toThrow(
          expect.objectContaining({ code: 'conflict', status: 409 }),
        )
        refused++
      }
    }
    expect(refused).toBe(orderStatuses.length ** 2 - legal.length)
  })

  it('failed, cancelled and refunded are terminal; paid never goes back to unpaid', () => {
    for (const to of orderStatuses) {
      expect(canTransition('failed', to)).toBe(false)
      expect(canTransition('cancelled', to)).toBe(false)
      expect(canTransition('refunded', to)).toBe(false)
    }
    expect(canTransition('paid', 'pending_payment')).toBe(false)
    expect(canTransition('paid', 'cancelled')).toBe(false)
  })
})

describe('security', () => {
  it('an unknown status stored or sent cannot transition anywhere', () => {
    expect(canTransition('hacked', 'paid')).toBe(false)
    expect(() => assertTransition('', 'paid')).toThrow()
  })
})
